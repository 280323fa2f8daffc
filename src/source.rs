//! The library's front door for one source text: decode it, parse it, resolve its names and check
//! every derivation, with the isolation a tool that reads anything needs (a thread with a large
//! stack, a panic caught and reported as an error of that file, the budgets of work in
//! `CheckOptions`). Commands, tests, benches, fuzz targets and `derive` check a text through here.

use crate::check::{check_model, CheckOptions, DerivationResult};
use crate::diagnostic::{Diagnostic, Span};
use crate::latex::write::expression_latex;
use crate::latex::{read_answer, unread_spellings, AnswerKind};
use crate::localise::localise;
use crate::model::{resolve, warnings, Model};
use crate::syntax::ast::{File, Item};
use crate::syntax::{parse_file, parse_file_on};
use crate::work;

/// The syntax tree and the model of a source text, with every error of both in the order of the
/// text.
fn parsed_model(source: &str, jobs: usize) -> (File, Model, Vec<Diagnostic>) {
    let (file, mut errors) = parse_file_on(source, jobs);
    let (model, resolve_errors) = resolve(&file);
    errors.extend(resolve_errors);
    errors.extend(unread_spellings(&file));
    errors.sort_by_key(|d| d.span.start);
    (file, model, errors)
}

/// Checks every derivation of a model resolved from `file`, then searches a verified repair for
/// each wrong step (when the options ask for it).
fn check_file(source: &str, file: &File, model: &Model, options: &CheckOptions) -> Vec<DerivationResult> {
    let mut results = check_model(model, options);
    if options.repair {
        localise(source, file, model, &mut results, options);
    }
    results
}

/// Everything learned about one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as given (or `<stdin>`).
    pub path: String,
    /// The source text (empty when it could not be read).
    pub source: String,
    /// The file's `title`.
    pub title: Option<String>,
    /// Problems that stopped parts of the file from being checked.
    pub errors: Vec<Diagnostic>,
    /// What checks but is almost surely not what was meant (a head that is identically 0 by the
    /// declarations). A warning never changes a verdict or the exit status.
    pub warnings: Vec<Diagnostic>,
    /// Results of the derivations that were checked.
    pub derivations: Vec<DerivationResult>,
}

impl FileReport {
    /// The report of a file that was not checked: its errors and nothing else.
    pub fn unchecked(path: impl Into<String>, source: String, errors: Vec<Diagnostic>) -> FileReport {
        FileReport { path: path.into(), source, title: None, errors, warnings: Vec::new(), derivations: Vec::new() }
    }
}

/// Files (and texts sent to `serve`) larger than this are refused unread.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

pub use crate::check::CHECK_STACK_BYTES;

/// Checks the text of one file. `bytes` may be anything; problems are reported, never panicked on.
pub fn check_source(path: &str, bytes: &[u8], options: &CheckOptions) -> FileReport {
    isolated(path, bytes, || check_source_here(path, bytes, options))
}

/// Checks an answer written in LaTeX or Markdown (`kind`) against a model: the declarations of
/// `model` (a derivation file; its own derivations are ignored) name everything, and every
/// derivation read from the answer's display math is checked. The report is the answer's (its
/// spans are offsets of `answer`), except when the model itself has errors: then it is the
/// model's report, with those errors and nothing checked.
pub fn check_answer(
    path: &str,
    answer: &[u8],
    kind: AnswerKind,
    model_path: &str,
    model: &[u8],
    options: &CheckOptions,
) -> FileReport {
    isolated(path, answer, || check_answer_here(path, answer, kind, model_path, model, options))
}

/// Runs `work` on a thread with a large stack; a panic becomes an error of the file.
fn isolated(path: &str, bytes: &[u8], work: impl FnOnce() -> FileReport + Send) -> FileReport {
    // A caller that may stop the check (the playground) stops it on the worker too.
    let stop = work::StopFlag::here();
    std::thread::scope(|scope| {
        let worker =
            std::thread::Builder::new().stack_size(CHECK_STACK_BYTES).spawn_scoped(scope, move || stop.run(work));
        match worker.map(|h| h.join()) {
            Ok(Ok(report)) => report,
            _ => FileReport::unchecked(
                path,
                String::from_utf8_lossy(bytes).into_owned(),
                vec![Diagnostic::error(Span::default(), "internal error while checking this file")
                    .with_hint("please report this input to the gradproof developers")],
            ),
        }
    })
}

fn check_answer_here(
    path: &str,
    answer: &[u8],
    kind: AnswerKind,
    model_path: &str,
    model_bytes: &[u8],
    options: &CheckOptions,
) -> FileReport {
    let model_source = match decode_source(model_bytes) {
        Ok(source) => source,
        Err((valid, d)) => return FileReport::unchecked(model_path, valid, vec![d]),
    };
    let (model_file, mut model_errors) = parse_file(&model_source);
    let (model_alone, resolve_errors) = resolve(&model_file);
    model_errors.extend(resolve_errors);
    model_errors.extend(unread_spellings(&model_file));
    if !model_errors.is_empty() {
        model_errors.sort_by_key(|d| d.span.start);
        return FileReport::unchecked(model_path, model_source, model_errors);
    }
    let text = match decode_source(answer) {
        Ok(text) => text,
        Err((valid, d)) => return FileReport::unchecked(path, valid, vec![d]),
    };
    let (answer, mut errors) = answer_file(&text, kind, &model_file);
    // The model's declarations and the answer's derivations, as one file.
    let mut file = File {
        items: model_file.items.into_iter().filter(|item| !matches!(item, Item::Derivation(_))).collect(),
        unfilled: Vec::new(),
    };
    file.items.extend(answer.items);
    let (model, mut resolve_errors) = resolve(&file);
    for hint in resolve_errors.iter_mut().flat_map(|d| &mut d.hints) {
        if let Some((_, latex)) = crate::model::LATEX_HINTS.iter().find(|(deriv, _)| hint == deriv) {
            *hint = latex.to_string();
        }
        // (An indicator's sides are read as a Kronecker delta's arguments: a LaTeX answer that
        // wrote no `delta` was told of its arguments, `\mathbb{1}[x \ne 0]` of a real `x`: a
        // reviewer.)
        if hint.starts_with("the arguments of `delta` are indices") {
            *hint = "an indicator `\\mathbb{1}[a = b]` (or `\\ne`) and `\\delta_{ab}` compare indices, class labels and \
                     integers; of real values write what it makes (`\\mathbb{1}[x \\ne 0]` is 1 at every real `x` but 0)"
                .to_string();
        }
    }
    errors.extend(resolve_errors);
    errors.sort_by_key(|d| d.span.start);
    if model.declarations_failed {
        return FileReport { title: model.title.clone(), ..FileReport::unchecked(path, text, errors) };
    }
    let mut derivations = check_file(&text, &file, &model, options);
    repairs_in_latex(&mut derivations, &file, kind == AnswerKind::Notebook);
    // The model's warnings say where in the model they are, without the answer's text (they were
    // shown over the answer's text, with the answer's name and the model's line and column); the
    // answer's own are at their place.
    let of_model = warnings(&model_alone);
    let mut warnings = warnings(&model);
    warnings.retain(|w| !of_model.iter().any(|m| m.span == w.span && m.message == w.message));
    for w in of_model {
        let (line, _) = crate::diagnostic::line_col(&model_source, w.span.start);
        let mut said = Diagnostic::warning(Span::default(), format!("{model_path}, line {line}: {}", w.message));
        said.hints = w.hints;
        warnings.push(said.without_source());
    }
    FileReport { path: path.to_string(), source: text, title: model.title.clone(), errors, warnings, derivations }
}

/// The repairs of an answer's steps said in LaTeX, as its culprits are (they are the answer's own
/// text): "replacing `- p_i \sum_k t_k` by `p_{i} \sum_{k=1}^{K} t_{k}`", not by `p[i] * sum(k,
/// t[k])`. A replacement that is not one expression is left as it is.
pub fn repairs_in_latex(derivations: &mut [DerivationResult], file: &File, notebook: bool) {
    let latex = |text: &mut String| {
        // (A sign's replacement keeps the operator before its term: `+ p[i] * sum(k, t[k])`.)
        let (sign, rest) = match text.split_once(' ') {
            Some((op @ ("+" | "-"), rest)) => (format!("{op} "), rest),
            _ => (String::new(), text.as_str()),
        };
        if let Some(l) = (!rest.is_empty()).then(|| expression_latex(rest, file)).flatten() {
            // (Brackets around the whole stay: `- (1 - p)` was said `- 1 - p`, a false repair
            // shown as proved; a TA.)
            *text = match bracketed(rest.trim()) {
                Some((open, close)) if bracketed(&l).is_none() => format!("{sign}{open}{l}{close}"),
                _ => format!("{sign}{l}"),
            };
        }
    };
    for repair in derivations.iter_mut().flat_map(|d| &mut d.steps).filter_map(|s| s.repair.as_mut()) {
        // A notebook's culprit is quoted from its JSON: `\\left(` there is what the student typed
        // as `\left(` (a TA: the feedback quoted the escapes).
        if notebook {
            if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{}\"", repair.culprit_text)) {
                repair.culprit_text = unescaped;
            }
        }
        // Another index of the same name: the student's own spelling with the subscript changed
        // (`\hat{x}_{d}` for `\hat{x}_k`, not the renderer's `\mathit{xhat}_{d}`).
        if repair.kind == crate::check::RepairKind::Index {
            if let Some(respelled) = subscript_changed(&repair.culprit_text, &repair.replacement) {
                repair.replacement = respelled;
                continue;
            }
        }
        latex(&mut repair.replacement);
        // The culprit quoted with its brackets, `\left(\pi_b - \delta_{b,a}\right)`: the
        // replacement keeps them, or the change applied as told changes what else multiplies it
        // (a TA: `G (\pi_b - \delta)` was to become `G \delta - \pi_b`).
        // (Not a part removed, whose replacement is nothing.)
        if let Some((open, close)) = bracketed(repair.culprit_text.trim()) {
            if !repair.replacement.trim().is_empty() && bracketed(repair.replacement.trim()).is_none() {
                repair.replacement = format!("{open}{}{close}", repair.replacement);
            }
        }
        if let Some((written, value)) = repair.of.as_mut() {
            latex(written);
            latex(value);
        }
    }
}

/// The brackets around the whole of a LaTeX expression as written, if it is bracketed whole:
/// `\left(` … `\right)`, `(` … `)`, `\big(` … `\big)` and their square forms.
fn bracketed(text: &str) -> Option<(&'static str, &'static str)> {
    const PAIRS: [(&str, &str); 6] = [
        ("\\left(", "\\right)"),
        ("\\left[", "\\right]"),
        ("\\big(", "\\big)"),
        ("\\Big(", "\\Big)"),
        ("(", ")"),
        ("[", "]"),
    ];
    let (open, close) = PAIRS.into_iter().find(|(o, c)| text.starts_with(o) && text.ends_with(c))?;
    let inner = &text[open.len()..text.len() - close.len()];
    // The first bracket closes at the end, not before it (`(a)(b)` is not bracketed whole).
    let (o, c) = (open.chars().last()?, close.chars().last()?);
    let mut depth = 0i32;
    for ch in inner.chars() {
        if ch == o {
            depth += 1;
        } else if ch == c {
            depth -= 1;
            if depth < 0 {
                return None;
            }
        }
    }
    (depth == 0).then_some((open, close))
}

/// `written` (a LaTeX name with one subscript and no superscript, `\hat{x}_k`, `W_{ij}`,
/// `\delta_{m}`) with the subscripts of `entry` (`xh[d]`, `W[j,i]`) in place of its own, where
/// both have as many.
fn subscript_changed(written: &str, entry: &str) -> Option<String> {
    if written.contains('^') {
        return None;
    }
    let (_, subs) = entry.strip_suffix(']')?.split_once('[')?;
    let new: Vec<&str> = subs.split(',').map(str::trim).collect();
    let at = written.rfind('_')?;
    let (base, sub) = (&written[..at], &written[at + 1..]);
    let inner = match sub.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) if !inner.contains(['{', '}']) => inner,
        Some(_) => return None,
        None if sub.chars().count() == 1 && sub.chars().all(char::is_alphanumeric) => sub,
        None => return None,
    };
    let old: Vec<&str> = if inner.contains(',') {
        inner.split(',').map(str::trim).collect()
    } else if new.len() > 1 && inner.chars().count() == new.len() {
        inner.char_indices().map(|(i, c)| &inner[i..i + c.len_utf8()]).collect()
    } else {
        vec![inner.trim()]
    };
    // (Indices written as single letters, plain or shifted, on both sides: a label in the
    // subscript (`h_{1j}`) or an index with a spelling of its own (`\tau`) is left to the
    // renderer.)
    let plain = |item: &&str| {
        item.starts_with(|c: char| c.is_ascii_alphabetic())
            && !item.as_bytes().windows(2).any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic())
    };
    if old.len() != new.len() || base.is_empty() || !old.iter().all(plain) || !new.iter().all(plain) {
        return None;
    }
    // Written run together (`W_{ij}`) where every new index is one letter; else with commas.
    let joined = if !inner.contains(',') && new.len() > 1 && new.iter().all(|n| n.chars().count() == 1) {
        new.concat()
    } else {
        new.join(",")
    };
    Some(format!("{base}_{{{joined}}}"))
}

/// An answer's text (LaTeX, Markdown or a notebook) as a syntax tree: its derivations, read with
/// the names `model` declares, each span an offset of `text`, and what could not be read. An
/// answer of which nothing could be read and nothing was refused (no display math with `=`, a
/// PDF saved as `.tex`) has an error saying so, so that it is never taken for an empty answer.
pub fn answer_file(text: &str, kind: AnswerKind, model: &File) -> (File, Vec<Diagnostic>) {
    let (derivations, mut errors) = read_answer(text, kind, model);
    if derivations.is_empty() && errors.is_empty() {
        // Equations in inline math only (`$a = b$`, `\begin{math}`): said where the first is.
        let error = match crate::latex::inline_equations(text, kind).first() {
            Some(&at) => Diagnostic::error(at, "no derivation was found in this answer: this equation is inline math")
                .with_hint("inline math is not read; write the derivation in display math (`align*`, `$$…$$`, `\\[…\\]`), see docs/latex.md"),
            None => Diagnostic::error(Span::default(), "no derivation was found in this answer")
                .with_hint(
                    "a derivation is a display-math block (`align*`, `$$…$$`, `\\[…\\]`) with a chain `LHS = A = B`; \
                     see docs/latex.md",
                )
                .without_source(),
        };
        errors.push(error);
    }
    (File { items: derivations.into_iter().map(Item::Derivation).collect(), unfilled: Vec::new() }, errors)
}

fn check_source_here(path: &str, bytes: &[u8], options: &CheckOptions) -> FileReport {
    let source = match decode_source(bytes) {
        Ok(source) => source,
        Err((valid, d)) => return FileReport::unchecked(path, valid, vec![d]),
    };
    let (file, model, errors) = parsed_model(&source, options.jobs);
    // Errors in declarations can change the meaning of every derivation; errors confined to
    // derivation lines only drop those derivations (the resolver leaves them out).
    let declarations_ok = !model.declarations_failed && errors.iter().all(|d| on_derivation_line(&source, d.span));
    if !declarations_ok {
        return FileReport { title: model.title.clone(), ..FileReport::unchecked(path, source, errors) };
    }
    let derivations = check_file(&source, &file, &model, options);
    FileReport {
        path: path.to_string(),
        source,
        title: model.title.clone(),
        errors,
        warnings: warnings(&model),
        derivations,
    }
}

/// The text of a file's bytes, a byte-order mark (files saved on Windows) turned into spaces and
/// a carriage return alone (an old Mac's line ending) into a line feed, which keep every offset.
/// (A file of carriage returns alone was one line: "unexpected `d`", and the lines shown run
/// together; an adversarial tester's finding.) For bytes that are not UTF-8: the valid prefix and
/// an error at the first bad byte, in the prefix's coordinates.
pub fn decode_source(bytes: &[u8]) -> Result<String, (String, Diagnostic)> {
    let source = match std::str::from_utf8(bytes) {
        Ok(s) if s.contains('\r') => {
            let mut text = s.as_bytes().to_vec();
            for i in 0..text.len() {
                if text[i] == b'\r' && text.get(i + 1) != Some(&b'\n') {
                    text[i] = b'\n';
                }
            }
            String::from_utf8(text).expect("a carriage return is one byte of its own in UTF-8")
        }
        Ok(s) => s.to_string(),
        Err(e) => {
            let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
            let at = valid.len();
            // A PDF or a picture handed in (a scan): saving it as UTF-8 would not help (a TA).
            let kind =
                [(&b"%PDF"[..], "a PDF"), (&b"\x89PNG"[..], "a PNG picture"), (&b"\xFF\xD8\xFF"[..], "a JPEG picture")]
                    .into_iter()
                    .find(|(magic, _)| bytes.starts_with(magic))
                    .map(|(_, kind)| kind);
            let d = match kind {
                Some(kind) => Diagnostic::error(Span::new(0, 0), format!("the file is {kind}, which is not read"))
                    .with_hint("hand in the answer as text: a `.deriv`, `.tex` or `.md` file, or a notebook (`.ipynb`)")
                    .without_source(),
                None => Diagnostic::error(Span::new(at, at), "file is not valid UTF-8")
                    .with_hint("save the file with UTF-8 encoding"),
            };
            return Err((valid, d));
        }
    };
    Ok(match source.strip_prefix('\u{FEFF}') {
        Some(rest) => format!("   {rest}"),
        None => source,
    })
}

fn on_derivation_line(source: &str, span: Span) -> bool {
    let start = source[..span.start.min(source.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = source[start..].trim_start();
    ["derive", "=", "≈", "~="].iter().any(|p| line.starts_with(p))
}
