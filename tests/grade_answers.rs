//! `gradproof grade` on answers written in LaTeX, Markdown and notebooks (docs/latex.md,
//! docs/grading.md): the reference is a `.deriv` file of derivations/generated/, whose
//! declarations are the model; each answer is graded as a `.deriv` submission is, with feedback at
//! the answer's lines. The truth of every step is established by hand (noted beside it); scores
//! are asserted only where the policy cannot matter (full marks, nothing, less than full).

use crate::grade_common;

use std::path::Path;
use std::sync::Arc;

use grade_common::root;
use gradproof::check::{CheckOptions, Verdict};
use gradproof::commands::grade::{grade_one, grade_paths, load_reference};
use gradproof::diagnostic::line_col;
use gradproof::grade::{grade_answer, GradeOptions, MatchedBy, Points, Reference, StepStatus, SubmissionGrade};
use gradproof::latex::AnswerKind;

fn reference(path: &str) -> Reference {
    load_reference(&root().join(path), &CheckOptions::default())
        .unwrap_or_else(|r| panic!("the reference has errors: {:?}", r.errors))
}

const FORGET_GATE: &str = "derivations/generated/lstm_forget_gate.deriv";
const BINARY_CROSS_ENTROPY: &str = "derivations/generated/binary_cross_entropy.deriv";

fn grade(reference_path: &str, answer: &str) -> SubmissionGrade {
    let path = root().join("tests/latex/answers").join(answer);
    let text = std::fs::read_to_string(&path).expect("readable answer");
    let kind = AnswerKind::of_path(answer).expect("an answer file");
    grade_answer(&reference(reference_path), answer, &text, kind, &GradeOptions::default())
}

/// Per derivation of the reference: the verdicts of its graded steps.
fn verdicts(g: &SubmissionGrade) -> Vec<Vec<Verdict>> {
    g.derivations.iter().map(|d| d.steps.iter().map(|s| s.result.verdict).collect()).collect()
}

/// Per derivation of the reference: the lines of the answer its steps are on.
fn step_lines(g: &SubmissionGrade) -> Vec<Vec<usize>> {
    g.derivations.iter().map(|d| d.steps.iter().map(|s| line_col(&g.source, s.result.span.start).0).collect()).collect()
}

/// A LaTeX document with `align*` (a note after `&&`, another in a `%` comment, a final `.`) and an
/// `equation` with a `\label`. Truth: the first chain is the reference's own (∂E/∂net_φ^t =
/// Σ_c ∂E/∂s_c^t ∂s_c^t/∂net_φ^t by the chain rule, = Σ_c ζ_c^t f_φ'(net_φ^t) s_c^{t-1} as
/// s_c^t = y_φ^t s_c^{t-1} + …, and f_φ' moves out of the sum), all proved; the carousel's
/// ∂E/∂s_c^{t-1} = ζ_c^t forgets the factor y_φ^t, so it is wrong.
#[test]
fn a_latex_document_is_graded_at_its_lines() {
    let g = grade(FORGET_GATE, "forget_gate.tex");
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    assert_eq!(verdicts(&g), [vec![Verdict::Proved; 3], vec![Verdict::Wrong]]);
    assert_eq!(step_lines(&g), [vec![8, 9, 11], vec![15]]);
    assert!(g.derivations.iter().all(|d| d.matched.is_some_and(|(_, by)| by == MatchedBy::Head)));
    let [delta, carousel] = g.derivations.as_slice() else { panic!("two derivations") };
    assert_eq!(delta.score, delta.max_score);
    assert!(delta.final_correct && delta.steps.iter().all(|s| s.status == StepStatus::Correct));
    assert!(!carousel.final_correct && carousel.score < carousel.max_score);
    assert_eq!(carousel.steps[0].status, StepStatus::Wrong);
    let notes: Vec<Option<&str>> = delta.steps.iter().map(|s| s.result.note.as_deref()).collect();
    assert_eq!(notes, [Some("chain rule"), Some("s_c^t = y_\\phi^t s_c^{t-1} + \\dots"), None]);
    // The feedback names the answer's lines, and the head matched is the answer's, at line 7.
    assert!(carousel.feedback.iter().any(|f| f.contains("line 15")), "{:?}", carousel.feedback);
    assert_eq!(delta.matched.map(|(span, _)| line_col(&g.source, span.start)), Some((7, 1)));
    assert!(!g.manual_review(), "{:?}", g.review);
}

/// Markdown with prose, inline math (not read), a definition with `:=` (skipped) and one
/// `aligned` block. Truth: ∂L/∂z = −(y/p − (1−y)/(1−p)) ∂p/∂z (chain rule) = … p(1−p)
/// (σ' = σ(1−σ)), both proved; −(y(1−p) + (1−y)p) has the sign of the second term wrong
/// (−(y(1−p) − (1−y)p) is right), and p − y after it is wrong as a step but equal to the head.
#[test]
fn a_markdown_answer_with_a_sign_slip() {
    let g = grade(BINARY_CROSS_ENTROPY, "binary_cross_entropy.md");
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    assert!(g.unmatched.is_empty());
    use Verdict::*;
    assert_eq!(verdicts(&g), [vec![Proved, Proved, Wrong, Wrong]]);
    assert_eq!(step_lines(&g), [vec![13, 14, 15, 16]]);
    let d = &g.derivations[0];
    assert!(d.final_correct, "p - y is the head's value");
    assert!(d.score < d.max_score);
    assert!(d.feedback.iter().any(|f| f.contains("line 15: wrong")), "{:?}", d.feedback);
    // The repair quotes the answer's own text of the slipped sign: the smallest part whose sign
    // makes the step right, `1 - y` for `y - 1` (−(y(1−p) + (y−1)p) = −(y(1−p) − (1−y)p)).
    let repair = d.steps[2].result.repair.as_ref().expect("a repair of the sign slip");
    assert_eq!((repair.culprit_text.as_str(), repair.replacement.as_str()), ("1 - y", "y - 1"), "{repair:?}");
}

/// A notebook: markdown cells are read, the code cell and its output are not; lines are the
/// notebook's. Truth: δ_φ^t = Σ_c ζ_c^t s_c^{t-1} forgets f_φ'(net_φ^t) (wrong); the carousel
/// ∂E/∂s_c^{t-1} = ζ_c^t ∂s_c^t/∂s_c^{t-1} = ζ_c^t y_φ^t is right (both steps proved). δ_φ^t is
/// the model's name for ∂E/∂net_φ^t, so its derivation is matched by its head.
#[test]
fn a_notebook_is_graded_from_its_markdown_cells() {
    let g = grade(FORGET_GATE, "forget_gate.ipynb");
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    assert_eq!(verdicts(&g), [vec![Verdict::Wrong], vec![Verdict::Proved, Verdict::Proved]]);
    assert_eq!(step_lines(&g), [vec![12], vec![41, 41]]);
    let [delta, carousel] = g.derivations.as_slice() else { panic!("two derivations") };
    assert!(!delta.final_correct && delta.score < delta.max_score);
    // (How much a short chain earns of the steps' share is the policy's: shown work.)
    assert!(carousel.final_correct && carousel.steps.iter().all(|s| s.status == StepStatus::Correct));
    assert!(carousel.score > gradproof::grade::Points::ZERO);
}

/// An answer of which nothing can be read is not a silent zero: it is not gradable and is sent to
/// a person with the reason; a block that cannot be read is an error at its line, and the rest of
/// the answer is graded.
#[test]
fn an_unreadable_answer_is_flagged_not_zeroed_silently() {
    let r = reference(FORGET_GATE);
    let options = GradeOptions::default();
    for (name, kind, text) in [
        ("prose.tex", AnswerKind::Tex, "\\documentclass{article}\n\\begin{document}\nSee the PDF.\n\\end{document}\n"),
        ("empty.md", AnswerKind::Markdown, ""),
        ("broken.ipynb", AnswerKind::Notebook, "{\"cells\": [ } ]"),
        ("binary.tex", AnswerKind::Tex, "%PDF-1.5\n"),
    ] {
        let g = grade_answer(&r, name, text, kind, &options);
        assert!(!g.gradable(), "{name}");
        assert!(g.manual_review(), "{name}");
        assert_eq!(g.score.to_string(), "0", "{name}");
        assert!(!g.errors.is_empty(), "{name}");
    }
    let text = "\\[ \\frac{\\partial E}{\\partial s_c^{t-1}} = \\zeta_c^t y_\\phi^t \\]\n\
                \\[ \\frac{\\partial E}{\\partial \\text{net}_\\phi^t} = \\sum \\zeta_c^t s_c^{t-1} \\]\n";
    let g = grade_answer(&r, "half.tex", text, AnswerKind::Tex, &options);
    assert!(g.gradable() && g.manual_review());
    assert_eq!(g.errors.len(), 1);
    assert_eq!(line_col(&g.source, g.errors[0].span.start).0, 2);
    assert!(g.review.iter().any(|r| r.contains("(line 2)")), "{:?}", g.review);
    assert!(g.derivations[1].final_correct && g.derivations[1].steps[0].status == StepStatus::Correct);
    assert!(g.derivations[0].matched.is_none());
}

/// `grade` on a directory walks `.deriv`, `.tex`, `.md` and `.ipynb` files, and grades each by
/// its kind; for an autograder, one answer file of any kind is the submission.
#[test]
fn a_directory_of_answers_of_every_kind() {
    let dir = std::env::temp_dir().join(format!("gradproof-answers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let answers = root().join("tests/latex/answers");
    for name in ["forget_gate.tex", "forget_gate.ipynb"] {
        std::fs::copy(answers.join(name), dir.join(name)).expect("copied");
    }
    // A file of another kind is a submission that is not graded, flagged (a student who handed
    // in a `.txt` was missing from every output).
    std::fs::write(dir.join("notes.txt"), "not a submission").expect("written");
    let reference_path = root().join(FORGET_GATE);
    std::fs::copy(&reference_path, dir.join("student.deriv")).expect("copied");
    let r = Arc::new(reference(FORGET_GATE));
    let grades = grade_paths(&[dir.clone()], &r, &GradeOptions::default(), Some(&reference_path));
    let names: Vec<String> = grades.iter().map(|g| file_name(&g.path)).collect();
    assert_eq!(names, ["forget_gate.ipynb", "forget_gate.tex", "notes.txt", "student.deriv"]);
    assert!(grades[2].manual_review() && grades[2].score == Points::ZERO, "{:?}", grades[2].review);
    assert_eq!(grades[3].score, grades[3].max_score, "the reference itself, as a .deriv submission");
    assert_eq!(verdicts(&grades[1]), [vec![Verdict::Proved; 3], vec![Verdict::Wrong]]);
    let one = |files: &[&str]| {
        let sub = dir.join("one");
        let _ = std::fs::remove_dir_all(&sub);
        std::fs::create_dir_all(&sub).expect("a directory");
        for f in files {
            std::fs::copy(dir.join(f), sub.join(f)).expect("copied");
        }
        grade_one(&[sub], &r, &GradeOptions::default(), &reference_path)
    };
    let g = one(&["forget_gate.tex", "notes.txt"]);
    assert!(g.gradable() && file_name(&g.path) == "forget_gate.tex");
    let g = one(&["forget_gate.tex", "forget_gate.ipynb"]);
    assert!(!g.gradable() && g.errors[0].message.contains("submit exactly one"), "{:?}", g.errors);
    let _ = std::fs::remove_dir_all(&dir);
}

fn file_name(path: &str) -> String {
    Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The binary: `gradproof grade ANSWER.tex --reference REF.deriv` prints the answer's lines.
#[test]
fn the_command_line_grades_an_answer() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradproof"))
        .args(["grade", "tests/latex/answers/forget_gate.tex", "--reference", FORGET_GATE, "--format", "json"])
        .current_dir(root())
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let sub = &doc["submissions"][0];
    assert_eq!(sub["path"], "tests/latex/answers/forget_gate.tex");
    let lines: Vec<&serde_json::Value> =
        sub["derivations"].as_array().expect("derivations").iter().map(|d| &d["line"]).collect();
    assert_eq!(lines, [7, 15]);
}

/// A reference written inline.
fn inline_reference(source: &str) -> Reference {
    Reference::new("ref.deriv", source, &CheckOptions::default()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The scores of a submission's derivations, as text.
fn scores(g: &SubmissionGrade) -> Vec<String> {
    g.derivations.iter().map(|d| d.score.to_string()).collect()
}

/// The TA's numeric sheet (5 December, evening). Truth by exact fractions: 0.008/0.19 =
/// 0.0421052…, which `0.04211` rounds; 0.9·0.02 + 0.1·(−0.1) = 0.008.
const MOMENTS: &str = "tolerance 0.05%\nlet beta1 = 0.9, m1 = 0.02, g2 = -0.1\n\
                       let m2 = beta1 * m1 + (1 - beta1) * g2\nlet mhat2 = 0.008 / (1 - 0.9^2)\n\
                       latex mhat2 \"\\hat{m}_2\"\n\
                       derive \"first moment\" worth 1 m2\n  = 0.9 * 0.02 + 0.1 * (-0.1)\n  = 0.008\n\
                       derive \"bias-corrected\" worth 1 mhat2\n  = 0.008 / (1 - 0.9^2)\n  = 0.008 / 0.19\n  ≈ 0.04211\n";

/// A rounded value written with `=` (as students write it) is graded as the `≈` it means, by the
/// reference's tolerance, with a note; `check` calls it wrong with that cause. A number asked
/// for and left as arithmetic (`0.9 * 0.02 + 0.1 * (-0.1)`, or the sheet's formula) does not
/// take the final share.
#[test]
fn a_rounded_value_written_with_equals_and_arithmetic_left_undone() {
    let r = inline_reference(MOMENTS);
    let options = GradeOptions::default();
    let rounded = "$$ m_2 = 0.9 \\cdot 0.02 + 0.1 \\cdot (-0.1) = 0.008 $$\n\
                   $$ \\hat{m}_2 = \\frac{0.008}{1 - 0.9^2} = \\frac{0.008}{0.19} = 0.04211 $$\n";
    let g = grade_answer(&r, "rounded.md", rounded, AnswerKind::Markdown, &options);
    assert_eq!(scores(&g), ["1", "1"], "{:?}", g.derivations[1].feedback);
    assert!(g.derivations[1]
        .feedback
        .iter()
        .any(|f| f.contains("written with `=`, it differs from the step before only within the rounding")));
    let report = gradproof::check_answer(
        "rounded.md",
        rounded.as_bytes(),
        AnswerKind::Markdown,
        "ref.deriv",
        MOMENTS.as_bytes(),
        &CheckOptions::default(),
    );
    let last = report.derivations[1].steps.last().expect("a step");
    assert_eq!(last.verdict, Verdict::Wrong);
    assert_eq!(last.cause, Some(gradproof::check::Cause::Rounded));
    // A value rounded too far is wrong, without that cause.
    let far = "$$ \\hat{m}_2 = \\frac{0.008}{0.19} = 0.0422 $$\n";
    let g = grade_answer(&r, "far.md", far, AnswerKind::Markdown, &options);
    assert_ne!(g.derivations[1].score.to_string(), "1");
    assert!(g.derivations[1].steps.iter().all(|s| s.result.cause != Some(gradproof::check::Cause::Rounded)));
    // The arithmetic left undone, and the sheet's formula restated: right, and not worked out.
    for (name, step) in [("numbers", "0.9 * 0.02 + 0.1 * (-0.1)"), ("formula", "beta1 * m1 + (1 - beta1) * g2")] {
        let text = format!("derive \"first moment\" m2\n  = {step}\n");
        let g = gradproof::grade::grade_submission(&r, "s.deriv", &text, &options);
        let d = &g.derivations[0];
        assert!(d.steps[0].result.holds && !d.final_correct, "{name}");
        let last = d.feedback.last().map(String::as_str).unwrap_or_default();
        assert!(last.contains(&format!("not worked out: `{step}` is left")), "{name}: {last}");
    }
    // Arithmetic on rounded numbers written with `=` is graded as `≈` under a `tolerance` line
    // only (0.25 − 0.01 · 0.04211 = 0.2495789, within 0.05% of 0.25 − 0.01 · 0.008/0.19 =
    // 0.24957894…; the rounding rule would widen each literal by its last digit).
    let update = "let mhat = 0.008 / 0.19\nlet theta = 0.25 - 0.01 * mhat\n\
                  derive \"update\" worth 1 theta\n  = 0.25 - 0.01 * mhat\n  ≈ 0.25 - 0.01 * 0.04211\n  ≈ 0.2496\n";
    let answer = "derive \"update\" theta\n  = 0.25 - 0.01 * mhat\n  = 0.25 - 0.01 * 0.04211\n  = 0.2496\n";
    for (tolerance, full) in [("tolerance 0.05%\n", true), ("", false)] {
        let r = inline_reference(&format!("{tolerance}{update}"));
        let g = gradproof::grade::grade_submission(&r, "s.deriv", answer, &options);
        let d = &g.derivations[0];
        assert_eq!(d.score.to_string() == "1", full, "{tolerance:?}: {:?}", d.feedback);
        // The step's value is told apart from the answer's where six digits do not; the answer's
        // is not shown without `--hints` (it is the part's answer: a TA).
        assert!(full || d.feedback[1].contains("this step is 0.2495789, not the value asked for"), "{:?}", d.feedback);
        let hints = GradeOptions { hints: true, ..options.clone() };
        let d = &gradproof::grade::grade_submission(&r, "s.deriv", answer, &hints).derivations[0];
        // (To the fewest digits from six that tell the two apart: 15 until 6 December at 20 h.)
        assert!(
            full || d.feedback[1].contains("the step before is 0.24957895, this step is 0.2495789"),
            "{:?}",
            d.feedback
        );
    }
    // A part whose LaTeX could not be read is not said to be missing as if it were not written.
    let unread = "$$ \\hat{m}_2 = \\frac{0.008}{0.19} \\approx 0.04211 $$\n\n$$ m_2 = \\foo{0.9} $$\n";
    let g = grade_answer(&inline_reference(MOMENTS), "unread.md", unread, AnswerKind::Markdown, &options);
    assert_eq!(
        g.derivations[0].feedback,
        ["missing: no derivation named \"first moment\" or with the head `m2` was read; the answer has parts that \
          could not be (line 3), which may hold it"]
    );
    // A tolerance of the submission's own is named as written (it was "`tolerance 1`").
    let text = "tolerance 5%\nderive \"first moment\" m2\n  = 0.008\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", text, &options);
    let changes: Vec<&str> = g.model_changes.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(changes.first(), Some(&"changed tolerance: `tolerance 5%`"), "{changes:?}");
    // Worked out as a fraction or in scientific notation, it is a number.
    for answer in ["1/125", "8 * 10^(-3)", "0.008"] {
        let text = format!("derive \"first moment\" m2\n  = 0.9 * 0.02 + 0.1 * (-0.1)\n  = {answer}\n");
        let g = gradproof::grade::grade_submission(&r, "s.deriv", &text, &options);
        assert!(g.derivations[0].final_correct, "{answer}: {:?}", g.derivations[0].feedback);
    }
}

/// Seed 004's layout, a row that writes the left side again: its step is a claim about that
/// left side, compared with it (the retest of 5 December: a wrong answer restated under it was
/// shown `proved` from the row above, and a right one after a wrong row `wrong`). Truth by hand:
/// ∂L/∂w = 2(z − y)x for L = (z − y)², z = wx + b; 2(z − y) and 2(wx + b − y) lack the x.
#[test]
fn a_row_with_the_left_side_again_is_compared_with_it() {
    let r = inline_reference(
        "var x, y, w, b\nlet z = w*x + b\nlet L = (z - y)^2\n\
         derive \"dw\" worth 4 diff(L, w)\n  = 2*(z - y) * diff(z, w)\n  = 2*(z - y) * x\n",
    );
    let options = GradeOptions::default();
    let wrong_again = "\\begin{align*}\n\\frac{\\partial L}{\\partial w} &= 2 (z - y) \\frac{\\partial z}{\\partial w} = 2 (z - y) \\\\\n\
                       \\frac{\\partial L}{\\partial w} &= 2 (w x + b - y)\n\\end{align*}\n";
    let g = grade_answer(&r, "again.tex", wrong_again, AnswerKind::Tex, &options);
    assert_eq!(verdicts(&g), [[Verdict::Proved, Verdict::Wrong, Verdict::Wrong]]);
    let third = &g.derivations[0].feedback[2];
    assert!(third.contains("does not follow from the head") && third.contains("the head is"), "{third}");
    let corrected = "\\begin{align*}\n\\frac{\\partial L}{\\partial w} &= 2 (z - y) \\\\\n\
                     \\frac{\\partial L}{\\partial w} &= 2 (z - y) x\n\\end{align*}\n";
    let g = grade_answer(&r, "corrected.tex", corrected, AnswerKind::Tex, &options);
    assert_eq!(verdicts(&g), [[Verdict::Wrong, Verdict::Proved]]);
    assert!(g.derivations[0].final_correct);
}

/// Batch norm's backward pass as the papers write it (a TA's sheet): part (b)'s answer in terms
/// of part (a)'s `∂L/∂x̂_j` is worked out (it lost the final share, "not worked out"); and the
/// reference's own step with its sum's index named `i` instead of `j` reaches that step (it was
/// told it "skips" the step it is, 0 of 2 where the same with `j` had 1.2; written with the parts
/// before, that step is now a worked-out answer: 2 of 2 either way).
#[test]
fn an_earlier_parts_result_and_a_renamed_sum_index_count_as_worked() {
    let model = "grading final 40%, steps 60%\nindex i in 1..m, j in 1..m\nvar x[i], gamma, beta\nvar epsilon > 0\n\
                 let mu = sum(j, x[j]) / m\nlet s2 = sum(j, (x[j] - mu)^2) / m\n\
                 let xhat[i] = (x[i] - mu) / sqrt(s2 + epsilon)\nlet y[i] = gamma * xhat[i] + beta\n\
                 unknown L depends on y[i]\n";
    let reference = format!(
        "{model}derive \"dL/dxhat\" worth 1 diff(L, xhat[i])\n  = diff(L, y[i]) * diff(y[i], xhat[i])\n  = gamma * diff(L, y[i])\n\
         derive \"dL/dvar\" worth 2 diff(L, s2)\n  = sum(j, diff(L, xhat[j]) * diff(xhat[j], s2))\n\
         \x20 = -gamma / (2 * (s2 + epsilon)^(3/2)) * sum(j, diff(L, y[j]) * (x[j] - mu))\n\
         derive \"dL/dmu\" worth 2 diff(L, mu)\n\
         \x20 = sum(j, diff(L, xhat[j]) * (-1) / sqrt(s2 + epsilon)) + diff(L, s2) * sum(j, -2 * (x[j] - mu)) / m\n\
         \x20 = -gamma / sqrt(s2 + epsilon) * sum(j, diff(L, y[j]))\n"
    );
    let r = inline_reference(&reference);
    let options = GradeOptions::default();
    let paper = "derive \"dL/dvar\" diff(L, s2)\n  = sum(j, diff(L, xhat[j]) * diff(xhat[j], s2))\n\
                 \x20 = sum(j, diff(L, xhat[j]) * (x[j] - mu)) * (-1/2) * (s2 + epsilon)^(-3/2)\n";
    let g = gradproof::grade::grade_submission(&r, "paper.deriv", paper, &options);
    let d = g.derivations.iter().find(|d| d.name == "dL/dvar").expect("graded");
    assert!(d.final_correct, "{:?}", d.feedback);
    // A part's answer may not leave a later part's derivative: `dL/dvar` before `dL/dmu`.
    let later =
        "derive \"dL/dxhat\" diff(L, xhat[i])\n  = diff(L, y[i]) * diff(y[i], xhat[i])\n  = gamma * diff(L, y[i])\n";
    let g = gradproof::grade::grade_submission(&r, "later.deriv", later, &options);
    assert!(g.derivations[0].final_correct, "{:?}", g.derivations[0].feedback);
    for bound in ["i", "j"] {
        let step = format!(
            "derive \"dL/dmu\" diff(L, mu)\n  = sum({bound}, diff(L, xhat[{bound}]) * (-1) / sqrt(s2 + epsilon)) + diff(L, s2) * sum({bound}, -2 * (x[{bound}] - mu)) / m\n"
        );
        let g = gradproof::grade::grade_submission(&r, "renamed.deriv", &step, &options);
        let d = g.derivations.iter().find(|d| d.name == "dL/dmu").expect("graded");
        // (Its derivatives left are the heads of the parts before: full marks, whatever the
        // sum's index is called.)
        assert_eq!(d.score.to_string(), "2", "{bound}: {:?}", d.feedback);
        // Alone on its sheet, the step reaches the reference's step and stops before the answer:
        // half the steps' share.
        let alone =
            inline_reference(&format!("{model}{}", &reference[reference.find("derive \"dL/dmu\"").expect("part")..]));
        let g = gradproof::grade::grade_submission(&alone, "renamed.deriv", &step, &options);
        assert_eq!(scores(&g), ["0.6"], "{bound}: {:?}", g.derivations[0].feedback);
    }
}

/// `\frac{1}{2} \cdot 2\mu` before `\mu` carries out the power rule (a TA's VAE sheet: 4 of 16
/// students were told they skipped the reference's `\frac{1}{2}\frac{\partial \mu^2}{\partial
/// \mu}`, 0.8 of 2, while restating that step without doing it had 2). Numbers multiplied that the
/// answer folds are work; a product by 1 is not (`0.496 * 1` before `0.496` stays a leap).
#[test]
fn numbers_multiplied_out_are_a_step_a_product_by_one_is_not() {
    let r = inline_reference(
        "grading final 40%, steps 60%\nvar mu, v\nlet KL = 1/2 * (exp(v) + mu^2 - 1 - v)\n\
         derive \"gradient in mu\" worth 2 diff(KL, mu)\n  = 1/2 * diff(mu^2, mu)\n  = mu\n",
    );
    let options = GradeOptions::default();
    let worked = "\\begin{align*}\n\\frac{\\partial \\mathrm{KL}}{\\partial \\mu} &= \\frac{1}{2}\\cdot 2\\mu \\\\\n&= \\mu\n\\end{align*}\n";
    let g = grade_answer(&r, "worked.tex", worked, AnswerKind::Tex, &options);
    assert_eq!(scores(&g), ["2"], "{:?}", g.derivations[0].feedback);
    for leap in [
        "derive \"gradient in mu\" diff(KL, mu)\n  = mu\n",
        "derive \"gradient in mu\" diff(KL, mu)\n  = 1 * mu\n  = mu\n",
        // Numbers made up to cancel are no computation (a reviewer's); only those the sheet
        // writes count (`1/2` and the square's `2`).
        "derive \"gradient in mu\" diff(KL, mu)\n  = 3 * mu / 3\n  = mu\n",
    ] {
        let g = gradproof::grade::grade_submission(&r, "leap.deriv", leap, &options);
        assert_eq!(scores(&g), ["0.8"], "{leap}: {:?}", g.derivations[0].feedback);
    }
}

/// A TA's Newton step (6 December, night). Truth by exact fractions: with w = 0, p = σ(0) = 1/2,
/// the gradient (1/2 − 1)·1 + (1/2 − 0)·2 = 1/2 and the Hessian (1/2)(1/2)(1 + 4) = 5/4, so the
/// step is 0 − (1/2)/(5/4) = −2/5.
const NEWTON: &str = "grading final 40%, steps 60%\nlet wn = 0\n\
                      let NLL = -(log(sigmoid(wn * 1)) + log(1 - sigmoid(wn * 2)))\n\
                      derive \"newton step\" worth 3 wn - diff(NLL, wn) / diff(diff(NLL, wn), wn)\n  \
                      = 0 - ((0.5 - 1) * 1 + (0.5 - 0) * 2) / (0.5 * (1 - 0.5) * (1^2 + 2^2))\n  \
                      = 0 - 0.5 / 1.25\n  = -0.4\n";

/// A term 0 is no term, also in the rule that lets numbers alone of two terms or more reach a
/// milestone: `0 - 4 / 10` is the answer made up as a quotient, as `-4 / 10` is (it took 3 of a
/// fair 1.2, unflagged). And a negative fraction is a number worked out (`-2/5` lost the final
/// share: "not worked out").
#[test]
fn a_zero_term_is_no_work_and_a_negative_fraction_is_worked_out() {
    let r = inline_reference(NEWTON);
    let options = GradeOptions::default();
    let head = "derive \"newton step\" wn - diff(NLL, wn) / diff(diff(NLL, wn), wn)\n";
    let grade = |steps: &str| gradproof::grade::grade_submission(&r, "s.deriv", &format!("{head}{steps}"), &options);
    for steps in ["  = 0 - 4 / 10\n  = -0.4\n", "  = -4 / 10\n  = -0.4\n"] {
        assert_eq!(scores(&grade(steps)), ["1.2"], "{steps}");
    }
    // The gradient and the Hessian worked out (the reference's own next step) are work, with the
    // term 0 or without it (`0 - 0.5 / 1.25` took 3 and `-0.5 / 1.25` 1.2, a reviewer: the answer
    // alone counted as multiplying one number, which it does not write on the sheet).
    for steps in ["  = 0 - 0.5 / 1.25\n  = -0.4\n", "  = -0.5 / 1.25\n  = -0.4\n"] {
        assert_eq!(scores(&grade(steps)), ["3"], "{steps}");
    }
    let full = "  = 0 - ((0.5 - 1) * 1 + (0.5 - 0) * 2) / (0.5 * (1 - 0.5) * (1^2 + 2^2))\n  = 0 - 0.5 / 1.25\n";
    for answer in ["-2/5", "(-2)/5", "-0.4"] {
        let g = grade(&format!("{full}  = {answer}\n"));
        assert_eq!(scores(&g), ["3"], "{answer}: {:?}", g.derivations[0].feedback);
        assert!(g.derivations[0].final_correct, "{answer}");
    }
}

/// A rounded value written with `=` after a `≈` step is graded as the `≈` it means, as after a
/// `=` step (it lost 0.6 of 3 and was flagged as "a correction"; a TA). Truth by exact fractions:
/// 0.9 − 0.1 · 1.8947 / 1.9026 = 0.80041…, which `0.8004` rounds.
#[test]
fn a_rounded_value_written_with_equals_after_a_rounded_step() {
    let adam = "grading final 40%, steps 60%\nlet w0 = 1, lr = 0.1, b1 = 0.9, b2 = 0.999\nlet g1 = 2 * w0\n\
                let m1 = (1 - b1) * g1\nlet v1 = (1 - b2) * g1^2\n\
                let w1 = w0 - lr * (m1 / (1 - b1)) / sqrt(v1 / (1 - b2))\nlet g2 = 2 * w1\n\
                let m2 = b1 * m1 + (1 - b1) * g2\nlet v2 = b2 * v1 + (1 - b2) * g2^2\n\
                let w2 = w1 - lr * (m2 / (1 - b1^2)) / sqrt(v2 / (1 - b2^2))\n\
                derive \"adam two steps\" worth 3 w2\n  = 0.9 - 0.1 * (0.36 / 0.19) / sqrt(0.007236 / 0.001999)\n  \
                ≈ 0.9 - 0.1 * 1.8947 / 1.9026\n  ≈ 0.8004\n";
    let r = inline_reference(adam);
    let text = "derive \"adam two steps\" w2\n  = 0.9 - 0.1 * (0.36 / 0.19) / sqrt(0.007236 / 0.001999)\n  \
                ≈ 0.9 - 0.1 * 1.8947 / 1.9026\n  = 0.8004\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", text, &GradeOptions::default());
    assert_eq!(scores(&g), ["3"], "{:?}", g.derivations[0].feedback);
    assert!(!g.manual_review(), "{:?}", g.derivations[0].review);
}

/// The TA's AdamW and KL sheet (7 December). Truth by exact arithmetic: m̂ = 0.5, v̂ = 0.25, so
/// 1.0 - 0.01·(0.5/√0.25 + 0.1·1.0) = 0.989; ∂KL/∂μ₁ = (μ₁ - μ₂)/e^{λ₂}.
const ADAMW_KL: &str = "grading final 40%, steps 60%\n\
    let theta0 = 1.0, g1 = 0.5, beta1 = 0.9, beta2 = 0.999, lr = 0.01, wd = 0.1\n\
    let m1 = (1 - beta1) * g1, v1 = (1 - beta2) * g1^2\n\
    let mh = m1 / (1 - beta1), vh = v1 / (1 - beta2)\n\
    var mu1, mu2, lv2\nlatex lv2 \"\\lambda_2\"\nlet KL = 1/2 * ((mu1 - mu2)^2 / exp(lv2))\n\
    derive \"AdamW step\" worth 3 theta0 - lr * (mh / sqrt(vh) + wd * theta0)\n\
    \x20 = 1.0 - 0.01 * (0.5 / sqrt(0.25) + 0.1 * 1.0)\n  = 1.0 - 0.01 * 1.1\n  = 0.989\n\
    derive \"KL mean\" worth 2 diff(KL, mu1)\n  = 1/2 * diff((mu1 - mu2)^2, mu1) / exp(lv2)\n  = (mu1 - mu2) / exp(lv2)\n";

/// A part written in inline math is not read; the part found missing says where it may be, and
/// the submission goes to a person (a TA: a whole chain in `$…$` beside display math scored 0,
/// unflagged). A part answered twice is named by its name in the reason, not by its head.
#[test]
fn a_part_in_inline_math_is_flagged_and_a_part_answered_twice_is_named() {
    let r = inline_reference(ADAMW_KL);
    let options = GradeOptions::default();
    let answer =
        "The update:\n\n$$ \\theta_0 - \\mathit{lr} (\\mathit{mh} / \\sqrt{\\mathit{vh}} + \\mathit{wd}\\, \\theta_0) \
                  = 1.0 - 0.01 \\cdot 1.1 = 0.989 $$\n\nThe KL part: $\\frac{\\partial KL}{\\partial \\mu_1} = \
                  \\frac{\\mu_1 - \\mu_2}{e^{\\lambda_2}}$.\n";
    let g = grade_answer(&r, "inline.md", answer, AnswerKind::Markdown, &options);
    let kl = &g.derivations[1];
    // `\(…\)` is inline math too; `$…$` inside display math or verbatim text is not.
    let paren = answer.replace("$\\frac", "\\(\\frac").replace("}}$.", "}}\\).");
    let g2 = grade_answer(&r, "paren.md", &paren, AnswerKind::Markdown, &options);
    assert!(g2.derivations[1].feedback.iter().any(|f| f.contains("inline math")), "{:?}", g2.derivations[1].feedback);
    let hidden = "\\begin{align*} \\theta_0 - \\mathit{lr} (\\mathit{mh} / \\sqrt{\\mathit{vh}} + \\mathit{wd}\\, \\theta_0)                   &= 0.989 \\quad \\text{since $\\hat m = 0.5$} \\end{align*}\n\\begin{verbatim}$a = b$\\end{verbatim}\n";
    let g3 = grade_answer(&r, "hidden.tex", hidden, AnswerKind::Tex, &options);
    assert!(!g3.derivations[1].feedback.iter().any(|f| f.contains("inline math")), "{:?}", g3.derivations[1].feedback);
    assert_eq!(kl.score, Points::ZERO);
    assert!(kl.feedback.iter().any(|f| f.contains("inline math (`$…$`) at line 5 is not read")), "{:?}", kl.feedback);
    assert!(g.manual_review(), "{:?}", g.review);
    let twice = "$$ \\frac{\\partial KL}{\\partial \\mu_1} = \\frac{\\mu_1 - \\mu_2}{e^{\\lambda_2}} $$\n\n\
                 $$ \\frac{\\partial KL}{\\partial \\mu_1} = \\frac{\\mu_1 - \\mu_2}{e^{\\lambda_2}} $$\n";
    let g = grade_answer(&r, "twice.md", twice, AnswerKind::Markdown, &options);
    let notes = g.replaced_notes();
    assert!(notes.iter().any(|n| n.contains("answers \"KL mean\" too")), "{notes:?}");
}

/// Arithmetic on rounded numbers written with `=` under the rounding rule is graded as written,
/// and its feedback says that it holds as `≈` (a TA: "wrong" beside two numbers equal to six
/// digits said nothing). Truth: 0.05/√0.00025 + 0.1 = 3.2622777, which 3.2623 rounds; 1.0 -
/// 0.01·3.2622777 = 0.96737722, and 1.0 - 0.01·3.2623 = 0.967377 differs by 2.2·10⁻⁷, within
/// 0.01 times the half unit of 3.2623.
#[test]
fn arithmetic_on_rounded_numbers_with_equals_is_told_it_holds_as_approx() {
    let r = inline_reference(ADAMW_KL);
    let answer = "derive \"AdamW step\" theta0 - lr * (mh / sqrt(vh) + wd * theta0)\n\
                  \x20 = 1.0 - 0.01 * (0.05 / sqrt(0.00025) + 0.1 * 1.0)\n  = 1.0 - 0.01 * 3.2623\n  = 0.96738\n";
    let g = gradproof::grade::grade_submission(&r, "eq.deriv", answer, &GradeOptions::default());
    let adam = &g.derivations[0];
    let line = adam.feedback.iter().find(|f| f.starts_with("line 3:")).expect("line 3's feedback");
    assert!(line.contains("wrong") && line.contains("it holds as `≈`"), "{:?}", adam.feedback);
}

/// The sheet's own numbers are exact where a step writes them: a step that adds Adam's ε =
/// 0.00000001 (the sheet has none) to the sheet's exact numbers is not told that it "holds as `≈`,
/// within the rounding of the numbers it writes" (it held by the rounding of the sheet's `0.04`; a
/// TA). Truth: 0.5 − 0.1·0.04/(√0.02 + 10⁻⁸) differs from 0.5 − 0.1·0.04/√0.02 by 2.0·10⁻⁹, and no
/// number of the step is rounded.
#[test]
fn the_sheets_numbers_are_not_roundings() {
    let r = inline_reference(
        "let t = 0.5 - 0.1 * 0.04 / sqrt(0.02)\nderive \"t\" t\n  = 0.5 - 0.1 * 0.04 / sqrt(0.02)\n  ≈ 0.4717\n",
    );
    let sub = "derive \"t\" t\n  = 0.5 - 0.1 * 0.04 / (sqrt(0.02) + 0.00000001)\n  ≈ 0.4717\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", sub, &GradeOptions::default());
    let feedback = g.derivations[0].feedback.join("\n");
    assert!(feedback.contains("line 2: wrong") && !feedback.contains("holds as `≈`"), "{feedback}");
}

/// A last line that cannot be read costs what a wrong last line costs, as docs/grading.md says
/// (a TA: a typo in the answer scored 0.3 of 2, a wrong answer 0.6). Truth: the first step is
/// the reference's; `(mu2 - mu1)/exp(lv2)` has the wrong sign; `lvv2` is no name.
#[test]
fn a_last_line_not_read_costs_what_a_wrong_last_line_costs() {
    let r = inline_reference(ADAMW_KL);
    let chain = |last: &str| {
        format!("derive \"KL mean\" diff(KL, mu1)\n  = 1/2 * diff((mu1 - mu2)^2, mu1) / exp(lv2)\n  = {last}\n")
    };
    let options = GradeOptions::default();
    let score =
        |last: &str| gradproof::grade::grade_submission(&r, "s.deriv", &chain(last), &options).derivations[1].score;
    let wrong = score("(mu2 - mu1) / exp(lv2)");
    assert!(wrong > Points::ZERO);
    assert_eq!(score("(mu1 - mu2) / exp(lvv2)"), wrong);
    assert_eq!(score("(mu1 - mu2) / exp(lv2))"), wrong);
}

/// Numbers put in along another arrangement of the formula (a TA's sheet, 7 December). DDPM's mean
/// with 1 − β worked out in the head, `sqrt(0.9 * 0.8) * 2`, is one computed term of the value of
/// the reference's `sqrt((1 - 0.1) * (1 - 0.2)) * 2` (1.05 of 1.5 before); Q-learning's textbook
/// `(1 - α) Q + α target` puts in every number the reference's first step does, and `0.1 + 0.565`
/// after it works out each of its terms (1.4 of 2 before: "skips the TD error"). Truth by exact
/// fractions: 0.9 · 0.8 = 0.72; 0.5 · 0.2 + 0.5 · (0.5 + 0.9 · 0.7) = 0.1 + 0.565 = 0.665 = 0.2 +
/// 0.5 · 0.93. The answer alone still skips the work, and a made-up sum of numbers is still the
/// answer in pieces.
#[test]
fn numbers_put_in_along_another_arrangement_reach_the_milestones() {
    let options = GradeOptions::default();
    let ddpm = inline_reference(
        "grading final 40%, steps 60%\nlet x0 = 2, be1 = 0.1, be2 = 0.2\nlet mt = sqrt((1 - be1) * (1 - be2)) * x0\n\
         derive \"mean\" worth 1.5 mt\n  = sqrt((1 - 0.1) * (1 - 0.2)) * 2\n  = sqrt(0.72) * 2\n  ≈ 1.697\n",
    );
    let head = "derive \"mean\" mt\n";
    let grade = |r: &Reference, steps: &str| {
        gradproof::grade::grade_submission(r, "s.deriv", &format!("{head}{steps}"), &options)
    };
    let g = grade(&ddpm, "  = sqrt(0.9 * 0.8) * 2\n  = sqrt(0.72) * 2\n  ≈ 1.697\n");
    assert_eq!(scores(&g), ["1.5"], "{:?}", g.derivations[0].feedback);
    assert_eq!(scores(&grade(&ddpm, "  ≈ 1.697\n")), ["0.6"]);
    let q = inline_reference(
        "grading final 40%, steps 60%\nlet qsa = 0.2, rq = 0.5, gq = 0.9, q1 = 0.4, q2 = 0.7, aq = 0.5\n\
         let qnew = qsa + aq * (rq + gq * max(q1, q2) - qsa)\n\
         derive \"Q\" worth 2 qnew\n  = 0.2 + 0.5 * (0.5 + 0.9 * 0.7 - 0.2)\n  = 0.2 + 0.5 * 0.93\n  = 0.665\n",
    );
    let qgrade = |steps: &str| {
        gradproof::grade::grade_submission(&q, "s.deriv", &format!("derive \"Q\" qnew\n{steps}"), &options)
    };
    let g = qgrade("  = 0.5 * 0.2 + 0.5 * (0.5 + 0.9 * 0.7)\n  = 0.1 + 0.565\n  = 0.665\n");
    assert_eq!(scores(&g), ["2"], "{:?}", g.derivations[0].feedback);
    assert_eq!(scores(&qgrade("  = 0.6 + 0.065\n  = 0.665\n")), ["0.8"]);
}

/// A milestone of numbers with a function of the table in it (`min`) is a term of its value: the
/// global norm worked out inside the root, `12 * 5 / sqrt(9 + 16 + 144)`, reaches clipping's
/// `12 * min(1, 5 / sqrt(3^2 + 4^2 + 12^2))` (a TA, 7 December: 1.5 of 2 for 4 students, told it
/// skipped the global norm). Truth by exact arithmetic: 9 + 16 + 144 = 169 = 13², 5/13 < 1, so both
/// are 60/13. The answer alone still skips the work, and a wrong norm is still wrong.
#[test]
fn a_milestone_with_min_is_reached_by_its_value_worked_out() {
    let r = inline_reference(
        "let ga1 = 3, ga2 = 4, gb = 12, mxn = 5\nlet gbc = gb * min(1, mxn / sqrt(ga1^2 + ga2^2 + gb^2))\n\
         derive \"clipping\" worth 2 gbc\n  = 12 * min(1, 5 / sqrt(3^2 + 4^2 + 12^2))   # global norm\n\
         \x20 = 12 * 5 / 13\n  ≈ 4.615\n",
    );
    let options = GradeOptions::default();
    let grade = |steps: &str| {
        gradproof::grade::grade_submission(&r, "s.deriv", &format!("derive \"clipping\" gbc\n{steps}"), &options)
    };
    let g = grade("  = 12 * 5 / sqrt(9 + 16 + 144)\n  = 60 / 13\n  ≈ 4.615\n");
    assert_eq!(scores(&g), ["2"], "{:?}", g.derivations[0].feedback);
    assert!(!g.derivations[0].feedback.join("\n").contains("skips"), "{:?}", g.derivations[0].feedback);
    let alone = grade("  ≈ 4.615\n");
    assert_eq!(scores(&alone), ["1"], "{:?}", alone.derivations[0].feedback);
    let l1 = grade("  = 12 * 5 / (3 + 4 + 12)\n  ≈ 3.158\n");
    assert!(
        l1.derivations[0].feedback.iter().any(|f| f.starts_with("line 2: wrong")),
        "{:?}",
        l1.derivations[0].feedback
    );
}

/// A step of numbers that is a milestone with its piecewise functions resolved reaches it:
/// soft-thresholding's `0.6 - 0.4` is the reference's `sign(0.6) * max(0.6 - 0.4, 0)` on its
/// positive branch (a TA: 1.4 of a fair 2 for 5 students, told it skipped that step). Truth by
/// exact arithmetic: 1 − 0.2·2·(2·1 − 1) = 0.6 > 0.4 = 0.2·2, so both are 0.2. The answer alone
/// still skips the work; a repair that writes the head in is not shown.
#[test]
fn a_milestone_with_its_pieces_resolved_is_reached() {
    let r = inline_reference(
        "grading final 40%, steps 60%\nlet ix = 1, ia = 2, ib = 1, it = 0.2, ilam = 2\n\
         let iz = ix - it * ia * (ia * ix - ib)\nlet inew = sign(iz) * max(abs(iz) - it * ilam, 0)\n\
         derive \"ISTA\" worth 2 inew\n  = sign(1 - 0.2 * 2 * (2 * 1 - 1)) * max(abs(1 - 0.2 * 2 * (2 * 1 - 1)) - 0.2 * 2, 0)\n\
         \x20 = sign(0.6) * max(0.6 - 0.4, 0)\n  = 0.2\n",
    );
    let options = GradeOptions::default();
    let grade = |steps: &str| {
        gradproof::grade::grade_submission(&r, "s.deriv", &format!("derive \"ISTA\" inew\n{steps}"), &options)
    };
    let g = grade("  = 1 - 0.2 * 2 * (2 - 1) - 0.2 * 2\n  = 0.6 - 0.4\n  = 0.2\n");
    assert_eq!(scores(&g), ["2"], "{:?}", g.derivations[0].feedback);
    assert_eq!(scores(&grade("  = 0.2\n")), ["0.8"]);
    let slip = grade("  = sign(1 - 0.2 * (2 * 1 - 1)) * max(abs(1 - 0.2 * (2 * 1 - 1)) - 0.2 * 2, 0)\n  = 0.4\n");
    let feedback = slip.derivations[0].feedback.join("\n");
    assert!(feedback.contains("line 2: wrong") && !feedback.contains("`inew` is needed"), "{feedback}");
    // (A product of numbers made up, neither the sheet's nor values of the reference's parts,
    // reaches nothing by value: a reviewer.)
    assert_eq!(scores(&grade("  = 2 * 0.1\n  = 0.2\n")), ["0.8"]);
}

/// "It holds as `≈`" is said of a wrong step of arithmetic only where its value is near the one it
/// should have (a TA: a bias correction by `1 - 0.9` for `1 - 0.9^2`, 90% off, was told so, the
/// `0.1` it wrote for `1 - 0.9` widened by ±0.05, and writing `≈` made it `checked`). Truth by
/// exact fractions: (0.9 · (0.9 · 0 + 0.1 · 1) + 0.1 · 2.9) / (1 − 0.9) = 3.8; the value is 2.
#[test]
fn a_slip_far_off_is_not_told_it_holds_as_rounded() {
    let r = inline_reference(
        "grading final 40%, steps 60%\nlet bt = 0.9, m0 = 0, g1 = 1, g2 = 2.9\n\
         let m2 = bt * (bt * m0 + (1 - bt) * g1) + (1 - bt) * g2\nlet mh = m2 / (1 - bt^2)\n\
         derive \"ema\" worth 2 mh\n  = (0.9 * (0.9 * 0 + 0.1 * 1) + 0.1 * 2.9) / (1 - 0.9^2)\n  = 0.38 / 0.19\n  = 2\n",
    );
    let sub = "derive \"ema\" mh\n  = (0.9 * (0.9 * 0 + 0.1 * 1) + 0.1 * 2.9) / (1 - 0.9)\n  = 3.8\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", sub, &GradeOptions::default());
    let feedback = g.derivations[0].feedback.join("\n");
    assert!(feedback.contains("line 2: wrong") && !feedback.contains("holds as `≈`"), "{feedback}");
}

/// A step carried from a wrong first step, in a part whose steps' share is 0 (no step of the
/// reference reached), is not told "credit kept" beside a part worth 0 (a TA). Truth by exact
/// fractions: 1 − (1 − 0.2) = 0.2, not 1 − 0.9 · 0.8 = 0.28.
#[test]
fn a_carried_step_worth_nothing_is_not_told_its_credit_is_kept() {
    let r = inline_reference(
        "grading final 40%, steps 60%\nlet be1 = 0.1, be2 = 0.2\nlet vt = 1 - (1 - be1) * (1 - be2)\n\
         derive \"variance\" worth 1 vt\n  = 1 - (1 - 0.1) * (1 - 0.2)\n  = 0.28\n",
    );
    let sub = "derive \"variance\" vt\n  = 1 - (1 - 0.2)\n  = 0.2\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", sub, &GradeOptions::default());
    assert_eq!(scores(&g), ["0"]);
    let feedback = g.derivations[0].feedback.join("\n");
    assert!(!feedback.contains("credit kept") && feedback.contains("the steps' share is 0"), "{feedback}");
}

/// A rounded answer written with `=` after a step whose arithmetic on rounded numbers is wrong
/// under the rounding rule keeps the final share, as it does straight after a right step (a TA:
/// `= 0.5 + 0.8165` then `= 1.3165` lost it). Truth: 1/2 + 2/√6 = 1.3164966.
#[test]
fn a_rounded_answer_after_a_wrong_rounded_step_keeps_the_final_share() {
    let r = inline_reference(
        "let xa = 1, xb = 2, da = 2, db = 3\nvar th\nlet o1 = th * (xa / da + xb / sqrt(da * db))\n\
         derive \"GCN\" worth 2 diff(o1, th)\n  = xa / da + xb / sqrt(da * db)\n  = 1 / 2 + 2 / sqrt(2 * 3)\n  ≈ 1.316\n",
    );
    let sub = "derive \"GCN\" diff(o1, th)\n  = 1 / 2 + 2 / sqrt(6)\n  = 0.5 + 0.8165\n  = 1.3165\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", sub, &GradeOptions::default());
    let feedback = g.derivations[0].feedback.join("\n");
    assert!(
        feedback.contains("final answer: correct")
            && feedback.contains("differs from the head only within its rounding"),
        "{feedback}"
    );
    assert_eq!(scores(&g), ["1.67"]);
}

/// A final answer written with `=` after a `≈` step is as precise as the reference's or loses the
/// final share, as a `≈` answer does (a student: `≈ 0.8262` then `= 1` was "final answer:
/// correct").
#[test]
fn an_answer_with_equals_after_an_approximation_must_be_precise() {
    let r = inline_reference(
        "let s1 = 0.5, s2 = 1, dl = 0.5\nderive \"weights\" worth 4 (1 - exp(-s1*dl)) + exp(-s1*dl) * (1 - exp(-s2*dl))\n  \
         = 1 - exp(-(s1 + s2) * dl)\n  ≈ 0.5276\n",
    );
    let sub = "derive \"weights\" (1 - exp(-s1*dl)) + exp(-s1*dl) * (1 - exp(-s2*dl))\n  = 1 - exp(-(s1 + s2) * dl)\n  ≈ 0.5276\n  = 1\n";
    let g = gradproof::grade::grade_submission(&r, "s.deriv", sub, &GradeOptions::default());
    let feedback = g.derivations[0].feedback.join("\n");
    assert!(feedback.contains("written less precisely"), "{feedback}");
}
