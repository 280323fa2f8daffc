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
/// ∂L/∂b = ŷ − y; L = −y log ŷ − (1−y) ln(1−ŷ) by definition. `w^\top x` is refused: `w` is
/// declared with an index, not as a vector.
#[test]
fn markdown_answer_with_prose_and_code() {
    let answer = include_str!("latex/logistic.md");
    let report = check(answer, AnswerKind::Markdown, LOGISTIC);
    use Verdict::*;
    assert_eq!(
        verdicts(&report),
        [vec![Proved, Proved, Wrong], vec![Proved, Proved, Wrong], vec![Proved], vec![Proved]]
    );
    assert_eq!(errors(&report), ["27:8 `w` with these scripts matches no name of the model"]);
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

/// The round trip: every corpus file rendered as LaTeX (`render --to latex`) and read back against
/// itself. Each derivation that reads back has the same steps with the same verdicts as the
/// original; a derivation may fail to read only with an error inside its own block (`outer`,
/// `dot`, `tr`, … are not read; the Definitions block is skipped — docs/latex.md).
#[test]
fn rendered_corpus_reads_back_to_the_same_steps() {
    use gradproof::latex::spell::text_latex;
    use gradproof::report::{render_math, RenderFormat};
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
    let options = CheckOptions::default();
    let mut clean = 0;
    let mut read_back = 0;
    for path in &files {
        let source = std::fs::read_to_string(path).expect("readable");
        let original = gradproof::check_source("model.deriv", source.as_bytes(), &options);
        let (file, _) = gradproof::syntax::parse_file(&source);
        let tex = render_math(&file, None, RenderFormat::Latex);
        let report =
            check_answer("rendered.tex", tex.as_bytes(), AnswerKind::Tex, "model.deriv", source.as_bytes(), &options);
        if report.errors.is_empty() {
            clean += 1;
        } else if std::env::var_os("ROUND_TRIP_DEBUG").is_some() {
            let errs: Vec<String> =
                report.errors.iter().map(|e| format!("{} `{}`", e.message, &tex[e.span.range()])).collect();
            eprintln!("{}: {}", path.display(), errs.join(" | "));
        }
        // Each block of the rendering follows its `\subsection*{name}`.
        let heading_before = |at: usize| -> Option<String> {
            let before = &tex[..at];
            let start = before.rfind("\\subsection*{")? + "\\subsection*{".len();
            let end = start + before[start..].find("}\n")?;
            Some(before[start..end].to_string())
        };
        for (k, d) in original.derivations.iter().enumerate() {
            let name = text_latex(&d.name.clone().unwrap_or_else(|| format!("Derivation {}", k + 1)));
            let back: Vec<_> = report
                .derivations
                .iter()
                .filter(|r| heading_before(r.span.start).as_deref() == Some(name.as_str()))
                .collect();
            if back.is_empty() {
                assert!(
                    report.errors.iter().any(|e| heading_before(e.span.start).as_deref() == Some(name.as_str())),
                    "{}: `{name}` was not read back, and no error says why",
                    path.display()
                );
                continue;
            }
            assert_eq!(back.len(), 1, "{}: `{name}` read back as several derivations", path.display());
            let want: Vec<Verdict> = d.steps.iter().map(|s| s.verdict).collect();
            let got: Vec<Verdict> = back[0].steps.iter().map(|s| s.verdict).collect();
            assert_eq!(got, want, "{}: `{name}`", path.display());
            read_back += 1;
        }
    }
    // What reads back today (some functions are not read; definitions and declarations are
    // skipped): a floor, so that a change that reads less is noticed.
    eprintln!("round trip: {clean} of {} files clean, {read_back} derivations read back", files.len());
    assert!(clean >= 40, "only {clean} of {} rendered files read back without an error", files.len());
    assert!(read_back >= 316, "only {read_back} derivations read back");
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
        exprs.push(format!("sum(k in 1..K, x[k] {inner} b)"));
        exprs.push(format!("sum(k in 1..K, b {inner} x[k])"));
        exprs.push(format!("sum(k in 1..K, x[k]) {inner} b"));
        exprs.push(format!("b {inner} sum(k in 1..K, x[k])"));
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
