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
use gradproof::grade::{grade_answer, GradeOptions, MatchedBy, Reference, StepStatus, SubmissionGrade};
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
    std::fs::write(dir.join("notes.txt"), "not a submission").expect("written");
    let reference_path = root().join(FORGET_GATE);
    std::fs::copy(&reference_path, dir.join("student.deriv")).expect("copied");
    let r = Arc::new(reference(FORGET_GATE));
    let grades = grade_paths(&[dir.clone()], &r, &GradeOptions::default(), Some(&reference_path));
    let names: Vec<String> = grades.iter().map(|g| file_name(&g.path)).collect();
    assert_eq!(names, ["forget_gate.ipynb", "forget_gate.tex", "student.deriv"]);
    assert_eq!(grades[2].score, grades[2].max_score, "the reference itself, as a .deriv submission");
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
