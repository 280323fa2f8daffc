//! Answers written in LaTeX and Markdown, read against a model (docs/latex.md): the notation
//! variants of one step, verdicts of right and wrong steps, and refusals with their line and
//! column. The truth of every step is established by hand (noted beside it).

use gradproof::check::{CheckOptions, Verdict};
use gradproof::diagnostic::line_col;
use gradproof::latex::AnswerKind;
use gradproof::{check_answer, FileReport};

const FORGET_GATE: &str = include_str!("../derivations/lstm_forget_gate.deriv");
const LOGISTIC: &str = include_str!("latex/logistic.deriv");

fn check(answer: &str, kind: AnswerKind, model: &str) -> FileReport {
    check_answer("answer", answer.as_bytes(), kind, "model.deriv", model.as_bytes(), &CheckOptions::default())
}

fn verdicts(report: &FileReport) -> Vec<Vec<Verdict>> {
    report.derivations.iter().map(|d| d.steps.iter().map(|s| s.verdict).collect()).collect()
}

/// The verdicts and errors of a LaTeX answer against `model`.
fn read_tex(latex: &str, model: &str) -> (Vec<Vec<Verdict>>, Vec<String>) {
    let report = check(latex, AnswerKind::Tex, model);
    (verdicts(&report), errors(&report))
}

/// Each error as `line:column message`.
fn errors(report: &FileReport) -> Vec<String> {
    report
        .errors
        .iter()
        .map(|d| {
            let (line, col) = line_col(&report.source, d.span.start);
            format!("{line}:{col} {}", d.message)
        })
        .collect()
}

/// One true step, δ_φ^t = f_φ'(net_φ^t) Σ_c ζ_c^t s_c^{t-1} (the forget-gate delta: s[c,t] =
/// y_φ[t] s[c,t-1] + …, so ∂s[c,t]/∂y_φ[t] = s[c,t-1], and the chain rule), in the spellings
/// students use; each is one derivation of one proved step.
#[test]
fn notation_variants_of_the_forget_gate_delta() {
    let variants = [
        r"\delta_\phi^t &= f_\phi'(\text{net}_\phi^t) \sum_{c=1}^{D} \zeta_c^t s_c^{t-1}",
        r"\delta_{\phi}^{t} = f'_{\phi}\left(\mathrm{net}_{\phi}^{t}\right) \cdot \sum_c \zeta_c^t \, s_c^{t-1}",
        r"\delta_{\phi,t} = \sum_{c=1}^D s_{c,t-1} \zeta_{c,t} \times f_{\phi}'(\mathit{net}_{\phi,t})",
        r"\delta_\phi^{(t)} = \frac{\partial E}{\partial \text{net}_\phi^{(t)}}",
        // The bound index renamed `c2`, written `c_{2}` as `render` writes it.
        r"\delta_\phi^t = f_\phi'(\text{net}_\phi^t) \sum_{c_{2}=1}^{D} \zeta_{c_{2}}^t s_{c_{2}}^{t-1}",
        r"\partial E / \partial \text{net}_\phi^t = \delta_\phi^t",
        r"\frac{\partial E}{\partial net_\phi^t} = \frac{\partial E}{\partial y_\phi^t} \frac{\partial y_\phi^t}{\partial net_\phi^t}",
    ];
    for variant in variants {
        for (kind, answer) in [
            (AnswerKind::Tex, format!("\\begin{{align*}}\n{variant}\n\\end{{align*}}\n")),
            (AnswerKind::Tex, format!("Prose.\n\\[ {variant} \\]\n")),
            (AnswerKind::Markdown, format!("Prose.\n\n$$\n{variant}\n$$\n")),
            (AnswerKind::Markdown, format!("```math\n{variant}\n```\n")),
        ] {
            let report = check(&answer, kind, FORGET_GATE);
            assert!(report.errors.is_empty(), "{variant}: {:?}", errors(&report));
            assert_eq!(verdicts(&report), [[Verdict::Proved]], "{variant}");
        }
    }
}

/// A chain of several rows, a one-line chain, notes from `%` comments, and wrong steps: the
/// derivative without the gate's f_φ' (wrong), and the gate's value instead of its derivative
/// (wrong).
#[test]
fn chains_notes_and_wrong_steps() {
    let answer = r"\documentclass{article}
\begin{document}
\begin{align}
\delta_\phi^t &= \frac{\partial E}{\partial \text{net}_\phi^t} \nonumber \\
  &= \frac{\partial E}{\partial y_\phi^t} \, f_\phi'(\text{net}_\phi^t) % chain rule
  \\ &= \sum_c \zeta_c^t s_c^{t-1} \tag{2}
\end{align}
$$ \delta_\phi^t = \frac{\partial E}{\partial y_\phi^t} f_\phi'(\text{net}_\phi^t) = \frac{\partial E}{\partial y_\phi^t} y_\phi^t $$
\end{document}
";
    let report = check(answer, AnswerKind::Tex, FORGET_GATE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(
        verdicts(&report),
        [vec![Verdict::Proved, Verdict::Proved, Verdict::Wrong], vec![Verdict::Proved, Verdict::Wrong]]
    );
    let notes: Vec<Option<&str>> = report.derivations[0].steps.iter().map(|s| s.note.as_deref()).collect();
    assert_eq!(notes, [None, Some("chain rule"), None]);
    let lines: Vec<usize> =
        report.derivations[0].steps.iter().map(|s| line_col(&report.source, s.span.start).0).collect();
    assert_eq!(lines, [4, 5, 6]);
}

/// Refusals: each is an error at its line and column, and the readable block beside them is
/// still checked.
#[test]
fn refusals_point_at_the_answer() {
    let answer = r"\begin{align*}
\delta_\phi^t &= \sum \zeta_c^t s_c^{t-1}
\end{align*}
\[ \delta_\phi^t = \sum_1^2 \zeta_c^t \]
\[ \delta_\phi^t = q_\phi^t \]
\[ \delta_\phi^t = \zeta_c^2 \]
\[ \delta_\phi^t < \zeta_c^t \]
\[ \delta_\phi^t = \frac{\partial E}{\partial \text{net}_\phi^t} \]
";
    let report = check(answer, AnswerKind::Tex, FORGET_GATE);
    assert_eq!(
        errors(&report),
        [
            "2:18 a sum without an index (implied summation is not read)",
            "4:25 a sum without an index",
            "5:20 `q` is not a name of the model",
            "6:28 a number as a superscript: a power or an index?",
            "7:18 this relation is not a step of a derivation",
        ]
    );
    assert!(report.errors.iter().all(|d| !d.hints.is_empty()));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
}

/// Markdown with prose and code: `$$` and ```` ```math ```` blocks are read, code is not; σ, e^x,
/// \hat, \log and \ln, \partial … / \partial …. Truth by hand: σ' = σ(1−σ) = e^{−z}/(1+e^{−z})²
/// (not σ²); ∂L/∂w_k = (ŷ−y) x_k for the cross-entropy of ŷ = σ(z) (so (y−ŷ) x_k is wrong);
/// ∂L/∂b = ŷ − y; L = −y log ŷ − (1−y) ln(1−ŷ) by definition; `w^\top x` of the families `w[k]`
/// and `x[k]` is their dot product, z − b (it was refused before 5 December, evening).
#[test]
fn markdown_answer_with_prose_and_code() {
    let answer = include_str!("latex/logistic.md");
    let report = check(answer, AnswerKind::Markdown, LOGISTIC);
    use Verdict::*;
    assert_eq!(
        verdicts(&report),
        [vec![Proved, Proved, Wrong], vec![Proved, Proved, Wrong], vec![Proved], vec![Proved], vec![Proved]]
    );
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
}

/// A model with errors is reported as the model's, and nothing is checked.
#[test]
fn a_broken_model_is_reported_as_such() {
    let report = check("$$ x = x $$", AnswerKind::Markdown, "var x\nlet y = z\n");
    assert_eq!(report.path, "model.deriv");
    assert!(!report.errors.is_empty());
    assert!(report.derivations.is_empty());
}

/// Bad input never panics.
#[test]
fn odd_input_is_an_error_not_a_panic() {
    for answer in [
        "$$",
        "\\[",
        "\\begin{align}",
        "$$ = $$",
        "$$ x_ $$",
        "$$ ^2 $$",
        "$$ \\frac{}{} = 1 $$",
        "$$ (( = ) $$",
        "$$ \\left( x = 1 $$",
        "$$ a &= \\\\ &= \\\\ $$",
        "$$ é_ü^ö = 1 $$",
        "$$ \\sum_{c=}^{} = 1 $$",
        "$$ s_c^{t-} = 1 $$",
        "$$ \\partial = \\partial / $$",
    ] {
        let report = check(answer, AnswerKind::Tex, FORGET_GATE);
        assert!(report.errors.iter().all(|d| !d.message.contains("internal error")), "{answer}");
    }
}

/// Malformed brackets say what is wrong with them (a student tester was told "cannot read `(`
/// here", and of `\right =` only that no derivation was found); an element of a function's value
/// says how to write one.
#[test]
fn a_bracket_that_is_not_closed_says_so() {
    for (answer, message) in [
        ("$$ \\frac{d}{dx} (x^2 + 1 = 2x $$\n", "1:17 this `(` is never closed"),
        ("$$ \\frac{d}{dx} x^2 + 1) = 2x $$\n", "1:24 this `)` closes nothing"),
        ("$$ \\frac{d}{dx} \\left( x^2 \\right = 2x $$\n", "a `\\left` or `\\right` without its delimiter"),
    ] {
        let report = check(answer, AnswerKind::Markdown, "var x\n");
        let found = errors(&report);
        assert!(found.len() == 1 && found[0].contains(message), "{answer}: {found:?}");
    }
    let report = check(
        "$$ L = -\\log \\operatorname{softmax}(z)_y $$\n",
        AnswerKind::Markdown,
        "index k in 1..K\nvar z[k], y\nlet L = -log(exp(z[1]))\n",
    );
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert!(hints.iter().any(|h| h.contains("name the vector in the model")), "{:?} {hints:?}", errors(&report));
}

/// The round trip: every file of derivations/ and derivations/generated/ rendered as LaTeX
/// (`render --to latex`) reads back, against its own declarations, with no error, to the same
/// derivations: as many, with as many steps and the same relations, and the head and every step
/// either written alike (canonical text) or proved equal to the original by the checker
/// (`derive ORIGINAL = READ_BACK`, in the file's model). Definitions and declarations are
/// skipped by the reader (`:=`, `\in`).
#[test]
fn rendered_corpus_reads_back_to_the_same_steps() {
    use gradproof::report::{render_math, RenderFormat};
    use gradproof::syntax::ast::{Expr, Item};
    use gradproof::syntax::print::{expr_to_string, Spelling};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["derivations", "derivations/generated"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("corpus") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "deriv") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 55, "{} files", files.len());
    let options = CheckOptions::default();
    // `A^T` is the transpose `Aᵀ` (docs/language.md), which `render` writes `A^{\top}`.
    fn transposes(e: &Expr) -> Expr {
        use gradproof::syntax::ast::{BinOp, ExprKind};
        let mut e = e.clone();
        let kind = match std::mem::replace(&mut e.kind, ExprKind::Number("0".into())) {
            ExprKind::Binary(BinOp::Pow, a, b, _) if matches!(&b.kind, ExprKind::Name(n) if n.name == "T") => {
                ExprKind::Transpose(Box::new(transposes(&a)))
            }
            ExprKind::Binary(op, a, b, s) => {
                ExprKind::Binary(op, Box::new(transposes(&a)), Box::new(transposes(&b)), s)
            }
            ExprKind::Neg(a) => ExprKind::Neg(Box::new(transposes(&a))),
            ExprKind::Transpose(a) => ExprKind::Transpose(Box::new(transposes(&a))),
            ExprKind::Call { func, primes, args } => {
                ExprKind::Call { func, primes, args: args.iter().map(transposes).collect() }
            }
            ExprKind::Array(items) => ExprKind::Array(items.iter().map(transposes).collect()),
            ExprKind::Big { op, binder, range, body } => {
                ExprKind::Big { op, binder, range, body: Box::new(transposes(&body)) }
            }
            ExprKind::Diff { body, wrt } => ExprKind::Diff { body: Box::new(transposes(&body)), wrt },
            other => other,
        };
        e.kind = kind;
        e
    }
    let text = |e: &Expr| expr_to_string(&transposes(e), Spelling::Canonical);
    let (mut alike, mut proved) = (0, 0);
    for path in &files {
        let source = std::fs::read_to_string(path).expect("readable");
        let original = gradproof::check_source("model.deriv", source.as_bytes(), &options);
        let (file, _) = gradproof::syntax::parse_file(&source);
        let tex = render_math(&file, None, RenderFormat::Latex);
        let (back, errors) = gradproof::latex::read_answer(&tex, AnswerKind::Tex, &file);
        let errors: Vec<String> = errors.iter().map(|e| format!("{} `{}`", e.message, &tex[e.span.range()])).collect();
        assert!(errors.is_empty(), "{}: {}", path.display(), errors.join(" | "));
        let written: Vec<_> =
            file.items.iter().filter_map(|i| if let Item::Derivation(d) = i { Some(d) } else { None }).collect();
        assert_eq!(back.len(), written.len(), "{}: derivations read back", path.display());
        // The pairs written apart, to be proved equal where the original resolved.
        let mut obligations = String::new();
        for (d, b) in written.iter().zip(&back) {
            assert_eq!(b.steps.len(), d.steps.len(), "{}: steps of `{}`", path.display(), text(&d.head));
            let relations =
                |x: &gradproof::syntax::ast::Derivation| x.steps.iter().map(|s| s.relation).collect::<Vec<_>>();
            assert_eq!(relations(b), relations(d), "{}: relations of `{}`", path.display(), text(&d.head));
            let resolved = original.derivations.iter().any(|r| r.span == d.span);
            let pairs = std::iter::once((&d.head, &b.head))
                .chain(d.steps.iter().zip(&b.steps).map(|(x, y)| (&x.expr, &y.expr)));
            for (x, y) in pairs {
                if text(x) == text(y) {
                    alike += 1;
                } else {
                    assert!(resolved, "{}: `{}` read back as `{}`", path.display(), text(x), text(y));
                    obligations.push_str(&format!("derive {}\n  = {}\n", text(x), text(y)));
                }
            }
        }
        if obligations.is_empty() {
            continue;
        }
        let with = format!("{source}\n{obligations}");
        let report = gradproof::check_source("round-trip.deriv", with.as_bytes(), &options);
        let appended: Vec<_> = report.derivations.iter().filter(|r| r.span.start > source.len()).collect();
        assert_eq!(
            appended.len(),
            obligations.lines().count() / 2,
            "{}: {:?}\n{obligations}",
            path.display(),
            report.errors
        );
        for (r, pair) in appended.iter().zip(obligations.split("derive ").skip(1)) {
            assert_eq!(r.steps[0].verdict, Verdict::Proved, "{}: not proved equal: {pair}", path.display());
            proved += 1;
        }
    }
    eprintln!("round trip: {} files, {alike} expressions read back alike, {proved} proved equal", files.len());
}

/// Every pair of operators, the inner one on either side of the outer one (and under a negation,
/// a transpose and a sum): the rendered LaTeX reads back to the same tree, so the parentheses that
/// the grouping needs are drawn. A product (drawn as juxtaposition) and a Hadamard product inside
/// each other are bracketed both ways, since `A \odot B \, x` shows no grouping to a reader.
#[test]
fn rendered_operators_keep_their_grouping() {
    use gradproof::report::{render_math, RenderFormat};
    use gradproof::syntax::print::{expr_to_string, Spelling};
    let binary = ["+", "-", "*", "/", "⊙", "^"];
    let mut exprs = Vec::new();
    for inner in binary {
        for outer in binary {
            exprs.push(format!("(a {inner} b) {outer} c"));
            exprs.push(format!("a {outer} (b {inner} c)"));
        }
        exprs.push(format!("-(a {inner} b)"));
        exprs.push(format!("(a {inner} b)ᵀ"));
        exprs.push(format!("sum(k, x[k] {inner} b)"));
        exprs.push(format!("sum(k, b {inner} x[k])"));
        exprs.push(format!("sum(k, x[k]) {inner} b"));
        exprs.push(format!("b {inner} sum(k, x[k])"));
        // (A product ending with a sum, before another factor: `2 \sum_k x_k \, b` read back as
        // the sum of `x_k b`, an instructor.)
        exprs.push(format!("a * sum(k, x[k]) {inner} b"));
    }
    for expr in exprs {
        let source = format!("index k in 1..K\nvar a, b, c, x[k]\nderive {expr}\n  = {expr}\n");
        let (file, errors) = gradproof::syntax::parse_file(&source);
        assert!(errors.is_empty(), "{expr}: {errors:?}");
        let tex = render_math(&file, None, RenderFormat::Latex);
        let (back, errors) = gradproof::latex::read_answer(&tex, AnswerKind::Tex, &file);
        assert!(errors.is_empty(), "{expr}: {:?}\n{tex}", errors.iter().map(|e| &e.message).collect::<Vec<_>>());
        let original = file.items.iter().find_map(|i| match i {
            gradproof::syntax::ast::Item::Derivation(d) => Some(d),
            _ => None,
        });
        let want = expr_to_string(&original.expect("a derivation").head, Spelling::Canonical);
        let got = expr_to_string(&back[0].head, Spelling::Canonical);
        assert_eq!(got, want, "{expr} rendered as\n{tex}");
    }
    let (file, _) = gradproof::syntax::parse_file("var A, B, x\nderive (A ⊙ B) * xᵀ\n  = A ⊙ (B * xᵀ)\n");
    let tex = render_math(&file, None, RenderFormat::Latex);
    assert!(tex.contains(r"\left(A \odot B\right) \, x^{\top}"), "{tex}");
    assert!(tex.contains(r"A \odot \left(B \, x^{\top}\right)"), "{tex}");
}

/// Matrix literals: rows by `\\`, cells by `&`; one column is a vector (as `render` writes one);
/// rows of different lengths are refused.
#[test]
fn matrix_literals() {
    use gradproof::syntax::print::{expr_to_string, Spelling};
    let (model, _) = gradproof::syntax::parse_file("var a, b\n");
    let read = |tex: &str| gradproof::latex::read_answer(tex, AnswerKind::Tex, &model);
    let (ds, errors) = read(
        r"\[ a = \begin{bmatrix} 1 & a \\ -2 & b^{2} \\ \end{bmatrix}^{\top} \begin{pmatrix} a \\ b \end{pmatrix} \]",
    );
    assert!(errors.is_empty(), "{:?}", errors.iter().map(|e| &e.message).collect::<Vec<_>>());
    assert_eq!(expr_to_string(&ds[0].steps[0].expr, Spelling::Canonical), "[[1, a], [-2, b^2]]ᵀ * [a, b]");
    let (_, errors) = read(r"\[ a = \begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix} \]");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("different lengths"), "{}", errors[0].message);
}

mod random_answers {
    use super::*;
    use proptest::prelude::*;

    const PIECES: [&str; 42] = [
        "$$",
        "\\[",
        "\\]",
        "\\begin{align}",
        "\\end{align}",
        "\\begin{aligned}",
        "\\end{aligned}",
        "&",
        "&=",
        "=",
        "\\\\",
        "%",
        "\n",
        " ",
        "\\frac",
        "{",
        "}",
        "(",
        ")",
        "\\left(",
        "\\right)",
        "_",
        "^",
        "'",
        "\\partial",
        "\\sum",
        "\\delta",
        "\\phi",
        "\\text{net}",
        "s",
        "c",
        "t",
        "-",
        "+",
        "1",
        "\\zeta",
        "E",
        "\\cdot",
        "```math",
        "é",
        "\\begin{bmatrix}",
        "\\end{bmatrix}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        /// Any sequence of LaTeX pieces: an error or a derivation, never a panic, and every span
        /// inside the answer.
        #[test]
        fn the_reader_never_panics(picks in proptest::collection::vec(0..PIECES.len(), 0..60)) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let (file, _) = gradproof::syntax::parse_file(FORGET_GATE);
            for kind in [AnswerKind::Tex, AnswerKind::Markdown] {
                let (_, errors) = gradproof::latex::read_answer(&text, kind, &file);
                for e in &errors {
                    prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
                }
            }
        }
    }
}

/// A notebook: its markdown cells are read as Markdown (code cells are not), and reports point into
/// the `.ipynb` JSON itself. Truth as in the tests above: the definition of δ_φ^t is proved, the sum
/// without f_φ' is wrong, `\sum` without an index is refused.
#[test]
fn notebook_markdown_cells() {
    let answer = include_str!("latex/forget_gate.ipynb");
    let report = check(answer, AnswerKind::Notebook, FORGET_GATE);
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Wrong]]);
    assert_eq!(errors(&report), ["26:107 a sum without an index (implied summation is not read)"]);
    let first = &report.derivations[0].steps[0];
    assert_eq!(line_col(&report.source, first.span.start).0, 10);
    assert_eq!(first.note.as_deref(), Some("definition"));
    let broken = check("{\"cells\": [ } ]", AnswerKind::Notebook, FORGET_GATE);
    assert!(broken.errors[0].message.starts_with("not a notebook"));
}

/// The special functions and `\pi` in an answer (truths checked with SymPy): erf' = 2/√π e^(−x²),
/// arctan' = 1/(1 + x²), sinh' = cosh, and a wrong erf' with π for √π.
#[test]
fn special_functions_and_pi_are_read() {
    let answer = "$$\n\\frac{\\partial}{\\partial x} \\operatorname{erf}(x) = \\frac{2}{\\sqrt{\\pi}} e^{-x^2}\n$$\n\n\
                  $$\n\\frac{\\partial}{\\partial x} \\arctan(x) = \\frac{1}{1 + x^2}\n$$\n\n\
                  $$\n\\frac{\\partial}{\\partial x} \\sinh(x) = \\cosh(x)\n$$\n\n\
                  $$\n\\frac{\\partial}{\\partial x} \\mathrm{erf}(x) = \\frac{2}{\\pi} \\exp(-x^2)\n$$\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(
        verdicts(&report),
        [vec![Verdict::Proved], vec![Verdict::Proved], vec![Verdict::Proved], vec![Verdict::Wrong]]
    );
}

/// Spans after an environment's `\begin{…}` inside a block (mitex's tree writes `\begin{aligned}`
/// as a token `aligned`, so its own offsets run short there) are the answer's.
#[test]
fn spans_inside_nested_environments_are_the_answers() {
    for (kind, answer, at) in [
        (AnswerKind::Markdown, "$$\n\\begin{aligned}\nq &= 1\n\\end{aligned}\n$$\n", "3:1"),
        (
            AnswerKind::Tex,
            "\\begin{equation}\n\\begin{split}\n\\delta_\\phi^t &= 1 \\\\\n  &= q\n\\end{split}\n\\end{equation}\n",
            "4:6",
        ),
        (AnswerKind::Markdown, "$$ \\begin{aligned} E &= E \\end{aligned} = q $$", "1:43"),
    ] {
        let report = check(answer, kind, FORGET_GATE);
        let found = errors(&report);
        assert_eq!(found.len(), 1, "{answer}: {found:?}");
        assert!(found[0].starts_with(&format!("{at} ")), "{answer}: {found:?}");
    }
}

/// The notations of docs/latex.md (issue 16, item 2), each read in a small model: what it reads
/// as (in the derivation language), or the refusal with its hint. Snapshotted; every line was read
/// against the contract before it was accepted.
#[test]
fn notation_variants_snapshot() {
    use gradproof::syntax::print::{expr_to_string, Spelling};
    let model = "index c in 1..D, i in 1..n, j in 1..n, k in 1..n
var net_phi[t], s[c,t-1], h[t], x, y, z, W_hy[i,j], V[i,j], p[k], u: n, v: n, A: n x n, B: n x n
unknown f_phi(q)
unknown E depends on x
let y_hat = sigmoid(z)
let x_tilde = 2 * x
let θa = x + 1
let K21 = [[1, 2], [3, 4]]
let Z1[i,j] = V[i,j]
";
    let powers = "index i in 1..n\nvar sigma[i], x\n";
    let probes: &[(&str, &str)] = &[
        (model, r"\text{net}_\phi^t"),
        (model, r"net_\phi^t"),
        (model, r"\mathrm{net}_{\phi}^{t}"),
        (model, r"\mathit{net}_{\phi,t}"),
        (model, r"s_c^{t-1}"),
        (model, r"s_{c,t-1}"),
        (model, r"h^{(t)}"),
        (model, r"h_t"),
        (model, r"h^t"),
        (model, r"\frac{\partial E}{\partial x}"),
        (model, r"\partial E / \partial x"),
        (model, r"\frac{\partial}{\partial x} \left( x y \right)"),
        (model, r"\sum_{c=1}^{D} s_c^{t-1}"),
        (model, r"\sum_c s_c^{t-1} x + y"),
        (model, r"\sum_{k=1}^{n} p_k"),
        (model, r"f_\phi'(x)"),
        (model, r"f'_\phi(x)"),
        (model, r"\sigma(z) + \tanh(z) + \exp(z) + e^{z} + \log z + \ln(z)"),
        (model, r"\operatorname{relu}(x) + \mathrm{ReLU}(x) + \operatorname{gelu}(x) + \operatorname{gelu\_exact}(x)"),
        (model, r"\operatorname{atan2}(x, y) + \arctan x + \operatorname{sgn}(x) + \left| x \right|"),
        (model, r"x y + x \cdot y + x \times y + x * y"),
        (model, r"A \odot B + A \circ B"),
        (model, r"A^\top + A^T + A^{\mathsf T} + A^{\top}"),
        (model, r"\left( x + y \right)^2 + \big( x \big) + \Bigl[ y \Bigr]"),
        (model, r"\mathbf{u} + \boldsymbol{v} + \vec{u}"),
        (model, r"\hat{y} + \tilde{x} + \mathit{\theta a}"),
        (model, r"\operatorname{outer}(u, v) + \operatorname{diag}(u)"),
        (model, r"\operatorname{tr}(A) + \operatorname{dot}(u, v) + \det A + \mathrm{tr}\left(A^\top B\right)"),
        (model, r"\operatorname{softmax}(u) + \operatorname{sum}(u) + \operatorname{norm}(u) + \operatorname{inv}(A)"),
        (model, r"W_{hy}^{ij} + W_{hy,i,j}"),
        (model, r"V_{ij} + V_{i,j} + \delta_{ki} + \delta_{k,i}"),
        (model, r"p_k(\delta_{ki} - p_i)"),
        (model, r"K_{21,1,2} + A_{i,j} + u_{k}"),
        (model, r"\mathit{Z}_{1} + Z_{1,i,j}"),
        (model, r"x \tag{1}"),
        (model, r"x \quad (1)"),
        (model, r"x \nonumber \label{eq:x}"),
        (model, r"x."),
        (powers, r"\sigma_i^2"),
        (powers, r"\sigma_i"),
        (model, r"\tanh^2(x) + \sin^2 x + \ln^2 x"),
        // Refused.
        (model, r"\sum_1^2 s_c^{t-1}"),
        (model, r"\sum s_c^{t-1}"),
        (model, r"q_\phi^t"),
        (model, r"h^2"),
        (model, r"\sin^{-1} x"),
        (model, r"\frac{dE}{dx}"),
        (model, r"\frac{\partial^2 E}{\partial x^2}"),
        (model, r"\sigma_i^2"),
        (model, r"x \pm y"),
        (powers, r"\sigma(x)"),
    ];
    let mut out = String::new();
    for (model, probe) in probes {
        let (file, errors) = gradproof::syntax::parse_file(model);
        assert!(errors.is_empty(), "{errors:?}");
        let text = format!("$$ x = {probe} $$");
        let (ds, errors) = gradproof::latex::read_answer(&text, AnswerKind::Markdown, &file);
        let reading = match (ds.as_slice(), errors.as_slice()) {
            ([d], []) => {
                d.steps.iter().map(|s| expr_to_string(&s.expr, Spelling::Canonical)).collect::<Vec<_>>().join("  =  ")
            }
            (_, [e, ..]) => {
                format!("refused at `{}`: {} (hint: {})", &text[e.span.range()], e.message, e.hints.join("; "))
            }
            _ => "nothing read".to_string(),
        };
        out.push_str(&format!("{probe}\n    {reading}\n"));
    }
    // The one-line chain and the alignment marks are rows of a block, not expressions.
    let (file, _) = gradproof::syntax::parse_file(model);
    for block in [r"x = y = z", r"x &= y \\ &= z", r"x =& y \\ =& z"] {
        let (ds, errors) = gradproof::latex::read_answer(&format!("$$ {block} $$"), AnswerKind::Markdown, &file);
        assert!(errors.is_empty(), "{block}");
        let steps: Vec<String> = ds[0].steps.iter().map(|s| expr_to_string(&s.expr, Spelling::Canonical)).collect();
        out.push_str(&format!(
            "{block}\n    derive {} = {}\n",
            expr_to_string(&ds[0].head, Spelling::Canonical),
            steps.join(" = ")
        ));
    }
    insta::assert_snapshot!(out);
}

/// A class label and a sum that skips it, as a course writes them (CS231n's `\sum_{j \neq y_i}`;
/// truths checked with SymPy in derivations/scripts/labels_exp_log.py): `\ne`, `\neq` and `≠`.
#[test]
fn a_sum_that_skips_a_label_is_read() {
    let model = "index j in 1..K, k in 1..K\nvar y in 1..K\nvar z[k]\n";
    let answer = "$$\n\\sum_{j \\neq y} z_j = \\sum_{j} z_j - z_y\n$$\n\n\
                  $$\n\\sum_{j \\ne y} z_j = \\sum_{j=1}^{K} z_j\n$$\n\n\
                  $$\n\\sum_{j ≠ y} \\exp(z_j) = \\sum_{k} \\exp(z_k) - \\exp(z_y)\n$$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [vec![Verdict::Proved], vec![Verdict::Wrong], vec![Verdict::Proved]]);
    let bounded = check("$$\n\\sum_{j \\ne y}^{K} z_j = 0\n$$\n", AnswerKind::Markdown, model);
    assert_eq!(errors(&bounded).len(), 1, "{:?}", errors(&bounded));
}

/// A spelling the rule cannot know, given by the model: `latex` on a declared name. Truth by hand:
/// with o = 3 z, ∂o/∂z = 3 (proved), and 2 is wrong; without the `latex` line, `\text{out}` is no
/// name of the model; a `latex` line for an undeclared name is an error in the model.
#[test]
fn the_model_spells_a_name_the_rule_cannot_know() {
    let model = "var z\nlet o = 3 * z\nlatex o \"\\text{out}\", \"\\Omega\"\n";
    let answer = r"\[ \frac{\partial \text{out}}{\partial z} = 3 \]
\[ \frac{\partial \Omega}{\partial z} = 2 \]
\[ \frac{\partial o}{\partial z} = 3 \]
";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Wrong], [Verdict::Proved]]);
    let without = check(answer, AnswerKind::Tex, "var z\nlet o = 3 * z\n");
    assert!(errors(&without).iter().any(|e| e.contains("not a name of the model")), "{:?}", errors(&without));
    let undeclared = check(answer, AnswerKind::Tex, "var z\nlet o = 3 * z\nlatex q \"\\Theta\"\n");
    assert!(
        errors(&undeclared).iter().any(|e| e.contains("which the model does not declare")),
        "{:?}",
        errors(&undeclared)
    );
    // `fmt` writes the line back as it was.
    let (text, _) = gradproof::syntax::parse_file(model);
    assert!(matches!(text.items.last(), Some(gradproof::syntax::ast::Item::Latex { .. })));
}

/// Layer superscripts as the course writes them (`W^{(2)}_{ij}`, `b^{[2]}`, `\theta^{\text{new}}`):
/// a `latex` spelling with a superscript of the name's own, after which the subscript gives the
/// indices and a `\top` may follow. Without the spelling the hint says how to write the name or
/// spell it; a spelling the reader cannot take apart is an error of the model (it was ignored).
#[test]
fn a_spelling_may_have_a_superscript_of_its_own() {
    let model = "index i in 1..n\nindex j in 1..m\nvar W2[i,j]\nvar b2[i]\nvar a[j]\nvar theta_new\nvar theta\n\
                 latex W2 \"W^{(2)}\"\nlatex b2 \"b^{[2]}\"\nlatex theta_new \"\\theta^{\\text{new}}\"\n\
                 let z[i] = sum(j, W2[i,j] * a[j]) + b2[i]\n";
    let answer = r"\[ \frac{\partial z_i}{\partial W^{(2)}_{ij}} = a_j \]
\[ \frac{\partial z_i}{\partial W_{ij}^{(2)}} = a_i \]
\[ \frac{\partial z_i}{\partial b^{[2]}_i} = 1 \]
\[ \theta^{new} - \theta^2 = \theta^{\text{new}} - \theta \cdot \theta \]
\[ \left(W^{(2)}_{ij}\right)^2 = W^{(2)}_{ij} W_{2,ij} \]
";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(
        verdicts(&report),
        [[Verdict::Proved], [Verdict::Wrong], [Verdict::Proved], [Verdict::Proved], [Verdict::Proved]]
    );
    // Its transpose, of a matrix spelled so.
    let matrix = "var W2: 2 x 3\nvar h: 2\nvar x: 3\nlatex W2 \"W^{(2)}\"\n";
    let answer = r"\[ h^\top W^{(2)} x = x^\top W^{(2)\top} h = x^\top (W^{(2)})^\top h \]";
    let report = check(answer, AnswerKind::Tex, matrix);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved, Verdict::Proved]]);
    // Not spelled so: the hint names both ways out.
    let unspelled = "index i in 1..n\nindex j in 1..m\nvar W2[i,j]\nvar a[j]\nlet z[i] = sum(j, W2[i,j] * a[j])\n";
    let report = check(r"\[ \frac{\partial z_i}{\partial W^{(2)}_{ij}} = a_j \]", AnswerKind::Tex, unspelled);
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert_eq!(
        hints,
        ["the model writes `W2` as `W_{2}`: write that, with any indices after a comma in the subscript; or the model spells it as the course does with `latex W2 \"W^{(2)}\"` (docs/latex.md)"]
    );
    let fixed = check(r"\[ \frac{\partial z_i}{\partial W_{2,ij}} = a_j \]", AnswerKind::Tex, unspelled);
    assert_eq!(verdicts(&fixed), [[Verdict::Proved]], "{:?}", errors(&fixed));
    // A spelling the reader cannot take apart is an error of the model, not ignored.
    let unreadable = format!("{unspelled}latex W2 \"W_{{\\frac{{1}}{{2}}}}\"\n");
    let report = check(r"\[ z_1 = z_1 \]", AnswerKind::Tex, &unreadable);
    assert_eq!(errors(&report), ["6:1 the LaTeX spelling `W_{\\frac{1}{2}}` of `W2` cannot be read as a name"],);
}

/// The binary cross-entropy of one prediction, the model of the tester's cases below. By hand:
/// ∂L/∂p = −t/p + (1−t)/(1−p) = (p − t)/(p(1 − p)); (p + t)/(p(1 − p)) is wrong.
const BCE: &str = "var p in (0, 1)\nvar t in {0, 1}\nlet L = -(t * log(p) + (1 - t) * log(1 - p))\n";

/// The first error of reading `answer` as `kind` in `model`, as `line:column message`.
fn first_error(answer: &str, kind: AnswerKind, model: &str) -> String {
    let report = check(answer, kind, model);
    errors(&report).into_iter().next().unwrap_or_else(|| format!("no error; verdicts {:?}", verdicts(&report)))
}

/// `\\[2pt]` (a line break with its optional length, any unit) is no math: the rows it separates
/// are one derivation of two steps. A `[` there that is not a length is refused (LaTeX itself
/// reads it as a length).
#[test]
fn a_line_break_with_a_length_keeps_the_chain() {
    for length in ["[2pt]", "[3mm]", "[1ex]", "[-0.5em]", "[\\jot]", "[0.5\\baselineskip]", "*[2pt]"] {
        let answer = format!(
            "\\begin{{align*}}\n\\frac{{\\partial L}}{{\\partial p}} &= -\\frac{{t}}{{p}} + \\frac{{1-t}}{{1-p}} \\\\{length}\n\
             &= \\frac{{p - t}}{{p(1-p)}}\n\\end{{align*}}\n"
        );
        let report = check(&answer, AnswerKind::Tex, BCE);
        assert!(report.errors.is_empty(), "{length}: {:?}", errors(&report));
        assert_eq!(verdicts(&report), [[Verdict::Proved, Verdict::Proved]], "{length}");
    }
    let answer = "\\begin{align*}\nL &= -t \\log p - (1-t)\\log(1-p) \\\\\n[p] &= p\n\\end{align*}\n";
    assert_eq!(
        first_error(answer, AnswerKind::Tex, BCE),
        "2:33 a `[` right after `\\\\` is a spacing length, not math"
    );
}

/// `alignat`'s count of columns is not a factor of the first left side (it was read as `2 L`),
/// and its third column goes on with the chain: `A &= B &&= C` is `A = B = C`.
#[test]
fn alignat_reads_its_columns_not_its_count() {
    let answer = "\\begin{alignat}{2}\nL &= -t \\log p - (1-t)\\log(1-p)\n\\end{alignat}\n\
                  \\begin{alignat*}{3}\n\\frac{\\partial L}{\\partial p} &= -\\frac{t}{p} + \\frac{1-t}{1-p} &&= \\frac{p - t}{p(1-p)}\n\\end{alignat*}\n\
                  \\begin{alignat}{2}\n\\frac{\\partial L}{\\partial p} &= -\\frac{t}{p} + \\frac{1-t}{1-p} &\\quad&= \\frac{p + t}{p(1-p)}\n\\end{alignat}\n\
                  $$ \\begin{alignat}{1} L &= -t \\log p - (1-t)\\log(1-p) \\end{alignat} $$\n";
    let report = check(answer, AnswerKind::Tex, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    use Verdict::*;
    assert_eq!(verdicts(&report), [vec![Proved], vec![Proved, Proved], vec![Proved, Wrong], vec![Proved]]);
}

/// `eqnarray` (its `&=&`), `eqnarray*`, `alignat*` and `displaymath` are read like their
/// relatives; an environment of display math the reader does not read (`dmath`) is an error, not
/// silence.
#[test]
fn eqnarray_displaymath_are_read_and_unread_math_is_reported() {
    let answer = "\\begin{eqnarray*}\n\\frac{\\partial L}{\\partial p} &=& \\frac{p + t}{p(1-p)}\n\\end{eqnarray*}\n\
                  \\begin{eqnarray}\nL &=& -t \\log p - (1-t)\\log(1-p) \\\\\n &=& -t \\log p - \\log(1-p) + t\\log(1-p)\n\\end{eqnarray}\n\
                  \\begin{alignat*}{2}\nL &= -t \\log p - (1-t)\\log(1-p)\n\\end{alignat*}\n\
                  \\begin{displaymath}\nL = -t \\log p - (1-t)\\log(1-p)\n\\end{displaymath}\n\
                  \\begin{dmath}\nL = -t \\log p\n\\end{dmath}\n";
    let report = check(answer, AnswerKind::Tex, BCE);
    use Verdict::*;
    assert_eq!(verdicts(&report), [vec![Wrong], vec![Proved, Proved], vec![Proved], vec![Proved]]);
    assert_eq!(errors(&report), ["14:1 the environment `dmath` is not read"]);
}

/// In Markdown and notebooks, a row environment written bare (outside `$$`), which Jupyter and
/// MathJax render, is read; inside `$$` or code it is what it was.
#[test]
fn a_bare_align_in_markdown_is_read() {
    let answer = "# HW\n\n\\begin{align}\n\\frac{\\partial L}{\\partial p} &= \\frac{p + t}{p(1-p)}\n\\end{align}\n\n\
                  $$ L = -t \\log p - (1-t)\\log(1-p) $$\n\n\
                  Text \\begin{align*} L &= -t \\log p - (1-t)\\log(1-p) \\end{align*} and `\\begin{align} L = 0 \\end{align}`.\n\n\
                  ```\n\\begin{align} L = 0 \\end{align}\n```\n";
    let report = check(answer, AnswerKind::Markdown, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Wrong], [Verdict::Proved], [Verdict::Proved]]);
    let cell = "\\\\begin{align}\\n\\\\frac{\\\\partial L}{\\\\partial p} &= \\\\frac{p - t}{p(1-p)}\\n\\\\end{align}";
    let notebook = format!("{{\"cells\": [{{\"cell_type\": \"markdown\", \"source\": [\"{cell}\"]}}]}}");
    let report = check(&notebook, AnswerKind::Notebook, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
}

/// An `=` with a note over or under it (`\overset{\text{algebra}}{=}`, `\stackrel{\text{alg.}}{=}`,
/// `=_{(1)}`, `\underset{…}{=}`) is a step whose note is the annotation; `\overset{…}{\approx}` an
/// `≈` step. `def` over it (or `:=`) is still a definition, which is skipped.
#[test]
fn annotated_equals_are_steps_with_notes() {
    let answer = "\\begin{align*}\n\\frac{\\partial L}{\\partial p} &= -\\frac{t}{p} + \\frac{1-t}{1-p} \\\\\n\
                  &\\overset{\\text{algebra}}{=} \\frac{p + t}{p(1-p)} \\\\\n\
                  &=_{(1)} \\frac{p - t}{p(1-p)} \\\\\n\
                  &\\stackrel{\\text{alg.}}{=} \\frac{p - t}{p - p^2} \\\\\n\
                  &\\underset{\\text{common denom.}}{=} \\frac{p - t}{p(1-p)}\n\\end{align*}\n\
                  $$ L \\overset{(2)}{\\approx} -t \\log p - (1-t)\\log(1-p) $$\n\
                  $$ L =_{\\text{def}} -t \\log p $$\n\
                  $$ L \\stackrel{\\text{def}}{=} -t \\log p $$\n\
                  $$ L \\overset{\\triangle}{=} -t \\log p $$\n";
    let report = check(answer, AnswerKind::Tex, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    use Verdict::*;
    let found = verdicts(&report);
    assert_eq!(found[0], [Proved, Wrong, Wrong, Proved, Proved]);
    assert_eq!(found.len(), 2, "the definitions are no derivations");
    let notes: Vec<Option<&str>> = report.derivations[0].steps.iter().map(|s| s.note.as_deref()).collect();
    assert_eq!(notes, [None, Some("algebra"), Some("(1)"), Some("alg."), Some("common denom.")]);
    let approx = &report.derivations[1].steps[0];
    assert_eq!(approx.relation, gradproof::syntax::ast::Relation::Approx);
    assert_eq!(approx.note.as_deref(), Some("(2)"));
}

/// A row with two equations (`A &= B, & C &= D`) is two derivations, never one with the second
/// dropped; a row that would go on from it is refused, since it cannot be told which it continues.
#[test]
fn a_row_with_two_equations_is_two_derivations() {
    let answer = "\\begin{align*}\n\\frac{\\partial L}{\\partial p} &= -\\frac{t}{p} + \\frac{1-t}{1-p}, & L &= -t \\log p - (1-t)\\log(2-p)\n\\end{align*}\n";
    let report = check(answer, AnswerKind::Tex, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Wrong]]);
    let continued = "\\begin{align*}\n\\frac{\\partial L}{\\partial p} &= -\\frac{t}{p} + \\frac{1-t}{1-p}, & L &= -t \\log p - (1-t)\\log(1-p) \\\\\n\
                     &= \\frac{p - t}{p(1-p)} & &= -t \\log p\n\\end{align*}\n";
    assert_eq!(
        first_error(continued, AnswerKind::Tex, BCE),
        "3:2 this row goes on from a row that holds two equations"
    );
    // A note in the third column is still a note, not an equation.
    let noted = "\\begin{align*}\nL &= -t \\log p - (1-t)\\log(1-p) && \\text{by definition}\n\\end{align*}\n";
    let report = check(noted, AnswerKind::Tex, BCE);
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    assert_eq!(report.derivations[0].steps[0].note.as_deref(), Some("by definition"));
    // Math in the notes column, as `render` writes a note (`&& G_2 = 784`), is no equation.
    let math_note = "\\begin{align*}\nL &= -t \\log p - (1-t)\\log(1-p) && p = 1\n\\end{align*}\n";
    let report = check(math_note, AnswerKind::Tex, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
}

/// `\frac{\partial}{\partial w}` takes the product that follows, up to the next `+` or `-` at its
/// level, as `\sum` does (by hand: ∂(3w²)/∂w = 6w; ∂(½(y − wx)²)/∂w = −(y − wx)x; ∂(w²)/∂w + x).
#[test]
fn a_derivative_operator_takes_the_product_that_follows() {
    let answer = "$$ \\frac{\\partial}{\\partial w} 3 w^2 = 6 w $$\n\
                  $$ \\frac{\\partial}{\\partial w} \\frac{1}{2}(y - w x)^2 = -(y - w x)\\, x $$\n\
                  $$ \\frac{\\partial}{\\partial w} w^2 + x = 2 w + x $$\n\
                  $$ \\frac{\\partial}{\\partial w} 3 w^2 = 3 $$\n";
    let report = check(answer, AnswerKind::Markdown, "var w, x, y\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    use Verdict::*;
    assert_eq!(verdicts(&report), [[Proved], [Proved], [Proved], [Wrong]]);
}

/// A derivative among the factors after the operator's first is the chain rule's next factor:
/// `\frac{\partial}{\partial r} h(r) \cdot \frac{\partial r}{\partial w}` is `∂h/∂r · ∂r/∂w`,
/// not the derivative of the whole product (a TA tester's right Huber step was `wrong`, "this step
/// is 0"). By hand: with r = w x + c, ∂(r²)/∂w = 2 r x = ∂(r²)/∂r · ∂r/∂w.
#[test]
fn a_derivative_after_the_operator_is_the_next_factor_of_the_chain_rule() {
    let model = "var w, x, c
let r = w * x + c
";
    let row =
        |step: &str| format!("\\begin{{align*}}\n\\frac{{\\partial}}{{\\partial w}} r^2 &= {step}\n\\end{{align*}}\n");
    use Verdict::*;
    for (step, verdict) in [
        (r"\frac{\partial}{\partial r} r^2 \cdot \frac{\partial r}{\partial w}", Proved),
        (r"\frac{\partial}{\partial r} r^2 \, \frac{\partial r}{\partial w}", Proved),
        (r"\frac{\partial}{\partial r} r^2 \cdot \frac{\partial r}{\partial w}^T", Proved),
        (r"\frac{\partial}{\partial r} 3 r^2 \cdot \frac{\partial r}{\partial w} \cdot \frac{1}{3}", Proved),
        (r"\frac{\partial}{\partial r} r^2 \cdot \frac{\partial r}{\partial w} \cdot 2", Wrong),
        // A bracket keeps the derivative of the whole product, what the step was read as before:
        // with `r` perturbed (language.md §3.3) it is held apart from `w`, so `∂r/∂w` inside is 0.
        (r"\frac{\partial}{\partial r} \left(r^2 \cdot \frac{\partial r}{\partial w}\right)", Wrong),
    ] {
        let report = check(&row(step), AnswerKind::Tex, model);
        assert!(report.errors.is_empty(), "{step}: {:?}", errors(&report));
        assert_eq!(verdicts(&report), [[verdict]], "{step}");
    } // Only a derivative of the operator's own variable ends it: another one is inside what the
      // operator takes, the product rule's (a reviewer: `\frac{d}{dw} w \frac{dL(w)}{dw} =
      // \frac{dL(w)}{dw}` was proved). By hand: d(w L')/dw = L' + w L''; d(x L')/dw = x L''.
    let model = "var x, w\nunknown L(w)\n";
    for (row, verdict) in [
        (r"\frac{d}{dw} w \frac{dL(w)}{dw} = \frac{dL(w)}{dw}", Wrong),
        (r"\frac{d}{dw} w \frac{dL(w)}{dw} = \frac{dL(w)}{dw} + w \frac{d^2 L(w)}{d w^2}", Proved),
        (r"\frac{\partial}{\partial w} x \frac{\partial}{\partial w} L(w) = 0", Wrong),
    ] {
        let report = check(&format!("$$ {row} $$\n"), AnswerKind::Markdown, model);
        assert!(report.errors.is_empty(), "{row}: {:?}", errors(&report));
        assert_eq!(verdicts(&report), [[verdict]], "{row}");
    }
}

/// `\nabla_a L \; a(1-a)\, x`, as students write the row below `\frac{\partial L}{\partial a}\,
/// a(1-a)\, x`: read as the gradient of the whole product, a right step was `wrong` with no repair
/// (a student tester's F01; `\nabla_z L \, x^T` was refused as a derivative of a matrix). A
/// product that starts with a quantity computed from the variable and goes on is refused with both
/// ways to write it; each way the hint gives is read as it says. The variable itself or a constant
/// first (`3 w^2` above), or a bracket, keeps the operator taking the product.
#[test]
fn a_derivative_of_a_quantity_then_more_factors_is_refused_with_both_readings() {
    let model = "var x, w, b\nlet z = w*x + b\nlet a = sigmoid(z)\nunknown L depends on a\n";
    let row =
        |step: &str| format!("\\begin{{align*}}\n\\frac{{\\partial L}}{{\\partial w}} &= {step}\n\\end{{align*}}\n");
    let report = check(&row(r"\nabla_a L \; a(1-a)\, x"), AnswerKind::Tex, model);
    assert_eq!(errors(&report), ["2:43 does the derivative take `L` alone, or the whole product after it?"]);
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert_eq!(
        hints,
        [
            r"for the derivative of `L` times the rest, write `\frac{\partial L}{\partial a} \; a(1-a)\, x`; for the derivative of the whole product, bracket it: `\left(L \; a(1-a)\, x\right)`"
        ]
    );
    use Verdict::*;
    let report = check(&row(r"\frac{\partial L}{\partial a} \; a(1-a)\, x"), AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
    let report = check(&row(r"(\nabla_a L) \; a(1-a)\, x"), AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
    // The bracket the hint gives is the derivative of the product: a different value.
    let report = check(&row(r"\nabla_a \left(L \; a(1-a)\, x\right)"), AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Wrong]], "{:?}", errors(&report));
    // The variable itself first reads the same either way; a lone quantity is its gradient.
    let report = check(&row(r"\frac{\partial L}{\partial a} \nabla_w a"), AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
    let report = check("$$ \\frac{\\partial}{\\partial w} w x = x $$\n", AnswerKind::Markdown, "var w, x\n");
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
    // `\partial_\theta J`, the shorthand of many notes, is `\nabla_\theta J` (a student was told
    // only that `\partial` cannot be read here); without its variable it is still refused.
    let probe = "var theta, x, u\nlet J = (theta * x - u)^2 / 2\n";
    let report = check("$$ \\partial_{\\theta} J = (\\theta x - u) x $$\n", AnswerKind::Markdown, probe);
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
    let report = check("$$ \\partial_\\theta J = (\\theta x - u) $$\n", AnswerKind::Markdown, probe);
    assert_eq!(verdicts(&report), [[Wrong]], "{:?}", errors(&report));
    let report = check("$$ \\partial J = (\\theta x - u) x $$\n", AnswerKind::Markdown, probe);
    assert_eq!(errors(&report).len(), 1);
}

/// A function of the textbooks that gradproof does not read (`\operatorname{sech}`) says so and
/// what to write, each form read as it says (a student was sent to check its spelling against
/// the model).
#[test]
fn a_function_that_is_not_read_says_what_to_write() {
    let model = "index k in 1..K\nvar theta, z[k]\n";
    let report = check(
        "$$ \\frac{d}{d\\theta}\\tanh(\\theta) = \\operatorname{sech}^2(\\theta) $$\n",
        AnswerKind::Markdown,
        model,
    );
    assert_eq!(errors(&report), ["1:37 `sech` is not a function gradproof reads"]);
    // LaTeX's own commands too (a reviewer: `\sec` got the generic hint).
    let commands = check("$$ \\sec \\theta = 1 $$\n\n$$ \\coth(\\theta) = 1 $$\n", AnswerKind::Markdown, model);
    assert_eq!(
        errors(&commands),
        ["1:4 `sec` is not a function gradproof reads", "3:4 `coth` is not a function gradproof reads"]
    );
    // `\mathbb{I}` with no condition after it is the identity matrix, as before.
    let identity = check("$$ \\mathbb{I} \\theta = \\theta $$\n", AnswerKind::Markdown, model);
    assert_eq!(errors(&identity), ["1:4 the identity matrix, `\\mathbf{I}`, is not read"]);
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert_eq!(hints, [r"write `\frac{1}{\cosh x}`; `\operatorname{sech}^2 x` is `1 - \left(\tanh x\right)^2`"]);
    use Verdict::*;
    let answer = "$$ \\frac{d}{d\\theta}\\tanh(\\theta) = 1 - \\left(\\tanh \\theta\\right)^2 = \\frac{1}{\\cosh \\theta} \\cdot \\frac{1}{\\cosh \\theta} $$\n\
                  $$ \\frac{1}{\\sinh \\theta} + \\frac{\\cosh \\theta}{\\sinh \\theta} = \\frac{1 + \\cosh \\theta}{\\sinh \\theta} $$\n\
                  $$ \\frac{1}{\\cos \\theta} + \\frac{\\cos \\theta}{\\sin \\theta} + \\frac{1}{\\sin \\theta} = \\frac{\\sin \\theta + \\cos \\theta \\cos \\theta + \\cos \\theta}{\\cos \\theta \\sin \\theta} $$\n\
                  $$ \\frac{\\partial}{\\partial z_k} \\log \\sum_{k=1}^{K} e^{z_k} = \\frac{e^{z_k}}{\\sum_{k=1}^{K} e^{z_k}} $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert_eq!(
        verdicts(&report),
        [vec![Proved, Proved], vec![Proved], vec![Proved], vec![Proved]],
        "{:?}",
        errors(&report)
    );
}

/// A builtin's bare argument is the whole run of simple factors after it (`\log 2p` is log(2p),
/// `\log 2\pi\sigma^2` is log(2πσ²)); another function ends it (`\sin p \cos p` is a product);
/// a bracket or a fraction after the run leaves its end unclear and is refused; a space written
/// after the argument (`\log 2 \, p`, `\log p \; (1 + p)`) ends it.
#[test]
fn a_bare_argument_is_the_run_of_simple_factors() {
    let model = "var p > 0\nvar sigma > 0\n";
    let answer = "$$ \\log 2p = \\log 2 + \\log p $$\n\
                  $$ \\log 2\\pi\\sigma^2 = \\log 2 + \\log \\pi + 2 \\log \\sigma $$\n\
                  $$ \\sin p \\cos p = \\frac{1}{2} \\sin 2p $$\n\
                  $$ \\log 2p = \\log(2) p $$\n\
                  $$ \\log 2 \\, p = \\log(2) p $$\n\
                  $$ \\log p \\; (1 + p) = \\log(p) + p \\log(p) $$\n\
                  $$ \\log 2\\,p = \\log(2 p) $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    use Verdict::*;
    assert_eq!(verdicts(&report), [[Proved], [Proved], [Proved], [Wrong], [Proved], [Proved], [Wrong]]);
    for (block, at) in [("$$ L = \\log p (1 + p) $$", "1:8"), ("$$ L = \\log \\frac{1}{p} p $$", "1:8")] {
        let model = format!("{model}let L = log(p) * (1 + p)\n");
        assert_eq!(
            first_error(block, AnswerKind::Markdown, &model),
            format!("{at} where does the argument of `log` end?")
        );
    }
}

/// Rows as students lay them out (the LaTeX tester, 5 December; each was misread or dropped):
/// two equations side by side with `&&` between them; a row that goes on with the expression
/// above it (`&\quad - x^2 …`, and every row of `multline`); a definition after a step ending
/// the chain but not dropping the step; a box around a whole equation; `alignedat`; a row of
/// text alone; a hand-written label after `\quad`. Truth by hand: (x+y)² − (x−y)² = 4xy,
/// (x+1)² ≠ x² + 1, ∂σ(wx+b)/∂w = σ'(wx+b) x.
#[test]
fn rows_as_students_lay_them_out() {
    let model = "var x, y, w, b\nvar B\n";
    use Verdict::*;
    let cases: [(&str, AnswerKind, &[&[Verdict]]); 9] = [
        (
            "\\begin{align*}\n\\frac{\\partial}{\\partial w}\\sigma(wx+b) &= \\sigma'(wx+b)\\,x && \\frac{\\partial}{\\partial b}\\sigma(wx+b) &= \\sigma'(wx+b)\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Proved], &[Proved]],
        ),
        (
            "\\begin{align*}\n(x+y)^2 - (x-y)^2 &= x^2 + 2xy + y^2 \\\\\n &\\quad - x^2 + 2xy - y^2 = 4xy \\\\\n &= 4yx\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Proved, Proved, Proved]],
        ),
        (
            "\\begin{multline*}\n(x+y)^2 - (x-y)^2 = x^2 + 2xy + y^2 \\\\\n - x^2 + 2xy - y^2 = 4xy\n\\end{multline*}\n",
            AnswerKind::Tex,
            &[&[Proved, Proved]],
        ),
        (
            "\\begin{align*}\n(x+1)^2 &= x^2 + 1 \\equiv B\n\\end{align*}\n\\begin{align*}\nx &= x \\doteq B\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Wrong], &[Proved]],
        ),
        (
            "\\begin{equation}\n\\boxed{(x+1)^2 = x^2 + 1}\n\\end{equation}\n$$ x^2 = \\boxed{x \\cdot x} $$\n",
            AnswerKind::Tex,
            &[&[Wrong], &[Proved]],
        ),
        (
            "\\begin{equation}\n\\begin{alignedat}{2}\n(x+1)^2 &= x^2 + 1\n\\end{alignedat}\n\\end{equation}\n",
            AnswerKind::Tex,
            &[&[Wrong]],
        ),
        (
            "\\begin{align*}\n(x+1)^2 &= x^2 + 2x + 1 \\\\\n&\\text{hence} \\\\\n(x+1)^2 - 2x &= x^2 + 1\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Proved], &[Proved]],
        ),
        ("$$ x = x \\quad (b) $$\n$$ 2 = 2 \\quad (1a) $$\n$$ 2 = 2 \\qquad (iv) $$\n", AnswerKind::Markdown, &[&[Proved], &[Proved], &[Proved]]),
        ("$$ x^2 = x \\cdot x \\quad (b x) $$\n", AnswerKind::Markdown, &[]),
    ];
    for (answer, kind, expected) in cases {
        let report = check(answer, kind, model);
        if expected.is_empty() {
            // `(b x)` is no label: read as a factor, which makes the step wrong, or refused.
            assert!(!report.errors.is_empty() || verdicts(&report) == [[Wrong]], "{answer}");
            continue;
        }
        assert!(report.errors.is_empty(), "{answer}: {:?}", errors(&report));
        assert_eq!(verdicts(&report), expected, "{answer}");
    }
}

/// Numbers as TeX prints them: digit groups behind a thin space are one number (`10\,000`);
/// two numbers side by side (`2 3`, printed 23) and a comma in braces are refused, never read as
/// a product; a power belongs to its number (`2^3 4` is 2³·4). A double superscript is refused.
#[test]
fn numbers_in_pieces_and_double_scripts() {
    let model = "var x\n";
    let answer =
        "$$ 10\\,000 \\cdot x = 10000 x $$\n$$ 1\\,000\\,000 = 10^6 $$\n$$ 2\\,000^2 = 4000000 $$\n$$ 2^3 4 = 32 $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]; 4]);
    assert_eq!(first_error("$$ 2 3 = 23 $$", AnswerKind::Markdown, model), "1:4 two numbers side by side");
    assert_eq!(first_error("$$ 1\\;000 = 1000 $$", AnswerKind::Markdown, model), "1:4 two numbers side by side");
    assert_eq!(first_error("$$ 1{,}5 = 1.5 $$", AnswerKind::Markdown, model), "1:4 a comma inside a number");
    assert_eq!(
        first_error("$$ e^x^2 = 1 $$", AnswerKind::Markdown, model),
        "1:4 a double superscript: one base has two"
    );
}

/// `yhat` and `y_hat` of a model are `\hat{y}` in an answer (`xbar` is `\bar{x}`), unless the
/// model spells them otherwise.
#[test]
fn accented_names_are_read_for_names_that_spell_the_accent() {
    let model = "var y, x\nvar yhat, x_bar\n";
    let answer = "$$ (\\hat{y} - y)^2 = \\hat y^2 - 2 \\hat{y} y + y^2 $$\n$$ \\bar{x} \\cdot 2 = 2 \\bar x $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
}

/// An upright `E` before a bracket is an expectation, refused, not the model's loss `E` times the
/// bracket (a tester: `\mathrm{E}[x] = x` was `wrong`, "the factor `E` is missing"); the model's
/// `E` written plain is read, and `\mathbb{E}` is not told to be written `E`.
#[test]
fn an_upright_e_before_a_bracket_is_an_expectation() {
    let model = "var x, y\nlet E = (x - y)^2 / 2\n";
    for answer in ["$$ \\mathrm{E}[x] = x $$", "$$ \\operatorname{E}[x - y] = x - y $$"] {
        assert_eq!(
            first_error(answer, AnswerKind::Markdown, model),
            "1:4 an expectation, `\\mathrm{E}[…]`, is not read"
        );
    }
    let report = check("$$ \\mathbb{E}[x] = x $$", AnswerKind::Markdown, model);
    assert!(report.errors[0].hints[0].starts_with("an expectation is not read"), "{:?}", errors(&report));
    let report = check("$$ E = \\frac{(x - y)^2}{2} $$", AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
}

/// A condition between two quads (`x y = 0 \quad \text{if} \quad x = 0`) is prose in a step,
/// refused as it is behind one quad; a joining word between quads still cuts two claims (a tester:
/// the condition was checked as a claim of its own, a true row `wrong` twice). Truth: x·0·… no
/// claim is made for all x, y.
#[test]
fn a_condition_between_two_quads_is_refused_as_prose() {
    for word in ["if", "where", "for", "when", "given"] {
        let answer = format!("$$ x y = 0 \\quad \\text{{{word}}} \\quad x = 0 $$\n");
        let message = first_error(&answer, AnswerKind::Markdown, "var x, y\n");
        assert!(message.contains(&format!("text inside a step, `\\text{{{word}}}`, is not read")), "{word}: {message}");
    }
    let report = check("$$ x = x \\quad \\text{and} \\quad y = y $$\n", AnswerKind::Markdown, "var x, y\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
}

/// Scientific notation is one number, rounded at its mantissa's last digit in a `≈` step as `5e-5`
/// is in a derivation file (a tester: a whole mantissa was exact, and `e^{-10} \approx 5 \times
/// 10^{-5}` was `wrong`). Truth: e^-10 = 4.54e-5, e^-9 = 1.234e-4; 4e-5 is not e^-10 rounded.
#[test]
fn scientific_notation_is_one_number_rounded_at_its_mantissa() {
    let answer = "$$ e^{-10} \\approx 5 \\times 10^{-5} $$\n$$ e^{-9} \\approx 1.2 \\cdot 10^{-4} $$\n\
                  $$ 3 \\times 10^{2} x = 300 x $$\n$$ e^{-10} \\approx 4 \\times 10^{-5} $$\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Checked], [Verdict::Checked], [Verdict::Proved], [Verdict::Wrong]]);
}

/// An upright `\mathrm{d}` is a differential, never the model's `d` (a size, as in `x ∈ ℝ^d`):
/// alone it is refused (read as the size, a false `\mathrm{d}(x^2) = x \, \mathrm{d}x` was
/// proved), and above and below a fraction it is the derivative's. Where the model names
/// gradients `dz`, `dw` (deeplearning.ai) beside `z` and `w`, `\frac{dz}{dw}` is refused as
/// ambiguous (read as the quotient, the true `= x` was `wrong` and a false `= \frac{1}{x}`
/// `checked`: a tester); under the operator `\frac{d}{dw}` the word is the variable's. Truth by
/// hand: z = w x + b, so dz/dw = x; d(x²) = 2x dx.
#[test]
fn an_upright_d_is_a_differential_and_words_of_d_are_not_divided() {
    let sized = "index i in 1..d\nvar x, y\nvar u[i]\n";
    for answer in ["$$ \\mathrm{d}(x^2) = x \\, \\mathrm{d}x $$", "$$ \\mathrm{d}(x^2) = 2x \\, \\mathrm{d}x $$"] {
        assert_eq!(first_error(answer, AnswerKind::Markdown, sized), "1:4 a differential, `\\mathrm{d}`, is not read");
    }
    let report = check("$$ \\frac{\\mathrm{d} (x^2)}{\\mathrm{d} x} = 2x $$", AnswerKind::Markdown, sized);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    let ng = "var w, x, b, y\nlet z = w*x + b\nlet a = sigmoid(z)\nlet dz = a - y\nlet dw = x*dz\n";
    assert_eq!(
        first_error("$$ \\frac{dz}{dw} = \\frac{1}{x} $$", AnswerKind::Markdown, ng),
        "1:4 this fraction is ambiguous: a derivative written with `d`, or a quotient of the model's names"
    );
    let report = check(
        "$$ \\frac{d}{dw} z = x $$\n$$ \\frac{d}{dw} z = \\frac{1}{x} $$\n$$ \\frac{dy}{dw} = 0 $$",
        AnswerKind::Markdown,
        ng,
    );
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Wrong], [Verdict::Proved]]);
    // With a subscript an upright `d` is a name (attention's `\mathrm{d}_k`), and `\text{d}` above
    // and below is a derivative's even beside the model's `d` (a reviewer).
    let attention = "var x\nvar dk > 0\nlatex dk \"\\mathrm{d}_k\"\n";
    let report =
        check("$$ \\frac{x}{\\sqrt{\\mathrm{d}_k}} = x \\, \\mathrm{d}_k^{-1/2} $$", AnswerKind::Markdown, attention);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    let report = check("$$ \\frac{\\text{d}}{\\text{d}x} x^2 = 2x $$", AnswerKind::Markdown, sized);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    // The model's quotient written with a slash is read as it: (a - y) / (x (a - y)) is 1/x
    // wherever a ≠ y, which no proof cancels.
    let report = check("$$ dz / dw = \\frac{1}{x} $$", AnswerKind::Markdown, ng);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Checked]]);
}

/// `\frac{dL}{dw}` is the derivative `diff(L, w)`, as `\frac{\partial L}{\partial w}` is (the
/// model's inputs are independent, and for a defined node both mean the perturbation derivative);
/// where the model declares `d` it is refused as ambiguous (a derivative, or a quotient of
/// products) and never divided; a product spelled out is read. Truth by hand: L = (w x)^2, so
/// dL/dw = 2 w x^2 and d²L/dw² = 2 x^2; d/dw w^2 = 2 w.
#[test]
fn d_derivatives_are_derivatives_unless_the_model_declares_d() {
    let with_d = "var x, w, d\nlet L = (w*x)^2\n";
    let ambiguous = "1:4 this fraction is ambiguous: a derivative written with `d`, or a quotient";
    assert_eq!(first_error("$$ \\frac{dL}{dw} = 2 w x^2 $$", AnswerKind::Markdown, with_d), ambiguous);
    assert_eq!(first_error("$$ \\frac{d L}{d w} = \\frac{L}{w} $$", AnswerKind::Markdown, with_d), ambiguous);
    assert_eq!(first_error("$$ \\frac{d}{dw} L = 2 w x^2 $$", AnswerKind::Markdown, with_d), ambiguous);
    // (d L)/(d w) = L/w wherever d ≠ 0: the numbers agree, no proof cancels a `d` that may be 0.
    let report = check("$$ \\frac{d \\cdot L}{d \\cdot w} = \\frac{L}{w} $$", AnswerKind::Markdown, with_d);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Checked]]);
    // A power of a declared `d` below a fraction is a power, not the mark of a derivative.
    let report = check("$$ \\frac{1}{d^2} = d^{-2} $$", AnswerKind::Markdown, with_d);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    let model = "var x, w\nlet L = (w*x)^2\n";
    let answer = "$$ \\frac{d}{dw} w^2 = 2w $$\n\
                  $$ \\frac{\\mathrm{d} L}{\\mathrm{d} w} = 2 w x^2 $$\n\
                  $$ \\frac{dL}{dw} = \\frac{\\partial L}{\\partial w} = 2 x^2 w $$\n\
                  $$ \\frac{d^2 L}{dw^2} = 2 x^2 $$\n\
                  $$ \\frac{d}{dw}\\left(w^2 + x\\right) = 2w $$\n\
                  $$ \\frac{dL}{dw} = 2 w x $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    let v = verdicts(&report);
    assert_eq!(
        v[..5],
        [
            vec![Verdict::Proved],
            vec![Verdict::Proved],
            vec![Verdict::Proved; 2],
            vec![Verdict::Proved],
            vec![Verdict::Proved]
        ]
    );
    assert_eq!(v[5], [Verdict::Wrong], "2 w x is not 2 w x^2");
    // The orders above and below agree, or the derivative is refused.
    assert_eq!(
        first_error("$$ \\frac{d^2 L}{dw} = 2 x^2 $$", AnswerKind::Markdown, model),
        "1:17 a derivative of order 2 above and 1 below: the orders must agree"
    );
}

/// Higher and mixed derivatives with `\partial`: `\frac{\partial^2 L}{\partial w \partial x}`
/// is `diff(L, x, w)`. Truth by hand: L = (w x - y)^2, ∂L/∂x = 2 w (w x - y), ∂²L/∂w∂x =
/// 4 w x - 2 y, ∂²L/∂w² = 2 x², ∂³L/∂w²∂x = 4 x.
#[test]
fn higher_and_mixed_derivatives_are_read() {
    let model = "var x, y, w\nlet L = (w*x - y)^2\n";
    let answer = "$$ \\frac{\\partial^2 L}{\\partial w \\partial x} = 4 w x - 2 y $$\n\
                  $$ \\frac{\\partial^2 L}{\\partial w^2} = 2 x^2 $$\n\
                  $$ \\frac{\\partial^3 L}{\\partial w^2 \\partial x} = 4 x $$\n\
                  $$ \\frac{\\partial^2}{\\partial x^2} x^3 = 6 x $$\n\
                  $$ \\frac{\\partial^2 L}{\\partial w^2} = 2 x $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    let v = verdicts(&report);
    assert_eq!(v[..4], vec![vec![Verdict::Proved]; 4]);
    assert_eq!(v[4], [Verdict::Wrong], "2 x is not 2 x^2");
}

/// Bars written bare pair as the eye pairs them: a bar closes only after what ends an operand.
/// `|x|` is `abs(x)`, `\|u\|` (`\lVert u \rVert`, `\|u\|_2`) is `norm(u)`; a bar that pairs with
/// none or in two ways (`|a|b|c|`) is refused. Truth by hand for each step.
#[test]
fn bars_written_bare_are_absolute_values_and_norms() {
    let model = "var x, y, a, b, c\nvar u: 3\n";
    let answer = "$$ |x|^2 = x^2 $$\n\
                  $$ \\frac{d}{dx} |x| = \\operatorname{sign}(x) $$\n\
                  $$ 2|x| = |2x| $$\n\
                  $$ ||x| - |y|| = ||y| - |x|| $$\n\
                  $$ |x||y| = |x y| $$\n\
                  $$ \\log|x| = \\frac{1}{2}\\log x^2 $$\n\
                  $$ \\|u\\|^2 = u^\\top u $$\n\
                  $$ \\lVert u \\rVert_2^2 = \\operatorname{dot}(u, u) $$\n\
                  $$ |x - |y|| = |x| - |y| $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    let v = verdicts(&report);
    for (i, steps) in v[..8].iter().enumerate() {
        assert!(matches!(steps[..], [Verdict::Proved | Verdict::Checked]), "step {i}: {steps:?}");
    }
    // |x - |y|| and |x| - |y| differ where |x| < |y|.
    assert_eq!(v[8], [Verdict::Wrong]);
    let unpaired = "this `|` pairs with no other bar, or with more than one";
    assert_eq!(first_error("$$ |a|b|c| = 1 $$", AnswerKind::Markdown, model), format!("1:4 {unpaired}"));
    assert_eq!(first_error("$$ a(x|y) = 1 $$", AnswerKind::Markdown, model), format!("1:7 {unpaired}"));
}

/// `\sigma(z)` beside a scalar `var sigma` is ambiguous (the function, or σ times z), as it is
/// beside a family `sigma[i]`; `\sigma z` is the product and `\operatorname{sigmoid}` the function.
#[test]
fn a_scalar_named_like_a_function_is_ambiguous_before_parentheses() {
    let model = "var sigma > 0\nvar z\n";
    assert_eq!(
        first_error("$$ \\sigma(z) = \\frac{1}{1+e^{-z}} $$", AnswerKind::Markdown, model),
        "1:4 `\\sigma(…)` is ambiguous: the function, or `sigma` times what follows"
    );
    let answer = "$$ \\operatorname{sigmoid}(z) = \\frac{1}{1+e^{-z}} $$\n$$ \\sigma z = z \\sigma $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
}

/// Math nested deeper than a `.deriv` statement may be (200 levels of brackets, groups or
/// arguments, braced or not) is refused before it is read, as is a block longer than a logical
/// line of a model and an expression of more operators than a statement may have.
#[test]
fn deep_long_and_large_math_is_refused() {
    let block = |math: String| format!("\\begin{{align*}}\nL &= {math}\n\\end{{align*}}\n");
    let nested = |n: usize, open: &str, close: &str| block(format!("{}p{}", open.repeat(n), close.repeat(n)));
    for (open, close) in [("\\left(", "\\right)"), ("(", ")"), ("{", "}"), ("\\frac{1}{", "}"), ("\\frac1", "")] {
        let report = check(&nested(200, open, close), AnswerKind::Tex, BCE);
        assert!(report.errors.is_empty(), "{open}: {:?}", errors(&report));
        let refused = first_error(&nested(201, open, close), AnswerKind::Tex, BCE);
        assert!(refused.ends_with(" this math is nested too deeply"), "{open}: {refused}");
    }
    let long = block("p^".repeat(10_000) + "p");
    assert_eq!(first_error(&long, AnswerKind::Tex, BCE), "1:15 this math block is too long (20008 bytes)");
    let large = block("p + ".repeat(2_001) + "p");
    assert_eq!(first_error(&large, AnswerKind::Tex, BCE), "2:6 this expression is too large (2001 operators)");
}

/// A name's span is all of what was written for it, the closing brace of its scripts too (a
/// repair quoted `s_c^{t` and `W_{ji`); under a power or a transpose, all but the superscript.
#[test]
fn a_names_span_ends_with_its_scripts() {
    let (model, _) =
        gradproof::syntax::parse_file("index c in 1..D, i in 1..n, j in 1..n\nvar s[c,t], W[i,j], x\nvar A: n x n\n");
    let whole = ["s_c^{t}", "s_{c}^{t}", "W_{ji}", "W_{j,i}", "s_{c,t}"];
    let name = |text: &str, e: &gradproof::syntax::ast::Expr| text[e.span.range()].to_string();
    for written in whole {
        let text = format!("$$ x = {written} $$");
        let (ds, errors) = gradproof::latex::read_answer(&text, AnswerKind::Markdown, &model);
        assert!(errors.is_empty(), "{written}: {errors:?}");
        assert_eq!(name(&text, &ds[0].steps[0].expr), written);
    }
    use gradproof::syntax::ast::{BinOp, ExprKind};
    for (written, base) in
        [("W_{ji}^{2}", "W_{ji}"), ("s_{c,t}^2", "s_{c,t}"), ("A^\\top", "A"), ("W_{j}^{(i)}", "W_{j}^{(i)}")]
    {
        let text = format!("$$ x = {written} $$");
        let (ds, errors) = gradproof::latex::read_answer(&text, AnswerKind::Markdown, &model);
        assert!(errors.is_empty(), "{written}: {errors:?}");
        let e = &ds[0].steps[0].expr;
        let inner = match &e.kind {
            ExprKind::Binary(BinOp::Pow, inner, ..) | ExprKind::Transpose(inner) => inner,
            _ => e,
        };
        assert_eq!(name(&text, inner), base, "{written}");
    }
}

/// `\sum\limits_{i=1}^{n}` is `\sum_{i=1}^{n}`; `\boxed{…}` around a result is its content; pasted
/// Unicode (`−`, `∂`, `∑`, `√`, `²`, `ᵀ`) is the LaTeX it stands for. Each step restates its left
/// side or is the BCE derivative by hand, so each is proved.
#[test]
fn limits_boxed_and_pasted_unicode_are_read() {
    let family = "index i in 1..n\nvar w[i]\nvar u: n\n";
    let answer = "$$ \\frac{1}{n}\\sum\\limits_{i=1}^{n} w_i = \\frac{1}{n}\\sum_{i=1}^{n} w_i $$\n\
                  $$ ∑_{i=1}^{n} w_i² = \\sum_{i} w_i w_i $$\n\
                  $$ uᵀ u = u^\\top u $$\n";
    let report = check(answer, AnswerKind::Markdown, family);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved], [Verdict::Proved]]);
    let answer = "$$ L = -t \\log p − (1-t)\\log(1-p) $$\n\
                  $$ \\frac{∂L}{∂p} = \\boxed{\\frac{p - t}{p(1-p)}} $$\n\
                  $$ √p √p = p $$\n";
    let report = check(answer, AnswerKind::Markdown, BCE);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved], [Verdict::Proved]]);
}

/// An empty group (`\frac{}{p}`, `^{}`) is an error at the construct that holds it, not at the
/// start of the file.
#[test]
fn an_empty_group_is_an_error_at_its_place() {
    let answer =
        "Intro text.\n\n\\begin{align*}\nL &= -t \\log p - (1-t)\\log(1-p) \\\\\n  &= \\frac{}{p}\n\\end{align*}\n";
    assert_eq!(first_error(answer, AnswerKind::Tex, BCE), "5:6 an expression is missing here");
    let answer = "$$ L = -t \\log p - (1-t)\\log(1-p)^{} $$";
    assert_eq!(first_error(answer, AnswerKind::Markdown, BCE), "1:29 an expression is missing here");
}

/// A LaTeX tester's cases (5 December): an element of a vector with a power (`w_i^2` for `var w:
/// n`) was refused while `(w_i)^2` was read, and a refusal said "the model has `w` (w)", as if `w`
/// were what was written. Truth by hand: Σ w_i² = Σ w_i w_i = wᵀw; Σ w_i² ≠ Σ 2 w_i (w = (1)
/// gives 1 and 2). A family written whole is transposed as an array is (`w^\top w` for `var
/// w[i]`, the student tester's F06, 5 December evening).
#[test]
fn an_element_with_a_power_is_read_and_a_refusal_says_how_many_indices() {
    let answer = "$$ \\sum_{i=1}^{n} w_i^2 = \\sum_{i=1}^{n} w_i w_i $$\n\n$$ \\sum_{i=1}^{n} w_i^2 = \\sum_{i=1}^{n} 2 w_i $$\n";
    let report = check(answer, AnswerKind::Tex, "var w: n\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [vec![Verdict::Proved], vec![Verdict::Wrong]]);
    let report = check("$$ \\sum_{i=1}^{n} w_i^2 = w^\\top w $$\n", AnswerKind::Tex, "index i in 1..n\nvar w[i]\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [vec![Verdict::Proved]]);
    let report = check("$$ \\sum_{i=1}^{n} w_i^2 = w^{2,3} $$\n", AnswerKind::Tex, "index i in 1..n\nvar w[i]\n");
    let hint = report.errors.first().and_then(|e| e.hints.first()).cloned().unwrap_or_default();
    assert!(hint.contains("`w` (with 1 index)"), "{hint}");
}

/// A step's reason written after it, `\quad \text{(power rule)}`, as students do (the LaTeX tester,
/// 5 December: "cannot read `\text` here", and the chain was dropped): the step's note. Truth by
/// hand: d/dx x² = 2x = x + x; 2x ≠ 3x.
#[test]
fn a_text_after_a_step_is_its_note() {
    let answer = "\\begin{align*}\n\\frac{\\partial}{\\partial x} x^2 &= 2x \\quad \\text{(power rule)} \\\\\n\
                  &= x + x \\qquad\\text{(algebra)} \\\\\n&= 3x \\quad \\text{(slip)}\n\\end{align*}\n";
    let report = check(answer, AnswerKind::Tex, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [vec![Verdict::Proved, Verdict::Proved, Verdict::Wrong]]);
    let notes: Vec<Option<&str>> = report.derivations[0].steps.iter().map(|s| s.note.as_deref()).collect();
    assert_eq!(notes, [Some("(power rule)"), Some("(algebra)"), Some("(slip)")]);
    // Text that is not at the end of the step is still refused.
    let report = check("$$ x^2 = x \\text{ times } x $$\n", AnswerKind::Tex, "var x\n");
    assert!(!report.errors.is_empty());
}

/// The line of every step, by derivation.
fn step_lines(report: &FileReport) -> Vec<Vec<usize>> {
    report
        .derivations
        .iter()
        .map(|d| d.steps.iter().map(|s| line_col(&report.source, s.span.start).0).collect())
        .collect()
}

/// What a rendered Markdown page never shows as math is not read (the LaTeX tester, M5a: its
/// wrong steps cost points): indented code, inline code, HTML comments (as blocks, inline, or
/// in a list) and inline tags. Display math in an HTML block, which a Markdown reader leaves
/// unparsed, is an error rather than silence; after a blank line it is Markdown and read. Truth
/// by hand: x + x = 2x = x + x; x ≠ kx for k ≠ 1.
/// A display never closed is an error at its opening, and what follows is not read (a student
/// tester: an unclosed `$$` was read to the end of the text, which a Markdown page shows as prose);
/// the displays before it are checked. A `$$` left open before a later display (part 1's
/// closing forgotten, part 2 below it) was paired with part 2's opening, the prose between read as
/// math and the error put at part 2's right closing (a student tester, 6 December): the `$$` left
/// open is the one whose leaving out pairs the others with the fewest blank lines inside displays,
/// and part 2 is checked; a display closed across a blank line stays read (a reviewer: a first
/// version cut it at its blank line). Truth by hand: (x+1)² = x² + 2x + 1; sin x + x ≠ 2x.
#[test]
fn a_display_never_closed_is_an_error_and_the_rest_is_not_read() {
    let answer = "$$\n2x = x + x\n$$\n\nthen\n\n$$\nx = 3x\n\nmore prose\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    assert_eq!(errors(&report), ["7:1 this `$$` is never closed"]);
    let answer = "Part 1\n\n$$\n(x+1)^2 = x^2 + 2x + 1\n\nPart 2 text here.\n\n$$\n\\sin(x) + x = 2x\n$$\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Wrong]]);
    assert_eq!(step_lines(&report), [[9]]);
    assert_eq!(errors(&report), ["3:1 this `$$` is never closed: the next display opens before it ends"]);
    // Part 1 closed across a blank line, part 2, part 3 left open: part 3 is the error.
    let answer = "$$\n(x+1)^2\n\n= x^2 + 2x + 1\n$$\n\ntext\n\n$$\n2x = x + x\n$$\n\nmore\n\n$$\nx = 3x\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
    assert_eq!(errors(&report), ["15:1 this `$$` is never closed"]);
    // A `\[` before the `\]` of one before it: that one is left open, the next is read.
    let report = check("\\[ (x+1)^2 = x^2 + 1\n\ntext\n\n\\[ 2x = x + x \\]\n", AnswerKind::Markdown, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    assert_eq!(errors(&report), ["1:1 this `\\[` is never closed: the next display opens before it ends"]);
    // A blank line inside a display that is closed, with every display closed, is still read.
    let report = check("$$\n(x+1)^2\n\n= x^2 + 2x + 1\n$$\n", AnswerKind::Markdown, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    let report = check("\\[ 2x = x + x \\]\n\\[ x = 3x\n", AnswerKind::Tex, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    assert_eq!(errors(&report), ["2:1 this `\\[` is never closed"]);
}

#[test]
fn markdown_code_and_html_are_not_read() {
    let answer = "Indented code:\n\n    $$ x = 5x $$\n\n<!--\n$$ x = 6x $$\n-->\n\n\
                  Prose <!-- $$ x = 7x $$ --> and `$$ x = 8x $$` and <span title=\"$$ x = 9x $$\">.\n\n\
                  - item\n\n      $$ x = 10x $$\n\n\
                  $$ x + x = 2x $$\n\n\
                  <div>\n$$ x = 11x $$\n</div>\n\n\
                  <details>\n\n$$ 2x = x + x $$\n\n</details>\n\n\
                  <pre>\n$$ x = 12x $$\n</pre>\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
    assert_eq!(step_lines(&report), [[15], [23]]);
    assert_eq!(errors(&report), ["18:1 display math inside an HTML block is not read"]);
}

/// What LaTeX never typesets is not read (the LaTeX tester, M5b): verbatim text and listings,
/// the `comment` environment, `\iffalse … \fi` (its `\else` is typeset; conditionals inside it
/// are counted, as TeX counts them), `\verb` with any delimiter, and everything after
/// `\end{document}`. Truth by hand as above.
#[test]
fn hidden_tex_is_not_read() {
    let answer = "\\documentclass{article}\n\\begin{document}\n\
                  \\begin{verbatim}\n\\begin{align*} x &= 2x \\end{align*}\n$$ x = 3x $$\n\\end{verbatim}\n\
                  \\begin{verbatim*}50% $$ x = 3x $$\\end{verbatim*}\n\
                  \\begin{comment}\n$$ x = 4x $$\n\\end{comment}\n\
                  \\iffalse\n$$ x = 5x $$ \\ifx a b \\fi $$ x = 5x $$ % \\fi\n\\fi\n\
                  \\iffalse $$ x = 5x $$ \\else $$ x + x = 2x $$ \\fi\n\
                  \\begin{lstlisting}\n$$ x = 6x $$\n\\end{lstlisting}\n\
                  \\begin{minted}{python}\ns = '\\[ x = 6x \\]'\n\\end{minted}\n\
                  Inline: \\verb|$$ x = 7x $$| and \\verb+\\[ x = 8x \\]+ and \\verb*!$$ x = 8x $$!.\n\
                  % $$ x = 9x $$\n\
                  \\[ 2x = x + x \\]\n\
                  \\end{document}\n$$ x = 10x $$\n";
    let report = check(answer, AnswerKind::Tex, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
    assert_eq!(step_lines(&report), [[14], [23]]);
}

/// LaTeX ignores a comment, so an `\end{align*}` in one does not end the block (the LaTeX
/// tester, S4: the row after it was never checked); in verbatim text `%` is no comment. Truth by
/// hand: (x+2)² = x² + 4x + 4 ≠ x² + 4.
#[test]
fn an_end_in_a_comment_does_not_end_the_block() {
    let answer =
        "\\begin{align*}\n(x+2)^2 &= x^2 + 4x + 4 \\\\\n% \\end{align*} old attempt\n &= x^2 + 4\n\\end{align*}\n\
                  \\[ x + x = 2x % \\]\n\\]\n\
                  \\begin{verbatim}50% \\end{verbatim} $$ 2x = x + x $$\n";
    let report = check(answer, AnswerKind::Tex, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    use Verdict::*;
    assert_eq!(verdicts(&report), [vec![Proved, Wrong], vec![Proved], vec![Proved]]);
    assert_eq!(step_lines(&report), [vec![2, 4], vec![6], vec![8]]);
}

/// `\[ … \]` in Markdown and in a notebook's markdown cells is display math, as Jupyter and
/// MathJax show it (the LaTeX tester, S5: it was never read); in code it is not. Truth by hand:
/// ∂/∂x x³ = 3x² ≠ 2x²; (x+1)² ≠ x² + 1.
#[test]
fn bracket_display_math_in_markdown_and_notebooks_is_read() {
    let answer = "# Q1\n\n\\[ \\frac{\\partial}{\\partial x} x^3 = 2x^2 \\]\n\n\\[\n\\frac{\\partial}{\\partial x} x^3 = 3x^2\n\\]\n\n\
                  `\\[ x = 2x \\]`\n\n```\n\\[ x = 2x \\]\n```\n\n$$ x + x = 2x $$\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Wrong], [Verdict::Proved], [Verdict::Proved]]);
    assert_eq!(step_lines(&report), [[3], [6], [15]]);
    let notebook = r##"{"cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["Q1:\n", "\\[\n", "\\frac{\\partial}{\\partial x} x^3 = 2x^2\n", "\\]\n", "\n", "$$ (x+1)^2 = x^2 + 1 $$\n"]},
  {"cell_type": "code", "metadata": {}, "source": ["s = '\\[ x = 2x \\]'\n"], "outputs": [], "execution_count": null}
 ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"##;
    let report = check(notebook, AnswerKind::Notebook, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Wrong], [Verdict::Wrong]]);
    assert_eq!(step_lines(&report), [[2], [2]]);
}

/// The `>` of a block quote (nested too) is not a relation of the math quoted in it (the LaTeX
/// tester: `> $$ … $$` over several lines was refused at the `>`); spans stay the file's.
/// Truth by hand: (x+1)² = x² + 2x + 1 ≠ x² + 1.
#[test]
fn block_quote_markers_are_not_math() {
    let answer = "> $$\n> (x+1)^2 = x^2 + 2x + 1\n> $$\n\n> > $$\n> > (x+1)^2\n> > = x^2 + 1\n> > $$\n\n\
                  > ```math\n> x + x = 2x\n> ```\n";
    let report = check(answer, AnswerKind::Markdown, "var x\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Wrong], [Verdict::Proved]]);
    let first = &report.derivations[0].steps[0];
    assert_eq!(line_col(&report.source, first.span.start), (2, 11));
    assert_eq!(step_lines(&report), [[2], [7], [11]]);
    // 100,000 nested quotes (200 KB): each line's markers are walked once, not once a quote (that
    // took over a minute for 300,000).
    let deep = format!("{}$$ x + x = 2x $$\n", "> ".repeat(100_000));
    assert_eq!(verdicts(&check(&deep, AnswerKind::Markdown, "var x\n")), [[Verdict::Proved]]);
}

/// Hidden text that is never closed hides the rest of the file, as LaTeX and Markdown do; nothing
/// panics, and an answer with nothing left says so.
#[test]
fn unclosed_hidden_text_is_not_a_panic() {
    for (answer, kind) in [
        ("<!--\n$$ x = 2x $$\n", AnswerKind::Markdown),
        ("<div>\n$$ x = 2x $$", AnswerKind::Markdown),
        ("<!-- $$ x = 2x $$", AnswerKind::Markdown),
        ("> <!--\n> $$ x = 2x $$", AnswerKind::Markdown),
        ("    $$ x = 2x $$", AnswerKind::Markdown),
        ("```math\n", AnswerKind::Markdown),
        ("\\begin{verbatim}\n$$ x = 2x $$\n", AnswerKind::Tex),
        ("\\begin{comment}", AnswerKind::Tex),
        ("\\iffalse\n$$ x = 2x $$\n", AnswerKind::Tex),
        ("\\iffalse", AnswerKind::Tex),
        ("\\verb", AnswerKind::Tex),
        ("\\verb*", AnswerKind::Tex),
        ("\\verb|$$ x = 2x $$\n", AnswerKind::Tex),
        ("\\end{document}", AnswerKind::Tex),
    ] {
        let report = check(answer, kind, "var x\n");
        assert!(report.derivations.iter().all(|d| d.steps.iter().all(|s| s.verdict != Verdict::Wrong)), "{answer}");
        assert!(!report.errors.is_empty(), "{answer}");
        assert!(report.errors.iter().all(|d| !d.message.contains("internal error")), "{answer}");
    }
    // An unclosed `<!--` inside a paragraph is text (CommonMark): the math after it is shown.
    let report = check("Prose <!-- $$ x + x = 2x $$\n", AnswerKind::Markdown, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
}

/// `\mathcal{L}` and `\ell` are names the model spells with `latex` (they were refused as
/// commands, and the model's spelling silently unused): another alphabet is another letter, so
/// without the spelling `\mathcal{L}` is refused with a hint that says how to spell it.
#[test]
fn other_alphabets_and_ell_are_names_the_model_spells() {
    let model = "var y_true, y_pred, x, w, b\nlet L = (y_pred - y_true)^2\nlet ell = 1/2 * (w * x + b - y_true)^2\n\
                 latex L \"\\mathcal{L}\"\n";
    let answer = "$$ \\mathcal{L} = (y_{\\text{pred}} - y_{\\text{true}})^2 $$\n\
                  $$ \\frac{\\partial \\ell}{\\partial w} = (wx + b - y_{\\text{true}})x $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]]);
    let report = check("$$ \\mathcal{L} = x $$", AnswerKind::Markdown, "var L, x\n");
    assert_eq!(errors(&report), ["1:4 `\\mathcal{L}` with these scripts matches no name of the model"]);
    assert!(report.errors[0].hints[0].contains("latex L \"\\mathcal{L}\""), "{:?}", report.errors[0].hints);
}

/// The second LaTeX tester's regressions of the same day, each read as written again: equations
/// aligned on the left (`& \log\sigma(x) = … \\ & -\log\sigma(x) = …`) are each an equation, also
/// after a definition or a row of prose; two equations in the rows of `multline` stay two; a
/// `(x)` after `\exp \quad` is its argument, not a label; `~` and `\ ` are spaces; `\iff` in a
/// false branch does not open a conditional; a model's `latex` spelling wins over `yhat`'s.
/// Truth by hand: log σ(x) = −log(1 + e^{−x}); (x+1)² = x² + 2x + 1.
#[test]
fn rows_aligned_on_the_left_and_other_regressions_are_read_as_written() {
    let model = "var x, y, u, w, b\n";
    use Verdict::*;
    let cases: [(&str, AnswerKind, &[&[Verdict]]); 7] = [
        (
            "\\begin{align*}\n& \\log\\sigma(x) = -\\log(1+e^{-x}) \\\\\n& -\\log\\sigma(x) = \\log(1+e^{-x})\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Proved], &[Proved]],
        ),
        (
            "\\begin{align*}\n& u := wx+b \\\\\n& -(x+1)^2 = -x^2-1\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Wrong]],
        ),
        (
            "\\begin{align*}\n& (x+1)^2 = x^2 + 2x + 1 \\\\\n& \\text{hence} \\\\\n& -(x+1)^2 = -x^2 - 2x - 1\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Proved], &[Proved]],
        ),
        (
            "\\begin{multline}\n(x+y)^2 = x^2 + 2xy + y^2 \\\\\n(x-y)^2 = x^2 - 2xy + y^2\n\\end{multline}\n",
            AnswerKind::Tex,
            &[&[Proved], &[Proved]],
        ),
        ("$$ \\exp \\quad x = \\exp(x) $$\n$$ \\exp x ~ y = \\exp(x) y $$\n", AnswerKind::Markdown, &[&[Proved], &[Proved]]),
        ("$$ 1\\ 000 = 1000 $$\n", AnswerKind::Markdown, &[&[Proved]]),
        (
            "\\iffalse\nDraft: $\\sigma(x) = 1/2 \\iff x = 0$.\n\\fi\n\\begin{align*}\n(x+2)^2 &= x^2 + 4\n\\end{align*}\n",
            AnswerKind::Tex,
            &[&[Wrong]],
        ),
    ];
    for (answer, kind, expected) in cases {
        let report = check(answer, kind, model);
        assert!(report.errors.is_empty(), "{answer}: {:?}", errors(&report));
        assert_eq!(verdicts(&report), expected, "{answer}");
    }
    let report = check("$$ \\hat{y} - y = yp - y $$", AnswerKind::Markdown, "var y, yhat, yp\nlatex yp \"\\hat{y}\"\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Proved]]);
}

/// A row of display math that starts with `>` is no block quote (the second LaTeX tester: its
/// `>` was taken away, and `1 > 2x` read as the product `1 2x`): the relation stays, refused as
/// no step.
#[test]
fn a_row_starting_with_a_greater_sign_in_display_math_is_no_quote() {
    let answer = "$$\n(x+1)^2 = x^2 + 2x + 1\n> 2x\n$$\n";
    assert_eq!(first_error(answer, AnswerKind::Markdown, "var x\n"), "3:1 this relation is not a step of a derivation");
}

/// What no reader can read one way is refused, never read one way (the LaTeX tester, 5 December,
/// with SymPy for the truth): an unclosed `\left(` or `{` (the block was skipped: a false step
/// before it went unchecked), a script mark without its script (`x^` read as `x`), a bracket
/// after a derivative operator with more factors after it (`\frac{\partial}{\partial w}(wx-y)
/// \cdot (wx-y)` was proved, though half the derivative as most read it), a derivative followed
/// by `(0)` (its value at 0, read as a product and proved), a product after a slash (`1/2x`),
/// bars around a matrix (`|A|`: the determinant to most readers) and the 2-norm of a matrix
/// (`\|M\|_2 = \sqrt{2}` for the identity was proved: its 2-norm is 1).
#[test]
fn what_readers_read_differently_is_refused() {
    let model = "var x, y, w\nvar A: 2 x 2, u: 3\nlet L = (w*x - y)^2\n";
    let refused = [
        ("$$ \\left(\\frac{d}{dx} x^2 = 3x $$", "1:4 this `\\left` is never closed by a `\\right`"),
        ("$$ \\frac{d}{dx} x^{2 = 3x $$", "1:19 this `{` is never closed"),
        ("$$ x^2 = x^ $$", "1:11 a script mark without its script"),
        (
            "$$ L = \\frac{\\partial}{\\partial w}(wx-y) \\cdot (wx-y) $$",
            "1:8 where does what this derivative takes end?",
        ),
        // (So is a quotient after the bracket: `\frac{d}{dx}(x^2)/x` was read as the derivative of
        // the quotient, and a right step called wrong; an adversarial tester, 5 December, night.)
        ("$$ \\frac{d}{dx}(x^2)/x = 2 $$", "1:4 where does what this derivative takes end?"),
        ("$$ \\frac{d}{dx}(x^2) \\div x = 2 $$", "1:4 where does what this derivative takes end?"),
        ("$$ \\sqrt[3]{x} = x $$", "1:9 a root of another degree than 2 is not read"),
        ("$$ \\frac{d}{dx} x^2 / x = 2 $$", "1:4 where does what this derivative takes end?"),
        ("$$ x⁻¹ = x $$", "1:5 cannot read `⁻` here"),
        (
            "$$ \\frac{\\partial L}{\\partial w}(0) = 0 $$",
            "1:33 a derivative followed by `(…)`: its value at a point, or a product?",
        ),
        ("$$ 1/2x = x $$", "1:5 a product right after a `/`: is it below the slash or beside it?"),
        (
            "$$ |A| = 1 $$",
            "1:4 bars around a vector or a matrix: a determinant, a norm, or each element's absolute value?",
        ),
        ("$$ \\|A\\|_2 = 1 $$", "1:4 cannot take the dot product of a 2x2 matrix and a 2x2 matrix"),
    ];
    for (answer, error) in refused {
        assert_eq!(first_error(answer, AnswerKind::Markdown, model), error, "{answer}");
    }
    // The Euclidean norm of a vector and a bracket alone after the operator are read.
    let report = check(
        "$$ \\|u\\|_2^2 = u^\\top u $$\n$$ \\frac{\\partial}{\\partial w}\\left(w x\\right) = x $$\n$$ \\frac{1}{2} x = x/2 $$\n",
        AnswerKind::Markdown,
        model,
    );
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    // (The first proved since 7 December, night: the root of a value ≥ 0 squared is the value.)
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved], [Verdict::Proved]]);
}

/// A repair of an answer in LaTeX is said in LaTeX, as its culprit is: not `+ p[i] * sum(k, t[k])`
/// beside `- p_i \sum_k t_k` (truth by hand: with Σ t = 1 the step before is p_i − t_i).
#[test]
fn a_repair_of_a_latex_answer_is_said_in_latex() {
    let model = "index i in 1..K, k in 1..K\nvar z[k], t[k] >= 0\nassume sum(k, t[k]) = 1\n\
                 let p[k] = exp(z[k]) / sum(i, exp(z[i]))\nlet L = -sum(k, t[k] * log(p[k]))\n";
    let answer = "\\begin{align*}\n\\frac{\\partial L}{\\partial z_i} &= -\\sum_k t_k (\\delta_{ki} - p_i) \\\\\n\
                  &= -t_i - p_i \\sum_k t_k\n\\end{align*}\n";
    let report = check_answer(
        "a.tex",
        answer.as_bytes(),
        AnswerKind::Tex,
        "m.deriv",
        model.as_bytes(),
        &CheckOptions::default(),
    );
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let repair = report.derivations[0].steps[1].repair.as_ref().expect("a repair");
    assert_eq!(repair.culprit_text, "- p_i \\sum_k t_k");
    assert_eq!(repair.replacement, "+ p_{i} \\, \\sum_{k=1}^{K} t_{k}");
}

/// A culprit quoted with its brackets keeps them in its replacement, and a notebook's culprit is
/// quoted as the student typed it, not as its JSON escapes it (a TA: "replacing `\left(\pi_{b} -
/// \delta_{b,ac}\right)` by `\delta_{b,ac} - \pi_{b}`" turned `G(…)` into `G\delta - \pi`; truth by
/// hand: the REINFORCE gradient of `G log π_a` by θ_b is `G (δ_ab − π_b)`).
#[test]
fn a_repair_keeps_the_brackets_of_its_culprit() {
    let model = "index a in 1..A, b in 1..A\nvar th[a], G\nvar ac in 1..A\n\
                 let pp[a] = exp(th[a]) / sum(b, exp(th[b]))\nlatex th \"\\theta\"\nlatex pp \"\\pi\"\n\
                 let Jr = G * log(pp[ac])\nlatex Jr \"J\"\n";
    let row = r"\frac{\partial J}{\partial \theta_{b}} = G \left(\delta_{\mathit{ac},b} - \pi_{b}\right) = G \left(\pi_{b} - \delta_{b,\mathit{ac}}\right)";
    let markdown = format!("$$\n{row}\n$$\n");
    let notebook = serde_json::json!({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": [markdown.clone()]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    })
    .to_string();
    for (kind, answer) in [(AnswerKind::Markdown, markdown.clone()), (AnswerKind::Notebook, notebook)] {
        let report = check(&answer, kind, model);
        assert_eq!(verdicts(&report), [[Verdict::Proved, Verdict::Wrong]], "{kind:?}: {:?}", errors(&report));
        let repair = report.derivations[0].steps[1].repair.as_ref().expect("a repair");
        assert_eq!(repair.culprit_text, r"\left(\pi_{b} - \delta_{b,\mathit{ac}}\right)", "{kind:?}");
        assert_eq!(repair.replacement, r"\left(\delta_{b,\mathit{ac}} - \pi_{b}\right)", "{kind:?}");
    }
}

/// A gap as wide as a quad written with other spacing (`\enspace`, `\;\;`, `~~`) cuts two
/// equations and marks a label as `\quad` does (a LaTeX tester: `x \cdot 0 = 1 \enspace y \cdot 0 =
/// 0` was one chain through the product `1 y`, both steps proved; `&= 0.25 \enspace (2)` was
/// `0.25 · 2`, proved for σ(0) = 0.5). Truth by hand: x·0 = 0 ≠ 1; σ(0) = 1/2.
#[test]
fn a_wide_gap_written_otherwise_is_a_quad() {
    let m = "var x, y\n";
    for gap in [r"\enspace", r"\;\;", r"~~", r"\ \ ", r"\,\,\,"] {
        let (verdicts, _) = read_tex(&format!("\\[ x \\cdot 0 = 1 {gap} y \\cdot 0 = 0 \\]\n"), m);
        assert_eq!(verdicts, [[Verdict::Wrong], [Verdict::Proved]], "{gap}");
        let (verdicts, _) = read_tex(&format!("\\begin{{align*}}\n\\sigma(0) &= 0.25 {gap} (2)\n\\end{{align*}}\n"), m);
        assert_eq!(verdicts, [[Verdict::Wrong]], "{gap}");
    }
    // (Between two operands it is spacing; across joined rows, no cut.)
    assert_eq!(read_tex(r"\[ 2 \enspace y = 2y \]", m).0, [[Verdict::Proved]]);
    let joined = "\\begin{align*}\n(x+y)^2 - x^2 &= x^2 + 2xy + y^2 \\\\\n  &\\quad - x^2 = 2xy + y^2\n\\end{align*}\n";
    assert_eq!(read_tex(joined, m).0, [[Verdict::Proved, Verdict::Proved]]);
    // (Two thin spaces, a third of a quad, set a product apart; a name of the model after a gap
    // written otherwise is no label: `3 \;\; (x)` is `3 x`. Dropped as a label, a false step was
    // proved: a reviewer. Truth by hand: d(3x)/dx = 3 ≠ 3x.)
    assert_eq!(read_tex(r"\[ 3x = 3 \,\, (x) \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ 3x = 3 \;\; (x) \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ \frac{d}{dx} (3x) = 3 \;\; (x) \]", m).0, [[Verdict::Wrong]]);
}

/// A function's bracket in braces carries a power as the bracket does (`\exp{(x)}^2` prints as
/// `\exp(x)^2`; it was read `exp(x^2)` and proved equal to it), and `\log 1/x` is refused as
/// ambiguous (it was read `log(1)/x`, and `\log 1/x = 0` proved; a LaTeX tester). Truth by hand:
/// exp(x)^2 = exp(2x) ≠ exp(x^2) at x = 1.
#[test]
fn a_braced_bracket_and_a_slash_after_a_bare_argument() {
    let m = "var x > 0\n";
    assert_eq!(read_tex(r"\[ \exp{(x)}^2 = \exp(x^2) \]", m).0, [[Verdict::Wrong]]);
    assert_eq!(read_tex(r"\[ \exp{(x)}^2 = \exp(2x) \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ \sigma{(x)}^2 = \sigma(x) \sigma(x) \]", m).0, [[Verdict::Proved]]);
    for slash in [r"\log 1/x = 0", r"\exp x/2 = 1"] {
        let (verdicts, errors) = read_tex(&format!("\\[ {slash} \\]\n"), m);
        assert!(verdicts.is_empty() && errors.iter().any(|e| e.contains("where does the argument")), "{errors:?}");
    }
    assert_eq!(read_tex(r"\[ \log x \, / 2 = \frac{\log x}{2} \]", m).0, [[Verdict::Proved]]);
    // (A function after the slash leaves one reading, a reviewer.)
    assert_eq!(read_tex(r"\[ \frac{\log x}{\log 2} = \log x / \log 2 \]", m).0, [[Verdict::Proved]]);
}

/// A condition imposed on a step (`\overset{!}{=} 0`, `\overset{\text{set}}{=} 0`) is no step: the
/// steps before it are checked, and a note says it was not (it was checked as an identity, and a
/// right gradient told `wrong`: a LaTeX tester). Alone it is refused with a word.
#[test]
fn a_condition_imposed_is_not_a_step() {
    let m = "var w, x, y\nlet L = (w*x - y)^2\n";
    for mark in [r"\overset{!}{=}", r"\overset{\text{set}}{=}", r"\stackrel{!}{=}", r"\overset{\text{must}}{=}"] {
        let report =
            check(&format!("\\[ \\frac{{\\partial L}}{{\\partial w}} = 2(wx - y)x {mark} 0 \\]\n"), AnswerKind::Tex, m);
        assert_eq!(verdicts(&report), [[Verdict::Proved]], "{mark}: {:?}", errors(&report));
        assert!(report.derivations[0].steps[0].note.as_deref().is_some_and(|n| n.contains("not checked")), "{mark}");
    }
    let (alone, said) = read_tex(r"\[ 2(wx - y)x \overset{!}{=} 0 \]", m);
    assert!(alone.is_empty() && said.iter().any(|e| e.contains("a condition imposed")), "{said:?}");
    // (On a row of its own after the chain, it ends the chain, which is checked: a reviewer.)
    let own_row =
        "\\begin{align*}\n\\frac{\\partial L}{\\partial w} &= 2(wx - y)x \\\\\n  &\\overset{!}{=} 0\n\\end{align*}\n";
    let report = check(own_row, AnswerKind::Tex, m);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    assert!(report.derivations[0].steps[0].note.as_deref().is_some_and(|n| n.contains("not checked")));
    // (`\overset{?}{=}` asks whether it is equal: a step.)
    assert_eq!(read_tex(r"\[ 2(wx - y)x \overset{?}{=} 2wx^2 - 2xy \]", m).0, [[Verdict::Proved]]);
}

/// A pasted full-width `＝` (and `﹦`, `⩵`) is `=`: a display of one was passed over without a word,
/// its false claim never checked (a LaTeX tester). Truth by hand: x·0 = 0 ≠ 1.
#[test]
fn a_full_width_equals_sign_is_an_equals_sign() {
    for eq in ["＝", "﹦", "⩵"] {
        let (verdicts, errors) = read_tex(&format!("\\[ x + x = 2x \\]\n\\[ x \\cdot 0 {eq} 1 \\]\n"), "var x\n");
        assert_eq!(verdicts, [[Verdict::Proved], [Verdict::Wrong]], "{eq}: {errors:?}");
    }
}

/// The papers' capitals of builtins are read (`\operatorname{GELU}`, `\mathrm{LeakyReLU}`,
/// `\operatorname{Softplus}`: "not a name of the model", though `ReLU` was read); a file taken in
/// with `\input` in the body is said to be unchecked (its false step went without a word); an L1
/// norm gets a hint of its own (a LaTeX tester).
#[test]
fn capitals_of_builtins_input_files_and_other_norms() {
    let m = "var x\n";
    let caps = r"\[ \operatorname{GELU}(x) + \operatorname{LeakyReLU}(x) + \mathrm{Softplus}(x) = \operatorname{gelu}(x) + \operatorname{leaky\_relu}(x) + \log(1 + e^x) \]";
    assert_eq!(read_tex(caps, m).0, [[Verdict::Proved]]);
    let doc = "\\documentclass{article}\n\\input{macros}\n\\begin{document}\n\\[ x + x = 2x \\]\n\\input{part2}\n% \\input{old}\n\\end{document}\n";
    let (verdicts, errors) = read_tex(doc, m);
    assert_eq!(verdicts, [[Verdict::Proved]]);
    assert!(
        errors.len() == 1 && errors[0].starts_with("5:1") && errors[0].contains("`\\input{part2}` is not followed"),
        "{errors:?}"
    );
    // (A brace's note is a remark, its part is read; a bracket broken across rows is named.)
    assert_eq!(
        read_tex(r"\[ x + \underbrace{x - x}_{=0} + \overbrace{x + x}^{\text{twice}} = 3x \]", m).0,
        [[Verdict::Proved]]
    );
    let (_, errors) = read_tex(r"\[ x \underbrace{(x+1)}_{\text{b}}^2 = x(x+1)^2 \]", m);
    assert!(errors.iter().any(|e| e.contains("`\\underbrace` cannot be read here")), "{errors:?}");
    let broken = "\\begin{align*}\n3x + 3 &= 3\\left( x \\right. \\\\\n&\\qquad \\left. + 1 \\right)\n\\end{align*}\n";
    let (_, errors) = read_tex(broken, m);
    assert!(errors.iter().any(|e| e.contains("a bracket broken across rows")), "{errors:?}");
    let (_, errors) = read_tex(r"\[ \|x\|_1 = |x| \]", m);
    let report = check(r"\[ \|x\|_1 = |x| \]", AnswerKind::Tex, m);
    assert!(report.errors.iter().any(|e| e.hints.iter().any(|h| h.contains("L1 norm"))), "{errors:?}");
}

/// A term's sign changed keeps the term's brackets in LaTeX: "replacing `+ (1-p)` by `- 1 - p`"
/// was shown as proved, a false repair (a TA; truth by hand: (1-p)^2 (2p - 1 - p) differs from
/// (1-p)^2 (2p - (1-p)) by -2p(1-p)^2).
#[test]
fn a_sign_change_keeps_the_brackets_of_its_term() {
    let model = "var z
let p = sigmoid(z)
";
    let report =
        check("$$\n(1-p)^2 (2p - (1-p)) = (1-p)^2\\left(2p + (1-p)\\right)\n$$\n", AnswerKind::Markdown, model);
    assert_eq!(verdicts(&report), [[Verdict::Wrong]], "{:?}", errors(&report));
    let repair = report.derivations[0].steps[0].repair.as_ref().expect("a repair");
    assert_eq!((repair.culprit_text.as_str(), repair.replacement.as_str()), ("+ (1-p)", "- (1 - p)"));
}

/// A repair whose part reads as several nodes in one place of the LaTeX says what the whole place
/// becomes: `\tanh^2(a^h_j)` reads as `tanh(…)^2`, and "`\tanh^2\left(a^{h}_j\right)` where
/// `\tilde{h}_{j}` is needed" replaced the whole where only the `tanh` was (a student tester;
/// truth by hand: tanh'(u) = 1 − tanh(u)², with h̃_j = tanh(u) for u the whole pre-activation).
#[test]
fn a_repair_replaces_the_whole_of_what_is_written_in_its_place() {
    let model = "index j in 1..n, k in 1..n\nvar az[j], ah[j], hp[j], U[j,k]\nlet z[j] = sigmoid(az[j])\n\
                 let hc[j] = tanh(ah[j] + sum(k, U[j,k] * hp[k]))\nlet h[j] = (1 - z[j]) * hp[j] + z[j] * hc[j]\n\
                 unknown E depends on h[j]\nlatex hc \"\\tilde{h}\"\nlatex hp \"\\bar{h}\"\nlatex ah \"a^{h}\"\n";
    let answer = "\\begin{align*}\n\\frac{\\partial E}{\\partial a^{h}_j} &= \\frac{\\partial E}{\\partial h_j} \\, z_j \\left(1 - \\tilde{h}_j^2\\right) \\\\\n\
                  &= \\frac{\\partial E}{\\partial h_j} \\, z_j \\left(1 - \\tanh^2\\left(a^{h}_j\\right)\\right)\n\\end{align*}\n";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved, Verdict::Wrong]]);
    let repair = report.derivations[0].steps[1].repair.as_ref().expect("a repair");
    assert_eq!(repair.culprit_text, "\\tanh^2\\left(a^{h}_j\\right)");
    assert_eq!(repair.replacement, "\\tilde{h}_{j}^{2}");
}

/// An `align*` left open before the next one begins (LaTeX refuses the nested `\begin`): read as
/// one, the second's head became a factor of the first's answer and its rows more steps, and the
/// answer was scored without a word. The first now ends where the second begins, with an error
/// at the second's `\begin` (which sends a graded answer to a person).
#[test]
fn a_display_begun_inside_another_ends_it_with_an_error() {
    let model = "var x, w\nlet L = (w*x)^2\n";
    let answer = "\\begin{align*}\n\\frac{\\partial L}{\\partial w} &= 2 w x \\cdot x\n\n\
                  \\begin{align*}\n\\frac{\\partial L}{\\partial x} &= 2 w x \\cdot w\n\\end{align*}\n";
    let report = check(answer, AnswerKind::Tex, model);
    let errors: Vec<(usize, &str)> =
        report.errors.iter().map(|e| (line_col(&report.source, e.span.start).0, e.message.as_str())).collect();
    assert_eq!(errors, [(4, "`\\begin{align*}` inside the `align*` begun before it: is its `\\end{align*}` missing?")]);
    assert_eq!(verdicts(&report), [vec![Verdict::Proved], vec![Verdict::Proved]]);
}

/// A bare `\sum_k` takes the model's `k`: where that runs over another size than the family it
/// subscripts (`k in 1..D`, `o[i]` over `1..K`), the sum is over other terms, and a right answer
/// was `wrong` without a word. It is an error now, with the range to write.
#[test]
fn an_index_of_another_size_is_an_error_with_the_range_to_write() {
    let model = "index i in 1..K, k in 1..D\nvar o[i], x[k]\nlet p[i] = exp(o[i]) / sum(i, exp(o[i]))\n";
    let answer = "$$ p_i = \\frac{e^{o_i}}{\\sum_k e^{o_k}} $$\n";
    let report = check(answer, AnswerKind::Tex, model);
    let found: Vec<(&str, String)> = report.errors.iter().map(|e| (e.message.as_str(), e.hints.join(" | "))).collect();
    assert_eq!(
        found,
        [(
            "`k` runs over 1..D, but the subscript of `o` over 1..K",
            "use an index declared over 1..K or give a sum its range: `sum(k in 1..K, …)` (in LaTeX `\\sum_{k=1}^{K}`)"
                .to_string()
        )]
    );
    let ranged = check("$$ p_i = \\frac{e^{o_i}}{\\sum_{k=1}^{K} e^{o_k}} $$\n", AnswerKind::Tex, model);
    assert!(ranged.errors.is_empty(), "{:#?}", ranged.errors);
    assert_eq!(verdicts(&ranged), [vec![Verdict::Proved]]);
}

/// Seed 004's layout: two left-aligned rows with the same left side, the split by the chain rule
/// and then the answer. Read as two derivations, the second (the answer) matched none of the
/// reference's; it goes on with the first now (truth by hand: both rows equal 2·w·x²).
#[test]
fn a_row_that_writes_the_same_left_side_again_goes_on_with_its_chain() {
    let model = "var x, w\nlet u = w*x\nlet L = u^2\n";
    let answer = "$$\\begin{split} &\\frac{\\partial L}{\\partial w} = 2 u \\frac{\\partial u}{\\partial w} \\\\ \
                  &\\frac{\\partial L}{\\partial w} = 2 w x^2 \\end{split}$$\n";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(verdicts(&report), [vec![Verdict::Proved, Verdict::Proved]]);
    // Two different left sides stay two equations.
    let two = "$$\\begin{split} &\\frac{\\partial L}{\\partial w} = 2 w x^2 \\\\ &\\frac{\\partial L}{\\partial x} = 2 w^2 x \\end{split}$$\n";
    assert_eq!(verdicts(&check(two, AnswerKind::Tex, model)), [vec![Verdict::Proved], vec![Verdict::Proved]]);
}

/// A document's own macro is refused with the line that defines it (macros are not expanded):
/// "`\pd` cannot be read here — see docs/latex.md" sent a student looking for a command list.
/// `$$` inside an unclosed `align*` ends it with the nesting error, as `\begin{align*}` does.
#[test]
fn a_documents_macro_is_named_and_display_math_inside_a_display_is_an_error() {
    let model = "var x, w\nlet L = (w*x)^2\n";
    let answer = "\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}\n\\begin{align*}\n\\pd{L}{w} &= 2 w x^2\n\\end{align*}\n";
    let report = check(answer, AnswerKind::Tex, model);
    let found: Vec<(&str, String)> = report.errors.iter().map(|e| (e.message.as_str(), e.hints.join(" | "))).collect();
    assert_eq!(
        found,
        [(
            "`\\pd` is a macro this document defines (line 1)",
            "macros of a document are not expanded: write out what `\\pd` stands for in the math".to_string()
        )]
    );
    let nested = "\\begin{align*}\n\\frac{\\partial L}{\\partial w} &= 2 w x^2\n$$\n\\frac{\\partial L}{\\partial x} = 2 w^2 x\n$$\n";
    let report = check(nested, AnswerKind::Tex, model);
    let errors: Vec<&str> = report.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(errors, ["`$$` inside the `align*` begun before it: is its `\\end{align*}` missing?"]);
    assert_eq!(verdicts(&report), [vec![Verdict::Proved], vec![Verdict::Proved]]);
}

/// The student tester's textbook notation (5 December, evening), each read as the text means it.
/// Truth by hand (SymPy for the sums): `J(w)` is the loss J as a function of w, so `J(w) =
/// w(wx+b-y)^2` is wrong and `∂J(w)/∂w = 2(wx+b−y)x` right; CS229's update `θ_j := θ_j −
/// α ∂J/∂θ_j` has the steps after it checked from its right side (`= θ_j + 5α(h−y)x_j` wrong);
/// `\nabla_w L` is ∂L/∂w; `\sum_{i,j}` and `W_{i j}` as `\sum_i\sum_j` and `W_{ij}`; `h^{[t]}`
/// and `h^{\langle t \rangle}` are `h^{(t)}`; a superscript index goes where the declared names
/// say (`W^{(2)}_{ij}` for `W[l,i,j]`, `x^{(i)}_j` for `x[i,j]`).
#[test]
fn textbook_notation_is_read_as_the_textbooks_mean_it() {
    let model = "var w, b, x, y\nlet J = (w*x + b - y)^2\n";
    let answer = r"\[ J(w) = w(wx+b-y)^2 \]
\[ \frac{\partial J(w)}{\partial w} = 2(wx+b-y)x \]
\[ \frac{\partial}{\partial b} J(w, b) = 2(wx+b-y) \]
\[ \nabla_w J = 2(wx+b-y)x \]
\[ J(w)^2 = J \cdot J \]
\[ J(0) = J \]
\[ x(w) = x w \]
";
    let report = check(answer, AnswerKind::Tex, model);
    assert_eq!(
        verdicts(&report),
        [[Verdict::Wrong], [Verdict::Proved], [Verdict::Proved], [Verdict::Proved], [Verdict::Proved]]
    );
    assert_eq!(
        errors(&report),
        [
            "6:4 `J(0)` is ambiguous: `J` at a point, or a product?",
            "7:4 `x(w)` is ambiguous: `x` at a point, or a product?"
        ]
    );
    // The update rule, in one row and in two.
    let model = "index j in 1..d\nvar theta[j], x[j], y, alpha\nlet h = sum(j, theta[j]*x[j])\nlet J = 1/2*(h - y)^2\n";
    let answer = r"\[ \theta_j := \theta_j - \alpha \frac{\partial J}{\partial \theta_j} = \theta_j + 5 \alpha (h - y) x_j \]
\begin{align*}
\theta_j &:= \theta_j - \alpha \frac{\partial J}{\partial \theta_j} \\
&= \theta_j - \alpha (h - y)\, x_j
\end{align*}
\[ \theta_j := \theta_j - \alpha (h - y) x_j \]
";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Wrong], [Verdict::Proved]]);
    // Sums over two indices, spaced subscripts, Ng's brackets and angles.
    let model =
        "index i in 1..n, j in 1..n\nvar W[i,j], x[i], h[j], g[i,t]\nlet s = sum(i, sum(j, W[i,j]*x[i]*h[j]))\n\
                 let G = sum(i, g[i,t])\n";
    let answer = r"\[ s = \sum_{i,j} W_{i j} x_i h_j \]
\[ s = \sum_{ij} W_{ji} x_i h_j \]
\[ G = \sum_i g_i^{[t]} = \sum_i g_i^{\langle t \rangle} = \sum_i g_i^{<t>} \]
";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [vec![Verdict::Proved], vec![Verdict::Wrong], vec![Verdict::Proved; 3]]);
    // Superscript indices where the declared names put them.
    let model = "index l in 1..2, i in 1..n, j in 1..n\nvar W[l,i,j], x[j]\nlet h[i] = sum(j, W[1,i,j]*x[j])\n\
                 let o[i] = sum(j, W[2,i,j]*h[j])\nunknown L depends on o[i]\n";
    let answer = r"\[ \frac{\partial L}{\partial W^{(2)}_{ij}} = \frac{\partial L}{\partial o_i} h_j \]";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    let model = "index i in 1..m, j in 1..d\nvar x[i,j], w[j]\nlet z[i] = sum(j, w[j]*x[i,j])\n";
    let answer = r"\[ \frac{\partial z_i}{\partial w_j} = x^{(i)}_j \]";
    let report = check(answer, AnswerKind::Tex, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
}

/// Refusals that say what to write: `e^{…}` beside an index `e` (the TA's attention sheet: it was
/// read as a power of the index, and a right softmax scored 0 unflagged), `w^{new}` for the
/// model's `w_new` (was "`n` is not a name"), `\nabla` without its variable.
#[test]
fn textbook_notation_that_cannot_be_read_says_what_to_write() {
    let model = "index i in 1..N, m in 1..N, e in 1..N\nvar s[i]\nlet a[i] = exp(s[i]) / sum(m, exp(s[m]))\n";
    let report = check(r"\[ a_i = \frac{e^{s_i}}{\sum_{m=1}^{N} e^{s_m}} \]", AnswerKind::Tex, model);
    assert_eq!(errors(&report), ["1:16 `e^{…}` is ambiguous: the model declares an index `e`"]);
    let report = check(r"\[ a_i = \frac{\exp(s_i)}{\sum_{m=1}^{N} \exp(s_m)} \]", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    let model = "var w, x, y, eta\nlet L = (w*x - y)^2\nlet w_new = w - eta*diff(L, w)\n";
    let report = check(r"\[ w^{new} = w - 2\eta(wx - y)x \]", AnswerKind::Tex, model);
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert_eq!(
        hints,
        ["the model writes `w_new` as `w_{\\mathrm{new}}`: write that, with any indices after a comma in the subscript; or the model spells it as the course does with `latex w_new \"w^{\\text{new}}\"` (docs/latex.md)"]
    );
    let report = check(r"\[ w_{\mathrm{new}} = w - 2\eta(wx - y)x \]", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let report = check(r"\[ \nabla L = 2(wx-y)x \]", AnswerKind::Tex, model);
    assert_eq!(errors(&report), ["1:4 a gradient without its variable"]);
}

/// A model's own `e` (a smoothing rate, an error): spelled otherwise by the model, `e^{2x}` is
/// the exponential (a student tester's finding: it was a power of the rate, and a right step
/// `wrong`); spelled `e`, `e^{2x}` is refused as ambiguous and `e^2` is the model's `e` squared.
#[test]
fn a_models_e_leaves_or_shares_the_exponential() {
    let answer = r"\[ \frac{d}{dx} e^{2x} = 2 e^{2x} = 2\exp(2x) \]";
    let spelled = "var x\nvar e in (0, 1)\nlatex e \"\\epsilon\"\n";
    let report = check(answer, AnswerKind::Tex, spelled);
    assert_eq!(verdicts(&report), [[Verdict::Proved, Verdict::Proved]], "{:?}", errors(&report));
    let report = check(r"\[ \frac{\partial}{\partial \epsilon} \epsilon^2 = 2\epsilon \]", AnswerKind::Tex, spelled);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let plain = "var x\nvar e in (0, 1)\n";
    let report = check(answer, AnswerKind::Tex, plain);
    assert_eq!(errors(&report), ["1:17 `e^{…}` is ambiguous: the model declares a quantity `e`"]);
    let report = check(r"\[ \frac{d}{dx} \exp(2x) = 2 (e)^{0} \exp(2x) \]", AnswerKind::Tex, plain);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let report = check(r"\[ \frac{d}{de} \frac{1}{2} e^2 = e \]", AnswerKind::Tex, plain);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    // A reviewer: `e` alone still names the model's `e` where the model spells it otherwise, and
    // `e^\top e` is a transpose, never the exponential.
    let report = check(r"\[ \frac{d}{dx} e x^2 = 2 e x \]", AnswerKind::Tex, spelled);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    // `e^2` there: the model's `e` squared, or Euler's number squared? Refused (the second
    // reviewer: read as the latter, `\frac{d}{de} \frac{1}{2} e^2 = e` was `wrong`).
    let report = check(r"\[ \frac{d}{de} \frac{1}{2} e^2 = e \]", AnswerKind::Tex, spelled);
    assert_eq!(errors(&report), ["1:29 `e^{…}` is ambiguous: the model declares a quantity `e`"]);
    let vector = "var e: n, w: n\nlatex e \"\\epsilon\"\n";
    let report = check(r"\[ \frac{\partial}{\partial w} \left( e^\top w \right) = e \]", AnswerKind::Tex, vector);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let vector = "index i in 1..n, j in 1..n\nvar e[i], w[i]\nlatex e \"\\epsilon\"\n";
    let report = check(r"\[ \frac{\partial}{\partial w_i} \sum_j e_j w_j = e_i \]", AnswerKind::Tex, vector);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let vector = "var e: n, w: n\n";
    let report = check(
        r"\[ \frac{\partial}{\partial w} \left( \frac{1}{2} e^\top e + w^\top w \right) = 2 w \]",
        AnswerKind::Tex,
        vector,
    );
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
}

/// A size spelled by the model (`latex Dk "D_k"`) is read so (a TA and a student: the line was
/// accepted and ignored, and `\sqrt{D_k}` refused with "`D` is not a name of the model").
#[test]
fn a_size_takes_the_models_spelling() {
    let model = "index i in 1..Dk, j in 1..Dk\nvar q[i]\nlatex Dk \"D_k\", \"d_k\"\n";
    let answer = r"\[ \frac{\partial}{\partial q_i} \frac{\sum_j q_j}{\sqrt{D_k}} = \frac{1}{\sqrt{d_k}} \]";
    let report = check(answer, AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    // In a sum's bounds too (a tester: `\sum_{j=1}^{n+d_k-1}` was refused, "cannot read this as
    // an index").
    let model = "index i in 1..n\nindex j in 1..n+dk-1\nvar x[j]\nlet S = sum(j, x[j])\nlatex dk \"d_k\"\n";
    let report = check(r"\[ S = \sum_{j=1}^{n+d_k-1} x_j \]", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
}

/// A student's RL notation, `\log \pi(a|s)`, is told of its conditional first (it was told to put
/// the argument of `\log` in parentheses, and then of the `|`); a `cases` after a factor
/// multiplies it (it was refused with a generic hint; `\cdot` before it was read).
#[test]
fn a_conditional_after_log_and_a_cases_after_a_factor() {
    let model =
        "var a, mu\nvar s > 0\nlet pol = exp(-(a - mu)^2 / (2 * s^2))\nlatex pol \"\\pi\"\nlatex s \"\\sigma\"\n";
    let report = check(r"\[ \log \pi(a|s) = -\frac{(a-\mu)^2}{2\sigma^2} \]", AnswerKind::Tex, model);
    assert_eq!(errors(&report), ["1:12 a conditional (`|`) is not read"]);
    let model = "var u, v\nunknown E(z)\nlet z = max(u, v)\n";
    for sep in ["", "\\cdot "] {
        let answer = format!(
            r"\[ \frac{{\partial}}{{\partial u}} E(z) = E'(z) {sep}\begin{{cases}} 1 & u > v \\ 0 & \text{{otherwise}} \end{{cases}} \]"
        );
        let report = check(&answer, AnswerKind::Tex, model);
        assert_eq!(verdicts(&report), [[Verdict::Checked]], "{sep:?}: {:?}", errors(&report));
    }
}

/// A `cases` whose comparison is turned round has no repair that names the whole `cases` (a
/// student tester: "replacing `\begin{cases}…\end{cases}` by `x_{i+i-1} - x_{i+i}`", the
/// comparison's difference, which the text writes nowhere).
#[test]
fn a_turned_comparison_in_cases_is_not_repaired_as_the_whole_cases() {
    let model = "var u, v\nlet z = max(u, v)\n";
    let answer = r"\[ \frac{\partial z}{\partial u} = \begin{cases} 1 & u < v \\ 0 & \text{otherwise} \end{cases} \]";
    let report = check(answer, AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Wrong]], "{:?}", errors(&report));
    let repair = report.derivations[0].steps[0].repair.as_ref();
    assert!(repair.is_none_or(|r| !r.culprit_text.starts_with("\\begin{cases}")), "{repair:?}");
}

/// A `cases` after a derivative, wrong by a sign: the repair search built a part of the step whose
/// span ended before it began (the indicator, written nowhere, sits at the `cases`' start), and
/// the check of the whole file stopped with an internal error (a student tester's Huber loss).
#[test]
fn a_wrong_cases_after_a_derivative_is_checked_not_an_internal_error() {
    let model = "var r, s\nvar dl > 0\nlatex dl \"\\delta\"\n";
    let answer = r"$$ \frac{\partial}{\partial r} \operatorname{huber}(s - r, \delta) = \begin{cases} s - r & |s - r| \le \delta \\ \delta \operatorname{sign}(s - r) & \text{otherwise} \end{cases} $$";
    let report = check(answer, AnswerKind::Markdown, model);
    assert_eq!(verdicts(&report), [[Verdict::Wrong]], "{:?}", errors(&report));
    let step = &report.derivations[0].steps[0];
    assert_eq!(step.cause, Some(gradproof::check::Cause::Sign), "{step:?}");
}

/// Two names of a model with one spelling are an error of the model (a student tester: `latex lr
/// "\eta"` beside `eta` was accepted, and every `\eta` of the answer refused with "write the
/// subscript in full", which cannot be followed).
#[test]
fn two_names_spelled_alike_are_an_error_of_the_model() {
    let model = "var th, lr\nlet eta = 0.1\nlatex lr \"\\eta\"\n";
    let report = check(r"\[ \frac{\partial}{\partial \eta} \eta^2 = 2 \eta \]", AnswerKind::Tex, model);
    assert_eq!(
        errors(&report),
        ["3:1 the LaTeX spelling `\\eta` of `lr` is also `eta`'s: an answer could not tell them apart"]
    );
    // An element of a family at the model's indices, or a size, spelled alike (a tester: `latex a
    // "d_k"` beside `var d[k]` read every `d_k` as `a`, and a right step was `wrong`).
    let model = "index k in 1..K\nvar d[k], a\nlatex a \"d_k\"\n";
    let report = check(r"\[ \frac{\partial}{\partial a} a = 1 \]", AnswerKind::Tex, model);
    assert_eq!(
        errors(&report),
        ["3:1 the LaTeX spelling `d_k` of `a` is also `d`'s: an answer could not tell them apart"]
    );
    let model = "index k in 1..dk\nvar x, v[k]\nlatex dk \"x\"\n";
    let report = check(r"\[ \frac{\partial}{\partial x} x = 1 \]", AnswerKind::Tex, model);
    assert_eq!(
        errors(&report),
        ["3:1 the LaTeX spelling `x` of `dk` is also `x`'s: an answer could not tell them apart"]
    );
    // A quantity spelled as another family's bare name, its whole array (a TA: `latex xd "x"`
    // beside `var x[n]` left `xd` impossible to write, and the reference was accepted).
    let model = "index n in 1..N\nvar x[n], xd\nlatex xd \"x\"\n";
    let report = check(r"\[ \frac{\partial}{\partial x} x^2 = 2 x \]", AnswerKind::Tex, model);
    assert_eq!(
        errors(&report),
        ["3:1 the LaTeX spelling `x` of `xd` is also `x`'s: an answer could not tell them apart"]
    );
    // A subscript or a superscript of its own sets a spelling apart.
    let model = "var th, lr\nlet eta = 0.1\nlatex lr \"\\eta_0\"\n";
    let report = check(r"\[ \frac{\partial}{\partial \eta_0} \eta_0^2 = 2 \eta_0 \]", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
}

/// A model's name spelled `\pi` (a policy): `2\pi` is refused as ambiguous (a student tester: `\log
/// 2\pi` in a Gaussian policy's log-density was read as twice the policy, and a right step was
/// `wrong`, unwarned); `\uppi` is the number, beside the model's `\pi` or not.
#[test]
fn a_models_pi_leaves_the_number_to_uppi() {
    let model = "var a, mu\nvar s > 0\nlet pol = exp(-(a - mu)^2 / (2 * s^2)) / (s * sqrt(2 * pi))\nlatex pol \"\\pi\"\nlatex s \"\\sigma\"\n";
    let step = |two_pi: &str| {
        format!(r"\[ \log \pi(a) = -\frac{{(a-\mu)^2}}{{2\sigma^2}} - \log \sigma - \frac{{1}}{{2}}\log {two_pi} \]")
    };
    let report = check(&step(r"2\pi"), AnswerKind::Tex, model);
    assert_eq!(errors(&report), ["1:80 `\\pi` after a number is ambiguous: the model writes `pol` with `\\pi`"]);
    let report = check(&step(r"2\uppi"), AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Checked]], "{:?}", errors(&report));
    let report = check(&step(r"(2 \uppi)"), AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Checked]], "{:?}", errors(&report));
    // The model's `\pi` alone, and after a product sign, is still the model's name.
    let report = check(
        r"\[ \frac{\partial}{\partial \mu} 2 \cdot \pi = 2 \pi \frac{a - \mu}{\sigma^2} \]",
        AnswerKind::Tex,
        model,
    );
    assert_eq!(errors(&report), ["1:50 `\\pi` after a number is ambiguous: the model writes `pol` with `\\pi`"]);
    let report = check(
        r"\[ \frac{\partial}{\partial \mu} 2 \cdot \pi = 2 \cdot \pi \frac{a - \mu}{\sigma^2} \]",
        AnswerKind::Tex,
        model,
    );
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    // After spacing, in braces and after a fraction of numbers too (a tester: `2\,\pi` got past);
    // a script's digit is no number before it (a reviewer: `\sigma^2 \pi` was refused).
    for written in [r"2\,\pi", r"2~\pi", r"{2}\pi", r"\frac{4}{2}\pi", r"2 \; \pi"] {
        let answer = format!(r"\[ \frac{{\partial}}{{\partial \mu}} \left({written} \mu\right) = {written} \]");
        let report = check(&answer, AnswerKind::Tex, model);
        assert_eq!(errors(&report).len(), 1, "{written}: {:?}", errors(&report));
        assert!(errors(&report)[0].contains("after a number is ambiguous"), "{written}: {:?}", errors(&report));
    }
    for written in [r"\sigma^2 \pi", r"\sigma^{2}\pi", r"\sigma_1 \pi"] {
        let answer =
            format!(r"\[ \frac{{\partial}}{{\partial \mu}} {written} = {written} \frac{{a - \mu}}{{\sigma^2}} \]");
        let model = "var a, mu\nvar s > 0, s1\nlet pol = exp(-(a - mu)^2 / (2 * s^2))\nlatex pol \"\\pi\"\nlatex s \"\\sigma\"\nlatex s1 \"\\sigma_1\"\n";
        let report = check(&answer, AnswerKind::Tex, model);
        assert!(errors(&report).is_empty(), "{written}: {:?}", errors(&report));
    }
    // Without a model's `\pi`, `2\pi` and `2\uppi` are both the number.
    let report = check(r"\[ \frac{d}{dx} 2\pi x = 2\uppi \]", AnswerKind::Tex, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
}

/// Notation from textbooks and homework that was refused with a generic hint (a student tester's
/// F05, F16, F24–F26; a TA's `1.307.`): the indicator in its four spellings is the Kronecker
/// delta, relu' written as cases is read exactly (`x > 0` is `1 - step(-x)`, as `step(0) = 1`),
/// a sentence's full stop after a number ends the sentence, and what is still not read says what
/// to write (each way it gives is read here).
#[test]
fn indicators_cases_and_values_at_a_point_as_students_write_them() {
    use Verdict::*;
    let softmax = "index k in 1..K\nvar z[k]\nvar y in 1..K\nlet p[k] = exp(z[k]) / sum(j in 1..K, exp(z[j]))\nlet L = -log(p[y])\n";
    for indicator in [
        r"\mathbb{1}[y = k]",
        r"\mathbf{1}\{y = k\}",
        r"\mathbb{1}_{y=k}",
        r"1\{y = k\}",
        r"\mathbb{1}\left\{y = k\right\}",
    ] {
        let answer = format!("\\[ \\frac{{\\partial L}}{{\\partial z_k}} = p_k - {indicator} \\]");
        let report = check(&answer, AnswerKind::Tex, softmax);
        assert_eq!(verdicts(&report), [[Proved]], "{indicator}: {:?}", errors(&report));
    }
    // Murphy's `\mathbb{I}(y = k)` and Iverson's bracket `[y = k]` (a student was told "the identity
    // matrix is not read" and "cannot read `=` here").
    for indicator in [r"\mathbb{I}(y = k)", r"\mathbb{I}[y = k]", r"[y = k]", r"[k = y]"] {
        let answer = format!("\\[ \\frac{{\\partial L}}{{\\partial z_k}} = p_k - {indicator} \\]");
        let report = check(&answer, AnswerKind::Tex, softmax);
        assert_eq!(verdicts(&report), [[Proved]], "{indicator}: {:?}", errors(&report));
    }
    let report = check(r"\[ \frac{\partial L}{\partial z_k} = p_k + \mathbb{1}[y = k] \]", AnswerKind::Tex, softmax);
    assert_eq!(verdicts(&report), [[Wrong]]);
    let report = check(r"\[ \frac{\partial L}{\partial z_k} = p_k + [y = k] \]", AnswerKind::Tex, softmax);
    assert_eq!(verdicts(&report), [[Wrong]]);
    let report = check(r"\[ L = \{y = k\} \]", AnswerKind::Tex, softmax);
    assert_eq!(errors(&report), ["1:8 a set or a condition in braces, `\\{…\\}`, is not read"]);
    let report = check(r"\[ \frac{\partial L}{\partial z_k} = p_k - \mathbf{1} \]", AnswerKind::Tex, softmax);
    assert_eq!(errors(&report), ["1:44 a vector of ones, `\\mathbf{1}`, is not read"]);

    let relu = "var x, w\nlet z = w*x\nlet h = relu(z)\n";
    let case = |cases: &str| {
        let answer = format!("\\[ \\frac{{\\partial h}}{{\\partial w}} = \\begin{{cases}} {cases} \\end{{cases}} \\]");
        check(&answer, AnswerKind::Tex, relu)
    };
    // The condition as a subscript (a student was told "a vector of ones is not read").
    for (indicator, verdict) in [
        (r"x \, \mathbb{1}_{wx \geq 0}", Proved),
        (r"x \, \mathbb{1}_{wx > 0}", Checked),
        (r"x \, \mathbf{1}_{wx < 0}", Wrong),
        (r"x \, \mathbb{1}_{\{wx \geq 0\}}", Proved),
    ] {
        let report =
            check(&format!("\\[ \\frac{{\\partial h}}{{\\partial w}} = {indicator} \\]"), AnswerKind::Tex, relu);
        assert_eq!(verdicts(&report), [[verdict]], "{indicator}: {:?}", errors(&report));
    }
    let report = check(r"\[ \frac{\partial h}{\partial w} = x \, \mathbb{1}_{0 < wx < 1} \]", AnswerKind::Tex, relu);
    assert_eq!(errors(&report), ["1:41 an indicator holds one comparison"]);
    assert_eq!(verdicts(&case(r"x & \text{if } wx > 0 \\ 0 & \text{otherwise}")), [[Checked]]);
    assert_eq!(verdicts(&case(r"x & \text{if } wx \geq 0 \\ 0 & \text{otherwise}")), [[Proved]]);
    assert_eq!(verdicts(&case(r"0 & wx \le 0, \\ x & wx > 0")), [[Checked]]);
    assert_eq!(verdicts(&case(r"x & wx < 0 \\ 0 & \text{else}")), [[Wrong]]);
    assert_eq!(verdicts(&case(r"x & wx > 1 \\ 0 & \text{else}")), [[Wrong]]);
    let report = case(r"x & wx > 0 \\ 0 & wx < 0");
    assert_eq!(errors(&report), ["1:36 these cases cannot be read"]);

    let sigmoid = "var x, z\nlet a = sigmoid(z)\n";
    let report = check(r"\[ \frac{d}{dx}\sigma(x)\Big|_{x=0} = \frac{1}{4} \]", AnswerKind::Tex, sigmoid);
    assert_eq!(errors(&report), ["1:29 a value at a point, `|_{x=0}`, is not read"]);
    let report = check(r"\[ \left.\frac{d a}{d z}\right|_{z=0} = \frac{1}{4} \]", AnswerKind::Tex, sigmoid);
    assert_eq!(errors(&report), ["1:4 a value at a point, `|_{x=0}`, is not read"]);
    let report = check(r"\[ \sigma'(0) = \sigma(0)(1-\sigma(0)) = \frac{1}{4} \]", AnswerKind::Tex, sigmoid);
    assert_eq!(verdicts(&report), [[Proved, Proved]], "{:?}", errors(&report));
    let report = check(r"\[ \frac{\partial a}{\partial z} = e^{-z} (1+e^{-z})^-2 \]", AnswerKind::Tex, sigmoid);
    assert_eq!(errors(&report), ["1:54 a `-` alone: in `x^-2` TeX raises only the `-`"]);
    let report = check(r"\[ \frac{\partial a}{\partial z} = e^{-z} (1+e^{-z})^{-2} \]", AnswerKind::Tex, sigmoid);
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
    let report = check("\\[ \\sigma(0) \\approx 0.5. \\]", AnswerKind::Tex, sigmoid);
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
}

/// A Greek letter the model spells out (`eps` for `\epsilon`, `lam` for `\lambda`): the hint
/// names the model's name and how its author lets the letter be written (a student tester's F13:
/// "check its spelling against the model's names" alone).
#[test]
fn a_greek_letter_the_model_spells_out_is_named_in_the_hint() {
    let model = "var x, eps > 0, lam\n";
    for (letter, name) in [("\\epsilon", "eps"), ("\\varepsilon", "eps"), ("\\lambda", "lam")] {
        let answer = format!("$$ \\frac{{d}}{{dx}} (x + {letter}) = 1 $$\n");
        let report = check(&answer, AnswerKind::Markdown, model);
        let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
        assert!(hints.iter().any(|h| h.starts_with(&format!("the model has `{name}`"))), "{letter}: {hints:?}");
    }
    // A letter the model does not spell out keeps the general hint.
    let report = check("$$ \\frac{d}{dx} (x + \\beta) = 1 $$\n", AnswerKind::Markdown, model);
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert!(hints.iter().any(|h| h.starts_with("every symbol of an answer")), "{hints:?}");
}

/// An index repair in an answer read from LaTeX is written in the student's own spelling, the
/// subscript changed (`\hat{x}_{d}` for `\hat{x}_k`), not the renderer's `\mathit{xhat}_{d}` (a
/// student tester's F08).
#[test]
fn an_index_repair_keeps_the_students_spelling() {
    let model = "index d in 1..D, k in 1..D\nvar g[d], xhat[d]\n";
    let answer = "$$ \\sum_d g_d \\hat{x}_d \\hat{x}_k = \\hat{x}_k \\sum_d g_d \\hat{x}_k $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    let repair = report.derivations[0].steps[0].repair.as_ref().expect("a repair");
    assert_eq!((repair.culprit_text.as_str(), repair.replacement.as_str()), ("\\hat{x}_k", "\\hat{x}_{d}"));
}

/// A family whose `latex` spelling has a superscript of its own, written whole and transposed in
/// that superscript (`h^{(1)\top}` for `h1[m]`; latex.md: "after it only a transpose may follow"):
/// it was "`h` with these scripts matches no name of the model" (a TA's RNN sheet: 5 points).
#[test]
fn a_spelling_with_its_own_superscript_is_transposed_whole() {
    let model = "index j in 1..H, m in 1..H\nvar U[j,m], h1[m], g[j]\nlatex h1 \"h^{(1)}\"\n";
    let answer = "$$ \\frac{\\partial}{\\partial U} \\left(g^\\top U h^{(1)}\\right) = g h^{(1)\\top} $$\n\n\
                  $$ \\frac{\\partial}{\\partial U} \\left(g^\\top U h^{(1)}\\right) = h^{(1)} g^{\\top} $$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    use Verdict::*;
    assert_eq!(verdicts(&report), [[Proved], [Wrong]]);
}

/// An indicator of an inequality, ReLU's derivative as textbooks write it (a student tester:
/// `\mathbb{1}[z > 0]` was "a vector of ones, `\mathbf{1}`, is not read"): a step, read as
/// `cases` reads it, exactly (`z > 0` is `1 - step(-z)`, as step(0) = 1).
#[test]
fn an_indicator_of_an_inequality_is_a_step() {
    let model = "var z, g\nlet a = relu(z)\n";
    for indicator in [r"\mathbb{1}[z > 0]", r"\mathbf{1}\{z > 0\}", r"\mathbb{1}[z \geq 0]", r"\mathbb{1}[0 < z]"] {
        let report =
            check(&format!(r"\[ \frac{{\partial a}}{{\partial z}} g = g \, {indicator} \]"), AnswerKind::Tex, model);
        assert_eq!(verdicts(&report), [[Verdict::Proved]], "{indicator}: {:?}", errors(&report));
    }
    let report = check(r"\[ \frac{\partial a}{\partial z} g = g \, \mathbb{1}[z < 0] \]", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Wrong]], "{:?}", errors(&report));
}

/// Symbols a student writes that no model declares get a hint that says what to write instead (a
/// student: `\mathbb{E}`, `\mathcal{L}` and the `e` of `1e-8` got "check its spelling").
#[test]
fn undeclared_styled_letters_and_1e_8_say_what_to_write() {
    let model = "var r, x\n";
    let hint_of = |latex: &str| {
        let report = check(&format!("\\begin{{align*}}\n{latex}\n\\end{{align*}}\n"), AnswerKind::Tex, model);
        report.errors.iter().flat_map(|d| d.hints.clone()).collect::<Vec<_>>().join("; ")
    };
    assert!(
        hint_of(r"\mathbb{E}[x] &= x").contains("an expectation is not read"),
        "{}",
        hint_of(r"\mathbb{E}[x] &= x")
    );
    assert!(hint_of(r"\mathcal{L} &= x").contains(r#"`latex L "\mathcal{L}"`"#), "{}", hint_of(r"\mathcal{L} &= x"));
    assert!(hint_of(r"x + 1e-8 &= x").contains("`10^{-8}`"), "{}", hint_of(r"x + 1e-8 &= x"));
    // Two equations on a row, and the form the hint gives, which is read; a quad between the
    // two cuts them as `&` does (a comma before it is punctuation).
    assert!(hint_of(r"x + x = 2 x, x \cdot 1 = x").contains("`A &= B, & C &= D`"));
    for row in [r"x + x = 2 x, \qquad x \cdot 1 = x", r"x + x = 2 x \quad x \cdot 1 = x"] {
        let report = check(&format!("\\begin{{align*}}\n{row}\n\\end{{align*}}\n"), AnswerKind::Tex, model);
        assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]], "{row}: {:?}", report.errors);
    }
    let report = check("\\begin{align*}\nx + x &= 2 x, & x \\cdot 1 &= x\n\\end{align*}\n", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved], [Verdict::Proved]], "{:?}", report.errors);
}

/// A builtin's letter called with parentheses beside a model's name spelled with that letter and a
/// script (`\sigma(z)` beside a variance spelled `\sigma^2`) is the builtin (a TA: every
/// `\sigma(z)` of two right answers was refused, with a hint to write the variance).
#[test]
fn a_builtin_letter_called_beside_a_name_with_scripts_is_the_builtin() {
    let model = "var z\nvar va > 0\nlatex va \"\\sigma^2\"\n";
    let answer = r"\[ \frac{\partial}{\partial z} \log(\sigma(z)) = 1 - \sigma(z) \]";
    let report = check(answer, AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    // The model's name is still read with its scripts.
    let answer = r"\[ \frac{\partial}{\partial z} \sigma^2 z = \sigma^2 \]";
    let report = check(answer, AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
}

/// A name of the answer's own, defined with `=` in a display (`\ell = …`), is told to be defined
/// with `:=` (a student: told only that every symbol must be declared).
#[test]
fn a_name_of_the_answers_own_is_told_to_be_defined_with_colon_equals() {
    let model = "var s, x, mu\n";
    let answer = "Prose.\n\n$$\\ell = \\frac{1}{2}(s + (x-\\mu)^2)$$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert!(hints.iter().any(|h| h.contains("`\\ell := …`")), "{hints:?}");
    let answer = "Prose.\n\n$$\\ell := \\frac{1}{2}(s + (x-\\mu)^2)$$\n\n$$\\frac{\\partial}{\\partial s} \\frac{1}{2}(s + (x-\\mu)^2) = \\frac{1}{2}$$\n";
    let report = check(answer, AnswerKind::Markdown, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
}

/// Errors that say what is wrong (a student tester): a logarithm to base 0 was told "the base of a
/// logarithm is a number other than 1", and an indicator of two comparisons "a vector of ones is
/// not read".
#[test]
fn a_log_to_a_bad_base_and_a_chained_indicator_are_told_what_they_are() {
    let model = "var x\n";
    let report = check("$$ \\log_0 x = x $$\n", AnswerKind::Markdown, model);
    assert_eq!(errors(&report), ["1:9 the base of a logarithm must be a positive number other than 1"]);
    let report =
        check("$$ \\mathbb{1}[x > 0 > -1] \\cdot x = \\operatorname{relu}(x) $$\n", AnswerKind::Markdown, model);
    assert_eq!(errors(&report), ["1:4 an indicator holds one comparison"]);
}

/// `\delta_{yc}` is the Kronecker delta of `y` and `c` also where the model has a name `yc` (a
/// TA's sheet, 6 December: a conv output `yc` made it "`\delta` is not a name of the model" and
/// the part was lost). Truth by hand: ∂/∂z_c (−log p_y) = p_c − δ_{yc}.
#[test]
fn a_kronecker_deltas_two_letters_are_its_indices_beside_a_name_of_both() {
    let model = "index c in 1..K, k in 1..K\nvar z[k], yc\nvar y in 1..K\n\
                 let p[c] = exp(z[c]) / sum(k, exp(z[k]))\nlet CE = -log(p[y])\n";
    for delta in ["\\delta_{yc}", "\\delta_{y,c}", "\\delta_{cy}"] {
        let answer = format!("$$ \\frac{{\\partial CE}}{{\\partial z_c}} = p_c - {delta} $$\n");
        let report = check(&answer, AnswerKind::Markdown, model);
        assert!(report.errors.is_empty(), "{delta}: {:?}", errors(&report));
        assert_eq!(verdicts(&report), [[Verdict::Proved]], "{delta}");
    }
}

/// A builtin's argument in braces or brackets is its argument: `\exp\{…\}` and
/// `\exp\left\{…\right\}` (a student's Gaussian, refused as "a set or a condition in braces"),
/// `\log[1 + x^2]`. Truth by hand: e^x e^y = e^{x+y}; log is log.
#[test]
fn a_builtins_argument_in_braces_or_brackets_is_read() {
    let answer =
        "$$ \\log[1 + x^2] = \\log(1 + x^2) $$\n\n$$ \\exp\\{x\\} \\exp\\left\\{ y \\right\\} = \\exp(x + y) $$\n\n\
                  $$ \\exp\\{x\\} = \\exp(2x) $$\n\n$$ \\log[x]^2 = \\log(x)^2 $$\n\n$$ \\exp\\left\\{x\\right\\}^2 = \\exp(2x) $$\n";
    let report = check(answer, AnswerKind::Markdown, "var x, y\n");
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    // (The power on the brackets is of the value, as on parentheses: `\log[x]^2` was `log(x^2)`;
    // a reviewer.)
    use Verdict::*;
    assert_eq!(verdicts(&report), [[Proved], [Proved], [Wrong], [Proved], [Proved]]);
}

/// Silent misreadings an adversarial tester found, each now read as written or refused (the truth
/// of each step by hand): a quad between two equations cuts them; a script of several digits
/// without braces is refused (TeX raises only the first); a name in `\text{…}` after the math is
/// a factor, not a note; `\tag*{…}` and `\operatorname*{…}` are their unstarred forms; a sum
/// that ends at `±` before a term reading its index is refused; a derivative operator before a
/// function of its variable and more factors is refused, as before a quantity computed from it.
#[test]
fn misreadings_of_spacing_digits_text_tags_and_scopes_are_gone() {
    let model = "var x, y, w, net\nlet out = w * net\n";
    let read = |latex: &str| {
        let report = check(&format!("\\begin{{align*}}\n{latex}\n\\end{{align*}}\n"), AnswerKind::Tex, model);
        (verdicts(&report), errors(&report))
    };
    use Verdict::*;
    // x·0 = 1 is false, y·0 = 0 true: two equations, not the chain x·0 = 1·y·0 = 0.
    assert_eq!(read(r"x \cdot 0 = 1 \qquad y \cdot 0 = 0"), (vec![vec![Wrong], vec![Proved]], vec![]));
    assert_eq!(read(r"x + 0 &= x \hspace{1cm} y + 0 = y").0, [[Proved], [Proved]]);
    // A quad before a relation or an operator goes on with the chain.
    assert_eq!(read(r"x \cdot 1 &= x \quad = 1 \cdot x").0, [[Proved, Proved]]);
    // Text after a quad: before a relation, the next step's note (never the step itself: a
    // tester's wrong last step was hidden in a note); a joining word cuts; a remark before more
    // math is prose, refused; alone at the end, a note, as is a word the model does not declare.
    assert_eq!(read(r"x \cdot 1 &= x \qquad \text{(algebra)} \qquad = 2 x").0, [[Proved, Wrong]]);
    assert_eq!(read(r"x + y &= y + x \quad \text{and} \quad x y = y x").0, [[Proved], [Proved]]);
    assert_eq!(read(r"x + 0 &= x \quad \text{i.e.} \quad x = x + 1").0, [[Proved], [Wrong]]);
    let (v, e) = read(r"x + y &= y + x \quad \text{where } x = 1");
    assert!(v.is_empty() && e.iter().any(|e| e.contains("text inside a step")), "{v:?} {e:?}");
    assert_eq!(read(r"x + y &= y + x \qquad \text{commutativity}").0, [[Proved]]);
    assert_eq!(read(r"x + y &= y + x \, \text{trivially}").0, [[Proved]]);
    // A quad before a sign and an equation: an equation of its own (`x·0 = 1` false, `-1 = -1`).
    assert_eq!(read(r"x \cdot 0 &= 1 \qquad -1 = -1").0, [[Wrong], [Proved]]);
    // `\hspace*{1cm}` is spacing, not a factor `1·c·m` (a reviewer: a false step was proved).
    assert_eq!(read(r"x y &= y \hspace*{1cm}").0, [[Wrong]]);
    for digits in [r"x^12 &= 2x", r"2^10 &= 1024", r"\sum_{k=1}^10 x &= 10 x", r"x_12 &= x", r"x^0.5 &= \sqrt{x}"] {
        let (v, e) = read(digits);
        assert!(v.is_empty() && e.len() == 1 && e[0].contains("only the first digit"), "{digits}: {v:?} {e:?}");
    }
    assert_eq!(read(r"x^{12} \cdot x &= x^{13}").0, [[Proved]]);
    // `out = w·net` is true; `∂out/∂net = w·net` false (it is w).
    assert_eq!(read(r"\text{out} &= w \, \text{net}").0, [[Proved]]);
    assert_eq!(read(r"\frac{\partial\, \text{out}}{\partial\, \text{net}} &= w \, \text{net}").0, [[Wrong]]);
    assert_eq!(read(r"\frac{\partial\, \text{out}}{\partial\, \text{net}} &= w \qquad \text{algebra}").0, [[Proved]]);
    // (x+y)^2 expanded is true; x + x = 2 is false whatever the tag says.
    assert_eq!(read(r"(x+y)^2 &= x^2 + 2xy + y^2 \tag*{(a)}").0, [[Proved]]);
    assert_eq!(read(r"x + x &= 2 \tag*{$x$}").0, [[Wrong]]);
    assert_eq!(read(r"\operatorname*{relu}(x) - \operatorname{relu}(x) &= 0").0, [[Proved]]);
    // The sum's index read after the sum ends.
    let model_i = "index i in 1..n\nvar x[i] > 0\n";
    let sums = |latex: &str| {
        let report = check(&format!("\\[ {latex} \\]\n"), AnswerKind::Tex, model_i);
        (verdicts(&report), errors(&report))
    };
    let (v, e) = sums(r"\sum_{i=1}^{n} x_i \log x_i - x_i = \sum_{i=1}^{n} x_i (\log x_i - 1)");
    assert!(v.is_empty() && e.len() == 1 && e[0].contains("ends at this `-`"), "{v:?} {e:?}");
    let (v, e) = sums(r"\sum_{i=1}^{n} \left(x_i \log x_i - x_i\right) = \sum_{i=1}^{n} x_i (\log x_i - 1)");
    assert_eq!(v, [[Proved]], "{e:?}");
    // A sum closed by its brackets, or inside a fraction, leaves the term after it outside it, as
    // written (a reviewer: these were refused).
    let (v, e) = sums(r"\left(\sum_{i=1}^{n} x_i\right) - x_i = -x_i + \sum_{j=1}^{n} x_j");
    assert_eq!(v, [[Proved]], "{e:?}");
    let (v, e) = sums(r"\frac{1}{\sum_{i=1}^{n} x_i} - x_i = \frac{1}{\sum_{j=1}^{n} x_j} - x_i");
    assert_eq!(v, [[Proved]], "{e:?}");
    // σ'(x)·x or the derivative of σ(x)·x? Refused; as a fraction, read.
    let model_d = "var x\n";
    let (v, e) = {
        let report = check(
            "\\[ \\frac{d}{dx}\\sigma(x) \\cdot x = \\sigma(x)(1-\\sigma(x)) \\cdot x \\]\n",
            AnswerKind::Tex,
            model_d,
        );
        (verdicts(&report), errors(&report))
    };
    assert!(v.is_empty() && e.len() == 1 && e[0].contains("alone, or the whole product"), "{v:?} {e:?}");
    let report = check(
        "\\[ \\frac{d \\sigma(x)}{dx} \\cdot x = \\sigma(x)(1-\\sigma(x)) \\cdot x \\]\n",
        AnswerKind::Tex,
        model_d,
    );
    assert_eq!(verdicts(&report), [[Proved]], "{:?}", errors(&report));
}

/// Prose inside a step is named as such, with where it may go (students and a tester were told
/// that `for` is not a name of the model and to check its spelling).
#[test]
fn prose_inside_a_step_is_named_as_prose() {
    let report = check("\\[ x \\cdot 0 = 0 \\text{ for all } x \\]\n", AnswerKind::Tex, "var x\n");
    let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
    assert!(errors(&report).iter().any(|e| e.contains("text inside a step")), "{:?}", errors(&report));
    assert!(hints.iter().any(|h| h.contains("`var x > 0`")), "{hints:?}");
}

/// Notation students write that was refused with a hint beside the point (testers, 7 December):
/// `f^{\prime}(z)` is `f'(z)`; `\delta_{j1}` is `delta(j, 1)`; a name ending in digits written
/// whole in a style, `\mathit{va1}_{m}`, is the model's `va1[m]`; a primed sum index is refused
/// saying so. Truth by hand: f' of an unknown f is itself; Σ_j δ_{j1} x_j = x_1; ∂(Σ va1_m vb1_m)
/// / ∂va1_m = vb1_m.
#[test]
fn primes_deltas_with_digits_and_names_ending_in_digits_are_read() {
    let report = check("\\[ f^{\\prime}(x) = \\frac{d}{dx} f(x) \\]\n", AnswerKind::Tex, "var x\nunknown f(u)\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let model = "index j in 1..n\nvar x[j]\n";
    let report = check("\\[ \\sum_{j=1}^{n} \\delta_{j1} x_j = x_1 \\]\n", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let model = "index m in 1..M\nvar va1[m], vb1[m]\nlet dt = sum(m, va1[m] * vb1[m])\n";
    let report = check(
        "$$\n\\frac{\\partial \\mathit{dt}}{\\partial \\mathit{va1}_{m}} = \\mathit{vb1}_{m}\n$$\n",
        AnswerKind::Markdown,
        model,
    );
    assert_eq!(verdicts(&report), [[Verdict::Proved]], "{:?}", errors(&report));
    let report = check(
        "\\[ \\sum_{k'=1}^{n} x_{k'} = \\sum_{j=1}^{n} x_j \\]\n",
        AnswerKind::Tex,
        "index j in 1..n\nvar x[j]\n",
    );
    assert!(errors(&report).iter().any(|e| e.contains("a primed index")), "{:?}", errors(&report));
}

/// Layout read as math, and wrappers that hid a block (a LaTeX tester, 7 December, morning): a
/// length after `\\` inside a matrix or `cases` spaces the rows (`\\[3mm]` was the factor 3m²,
/// a false step proved); `aligned`'s position `[b]` is layout (`b·a = ab` was proved); rows
/// inside `\boxed{…}`, `{…}`, `\left. … \right\}` or an `array` of equations are read (they were
/// passed over without a word). Truth by hand: (x, y) ≠ (x, 3m²y); a = ab is false at b = 2;
/// (a+b)² ≠ a² + b² at a = b = 1; |a| is a for a > 0 and -a otherwise.
#[test]
fn row_spacing_positions_and_wrapped_rows_are_layout() {
    use Verdict::*;
    let read = read_tex;
    let m = "var x, y, m\n";
    let pm = r"\[ \begin{pmatrix} x \\[3mm] y \end{pmatrix} = \begin{pmatrix} x \\ 3m^2 y \end{pmatrix} \]";
    assert_eq!(read(pm, m).0, [[Wrong]]);
    let pm = r"\[ \begin{pmatrix} x \\[3mm] y \end{pmatrix} = \begin{pmatrix} x \\ y \end{pmatrix} \]";
    assert_eq!(read(pm, m).0, [[Proved]]);
    let (v, e) = read(r"\[ \begin{pmatrix} x \\[y] y \end{pmatrix} = x \]", m);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("spacing length")), "{v:?} {e:?}");
    let cases = r"\[ |a| = \begin{cases} a & a > 0 \\[2pt] -a & \text{otherwise} \end{cases} \]";
    assert_eq!(read(cases, "var a, p, t\n").0, [[Proved]]);
    // The textbooks' comma after a value, and a full stop after the last condition.
    let cases = r"\[ \max(a, 0) = \begin{cases} a, & a > 0 \\ 0, & \text{otherwise}. \end{cases} \]";
    assert_eq!(read(cases, "var a\n").0, [[Proved]]);
    let ab = "var a, b\n";
    let aligned = |pos: &str, row: &str| {
        format!("\\begin{{equation}}\\begin{{aligned}}{pos}\n{row}\n\\end{{aligned}}\\end{{equation}}\n")
    };
    assert_eq!(read(&aligned("[b]", "a &= ab"), ab).0, [[Wrong]]);
    assert_eq!(read(&aligned("[t]", "a + a &= 2a"), ab), (vec![vec![Proved]], vec![]));
    for wrapped in [
        r"\[ \boxed{\begin{aligned} (a+b)^2 &= a^2 + b^2 \end{aligned}} \]",
        r"\[ {\begin{aligned} (a+b)^2 &= a^2 + b^2 \end{aligned}} \]",
        r"\[ \left.\begin{aligned} (a+b)^2 &= a^2 + b^2 \end{aligned}\right\} \]",
        r"\begin{equation}\begin{array}{l} (a+b)^2 = a^2 + b^2 \end{array}\end{equation}",
    ] {
        assert_eq!(read(wrapped, ab).0, [[Wrong]], "{wrapped}");
    }
    let eqnarray = r"\[ \begin{array}{rcl} (a+b)^2 &=& a^2 + 2ab + b^2 \\ &=& a^2 + b^2 \end{array} \]";
    assert_eq!(read(eqnarray, ab).0, [[Proved, Wrong]]);
    // After a space, `\\ [y]` is a row holding `[y]` (amsmath's `\\` looks at the next
    // character only: a reviewer, with pdflatex).
    let spaced = r"\[ \begin{pmatrix} x \\ [y] \end{pmatrix} = \begin{pmatrix} x \\ y \end{pmatrix} \]";
    assert_eq!(read(spaced, m).0, [[Proved]]);
    // A wrapper is unwrapped only where it is all there is: an `array` times 2, a system of
    // equations in `\left\{ … \right.`, math beside a box (`-\boxed{a = -a}` is no chain `-a = -a`),
    // and `alignedat`'s bracket after its count (printed) are not rows.
    for not_rows in [
        r"\begin{equation}\begin{array}{c} a + b = a + b \end{array} \cdot 2 = 2a + 2b\end{equation}",
        r"\begin{equation}\left\{\begin{aligned} a &= 2a \\ b &= 3b \end{aligned}\right.\end{equation}",
        r"\[ -\boxed{a = -a} \]",
        r"\[ \boxed{a = a + b} - b \]",
        r"\[ -\boxed{\begin{aligned} a &= -a \end{aligned}} \]",
    ] {
        assert!(!read(not_rows, ab).0.iter().flatten().any(|v| *v == Proved), "{not_rows}");
    }
    assert_eq!(read(r"\[ a + a = \boxed{2 a = a + a} \]", ab).0, [[Proved, Proved]]);
    assert_eq!(read(r"\begin{equation}\begin{alignedat}{2}[b] a &= a\end{alignedat}\end{equation}", ab).0, [[Wrong]]);
    // An `array` without a relation in it is refused as before (it is no matrix literal).
    let matrix = r"\[ \begin{array}{cc} a & b \end{array} = \begin{bmatrix} a & b \end{bmatrix} \]";
    let (v, e) = read(matrix, ab);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("`array`")), "{v:?} {e:?}");
}

/// Notation read as it typesets, or refused saying what it is (the same tester): `\operatorname{Tr}`
/// and `\mathrm{trace}` are the trace; `\color`, `\textcolor` and `\cancel` change no value;
/// `(x/y)\,y` has its quotient closed by the bracket; `\log_e` is `\ln`; `\dot{a}` is an accent,
/// not the dot product; `\sqrt 16` is refused as `x^12` is. Truth by hand.
#[test]
fn traces_colours_strikes_and_accents_are_read_as_typeset() {
    use Verdict::*;
    let read = |latex: &str, model: &str| {
        let report = check(&format!("\\[ {latex} \\]\n"), AnswerKind::Tex, model);
        (verdicts(&report), errors(&report))
    };
    let mm = "var A: 2 x 2, B: 2 x 2\n";
    assert_eq!(read(r"\operatorname{Tr}(A B) = \mathrm{trace}(B A)", mm).0, [[Proved]]);
    let ab = "var a, b\n";
    assert_eq!(read(r"\color{red} a + a = 2 a", ab).0, [[Proved]]);
    assert_eq!(read(r"\textcolor{blue}{a + a} = 3a", ab).0, [[Wrong]]);
    assert_eq!(read(r"\frac{\cancel{b} a}{\cancel{b}} = a", "var a, b != 0\n").0, [[Proved]]);
    assert_eq!(read(r"(a / b) \, b = a", "var a, b != 0\n").0, [[Proved]]);
    // Braces print nothing: `{1/2}a` is `1/2a` on the page, refused as it is.
    let (v, e) = read(r"{1/2} a = \frac{a}{2}", ab);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("braces print nothing")), "{v:?} {e:?}");
    let (v, e) = read(r"1/2 a = a", ab);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("right after a `/`")), "{v:?} {e:?}");
    assert_eq!(read(r"\log_e a = \ln a", "var a > 0\n").0, [[Proved]]);
    let (v, e) = read(r"\dot{a} = a", ab);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("accent")), "{v:?} {e:?}");
    let (v, e) = read(r"\sqrt 16 = 4", ab);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("takes one digit")), "{v:?} {e:?}");
    assert_eq!(read(r"\sqrt{16} = 4", ab).0, [[Proved]]);
}

/// A matrix to the power -1 is its inverse, in LaTeX as in a model (it was an ambiguous power,
/// with a hint in the model's syntax); the hints of a LaTeX answer's shape errors are in LaTeX.
/// Truth: A⁻¹A u = u for an invertible A.
#[test]
fn a_matrix_inverse_is_read_and_shape_hints_are_in_latex() {
    let model = "var A: 3 x 3, u: 3, v: 3\n";
    let report = check("\\[ A^{-1} A u = u \\]\n", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Checked]], "{:?}", errors(&report));
    let report = check("\\[ 2 A^{-1} A u = u \\]\n", AnswerKind::Tex, model);
    assert_eq!(verdicts(&report), [[Verdict::Wrong]], "{:?}", errors(&report));
    let hints = |report: &FileReport| report.errors.iter().flat_map(|d| d.hints.clone()).collect::<Vec<_>>();
    let report = check("\\[ u \\cdot v = u^\\top v \\]\n", AnswerKind::Tex, model);
    assert!(hints(&report).iter().any(|h| h.contains(r"`u^\top v`") && !h.contains("dot(")), "{:?}", hints(&report));
    // An element of `A^{-1}` is printed as the reciprocal of an element is: refused, either way.
    for entry in ["\\[ A^{-1}_{ij} = \\frac{1}{A_{ij}} \\]\n", "\\[ \\sum_j A_{ij}^{-1} A_{ji} = 1 \\]\n"] {
        let report = check(entry, AnswerKind::Tex, "index i in 1..3, j in 1..3\nvar A: 3 x 3\n");
        assert!(verdicts(&report).is_empty(), "{entry}");
        assert!(errors(&report).iter().any(|e| e.contains("element of the inverse")), "{:?}", errors(&report));
    }
    let report = check("\\[ A^2 u = u \\]\n", AnswerKind::Tex, model);
    assert!(hints(&report).iter().any(|h| h.contains(r"`A^{-1}`") && !h.contains("A*A")), "{:?}", hints(&report));
}

/// A notebook of format 3 (before Jupyter 4) keeps its cells in `worksheets`: they are read (a
/// LaTeX tester's old notebook was "no derivation was found"). Truth: a + a = 2a, not 3a.
#[test]
fn a_notebook_of_format_three_is_read() {
    let notebook = r#"{"nbformat":3,"nbformat_minor":0,"metadata":{},"worksheets":[{"cells":[{"cell_type":"markdown","metadata":{},"source":["$$ a + a = 3a $$\n","$$ a + a = 2a $$"]},{"cell_type":"code","input":["x = 1"],"language":"python","metadata":{},"outputs":[]}]}]}"#;
    let report = check(notebook, AnswerKind::Notebook, "var a\n");
    assert_eq!(verdicts(&report), [[Verdict::Wrong], [Verdict::Proved]], "{:?}", errors(&report));
}

/// Layout that goes on with a step is read as what it prints (a LaTeX tester, 7 December): a
/// later `alignat` pair that starts with an operator prints `x + xy + x` and is no note; a row
/// of a quad and `(x)` alone labels nothing, so it is no label; `=:` names its right side by its
/// left (read as `:=`, the name was the head); a braced or `\mathrel` `=` prints `=`. Truth by
/// hand: x(1+y) - (2x + xy) = -x; (x+y)^2 = x^2 + y^2 + 2xy; σ(1-σ) = σ - σ².
#[test]
fn layout_that_goes_on_with_a_step_is_read_as_printed() {
    use Verdict::*;
    let xy = "var x, y\n";
    let read = read_tex;
    let alignat = |rows: &str| format!("\\begin{{alignat*}}{{2}} {rows} \\end{{alignat*}}\n");
    assert_eq!(read(&alignat("x(1 + y) &= x + xy &&+ x"), xy).0, [[Wrong]]);
    assert_eq!(read(&alignat("(x + y)^2 &= x^2 + y^2 &&+ 2xy"), xy).0, [[Proved]]);
    assert_eq!(read(&alignat("x + x &= x &&\\cdot 2"), xy).0, [[Proved]]);
    assert_eq!(read("\\begin{align*} x + x &= x & + x \\end{align*}\n", xy).0, [[Proved]]);
    // A notes column is still notes, also one that starts with a dash (a reviewer).
    assert_eq!(read("\\begin{align*} x + x &= 2x && \\text{(sum)} \\end{align*}\n", xy).0, [[Proved]]);
    assert_eq!(read(&alignat("x + x &= 2x &\\qquad& -\\text{ expanded}"), xy).0, [[Proved]]);
    // A quad and `(x)` alone on a row: no label of anything.
    let (v, e) = read("\\begin{align*} x + x &= 2x \\\\ &\\quad (x) \\\\ &= 2x^2 \\end{align*}\n", xy);
    assert!(!v.concat().contains(&Proved) && !e.is_empty(), "{v:?} {e:?}");
    assert_eq!(read("\\begin{align*} x + x &= 2x \\quad (1) \\end{align*}\n", xy).0, [[Proved]]);
    // `=:` and `\eqqcolon`: the chain goes on from the left side.
    let zs = "var z, s\n";
    assert_eq!(read(r"\[ \sigma(z)\bigl(1-\sigma(z)\bigr) \eqqcolon s = \sigma(z) - \sigma(z)^2 \]", zs).0, [[Proved]]);
    assert_eq!(read(r"\[ x + x =: s = 3x \]", "var x, s\n").0, [[Wrong]]);
    assert_eq!(read("\\[ x + x ≕ s = 2x \\]", "var x, s\n").0, [[Proved]]);
    // A named left side alone on its row starts the chain the rows below go on with.
    let row = "\\begin{align*} x(1 - x) &\\eqqcolon s \\\\ &= x - x^2 \\end{align*}\n";
    assert_eq!(read(row, "var x, s\n").0, [[Proved]]);
    // A braced `=`.
    for rel in ["{=}", "\\mathrel{=}", "\\mathrm{=}"] {
        assert_eq!(read(&format!("\\[ x + x {rel} 3x \\]\n"), xy).0, [[Wrong]], "{rel}");
        assert_eq!(read(&format!("\\[ x + x {rel} 2x \\]\n"), xy).0, [[Proved]], "{rel}");
    }
}

/// `W_{12}` is the element (1, 2) of a matrix, as texts write it, where the name takes as many
/// indices as there are digits (a LaTeX tester); `\sum_{i_2}` runs over the model's `i2` (a TA);
/// `A^{-T}` is the transpose of the inverse (an adversarial tester); `\begin{array}[t]`,
/// `\hline` and xcolor's colour models are layout (a second tester). Truth by hand:
/// det(A) A^{-T} = adj(A)^T for a 2x2 A.
#[test]
fn digit_subscripts_numbered_indices_and_inverse_transposes_are_read() {
    use Verdict::*;
    let read = read_tex;
    let w = "var W: 3 x 3\n";
    assert_eq!(read(r"\[ W_{12} = W_{1,2} \]", w).0, [[Proved]]);
    assert_eq!(read(r"\[ W_{12} = W_{2,1} \]", w).0, [[Wrong]]);
    let s = "index i in 1..n, k in 1..n\nvar s[i,k]\n";
    assert_eq!(read(r"\[ s_{1k} + s_{12} = s_{12} + s_{1,k} \]", s).0, [[Proved]]);
    // A digit 0 is no index.
    let (v, e) = read(r"\[ W_{10} = W_{1,0} \]", w);
    assert!(v.is_empty() && !e.is_empty(), "{v:?} {e:?}");
    let sums = "index i in 1..T, i2 in 1..T\nvar a[i]\n";
    assert_eq!(read(r"\[ \sum_{i_2} a_{i_2} = \sum_{i} a_{i} \]", sums).0, [[Proved]]);
    assert_eq!(read(r"\[ \sum_{i_{2}} a_{i_{2}} = \sum_{i} a_{i} + 1 \]", sums).0, [[Wrong]]);
    let a = "var A: 2 x 2\n";
    let adjugate = r"\begin{pmatrix} A_{22} & -A_{21} \\ -A_{12} & A_{11} \end{pmatrix}";
    assert_eq!(read(&format!("\\[ \\det(A) A^{{-T}} = {adjugate} \\]\n"), a).0, [[Checked]]);
    assert_eq!(read(r"\[ A^{-T} = A^{-1} \]", a).0, [[Wrong]]);
    assert_eq!(read(r"\[ A^{-\top} = (A^{-1})^\top \]", a).0, [[Checked]]);
    let ab = "var a, b\n";
    assert_eq!(
        read("\\[ \\begin{array}[t]{rcl} a + b &=& b + a \\\\ \\hline &=& a + b \\end{array} \\]\n", ab).0,
        [[Proved, Proved]]
    );
    assert_eq!(read(r"\[ \color[rgb]{1,0,0} a + b = b + a \]", ab).0, [[Proved]]);
    assert_eq!(read(r"\[ \textcolor[HTML]{FF0000}{a + b} = 2a \]", ab).0, [[Wrong]]);
}

/// An answer whose only equations are inline math is told so where the first is
/// (`\begin{math}` as `$…$`); a model's own warnings are not shown over an answer's text (they
/// were, with the answer's name and the model's line); an unknown name a slip away from one of
/// the model's is named, and an unknown sum index is told the model's indices (a student).
#[test]
fn inline_math_model_warnings_and_near_names() {
    let report = check("Part one: \\begin{math} a + b = b + a \\end{math}\n", AnswerKind::Tex, "var a, b\n");
    assert!(
        errors(&report).iter().any(|e| e.starts_with("1:11") && e.contains("inline math")),
        "{:?}",
        errors(&report)
    );
    let report = check("Part one: $a + b = b + a$\n", AnswerKind::Tex, "var a, b\n");
    assert!(errors(&report).iter().any(|e| e.contains("inline math")), "{:?}", errors(&report));
    // `var b: real` reads `real` as a size: the model's warning, said with its place in the model.
    let report = check("\\[ a + a = 2a \\]\n", AnswerKind::Tex, "var a\nvar b: real\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved]]);
    let said: Vec<&str> = report.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(said.len() == 1 && said[0].starts_with("model.deriv, line 2: `real` is read as a size"), "{said:?}");
    assert!(!report.warnings[0].show_source);
    let hints = |report: &FileReport| report.errors.iter().flat_map(|d| d.hints.clone()).collect::<Vec<_>>();
    let report =
        check("\\[ \\frac{\\partial L_D}{\\partial w} = 1 \\]\n", AnswerKind::Tex, "var w, b\nlet LD = w + b\n");
    assert!(hints(&report).iter().any(|h| h.contains("`LD`")), "{:?}", hints(&report));
    let report = check("\\[ \\sum_{e} u_e = \\sum_d u_d \\]\n", AnswerKind::Tex, "index d in 1..D\nvar u[d]\n");
    assert!(hints(&report).iter().any(|h| h.contains("`d` in 1..D")), "{:?}", hints(&report));
    // An index of the model with scripts (`s_i` beside the index `s`, for the scores `sc`), and
    // an indicator of real values (a TA's sheet, a reviewer).
    let model = "index i in 1..n, s in 1..n\nvar sc[i], x, y\n";
    let report = check("\\[ s_i = \\mathit{sc}_i \\]\n", AnswerKind::Tex, model);
    assert!(
        hints(&report).iter().any(|h| h.contains("an index of the model and takes no scripts") && h.contains("`sc`")),
        "{:?}",
        hints(&report)
    );
    let report = check("\\[ \\mathbb{1}[x \\ne 0]\\, y = y \\]\n", AnswerKind::Tex, model);
    assert!(
        hints(&report).iter().any(|h| h.contains("compare indices, class labels and integers")),
        "{:?}",
        hints(&report)
    );
}

/// Notation a LaTeX tester found refused, read as it prints: an indicator of two unequal sides
/// is one less the Kronecker delta; `\cfrac` is a fraction; phantoms, struts and `\medspace`
/// print no value; `⋅` is `\cdot` and `∇` is `\nabla`. What is still not read says what to
/// write (`\partial^2 L / \partial w^2`, `\langle u, v \rangle`, `\substack`). Truth by hand:
/// Σ_k [i ≠ k] s_k = Σ_k s_k - s_i; 1/(1 + 1/x) = x/(x + 1).
#[test]
fn indicators_of_unequal_sides_fractions_phantoms_and_unicode_are_read() {
    use Verdict::*;
    let read = |latex: &str, model: &str| {
        let report = check(&format!("\\[ {latex} \\]\n"), AnswerKind::Tex, model);
        (verdicts(&report), report.errors.iter().flat_map(|d| d.hints.clone()).collect::<Vec<_>>())
    };
    let s = "index i in 1..n, k in 1..n\nvar s[i], u[i], v[i]\n";
    assert_eq!(read(r"\sum_{k} \mathbb{1}[i \neq k]\, s_k = \sum_{k} s_k - s_i", s).0, [[Proved]]);
    assert_eq!(read(r"\sum_{k} \mathbb{1}[i \ne k]\, s_k = \sum_{k} s_k", s).0, [[Wrong]]);
    let x = "var x > 0, y\n";
    assert_eq!(read(r"\cfrac{1}{1+\cfrac{1}{x}} = \frac{x}{x+1}", x).0, [[Proved]]);
    assert_eq!(read(r"\cfrac{1}{1+\cfrac{1}{x}} = \frac{x}{x+2}", x).0, [[Wrong]]);
    assert_eq!(read(r"\left(\vphantom{\frac{1}{2}} x + y\right)^2 = x^2 + 2xy + y^2", x).0, [[Proved]]);
    assert_eq!(read(r"x\mathstrut + x \medspace y = x(1 + y)", x).0, [[Proved]]);
    assert_eq!(read(r"\smash[b]{x} + x = 2x", x).0, [[Proved]]);
    assert_eq!(read(r"\cfrac[l]{1}{x} = \frac{1}{x}", x).0, [[Proved]]);
    assert_eq!(read("x ⋅ y = xy", x).0, [[Proved]]);
    assert_eq!(read("x ⋅ y = 2xy", x).0, [[Wrong]]);
    let (v, hints) = read(r"\partial^2 x / \partial y^2 = 0", x);
    assert!(v.is_empty() && hints.iter().any(|h| h.contains(r"\frac{\partial^2 L}{\partial w^2}")), "{hints:?}");
    let (v, hints) = read(r"\langle u, v\rangle = \sum_i u_i v_i", s);
    assert!(v.is_empty() && hints.iter().any(|h| h.contains(r"u^\top v")), "{hints:?}");
    let (v, hints) = read(r"\sum_{\substack{i=1\\ i\neq k}}^{n} s_i = \sum_{i=1}^{n} s_i - s_k", s);
    assert!(v.is_empty() && hints.iter().any(|h| h.contains(r"\sum_{i \ne k}")), "{hints:?}");
}

/// A markdown cell that starts with `=` goes on from the derivation the cell above ended with, as
/// a Markdown block does from the block above (a LaTeX tester: "no left side"); after a cell that
/// ended with none it is still an error. Truth: x + x = 2x, not 3x.
#[test]
fn a_cell_that_starts_with_a_relation_goes_on_from_the_cell_above() {
    let cell = |source: &str| format!(r#"{{"cell_type":"markdown","metadata":{{}},"source":["{source}"]}}"#);
    let notebook = |cells: &[String]| {
        format!(r#"{{"cells":[{}],"metadata":{{}},"nbformat":4,"nbformat_minor":5}}"#, cells.join(","))
    };
    let report = check(&notebook(&[cell("$$ x + x = 2x $$"), cell("$$ = 3x $$")]), AnswerKind::Notebook, "var x\n");
    assert_eq!(verdicts(&report), [[Verdict::Proved, Verdict::Wrong]], "{:?}", errors(&report));
    // The second step is where its cell writes it (line 1 of the second cell's source).
    let step = &report.derivations[0].steps[1];
    assert_eq!(&report.source[step.span.start..step.span.end], "= 3x");
    let report = check(&notebook(&[cell("Some prose."), cell("$$ = 3x $$")]), AnswerKind::Notebook, "var x\n");
    assert!(errors(&report).iter().any(|e| e.contains("no left side")), "{:?}", errors(&report));
}

/// The errors of a report with their hints, as one text each.
fn errors_and_hints(report: &FileReport) -> Vec<String> {
    report.errors.iter().map(|d| format!("{} / {}", d.message, d.hints.join(" / "))).collect()
}

/// Layout that TeX prints otherwise than `align` (a LaTeX tester, with pdflatex): `eqnarray`'s
/// third column is the right side also where the first two are empty (`&& + x` goes on with it),
/// as is an `array{rcl}`'s; two `aligned` boxes side by side are two blocks of rows (their rows
/// were joined pairwise); `{}` before an operator is only spacing. Truth: x + x = 2x ≠ 2x + x,
/// x + x = x·2, (x+y)² = x² + 2xy + y².
#[test]
fn eqnarray_columns_and_side_by_side_boxes_read_as_printed() {
    use Verdict::*;
    let x = "var x, y\n";
    let (v, e) = read_tex("\\begin{eqnarray*}\nx + x &=& 2x \\\\\n&& + x\n\\end{eqnarray*}\n", x);
    assert_eq!((v, e.len()), (vec![vec![Wrong]], 0));
    let (v, _) = read_tex("\\begin{eqnarray}\nx + x &=& x \\nonumber \\\\\n&& \\cdot\\, 2\n\\end{eqnarray}\n", x);
    assert_eq!(v, [[Proved]]);
    let (v, _) = read_tex("\\[ \\begin{array}{rcl} x + x &=& 2x \\\\ && + x \\end{array} \\]\n", x);
    assert_eq!(v, [[Wrong]]);
    let (v, _) = read_tex("\\[ \\begin{array}{r@{\\;}c|l} x + x &=& x \\\\ && {} + x \\end{array} \\]\n", x);
    assert_eq!(v, [[Proved]]);
    let (v, _) = read_tex(
        "\\begin{eqnarray*}\n(x+y)^2 &=& x^2 + 2xy \\\\\n&& \\quad + y^2 \\\\\n&=& x^2+2xy+y^2\n\\end{eqnarray*}\n",
        x,
    );
    assert_eq!(v, [[Proved, Proved]]);
    let side = "\\begin{equation}\n\\begin{aligned} x + x &= 2 \\end{aligned}\n\\qquad\n\\begin{aligned} x &= x \\end{aligned}\n\\end{equation}\n";
    assert_eq!(read_tex(side, x).0, [[Wrong], [Proved]]);
    let two_rows = "\\[ \\begin{aligned} x + x &= 2x \\\\ &= x + x \\end{aligned} \\quad \\begin{aligned} y + y &= 2y \\\\ &= 3y \\end{aligned} \\]\n";
    assert_eq!(read_tex(two_rows, x).0, [[Proved, Proved], [Proved, Wrong]]);
    // A prefix before one box still goes on into its rows.
    let prefix = "\\[ (x+y)^2 = \\begin{aligned}[t] & x^2 + 2xy \\\\ & + y^2 \\end{aligned} \\]\n";
    assert_eq!(read_tex(prefix, x).0, [[Proved]]);
    assert_eq!(read_tex("\\begin{align*}\nx + x &= x \\\\\n&{} + x\n\\end{align*}\n", x).0, [[Proved]]);
}

/// What a document defines itself is never read by the reader's own meaning of the command (a
/// LaTeX tester: `\renewcommand{\cdot}{+}` printed `x + y` where `x·y` was read and a false step
/// proved); an operator declared with letters reads as `\operatorname` of them; the preamble's
/// math is no display; an environment the document defines is refused where it holds an
/// equation; the branch of a known conditional not taken is skipped (`\newif` switches).
#[test]
fn a_documents_own_definitions_and_conditionals_are_respected() {
    use Verdict::*;
    let x = "var x, y\nvar A: 2 x 2\n";
    let doc = |preamble: &str, body: &str| {
        format!("\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n")
    };
    let (v, e) = read_tex(&doc("\\renewcommand{\\cdot}{+}", "\\[ x \\cdot y = x y \\]"), x);
    assert!(
        v.is_empty() && e.iter().any(|e| e.contains("`\\cdot` is a macro this document defines (line 2)")),
        "{e:?}"
    );
    let (v, e) = read_tex(&doc("\\def\\sig{\\sigma + 1}", "\\[ \\sig(x) = \\sig(x) \\]"), x);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("`\\sig` is a macro")), "{e:?}");
    // A command defined as another (with the same arguments) is that one; two definitions that
    // disagree are refused (an operator declared, then redefined: a reviewer).
    let eps = "var x, epsilon\n";
    let (v, e) = read_tex(
        &doc(
            "\\renewcommand{\\epsilon}{\\varepsilon}\n\\let\\sig\\sigma",
            "\\[ \\epsilon x + \\epsilon x = 2 \\epsilon x \\]",
        ),
        eps,
    );
    assert_eq!((v, e), (vec![vec![Proved]], vec![]));
    let (v, e) =
        read_tex(&doc("\\DeclareMathOperator{\\act}{exp}\n\\renewcommand{\\act}{\\log}", "\\[ \\act(0) = 1 \\]"), x);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("`\\act` is a macro")), "{e:?}");
    let (v, e) = read_tex(&doc("\\expandafter\\let\\csname cdot\\endcsname +", "\\[ 2 \\cdot 3 = 6 \\]"), x);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("`\\cdot` is a macro")), "{e:?}");
    // A template's environment that wraps displays written in it is scanned as any other.
    let (v, e) = read_tex(
        &doc(
            "\\newenvironment{solution}{\\par\\textbf{Solution.}}{}",
            "\\begin{solution}\n\\[ x + x = 2x \\]\n\\end{solution}",
        ),
        x,
    );
    assert_eq!((v, e), (vec![vec![Proved]], vec![]));
    // `\iffalse` inside a display: what it hides is not read.
    assert_eq!(read_tex("\\[ 2x \\iffalse + 1 \\fi = 2x + 1 \\]\n", x).0, [[Wrong]]);
    assert_eq!(read_tex("\\[ 2x \\iftrue + 1 \\else + 5 \\fi = 2x + 1 \\]\n", x).0, [[Proved]]);
    let (v, e) = read_tex(&doc("\\DeclareMathOperator{\\diag}{tr}", "\\[ \\diag(A) = \\operatorname{tr}(A) \\]"), x);
    assert_eq!((v, e), (vec![vec![Proved]], vec![]));
    let (v, e) = read_tex(
        &doc("\\newenvironment{myeq}{\\begin{equation}}{\\end{equation}}", "\\begin{myeq} x + x = 3x \\end{myeq}"),
        x,
    );
    assert!(
        v.is_empty() && e.iter().any(|e| e.contains("the environment `myeq` is one this document defines")),
        "{e:?}"
    );
    let switches = doc(
        "\\newif\\ifsol\n\\newif\\ifdraft\n\\soltrue",
        "\\ifsol\n\\[ x + x = 2x \\]\n\\ifdraft \\[ x = 5x \\] \\else \\[ y + y = 2y \\] \\fi\n\\else\n\\[ x + x = 7x \\]\n\\fi\n\
         \\iftrue \\[ 3x = x + 2x \\] \\else \\[ x = 9x \\] \\fi\n\\ifdraft \\[ x = 4x \\] \\fi",
    );
    assert_eq!(read_tex(&switches, x), (vec![vec![Proved], vec![Proved], vec![Proved]], vec![]));
    // A switch set inside a group (undone at its end), in the body, or read by `\unless` is of
    // unknown value: both branches are read, as before switches were known (it was taken as
    // set, and the printed branch dropped: testers).
    let branches = "\\ifsol\n\\[ x = 3x \\]\n\\else\n\\[ x + x = 2x \\]\n\\fi";
    for (preamble, body) in [
        ("\\newif\\ifsol\n{\\soltrue}", branches.to_string()),
        ("\\newif\\ifsol\n\\begingroup\\soltrue\\endgroup", branches.to_string()),
        ("\\newif\\ifsol", format!("\\soltrue\n{branches}")),
        ("\\newif\\ifsol\n\\soltrue", branches.replace("\\ifsol", "\\unless\\ifsol")),
    ] {
        assert_eq!(read_tex(&doc(preamble, &body), x).0, [[Wrong], [Proved]], "{preamble} {body}");
    }
    // A `\newif` in the body opens no conditional (what followed it was swallowed).
    let late = doc("", "\\newif\\ifshow\n\\[ x + x = 2x \\]");
    assert_eq!(read_tex(&late, x).0, [[Proved]]);
}

/// Notation read as printed where it was refused or misread (a LaTeX tester and a student): a
/// comment inside braces, a pasted prime, spacing before a condition, `\pmb`, `\overline`,
/// `dcases`, `\eta_{\max}`; and hints that say what to write for an ellipsis, a factorial, a
/// `\hat{x}` the model names otherwise, and `^T` where `T` is the model's temperature.
#[test]
fn more_notation_is_read_or_refused_with_a_hint_that_fits() {
    use Verdict::*;
    let x = "var x, y\nunknown f(t)\n";
    assert_eq!(read_tex("\\[ x + x = \\frac{4x % four x\n}{2} \\]\n", x), (vec![vec![Proved]], vec![]));
    let s = "index i in 1..n\nvar w[i], x, y\n";
    assert_eq!(read_tex("\\[ \\sum_{i % index\n} w_i = \\sum_i w_i \\]\n", s).0, [[Proved]]);
    let md = check("$$ \\frac{d}{dx} f(x) = f′(x) $$\n", AnswerKind::Markdown, x);
    assert_eq!(verdicts(&md), [[Proved]]);
    let cases = "\\[ |x| = \\begin{cases} x &\\quad x \\ge 0 \\\\ -x &\\quad x < 0 \\end{cases} \\]\n";
    assert_eq!(read_tex(cases, x).0, [[Proved]]);
    let dcases = "\\[ |x| = \\begin{dcases} x & x \\ge 0 \\\\ -x & x < 0 \\end{dcases} \\]\n";
    assert_eq!(read_tex(dcases, x).0, [[Proved]]);
    let bold = "var xbar, y\n";
    assert_eq!(read_tex("\\[ \\overline{x} + \\pmb{y} = y + \\bar{x} \\]\n", bold).0, [[Proved]]);
    let schedule = "var emax, emin, t\nlatex emax \"\\eta_{\\text{max}}\"\nlatex emin \"\\eta_{\\min}\"\n";
    assert_eq!(
        read_tex("\\[ \\eta_{\\max} - \\eta_{\\min} = -(\\eta_{\\min} - \\eta_{\\max}) \\]\n", schedule).0,
        [[Proved]]
    );
    let hints = |answer: &str, model: &str, kind: AnswerKind| errors_and_hints(&check(answer, kind, model));
    let h = hints("\\[ \\sum_{i=1}^{n} w_i = w_1 + \\cdots + w_n \\]\n", s, AnswerKind::Tex);
    assert!(h.iter().any(|h| h.contains("an ellipsis is not read")), "{h:?}");
    let poisson = "var lam > 0, y > 0\nlatex lam \"\\lambda\"\n";
    let h = hints("$$ \\lambda - y \\log \\lambda + \\log y! = 1 $$\n", poisson, AnswerKind::Markdown);
    assert!(h.iter().any(|h| h.contains("a factorial, `!`, is not read")), "{h:?}");
    let bn = "index i in 1..n\nvar x[i], g\nlet xh[i] = x[i] / 2\n";
    let h = hints("\\[ g \\hat{x}_i = g \\hat{x}_i \\]\n", bn, AnswerKind::Tex);
    assert!(h.iter().any(|h| h.contains("did you mean `xh`")), "{h:?}");
    let temperature = "var v, tau > 0\nlatex tau \"T\"\n";
    let h = hints("\\[ v^T v = v^{\\mathit T} v \\]\n", temperature, AnswerKind::Tex);
    assert!(
        h.iter().all(|h| !h.contains("the index `T`")) && h.iter().any(|h| h.contains("`tau`, written `T`")),
        "{h:?}"
    );
    let (v, e) = read_tex("\\[ v^{\\mathit T} = v \\]\n", temperature);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("`^T` is ambiguous")), "{e:?}");
}

/// A spelling with a power's superscript beside the model's name for its base (`latex s
/// "\sigma^2"` with `sigma` declared): `\sigma^2` is refused as ambiguous (it was read as `s`, and
/// d/dσ σ² = 2σ was `wrong`: a student tester); `{\sigma}^2` is the power; where the model
/// defines `s` as that power, either reading is the same and `\sigma^2` is read.
#[test]
fn a_spelling_that_is_also_a_power_of_another_name_is_ambiguous() {
    use Verdict::*;
    let apart = "var sigma > 0, s > 0\nlatex s \"\\sigma^2\"\n";
    let (v, e) = read_tex("\\[ \\frac{\\partial}{\\partial \\sigma} \\sigma^2 = 2 \\sigma \\]\n", apart);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("`\\sigma^2` is ambiguous")), "{e:?}");
    assert_eq!(read_tex("\\[ \\frac{\\partial}{\\partial \\sigma} {\\sigma}^2 = 2 \\sigma \\]\n", apart).0, [[Proved]]);
    let same = "var sigma > 0\nlet s = sigma^2\nlatex s \"\\sigma^2\"\n";
    assert_eq!(read_tex("\\[ \\frac{\\partial}{\\partial \\sigma} \\sigma^2 = 2 \\sigma \\]\n", same).0, [[Proved]]);
}

/// Braces print nothing (the LaTeX tester, with pdflatex): where reading them as brackets would
/// change what is printed they are refused — `2{x + 1}` prints 2x + 1, `\exp{x + y}` exp x + y,
/// `{x}/{y + 1}` x/y + 1, `{x + y}^2` and `{xy}^2` the 2 on y, `{2}{3}` and `2 {3}` 23, `z{+x}`
/// z+x, `z/{x y}` z/xy — and where they change nothing they are read: one piece that prints its
/// own brackets (`2{(x + 1)}`, `{\sigma(x)}^2`, `{\frac{x}{y}}^2`: a second tester and a
/// reviewer), a sum alone or between `+` and `+`. Truth by hand from what pdflatex prints.
#[test]
fn braces_that_would_act_as_brackets_are_refused() {
    let m = "var x, y, z\n";
    for refused in [
        r"2{x + 1} = 2x + 2",
        r"\exp{x + y} = e^x e^y",
        r"{x}/{y + 1} = \frac{x}{y + 1}",
        r"{x + y}^2 = x^2 + 2xy + y^2",
        r"{xy}^2 = x^2 y^2",
        r"{2}{3} = 6",
        r"2 {3} = 6",
        r"z{+x} = zx",
        r"z/{x y} = \frac{z}{xy}",
        r"-{x + y} = -x - y",
    ] {
        let (v, e) = read_tex(&format!("\\[ {refused} \\]\n"), m);
        assert!(v.is_empty() && e.len() == 1, "{refused}: {v:?} {e:?}");
        assert!(e[0].contains("braces print nothing") || e[0].contains("two numbers side by side"), "{refused}: {e:?}");
    }
    for read in [
        r"2{(x + 1)} = 2x + 2",
        r"{\sigma(x)}^2 = \sigma(x)^2",
        r"{\frac{x}{y}}^2 = \frac{x^2}{y^2}",
        r"{x + y} = y + x",
        r"z + {x + y} - z = y + x",
        r"2{xy} = 2xy",
        r"x^{2}{y} = x^2 y",
    ] {
        assert_eq!(read_tex(&format!("\\[ {read} \\]\n"), m).0, [[Verdict::Proved]], "{read}");
    }
}

/// Spaces as wide as `\,` end a bare argument, whichever command writes them (the LaTeX tester:
/// `\sin x\medspace y = \sin(xy)` was `proved`); `\Biggl`, `\enskip` and `\displaylimits` are read
/// as the other sizes and spaces are.
#[test]
fn every_space_command_ends_a_bare_argument() {
    let m = "var x, y\n";
    for space in [r"\thinspace", r"\medspace", r"\thickspace", r"\enspace", r"\enskip", r"\hspace{1em}"] {
        assert_eq!(read_tex(&format!("\\[ \\sin x{space} y = y \\sin(x) \\]\n"), m).0, [[Verdict::Proved]], "{space}");
        assert_eq!(read_tex(&format!("\\[ \\sin x{space} y = \\sin(xy) \\]\n"), m).0, [[Verdict::Wrong]], "{space}");
    }
    assert_eq!(read_tex(r"\[ \Biggl( x + y \Biggr) y = xy + y^2 \]", m).0, [[Verdict::Proved]]);
    let limits = read_tex(r"\[ \sum\limits_{j=1}^{3} j = 6 \]", m);
    assert_eq!(read_tex(r"\[ \sum\displaylimits_{j=1}^{3} j = 6 \]", m), limits);
    assert!(limits.1.is_empty() && limits.0.len() == 1, "{limits:?}");
}

/// A Kronecker delta of two of the model's indices side by side, `\delta_{c_2 c_3}` (a TA: "`\delta`
/// is not a name of the model"), or of an index of several letters, `\delta_{j,jj}` (a student:
/// "one name, or a product of letters"), is read. Truth: ∂s_{c₂}/∂s_{c₃} = δ_{c₂c₃}.
#[test]
fn a_delta_of_indices_with_scripts_or_several_letters_is_read() {
    let m = "index c in 1..N, c2 in 1..N, c3 in 1..N, j in 1..N, jj in 1..N\nvar s[c]\n";
    for delta in [r"\delta_{c_2 c_3}", r"\delta_{c_2c_3}", r"\delta_{c_2,c_3}"] {
        let tex = format!("\\[ \\frac{{\\partial s_{{c_2}}}}{{\\partial s_{{c_3}}}} = {delta} \\]\n");
        assert_eq!(read_tex(&tex, m).0, [[Verdict::Proved]], "{delta}");
    }
    let tex = "\\[ \\frac{\\partial s_{j}}{\\partial s_{jj}} = \\delta_{j,jj} \\]\n";
    assert_eq!(read_tex(tex, m).0, [[Verdict::Proved]]);
}

/// A long left side alone on the first row, the chain below it (`x + x + x \\ &= 3x`, as amsmath's
/// guide breaks a long equation; the LaTeX tester was told "this step has no left side"), is one
/// derivation; a lone expression with no step after it is still nothing.
#[test]
fn a_left_side_alone_on_the_first_row_starts_the_chain() {
    let m = "var x\n";
    let align = "\\begin{align*}\nx + x + x \\\\\n&= 3x \\\\\n&= x + 2x\n\\end{align*}\n";
    assert_eq!(read_tex(align, m).0, [[Verdict::Proved, Verdict::Proved]]);
    let multline = "\\begin{multline*}\nx + x + x \\\\\n= 3x\n\\end{multline*}\n";
    assert_eq!(read_tex(multline, m).0, [[Verdict::Proved]]);
    let (v, e) = read_tex("\\[ x + x \\]\n", m);
    assert!(v.is_empty() && e.iter().all(|e| e.contains("no derivation was found")), "{v:?} {e:?}");
}

/// A product that skips a value is told that only a sum does, as in a `.deriv` file (a student was
/// told to write the `\prod_{s \ne k}` they had written).
#[test]
fn a_product_that_skips_a_value_is_told_only_a_sum_does() {
    let m = "index s in 1..T, k in 1..T\nvar beta[s] in (0.001, 0.2)\n";
    let (v, e) = read_tex(
        r"\[ \frac{\partial}{\partial \beta_k} \prod_{s=1}^{T} (1 - \beta_s) = -\prod_{s \ne k} (1 - \beta_s) \]",
        m,
    );
    assert!(v.is_empty() && e.iter().any(|e| e.contains("only a sum skips a value")), "{v:?} {e:?}");
}

/// A name the model spells with a prime (`latex sn "s'"`, the next state of a course on
/// reinforcement learning) is read where the answer writes it; `s''` is not that name (a student
/// could not write `V(s')`). PPO's `\operatorname{clip}` is `clamp`.
#[test]
fn a_name_spelled_with_a_prime_and_ppos_clip_are_read() {
    let m = "var gam in (0.5, 0.99)\nlatex gam \"\\gamma\"\nvar r\nunknown V(x)\nvar s, sn\nlatex sn \"s'\"\n\
             var eps in (0.05, 0.3)\nlatex eps \"\\epsilon\"\nvar ra in (0.5, 1.5)\nvar A\n";
    let (v, e) = read_tex(r"\[ r + \gamma V(s') - V(s) = r - V(s) + \gamma V(s') \]", m);
    assert_eq!((v, e), (vec![vec![Verdict::Proved]], vec![]));
    let (v, e) = read_tex(r"\[ V(s') = V(s) \]", m);
    assert_eq!((v, e), (vec![vec![Verdict::Wrong]], vec![]));
    let (v, e) = read_tex(r"\[ V(s'') = V(s) \]", m);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("a prime cannot be read")), "{v:?} {e:?}");
    let (v, e) = read_tex(
        r"\[ \operatorname{clip}(\mathrm{ra}, 1 - \epsilon, 1 + \epsilon) A = \min(\max(\mathrm{ra}, 1 - \epsilon), 1 + \epsilon) A \]",
        m,
    );
    assert_eq!((v, e), (vec![vec![Verdict::Proved]], vec![]));
}

/// A pasted `√` is the root of the one piece after it, as `\sqrt` without braces is (a LaTeX
/// tester: `√p p = p` was proved, √ taking `p p` as `\log` takes its factors; pdflatex's box
/// shows the bar over the first `p` only). A piece with a power is refused.
#[test]
fn a_pasted_root_takes_one_piece() {
    let m = "var p > 0, x\n";
    assert_eq!(read_tex("\\[ √p p = p^{3/2} \\]", m), (vec![vec![Verdict::Proved]], vec![]));
    assert_eq!(read_tex("\\[ √p p = p \\]", m).0, vec![vec![Verdict::Wrong]]);
    assert_eq!(read_tex("\\[ √2 p = \\sqrt{2} \\, p \\]", m), (vec![vec![Verdict::Proved]], vec![]));
    assert_eq!(read_tex("\\[ √(x^2 + 1) = \\sqrt{x^2 + 1} \\]", m), (vec![vec![Verdict::Proved]], vec![]));
    // A letter with its subscript or an accent is one piece (a reviewer: `√d_k`, `√\hat{v}` were
    // refused); a piece with a power, and several digits or a decimal (TeX takes one digit:
    // `√1.21 = 1.1` was proved, a second tester), are refused.
    let m = "var p > 0, x, dk > 0, vh > 0\nlatex dk \"d_k\"\nlatex vh \"\\hat{v}\"\n";
    assert_eq!(read_tex("\\[ \\frac{x}{√d_k} = \\frac{x}{\\sqrt{d_k}} \\]", m), (vec![vec![Verdict::Proved]], vec![]));
    assert_eq!(read_tex("\\[ √\\hat{v} \\, x = \\sqrt{\\hat{v}} \\, x \\]", m), (vec![vec![Verdict::Proved]], vec![]));
    for refused in ["\\[ √x² = x \\]", "\\[ √1.21 = 1.1 \\]", "\\[ √12 = 2\\sqrt{3} \\]"] {
        let (v, e) = read_tex(refused, m);
        assert!(
            v.is_empty() && e.iter().any(|e| e.contains("what `√` is the root of is not clear")),
            "{refused}: {v:?} {e:?}"
        );
    }
}

/// An index or an integer in brackets after a quantity, `u[i]`, `x[1]`, `u(i)`: the element or a
/// product? Refused (a LaTeX tester: read as the product, `u[i] = i u` was proved). A product in
/// brackets (`a[1 - a]`) is read.
#[test]
fn an_index_in_brackets_after_a_quantity_is_refused() {
    let m = "index i in 1..n\nvar u: n, x, a\n";
    // (Also a size, arithmetic of indices, a power on the bracket: a second tester.)
    for answer in [
        r"\[ u[i] = i\,u \]",
        r"\[ u(i) = i\,u \]",
        r"\[ u[n] = n\,u \]",
        r"\[ u[i+1] = (i+1)\,u \]",
        r"\[ u[2]^{2} = 4u \]",
    ] {
        let (v, e) = read_tex(answer, m);
        assert!(v.is_empty() && e.iter().any(|e| e.contains("an element of `u`")), "{answer}: {v:?} {e:?}");
    }
    // A scalar has no element to mean: the hint is the product alone (a reviewer: `x_{1}` was
    // suggested, itself an error).
    for answer in [r"\[ x[1] = x \]", r"\[ x[-1] = -x \]"] {
        let report = check(answer, AnswerKind::Tex, m);
        let said: Vec<String> = report.errors.iter().map(|d| format!("{} {:?}", d.message, d.hints)).collect();
        assert!(
            report.derivations.is_empty() && said.iter().any(|e| e.contains("has no elements") && !e.contains("x_{")),
            "{answer}: {said:?}"
        );
    }
    assert_eq!(read_tex(r"\[ a[1 - a] = a - a^2 \]", m), (vec![vec![Verdict::Proved]], vec![]));
}

/// An equation inside a wrapper: braced, coloured or in display style it is read; under a brace,
/// in `\mbox`, a coloured box or brackets it is refused, and a relation of nearness other than
/// `\approx` (`\approxeq`, `≃`) is no step. Each block was passed over without a word, a false
/// step unchecked and the report clean (a LaTeX tester).
#[test]
fn an_equation_inside_a_wrapper_is_read_or_refused() {
    let m = "var x\n";
    for read in [r"\[ {x + x = 3x} \]", r"\[ \textcolor{red}{x + x = 3x} \]", r"\[ {\color{red} x + x = 3x} \]"] {
        assert_eq!(read_tex(read, m), (vec![vec![Verdict::Wrong]], vec![]), "{read}");
    }
    for (refused, what) in [
        (r"\[ \underbrace{x + x = 3x}_{\text{answer}} \]", "`\\underbrace{…}`"),
        (r"\[ \mbox{$x + x = 3x$} \]", "`\\mbox{…}`"),
        (r"\[ \colorbox{yellow}{$x + x = 3x$} \]", "`\\colorbox{…}`"),
        (r"\[ \left( x + x = 3x \right) \]", "brackets"),
    ] {
        let (v, e) = read_tex(refused, m);
        assert!(
            v.is_empty() && e.iter().any(|e| e.contains(&format!("inside {what} is not read"))),
            "{refused}: {v:?} {e:?}"
        );
    }
    for relation in [r"\[ x + x \approxeq 3x \]", r"\[ x + x \eqsim 3x \]", "\\[ x + x ≃ 3x \\]", "\\[ x + x ∝ x \\]"]
    {
        let (v, e) = read_tex(relation, m);
        assert!(v.is_empty() && e.iter().any(|e| e.contains("not a step of a derivation")), "{relation}: {v:?} {e:?}");
    }
    // A struck `=` prints ≠ (a second tester: `x + x \cancel{=} 2x` was proved).
    let (v, e) = read_tex(r"\[ x + x \cancel{=} 3x \]", m);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("not a step of a derivation")), "{v:?} {e:?}");
    // A sum's `=` is in its script, a probability's in brackets among other things, a binomial's
    // in a command that draws nothing: no hidden equation (a reviewer: `P(y = 1 \mid x)` was
    // refused).
    let m = "index i in 1..n, y in 1..n\nvar x\n";
    for display in [r"\[ \sum_{i=1}^{3} x \]", r"\[ P(y = 1 \mid x) \]", r"\[ \Pr(y = 1) \]", r"\[ \binom{n}{k=2} \]"] {
        let (v, e) = read_tex(display, m);
        assert!(v.is_empty() && e.iter().all(|e| e.contains("no derivation was found")), "{display}: {v:?} {e:?}");
    }
}

/// `\pi` bare beside a model name written `\pi_{1}` (a mixture weight) is the constant, as
/// `render` writes it (an instructor: its own rendering was refused when read back).
#[test]
fn pi_bare_beside_a_subscripted_pi_is_the_constant() {
    let m = "var a, x\nlet pi1 = sigmoid(a)\nderive pi1 * pi\n  = pi * pi1\n";
    assert_eq!(read_tex(r"\[ \pi_{1} \, x \, \pi = \pi \, x \, \pi_{1} \]", m), (vec![vec![Verdict::Proved]], vec![]));
    assert_eq!(
        read_tex(r"\[ \sqrt{2 \pi} \, \pi_{1} = \pi_{1} \sqrt{2} \sqrt{\pi} \]", m),
        (vec![vec![Verdict::Proved]], vec![])
    );
    // In a model that does not use the constant, a bare `\pi` beside a policy `\pi_\theta` is as
    // likely the policy, and refused (a reviewer: it was read as 3.14… and a step `wrong`).
    let m = "var pt in (0, 1)\nlatex pt \"\\pi_\\theta\"\n";
    let (v, e) = read_tex(r"\[ \frac{d}{d\pi_\theta} \log \pi_\theta = \frac{1}{\pi} \]", m);
    assert!(v.is_empty() && e.iter().any(|e| e.contains("matches no name of the model")), "{v:?} {e:?}");
}

/// A hand-written label at the start of a row before a quad is a label, not a factor (a LaTeX
/// tester, with pdflatex: `(2)\quad y = 2y` was proved, `(2)\quad y + y = 2y` wrong); a quad
/// between two operands before the first relation is refused, never dropped into a product.
/// Truth by hand: y + y = 2y; y ≠ 2y.
#[test]
fn a_label_at_the_start_of_a_row_is_no_factor() {
    let m = "var x, y\n";
    assert_eq!(read_tex(r"\[ (2)\quad y + y = 2y \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ (b)\qquad y + y = 2y \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ (2)\quad y = 2y \]", m).0, [[Verdict::Wrong]]);
    let (verdicts, errors) = read_tex(r"\[ 2 \quad y = 2y \]", m);
    assert!(verdicts.is_empty() && errors.iter().any(|e| e.contains("`\\quad` cannot be read here")), "{errors:?}");
    // (Before a gap the source writes, in square brackets, roman: a second tester.)
    for label in [r"(2)\enspace", r"(2)\phantom{xx}", r"(2)\;\;\;\;", r"[2]\hspace{1cm}", r"(\mathrm{a})\hspace{1cm}"] {
        assert_eq!(read_tex(&format!("\\[ {label} y + y = 2y \\]\n"), m).0, [[Verdict::Proved]], "{label}");
        assert_eq!(read_tex(&format!("\\[ {label} y = 2y \\]\n"), m).0, [[Verdict::Wrong]], "{label}");
    }
    // (Behind one thin space it cannot be told, and is refused with a hint, at the space; it was
    // read `2y + y`, a true step `wrong`: a LaTeX tester. Without a space it is a product.)
    for label in [r"(2)\;", r"(2)\,", r"(2)\:", r"(2)\ ", r"(2)~", r"(\mathrm{ii})\;"] {
        let (verdicts, errors) = read_tex(&format!("\\[ x + x = 2x \\]\n\\[ {label} y + y = 2y \\]\n"), m);
        assert_eq!(verdicts, [[Verdict::Proved]], "{label}");
        assert!(errors.iter().any(|e| e.starts_with("2:") && e.contains("label or a factor")), "{label}: {errors:?}");
    }
    assert_eq!(read_tex(r"\[ (2)y + y = 3y \]", m).0, [[Verdict::Proved]]);
    // (Nor a decimal, nor before a bracket: products, a reviewer.)
    assert_eq!(read_tex(r"\[ (2)\,(x + 1) = 2x + 2 \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ (0.5)\; x = x/2 \]", m).0, [[Verdict::Proved]]);
    // (A name of the model in the brackets may be a factor: refused, a reviewer.)
    let (verdicts, errors) = read_tex(r"\[ (x)\quad y + y = 2y \]", m);
    assert!(verdicts.is_empty() && !errors.is_empty(), "{errors:?}");
    // (A quad before an operator, or after an operator waiting for its argument, is spacing.)
    assert_eq!(read_tex(r"\[ x + x \quad + x = 3x \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ \exp \quad x = \exp(x) \]", m).0, [[Verdict::Proved]]);
}

/// An equation wrapped whole is read through every layer and beside punctuation or a remark; one
/// inside any other command, or in text going on with a chain, is refused: never passed over
/// without a word (a LaTeX tester: `\boxed{x + x = 3x}.`, `\textcolor{red}{\boxed{…}}`,
/// `\text{$…$}`, `\llap{$…$}`, `\underline{…}`, `&\text{$= 3y$}` left a false step unchecked
/// and the report clean; a wrong boxed answer ending in a full stop was graded right).
#[test]
fn wrapped_equations_are_read_or_refused_at_every_layer() {
    let m = "var x, y\n";
    for read in [
        r"\boxed{x + x = 3x}.",
        r"\textcolor{red}{x + x = 3x},",
        r"{x + x = 3x}.",
        r"\textcolor{red}{\boxed{x + x = 3x}}",
        r"\boxed{{x + x = 3x}}",
        r"{{x + x = 3x}}",
        r"\boxed{\displaystyle{x + x = 3x}}",
        r"\boxed{x + x = 3x} \qquad \text{(final)}",
    ] {
        assert_eq!(read_tex(&format!("\\[ {read} \\]\n"), m).0, [[Verdict::Wrong]], "{read}");
    }
    for refused in [
        r"\text{$x + x = 3x$}",
        r"\ensuremath{x + x = 3x}",
        r"\llap{$x + x = 3x$}",
        r"\mathclap{x + x = 3x}",
        r"\underline{x + x = 3x}",
        r"\operatorname{x + x = 3x}",
        r"\lefteqn{x + x = 3x}",
        r"\left. x + x = 3x \right\}",
        r"\text{Answer: } \boxed{x + x = 3x}",
    ] {
        let (verdicts, errors) = read_tex(&format!("\\[ y + y = 2y \\]\n\\[ {refused} \\]\n"), m);
        assert!(
            verdicts == [[Verdict::Proved]] && errors.iter().any(|e| e.starts_with("2:")),
            "{refused}: {verdicts:?} {errors:?}"
        );
    }
    let (_, errors) = read_tex("\\begin{align*} y + y &= 2y \\\\ &\\text{$= 3y$} \\end{align*}\n", m);
    assert!(errors.iter().any(|e| e.contains("the equation inside `\\text{…}` is not read")), "{errors:?}");
    // (A remark in the notes column with math in it is a note; brackets beside a full stop are
    // refused: a reviewer, a second tester.)
    let (verdicts, errors) = read_tex("\\begin{align*} x + x &= 2x && \\text{$= x \\cdot 2$ too} \\end{align*}\n", m);
    assert!(verdicts == [[Verdict::Proved]] && errors.is_empty(), "{verdicts:?} {errors:?}");
    let (verdicts, errors) = read_tex(r"\[ ( x + x = 3x ). \]", m);
    assert!(verdicts.is_empty() && errors.iter().any(|e| e.contains("inside brackets")), "{errors:?}");
    // (`\binom{n}{k=2}` writes no equation: it is refused as a binomial, not as a wrapper.)
    assert!(!read_tex(r"\[ \binom{n}{k=2} \]", m).1.iter().any(|e| e.contains("the equation inside")));
}

/// A display environment never closed is refused, in a notebook cell as in a document (a LaTeX
/// tester: an `align*` closed in the next cell was read to its cell's end, and the false step of
/// the next cell passed over; Jupyter renders each cell on its own).
#[test]
fn an_environment_never_closed_is_refused() {
    let m = "var x\n";
    let (verdicts, refused) = read_tex("\\begin{align*}\nx + x &= 2x \\\\\n&= 3x\n", m);
    assert!(verdicts.is_empty() && refused.iter().any(|e| e.contains("is never closed")), "{refused:?}");
    let notebook = r#"{"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["\\begin{align*}\n", "x + x &= 2x \\\\\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["&= 3x\n", "\\end{align*}\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
    let report = check(notebook, AnswerKind::Notebook, m);
    assert!(errors(&report).iter().any(|e| e.contains("is never closed")), "{:?}", errors(&report));
}

/// `\sqrt[2]{p}` is the square root; pasted dashes and `÷`, `\otimes`, `\Pr`, `\because` and
/// `\lfloor` are told what to write instead (a student and a LaTeX tester: each was the generic
/// "cannot be read here"). Truth by hand: √p √p = p.
#[test]
fn roots_of_degree_two_are_read_and_unread_signs_say_what_to_write() {
    let m = "var a, b, x, p > 0\n";
    assert_eq!(read_tex(r"\[ \sqrt[2]{p} \sqrt[2]{p} = p \]", m).0, [[Verdict::Proved]]);
    assert_eq!(read_tex(r"\[ \sqrt[2]{p}^2 = 2p \]", m).0, [[Verdict::Wrong]]);
    for (text, says) in [
        ("a – b = a - b", "a dash, not a minus"),
        ("a ÷ b = a / b", "`a / b`"),
        (r"a \otimes b = b \otimes a", "index notation"),
        (r"\Pr(x) = p", "a name of the model"),
        (r"x = x \because x = x", "notes column"),
        (r"\lfloor x \rfloor = x", "floor and ceiling"),
    ] {
        let report = check(&format!("\\[ {text} \\]\n"), AnswerKind::Tex, m);
        let hints: Vec<String> = report.errors.iter().flat_map(|d| d.hints.clone()).collect();
        let messages: Vec<String> = report.errors.iter().map(|d| d.message.clone()).collect();
        assert!(hints.iter().chain(&messages).any(|h| h.contains(says)), "{text}: {messages:?} {hints:?}");
    }
}
