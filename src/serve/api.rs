//! The routes of `serve` and the JSON of `POST /api/check`. Every answer is built here as a
//! [`Reply`]; only [`respond`] writes to the connection.

use std::io::Read;

use serde::{Deserialize, Serialize};

use super::assets;
use crate::check::CheckOptions;
use crate::latex::AnswerKind;
use crate::report::{file_json, render_math, RenderFormat};
use crate::source::{check_answer, check_source, FileReport, MAX_FILE_BYTES};
use crate::syntax::parse_file;
use crate::work;

/// The largest request body read: a source text of [`MAX_FILE_BYTES`] in JSON, where escapes may
/// double it. A larger body gets `413` unread.
pub const MAX_BODY_BYTES: u64 = 2 * MAX_FILE_BYTES + 1024;

/// The body of `POST /api/check`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckRequest {
    /// The text: a `.deriv` file, or an answer in LaTeX or Markdown (`kind`).
    pub source: String,
    /// What the text is: `deriv` (the default), `tex` or `markdown`.
    #[serde(default)]
    pub kind: Option<String>,
    /// For an answer: the `.deriv` file whose declarations are the model (docs/latex.md).
    #[serde(default)]
    pub model: Option<String>,
    /// The seed of the sampling (the default seed of `check` when absent).
    #[serde(default)]
    pub seed: Option<u64>,
    /// A name the page gives itself (a random token, at most [`MAX_CLIENT_CHARS`] characters): a
    /// check of a newer text from the same page stops this one, which is then answered `409`.
    #[serde(default)]
    pub client: Option<String>,
    /// The number of this text among the page's (rising): a text older than one already taken
    /// is answered `409` at once, whatever order the requests arrive in.
    #[serde(default)]
    pub sequence: Option<u64>,
}

/// The longest `client` name taken.
pub const MAX_CLIENT_CHARS: usize = 64;

/// The answer of `POST /api/check`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckResponse {
    /// The JSON report of `cli.md` for the one text (`files[0]`).
    pub report: serde_json::Value,
    /// For each derivation of the report, the span of each step in the text, in UTF-16 code units
    /// (the offsets of a JavaScript string, so of the editor).
    pub steps: Vec<Vec<Range>>,
    /// The span of each error of the report, in the same units.
    pub errors: Vec<Range>,
    /// The span of each warning of the report (`report.warnings`), in the same units.
    #[serde(default)]
    pub warnings: Vec<Range>,
    /// The derivations typeset as `render --to markdown --verdicts` writes them, when the text is
    /// a `.deriv` file with no errors.
    pub markdown: Option<String>,
    /// Whether the report is the model's (an answer's model has errors, and nothing was checked):
    /// its spans are then offsets of `model`.
    #[serde(default)]
    pub in_model: bool,
}

/// A span of the text in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// The first unit.
    pub from: usize,
    /// One past the last unit.
    pub to: usize,
}

/// A check request, read and validated: the text, and for an answer its kind and model.
pub(super) struct Text {
    source: String,
    answer: Option<(AnswerKind, String)>,
    seed: Option<u64>,
    /// The page that sent it, whose newer texts stop this one's check.
    pub(super) client: Option<String>,
    /// Its number among the page's texts.
    pub(super) sequence: u64,
}

/// An answer: status, content type and body.
pub(super) struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply { status, content_type, body: body.into() }
    }

    fn json(status: u16, value: &impl Serialize) -> Reply {
        Reply::new(status, "application/json", serde_json::to_vec(value).expect("answers serialise"))
    }

    /// An error a person can read: `{"error": message}`.
    fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, &serde_json::json!({ "error": message.into() }))
    }

    /// The answer when answering failed: a bug of gradproof, never of the request.
    pub(super) fn internal() -> Reply {
        Reply::error(500, "internal error while answering; please report the text to the gradproof developers")
    }

    /// The answer to a check stopped because the same page sent a newer text.
    pub(super) fn superseded() -> Reply {
        Reply::error(409, "not checked to the end: a newer text from the same page replaced this one")
    }

    /// The refusal of a check past the limit of checks at once.
    pub(super) fn busy(max_checks: usize) -> Reply {
        Reply::error(503, format!("the server is already checking {max_checks} texts at once; try again in a moment"))
    }
}

/// The answer to one request. `check` runs a check of a request body (it may refuse: too many
/// checks at once).
pub(super) fn route(request: &mut tiny_http::Request, check: impl FnOnce(Text) -> Reply) -> Reply {
    use tiny_http::Method::{Get, Head, Post};
    let path = request.url().split(['?', '#']).next().unwrap_or("").to_string();
    let method = request.method().clone();
    match (&method, path.as_str()) {
        (Get | Head, "/") => Reply::new(200, "text/html; charset=utf-8", assets::PAGE),
        (Get | Head, "/app.js") => Reply::new(200, "text/javascript; charset=utf-8", assets::SCRIPT),
        (Get | Head, "/api/examples") => Reply::json(200, &assets::examples()),
        (Get | Head, p) if p.starts_with("/api/examples/") => {
            let name = &p["/api/examples/".len()..];
            match assets::example(name) {
                Some(text) => Reply::new(200, "text/plain; charset=utf-8", text),
                None => Reply::error(404, format!("there is no example `{name}`; GET /api/examples lists them")),
            }
        }
        (Post, "/api/check") => match read_request(request) {
            Ok(body) => check(body),
            Err(reply) => reply,
        },
        (_, "/" | "/app.js" | "/api/examples" | "/api/check") => {
            Reply::error(405, format!("{method} is not allowed here"))
        }
        _ => Reply::error(404, format!("nothing at {path}: the page is at /, the API at /api/check")),
    }
}

/// The body of a check request, read up to its limit.
fn read_request(request: &mut tiny_http::Request) -> Result<Text, Reply> {
    let too_large = || {
        Reply::error(
            413,
            format!("the request is larger than {MAX_BODY_BYTES} bytes; a text may have at most {MAX_FILE_BYTES}"),
        )
    };
    if request.body_length().is_some_and(|n| n as u64 > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| Reply::error(400, format!("cannot read the request: {e}")))?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let request: CheckRequest = serde_json::from_slice(&body).map_err(|e| {
        Reply::error(400, format!("the request is not the JSON `{{\"source\": \"…\"}}` that /api/check takes: {e}"))
    })?;
    if request.source.len() as u64 > MAX_FILE_BYTES
        || request.model.as_ref().is_some_and(|m| m.len() as u64 > MAX_FILE_BYTES)
    {
        return Err(Reply::error(413, format!("the text is larger than {MAX_FILE_BYTES} bytes")));
    }
    let CheckRequest { source, kind, model, seed, client, sequence } = request;
    if client.as_ref().is_some_and(|c| c.chars().count() > MAX_CLIENT_CHARS) {
        return Err(Reply::error(400, format!("a `client` name may have at most {MAX_CLIENT_CHARS} characters")));
    }
    let answer = match (kind_of(kind.as_deref()), model) {
        (Err(kind), _) => {
            return Err(Reply::error(400, format!("unknown kind `{kind}`: use `deriv`, `tex` or `markdown`")))
        }
        (Ok(Some(_)), None) => {
            return Err(Reply::error(
                400,
                "an answer in LaTeX or Markdown needs its model: the `.deriv` text in `model`",
            ))
        }
        (Ok(Some(kind)), Some(model)) => Some((kind, model)),
        (Ok(None), _) => None,
    };
    Ok(Text { source, answer, seed, client, sequence: sequence.unwrap_or(0) })
}

/// The kind of answer a request holds: `None` for a `.deriv` text, or the name it gave that is no
/// kind.
fn kind_of(kind: Option<&str>) -> Result<Option<AnswerKind>, String> {
    match kind {
        None | Some("deriv") => Ok(None),
        Some("tex" | "latex") => Ok(Some(AnswerKind::Tex)),
        Some("markdown" | "md") => Ok(Some(AnswerKind::Markdown)),
        Some(other) => Err(other.to_string()),
    }
}

/// The path a report of the model names.
const MODEL_PATH: &str = "model.deriv";

/// Checks one text: the report, the spans in the editor's units, the typeset derivations.
pub(super) fn check(text: Text, options: &CheckOptions) -> Reply {
    let options = CheckOptions { seed: text.seed.unwrap_or(options.seed), ..options.clone() };
    let report = match &text.answer {
        Some((kind, model)) => {
            let path = if *kind == AnswerKind::Tex { "answer.tex" } else { "answer.md" };
            check_answer(path, text.source.as_bytes(), *kind, MODEL_PATH, model.as_bytes(), &options)
        }
        None => check_source("playground.deriv", text.source.as_bytes(), &options),
    };
    if work::stop_asked() {
        // Nobody waits for this text's verdicts: not typeset, not sent.
        return Reply::superseded();
    }
    Reply::json(200, &response(&report, text.answer.is_none()))
}

fn response(report: &FileReport, deriv: bool) -> CheckResponse {
    let units = Utf16::new(&report.source);
    let range = |span: crate::diagnostic::Span| Range { from: units.at(span.start), to: units.at(span.end) };
    let steps = report.derivations.iter().map(|d| d.steps.iter().map(|s| range(s.span)).collect()).collect();
    let errors = report.errors.iter().map(|d| range(d.span)).collect();
    let warnings = report.warnings.iter().map(|d| range(d.span)).collect();
    let markdown = (deriv && report.errors.is_empty()).then(|| {
        let (file, _) = parse_file(&report.source);
        render_math(&file, Some(&report.derivations), RenderFormat::Markdown)
    });
    let in_model = !deriv && report.path == MODEL_PATH;
    CheckResponse { report: file_json(report), steps, errors, warnings, markdown, in_model }
}

/// Byte offsets of a text turned into UTF-16 offsets.
struct Utf16 {
    /// `(byte offset, UTF-16 offset)` at the start of every character.
    starts: Vec<(usize, usize)>,
}

impl Utf16 {
    fn new(text: &str) -> Utf16 {
        let mut units = 0;
        let mut starts = Vec::with_capacity(text.len() + 1);
        for (at, c) in text.char_indices() {
            starts.push((at, units));
            units += c.len_utf16();
        }
        starts.push((text.len(), units));
        Utf16 { starts }
    }

    /// The UTF-16 offset of the character that holds byte `at` (the end past the text).
    fn at(&self, at: usize) -> usize {
        let i = self.starts.partition_point(|&(b, _)| b <= at);
        self.starts[i.saturating_sub(1)].1
    }
}

/// Writes the answer; a client that went away is no error of the server.
pub(super) fn respond(request: tiny_http::Request, reply: Reply) -> std::io::Result<()> {
    let header =
        tiny_http::Header::from_bytes(&b"Content-Type"[..], reply.content_type.as_bytes()).expect("a valid header");
    let nosniff =
        tiny_http::Header::from_bytes(&b"X-Content-Type-Options"[..], &b"nosniff"[..]).expect("a valid header");
    let response = tiny_http::Response::from_data(reply.body)
        .with_status_code(reply.status)
        .with_header(header)
        .with_header(nosniff);
    request.respond(response)
}

#[cfg(test)]
mod tests {
    use super::Utf16;

    #[test]
    fn offsets_count_utf16_units() {
        let units = Utf16::new("a∂𝑥b");
        // `a` 1 byte 1 unit, `∂` 3 bytes 1 unit, `𝑥` 4 bytes 2 units.
        assert_eq!([0, 1, 4, 8, 9].map(|b| units.at(b)), [0, 1, 2, 4, 5]);
        // Inside a character: its start.
        assert_eq!(units.at(2), 1);
        assert_eq!(units.at(100), 5);
    }
}
