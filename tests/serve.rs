//! `gradproof serve`'s API over real HTTP on 127.0.0.1: the page and its script, the menu of
//! course derivations, checks with their verdicts and spans, and every bad request answered with a
//! status and a message — never a crash: mutated corpus texts are checked one after another and the
//! server still answers. (The page itself is tested in a browser: web/e2e/playground.mjs.)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;

use gradproof::check::CheckOptions;
use gradproof::serve::{examples, CheckResponse, ServeOptions, Server, MAX_BODY_BYTES, MAX_CLIENT_CHARS};

/// One server for the whole file, on a free port.
fn server() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let options =
            ServeOptions { address: "127.0.0.1:0".parse().unwrap(), max_checks: 4, check: CheckOptions::default() };
        let server = Server::bind(options).expect("a free port on loopback");
        let address = server.address();
        std::thread::spawn(move || server.run());
        address
    })
}

/// Sends a request; returns the status and the body.
fn request(method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(server()).expect("the server accepts");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // A refused body may be answered before it is all sent; the answer is what counts.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("an answer");
    let answer = String::from_utf8(answer).expect("UTF-8 answers");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    (status, body.to_string())
}

fn check(source: &str) -> CheckResponse {
    let body = serde_json::json!({ "source": source }).to_string();
    let (status, text) = request("POST", "/api/check", body.as_bytes());
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("a CheckResponse")
}

fn error_of(text: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(text).expect("a JSON error");
    value["error"].as_str().expect("an `error` message").to_string()
}

#[test]
fn the_page_its_script_and_the_menu_are_served() {
    let (status, page) = request("GET", "/", b"");
    assert_eq!(status, 200);
    assert!(page.contains("<script src=\"/app.js\">"));
    let (status, script) = request("GET", "/app.js", b"");
    assert_eq!(status, 200);
    assert!(script.len() > 100_000, "the bundle with CodeMirror and KaTeX");
    let (status, menu) = request("GET", "/api/examples", b"");
    assert_eq!(status, 200);
    let menu: Vec<serde_json::Value> = serde_json::from_str(&menu).unwrap();
    assert_eq!(menu.len(), examples().len());
    assert_eq!(menu[0]["title"], "LSTM forget-gate delta");
    for example in examples() {
        let (status, text) = request("GET", &format!("/api/examples/{}", example.name), b"");
        assert_eq!(status, 200);
        assert!(text.contains("derive"), "{} is a derivation", example.name);
    }
    let (status, text) = request("GET", "/api/examples/../../etc/passwd", b"");
    assert_eq!(status, 404);
    assert!(error_of(&text).contains("GET /api/examples lists them"));
}

#[test]
fn a_check_gives_verdicts_causes_spans_and_the_typeset_derivation() {
    // `σ` is written first so that offsets in UTF-16 differ from those in bytes.
    let source = "# σ′\nvar x\nderive diff(sigmoid(x), x)\n  = sigmoid(x) * (1 - sigmoid(x))\n  = -sigmoid(x) * (1 - sigmoid(x))\n";
    let answer = check(source);
    let steps = answer.report["derivations"][0]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["verdict"], "proved");
    assert_eq!(steps[1]["verdict"], "wrong");
    assert_eq!(steps[1]["cause"], "sign error");
    assert!(steps[1]["counterexample"]["inputs"]["x"].is_number());
    let utf16: Vec<u16> = source.encode_utf16().collect();
    let span = answer.steps[0][1];
    let text = String::from_utf16(&utf16[span.from..span.to]).unwrap();
    assert_eq!(text, "  = -sigmoid(x) * (1 - sigmoid(x))");
    let markdown = answer.markdown.expect("typeset when there is no error");
    assert!(markdown.contains("\\begin{aligned}"), "{markdown}");
}

#[test]
fn warnings_come_with_their_spans_and_change_no_verdict() {
    let source = "var E, y\nderive diff(E, y)\n  = 42 * diff(E, y)\n";
    let answer = check(source);
    assert_eq!(answer.report["warnings"][0]["line"], 2);
    assert!(answer.report["warnings"][0]["hint"].as_str().unwrap().contains("unknown E depends on y"));
    assert_eq!(answer.warnings.len(), 1);
    assert_eq!(answer.warnings[0].from, "var E, y\n".len());
    assert_eq!(answer.report["derivations"][0]["steps"][0]["verdict"], "proved");
    assert!(answer.errors.is_empty() && answer.markdown.is_some());
}

#[test]
fn errors_come_with_their_spans_and_the_seed_is_taken() {
    let answer = check("var x\nderive x +\n  = x\n");
    assert_eq!(answer.report["errors"][0]["line"], 2);
    assert_eq!(answer.errors.len(), 1);
    assert_eq!(answer.errors[0].from, "var x\nderive x +".len());
    assert!(answer.markdown.is_none());

    let body = serde_json::json!({ "source": "var x\nderive x\n  = x + 0\n", "seed": 7 }).to_string();
    let (status, _) = request("POST", "/api/check", body.as_bytes());
    assert_eq!(status, 200);
}

#[test]
fn bad_requests_get_a_status_and_a_message() {
    let (status, text) = request("POST", "/api/check", b"junk");
    assert_eq!(status, 400);
    assert!(error_of(&text).contains("{\"source\": \"…\"}"));
    // A lone surrogate is no text.
    let (status, _) = request("POST", "/api/check", br#"{"source": "\ud800"}"#);
    assert_eq!(status, 400);
    let (status, text) = request("GET", "/api/check", b"");
    assert_eq!(status, 405);
    assert!(error_of(&text).contains("GET is not allowed"));
    let (status, text) = request("GET", "/nothing", b"");
    assert_eq!(status, 404);
    assert!(error_of(&text).contains("the page is at /"));
}

#[test]
fn requests_over_the_limits_are_refused_with_a_message() {
    let body = vec![b' '; MAX_BODY_BYTES as usize + 1];
    let (status, text) = request("POST", "/api/check", &body);
    assert_eq!(status, 413);
    assert!(error_of(&text).contains("larger than"));
    // A text over the limit of a file, in a body under the limit of a request.
    let source = "#".repeat((1 << 20) + 1);
    let body = serde_json::json!({ "source": source }).to_string();
    let (status, text) = request("POST", "/api/check", body.as_bytes());
    assert_eq!(status, 413);
    assert!(error_of(&text).contains("the text is larger than 1048576 bytes"));
}

/// The course derivations, cut and broken in the ways a student's typing leaves them: every
/// request is answered, and the server still answers afterwards.
#[test]
fn mutated_course_texts_never_stop_the_server() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let mut answered = 0;
    for example in examples() {
        let (_, text) = request("GET", &format!("/api/examples/{}", example.name), b"");
        let chars: Vec<char> = text.chars().collect();
        let lines: Vec<&str> = text.lines().collect();
        let cut: String = chars[..next(chars.len())].iter().collect();
        let mut dropped = lines.clone();
        dropped.remove(next(lines.len()));
        let mut doubled: Vec<char> = chars.clone();
        let at = next(chars.len());
        doubled.insert(at, chars[next(chars.len())]);
        let brackets = text.replacen('(', "((", 1 + next(3));
        for mutated in [cut, dropped.join("\n"), doubled.into_iter().collect(), brackets] {
            let body = serde_json::json!({ "source": mutated }).to_string();
            let (status, answer) = request("POST", "/api/check", body.as_bytes());
            assert_eq!(status, 200, "{}: {answer}", example.name);
            serde_json::from_str::<CheckResponse>(&answer).expect("a CheckResponse");
            answered += 1;
        }
    }
    assert_eq!(answered, 4 * examples().len());
    let (status, _) = request("GET", "/api/examples", b"");
    assert_eq!(status, 200);
}

/// An answer in LaTeX is read against its model: verdicts on the answer's lines, the model's
/// errors reported as the model's, and an answer without a model refused.
#[test]
fn an_answer_in_latex_is_checked_against_its_model() {
    let model = "index c in 1..D\nvar net_phi[t], s[c,t-1]\nunknown f_phi(x)\nunknown E depends on s[c,t]\nlet y_phi[t] = f_phi(net_phi[t])\nlet s[c,t] = y_phi[t] * s[c,t-1]\nlet zeta[c,t] = ∂E/∂s[c,t]\n";
    let answer = "\\begin{align*}\n\\frac{\\partial E}{\\partial \\text{net}_\\phi^t} &= \\sum_c \\zeta_c^t s_c^{t-1} f_\\phi'(\\text{net}_\\phi^t) \\\\\n&= -f_\\phi'(\\text{net}_\\phi^t) \\sum_c \\zeta_c^t s_c^{t-1}\n\\end{align*}\n";
    let post = |body: serde_json::Value| request("POST", "/api/check", body.to_string().as_bytes());
    let (status, text) = post(serde_json::json!({ "source": answer, "kind": "tex", "model": model }));
    assert_eq!(status, 200, "{text}");
    let answered: CheckResponse = serde_json::from_str(&text).unwrap();
    let steps = answered.report["derivations"][0]["steps"].as_array().unwrap();
    let verdicts: Vec<_> =
        steps.iter().map(|s| (s["line"].as_u64().unwrap(), s["verdict"].as_str().unwrap())).collect();
    assert_eq!(verdicts, [(2, "proved"), (3, "wrong")]);
    assert_eq!(steps[1]["cause"], "sign error");
    assert!(!answered.in_model && answered.markdown.is_none());

    let (_, text) = post(serde_json::json!({ "source": answer, "kind": "tex", "model": "var x\nlet y =\n" }));
    let broken: CheckResponse = serde_json::from_str(&text).unwrap();
    assert!(broken.in_model, "the errors are the model's");
    assert_eq!(broken.report["errors"][0]["line"], 2);

    let (status, text) = post(serde_json::json!({ "source": answer, "kind": "tex" }));
    assert_eq!(status, 400);
    assert!(error_of(&text).contains("needs its model"));
    let (status, text) = post(serde_json::json!({ "source": answer, "kind": "pdf", "model": model }));
    assert_eq!(status, 400);
    assert!(error_of(&text).contains("unknown kind `pdf`"));
}

/// A page that names itself has one check running: a newer text stops the older one, which is
/// answered `409` at once instead of holding its place to the end (a tester's finding: checks
/// abandoned by typing held every place, and every keystroke of a long text got "busy").
#[test]
fn a_newer_text_from_the_same_page_stops_the_older_check() {
    let name = examples().swap_remove(0).name;
    let (status, tour) = request("GET", &format!("/api/examples/{name}"), b"");
    assert_eq!(status, 200);
    let (head, body) = tour.split_once("\nderive").expect("a derivation in the tour");
    let long = format!("{head}{}", format!("\nderive{body}").repeat(1500));
    let client = "page-of-the-test";
    let older = {
        let body = serde_json::json!({ "source": long, "client": client }).to_string();
        std::thread::spawn(move || request("POST", "/api/check", body.as_bytes()))
    };
    // The older check is under way before the newer text is sent.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let short = serde_json::json!({ "source": "var x\nderive x + x\n  = 2*x\n", "client": client }).to_string();
    let (status, text) = request("POST", "/api/check", short.as_bytes());
    assert_eq!(status, 200, "{text}");
    let newer: CheckResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(newer.report["derivations"][0]["steps"][0]["verdict"], "proved");
    let (status, text) = older.join().unwrap();
    assert_eq!(status, 409, "{text}");
    assert!(error_of(&text).contains("a newer text from the same page"), "{text}");
    // A text older than one already taken (requests may arrive out of order) is answered `409` at
    // once, while the newer one runs.
    let newer = {
        let body = serde_json::json!({ "source": long, "client": "ordered", "sequence": 7 }).to_string();
        std::thread::spawn(move || request("POST", "/api/check", body.as_bytes()))
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let stale =
        serde_json::json!({ "source": "var x\nderive x = x\n", "client": "ordered", "sequence": 6 }).to_string();
    assert_eq!(request("POST", "/api/check", stale.as_bytes()).0, 409);
    let latest =
        serde_json::json!({ "source": "var x\nderive x = x\n", "client": "ordered", "sequence": 8 }).to_string();
    assert_eq!(request("POST", "/api/check", latest.as_bytes()).0, 200);
    assert_eq!(newer.join().unwrap().0, 409);
    // The page's checks are over; another page's name is a page of its own.
    let named = serde_json::json!({ "source": "var x\nderive x = x\n", "client": "another page" }).to_string();
    assert_eq!(request("POST", "/api/check", named.as_bytes()).0, 200);
    let too_long = serde_json::json!({ "source": "var x", "client": "c".repeat(MAX_CLIENT_CHARS + 1) }).to_string();
    let (status, text) = request("POST", "/api/check", too_long.as_bytes());
    assert_eq!(status, 400);
    assert!(error_of(&text).contains("at most 64 characters"), "{text}");
}
