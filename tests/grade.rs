//! `gradproof grade`: a reference sheet (tests/grade/reference.deriv, 4 derivations worth 4, 3, 2
//! and 1 points, `grading final 40%, steps 60%`) and submissions with the typical mistakes. Scores
//! are asserted as exact numbers; the outputs are snapshotted.

use crate::grade_common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use grade_common::{assert_valid, root, run};
use gradproof::check::CheckOptions;
use gradproof::commands::grade::{grade_paths, load_reference};
use gradproof::diagnostic::line_col;
use gradproof::grade::{grade_submission, GradeOptions, MatchedBy, Reference, StepStatus, SubmissionGrade};
use gradproof::syntax::parse_file;

fn reference() -> Reference {
    load_reference(&root().join("tests/grade/reference.deriv"), &CheckOptions::default())
        .unwrap_or_else(|r| panic!("the reference has errors: {:?}", r.errors))
}

fn grade_with(name: &str, options: &GradeOptions) -> SubmissionGrade {
    let path = root().join("tests/grade/submissions").join(name);
    let source = std::fs::read_to_string(&path).expect("readable submission");
    grade_submission(&reference(), name, &source, options)
}

fn grade(name: &str) -> SubmissionGrade {
    grade_with(name, &GradeOptions::default())
}

/// The score of the first part of a submission `source` graded against `r`.
fn first_part_score(r: &Reference, source: &str) -> String {
    grade_submission(r, "a.deriv", source, &GradeOptions::default()).derivations[0].score.to_string()
}

fn scores(g: &SubmissionGrade) -> Vec<String> {
    g.derivations.iter().map(|d| d.score.to_string()).collect()
}

fn line(g: &SubmissionGrade, offset: usize) -> usize {
    line_col(&g.source, offset).0
}

#[test]
fn the_reference_has_its_points_and_shares() {
    let r = reference();
    let names: Vec<&str> = r.derivations.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["forget gate", "squared error", "product", "logistic"]);
    let worth: Vec<String> = r.derivations.iter().map(|d| d.max_score.to_string()).collect();
    assert_eq!(worth, ["4", "3", "2", "1"], "a derivation without `worth` is worth 1");
    assert_eq!(r.max_score().to_string(), "10");
    assert_eq!(r.shares.final_answer.to_string(), "2/5");
    assert_eq!(r.shares.steps.to_string(), "3/5");
}

#[test]
fn without_feedback_the_grades_are_the_same() {
    // `--format csv` shows scores and flags only, so the repairs and missing terms are not searched.
    let files = ["mistakes.deriv", "sign_error.deriv", "changed_model.deriv", "renamed.deriv", "answers_only.deriv"];
    let mut searched = 0;
    for name in files {
        let full = grade_with(name, &GradeOptions { hints: true, ..GradeOptions::default() });
        let bare = grade_with(name, &GradeOptions { hints: true, feedback: false, ..GradeOptions::default() });
        assert_eq!(bare.score, full.score, "{name}");
        assert_eq!(bare.review, full.review, "{name}");
        for (b, f) in bare.derivations.iter().zip(&full.derivations) {
            assert_eq!((b.score, b.final_correct, b.milestones), (f.score, f.final_correct, f.milestones), "{name}");
            let (bs, fs): (Vec<_>, Vec<_>) = (
                b.steps.iter().map(|s| (s.status, s.credit, s.result.verdict, &s.carried_from)).collect(),
                f.steps.iter().map(|s| (s.status, s.credit, s.result.verdict, &s.carried_from)).collect(),
            );
            assert_eq!(bs, fs, "{name}");
            // (Searched without feedback only where a first step is wrong with no cause: its
            // repair decides a flag.)
            let first_unexplained = b
                .steps
                .first()
                .is_some_and(|s| s.result.verdict == gradproof::check::Verdict::Wrong && s.result.cause.is_none());
            for (sb, sf) in b.steps.iter().zip(&f.steps) {
                assert!((first_unexplained || sb.result.repair.is_none()) && sb.hint.is_none(), "{name}: {sb:?}");
                searched += usize::from(sf.result.repair.is_some() || sf.hint.is_some());
            }
        }
    }
    assert!(searched > 0, "the files with feedback have repairs or hints to leave out");
}

#[test]
fn a_fully_correct_submission_gets_full_marks() {
    let g = grade("correct.deriv");
    assert_eq!(g.score.to_string(), "10");
    assert_eq!(scores(&g), ["4", "3", "2", "1"]);
    assert!(g.errors.is_empty() && g.model_changes.is_empty() && !g.manual_review(), "{g:?}");
    assert!(g.derivations.iter().all(|d| d.final_correct && d.matched.is_some_and(|(_, by)| by == MatchedBy::Name)));
    assert!(g.derivations.iter().flat_map(|d| &d.steps).all(|s| s.status == StepStatus::Correct));
}

#[test]
fn a_sign_error_carried_forward_loses_only_that_step_and_the_final_answer() {
    let g = grade("sign_error.deriv");
    // "squared error" (3 points): 3 steps share 60%, 0.6 each; the final answer's 40% is lost.
    assert_eq!(scores(&g), ["4", "1.2", "2", "1"]);
    assert_eq!(g.score.to_string(), "8.2");
    let d = &g.derivations[1];
    let statuses: Vec<StepStatus> = d.steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StepStatus::Correct, StepStatus::Wrong, StepStatus::CarriedForward]);
    let credits: Vec<String> = d.steps.iter().map(|s| s.credit.to_string()).collect();
    assert_eq!(credits, ["0.6", "0", "0.6"]);
    // The cause, then the verified repair that localises it: the step wrote `-2*(…)` for `2*(…)`.
    assert_eq!(
        d.steps[1].diagnosis.as_deref(),
        Some("sign error; replacing `-2` by `2` makes this step follow from the step before")
    );
    assert!(d.steps[1].result.counterexample.is_some());
    assert!(!d.final_correct);
    assert!(d.feedback.iter().any(|f| f.contains("carries an earlier mistake (credit kept)")), "{:?}", d.feedback);
}

#[test]
fn the_typical_mistakes_are_diagnosed() {
    let g = grade("mistakes.deriv");
    // "squared error" (3 points): a right step, a repeat and a wrong one; the repeat earns nothing
    // and is not among the steps the 60% is shared by (0.9 each, not 0.6).
    assert_eq!(scores(&g), ["1.2", "0.9", "0.6", "0.3"]);
    assert_eq!(g.score.to_string(), "3");
    let diagnosis = |d: usize, s: usize| g.derivations[d].steps[s].diagnosis.clone().unwrap_or_default();
    assert!(diagnosis(0, 1).starts_with("forgotten sum over `c`"), "{}", diagnosis(0, 1));
    assert_eq!(g.derivations[1].steps[1].status, StepStatus::Repeat);
    assert_eq!(g.derivations[1].steps[1].credit.to_string(), "0");
    // The cause, then the verified repair that puts the constant back.
    assert_eq!(
        diagnosis(1, 2),
        "off by a factor of 1/2; a constant factor `2` is missing: putting it back makes this step follow from the step before"
    );
    assert_eq!(diagnosis(2, 1), "missing term `x^2*exp(x)`");
    assert_eq!(diagnosis(3, 1), "extra term `x`");
    assert!(g.derivations.iter().all(|d| !d.final_correct));
    assert!(g.derivations.iter().flat_map(|d| &d.steps).all(|s| s.hint.is_none()), "hints only with --hints");
}

#[test]
fn hints_quote_the_reference_step_exactly_as_written() {
    // Issue 15: a step starting with a parenthesis lost it (`2*x + x^2)*exp(x)`).
    let r = Reference::new(
        "ref.deriv",
        "var x\nderive \"p\" diff(x^2 * exp(x), x)\n  = (2*x + x^2)*exp(x)   # product rule\n  = ((x))*exp(x)*(2 + x)\n",
        &CheckOptions::default(),
    )
    .expect("a valid reference");
    assert_eq!(r.derivations[0].step_texts, ["(2*x + x^2)*exp(x)", "((x))*exp(x)*(2 + x)"]);
    let options = GradeOptions { hints: true, ..GradeOptions::default() };
    let g = grade_submission(&r, "s.deriv", "var x\nderive \"p\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x)\n", &options);
    assert_eq!(g.derivations[0].steps[0].hint.as_deref(), Some("the reference continues with `(2*x + x^2)*exp(x)`"));
    let g = grade_submission(
        &r,
        "s.deriv",
        "var x\nderive \"p\" diff(x^2 * exp(x), x)\n  = (2*x + x^2)*exp(x)\n  = x*exp(x)\n",
        &options,
    );
    assert_eq!(g.derivations[0].steps[1].hint.as_deref(), Some("the reference continues with `((x))*exp(x)*(2 + x)`"));
}

#[test]
fn hints_show_the_references_next_step() {
    let g = grade_with("mistakes.deriv", &GradeOptions { hints: true, ..GradeOptions::default() });
    let hint = |d: usize, s: usize| g.derivations[d].steps[s].hint.clone().unwrap_or_default();
    assert_eq!(hint(2, 1), "the reference continues with `x*exp(x)*(2 + x)`");
    assert_eq!(hint(0, 1), "the reference continues with `sum(c, zeta[c,t] * s[c,t-1] * f_phi'(net_phi[t]))`");
    assert_eq!(hint(1, 2), "the reference continues with `2*(w*x + b - y) * x`");
    assert!(g.derivations[2].steps[0].hint.is_none(), "no hint under a correct step");
}

#[test]
fn a_syntax_error_costs_its_derivation_with_its_diagnostics_and_is_flagged() {
    let g = grade("syntax_error.deriv");
    assert_eq!(g.score.to_string(), "0");
    assert_eq!(g.max_score.to_string(), "10");
    assert_eq!(g.errors.len(), 1);
    assert_eq!(g.errors[0].message, "missing operator between two operands");
    assert_eq!(line(&g, g.errors[0].span.start), 6);
    let squared = &g.derivations[1];
    assert_eq!(
        squared.feedback[0],
        "not graded: the derivation at line 5 has errors: missing operator between two operands (line 6)"
    );
    assert_eq!(
        g.review,
        [
            "1 error: missing operator between two operands (line 6)",
            "\"squared error\": the derivation at line 5 has errors and is not graded"
        ]
    );
    assert!(!g.gradable(), "its errors kept its only derivation from being graded");
}

#[test]
fn a_typo_in_one_derivation_does_not_zero_the_others() {
    // Issue 15: correct work with `2(…)` in one derivation scored 0 for the whole file.
    let g = grade_text(
        "derive \"squared error\" worth 3 diff((w*x + b - y)^2, w)\n  = 2(w*x + b - y) * x\n\
         derive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = x*exp(x)*(2 + x)\n\
         derive \"logistic\" diff(1/(1 + exp(-x)), x)\n  = exp(-x) / (1 + exp(-x))^2\n  = sigmoid(x) * (1 - sigmoid(x))\n",
        &GradeOptions::default(),
    );
    assert_eq!(scores(&g), ["0", "0", "2", "1"]);
    assert_eq!(g.errors.len(), 1);
    assert_eq!(g.errors[0].message, "missing operator between two operands");
    assert!(g.manual_review());
    assert!(
        g.review.iter().any(|r| r.contains("\"squared error\": the derivation at line 9 has errors")),
        "{:?}",
        g.review
    );
    // A typo on a declaration line costs that declaration: the reference's is used.
    let g = grade_submission(
        &reference(),
        "decl.deriv",
        "var x,, w\nderive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = x*exp(x)*(2 + x)\n",
        &GradeOptions::default(),
    );
    assert_eq!(scores(&g), ["0", "0", "2", "0"]);
    assert_eq!(line(&g, g.errors[0].span.start), 1);
    assert!(g.review[0].starts_with("1 error: ") && g.review[0].ends_with("(line 1)"), "{:?}", g.review);
}

#[test]
fn an_unmatched_derivation_a_changed_head_and_a_costly_model_change_are_flagged_with_the_reason() {
    let g = grade_text("derive \"mine\" diff(x^3, x)\n  = 3*x^2\n", &GradeOptions::default());
    assert_eq!(g.review, ["the derivation at line 9 matches none of the reference's and is not graded"]);
    let g = grade_text("derive \"product\" diff(x^3, x)\n  = 3*x^2\n", &GradeOptions::default());
    assert_eq!(g.review, ["\"product\": its head (line 9) is not the reference's `diff(x^2 * exp(x), x)`"]);
    assert!(g.derivations[2].manual_review());
    // The model change of changed_model.deriv cost nothing: not flagged.
    assert!(!grade("changed_model.deriv").manual_review());
    // One that comes with points lost in a derivation the submission has is.
    let changed = MODEL.replace("var x, w, b, y", "var x > 0, w, b, y");
    let product = |last: &str| {
        let text =
            format!("{changed}derive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = {last}\n");
        grade_submission(&reference(), "changed.deriv", &text, &GradeOptions::default())
    };
    // (Points lost only on the derivations it does not have: its declarations cannot explain them.)
    let g = product("x*exp(x)*(2 + x)");
    assert_eq!(scores(&g), ["0", "0", "2", "0"]);
    assert!(g.review.is_empty(), "{:?}", g.review);
    let g = product("x*exp(x)*(3 + x)");
    assert_eq!(scores(&g), ["0", "0", "0.6", "0"]);
    assert_eq!(g.review.len(), 1, "{:?}", g.review);
    assert!(
        g.review[0].starts_with("the model differs from the reference's (changed declaration of `x` (line 2)"),
        "{:?}",
        g.review
    );
    // Names of its own with lost points: perhaps the reference's intermediates renamed.
    let own = "let z2 = x^2\nderive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + z2*exp(x)\n";
    let g = grade_text(own, &GradeOptions::default());
    assert_eq!(scores(&g), ["0", "0", "2", "0"]);
    assert!(g.review.is_empty(), "full marks on the one derivation it has: {:?}", g.review);
    let g = grade_text(&format!("{own}  = x*exp(x)*(3 + x)\n"), &GradeOptions::default());
    assert_eq!(scores(&g), ["0", "0", "0.6", "0"]);
    assert_eq!(
        g.review,
        ["the submission declares names of its own (added definition of `z2`, which the reference does not have \
          (line 9)) and points were lost: see whether they stand for the reference's under other names"]
    );
    // Correct work, fully graded, is not flagged.
    assert!(grade("correct.deriv").review.is_empty());
    assert!(grade("mistakes.deriv").review.is_empty(), "wrong steps, all decided, need no person");
}

#[test]
fn a_changed_definition_is_named_and_the_references_is_used() {
    let g = grade("changed_model.deriv");
    assert_eq!(g.score.to_string(), "10", "steps right in the reference's model get full marks");
    assert_eq!(g.model_changes.len(), 1, "{:?}", g.model_changes);
    let change = &g.model_changes[0];
    assert_eq!(change.message, "changed definition of `s[c,t]`");
    assert_eq!(line(&g, change.span.start), 12);
    assert_eq!(
        change.hints,
        ["graded with the reference's `let s[c,t] = y_phi[t] * s[c,t-1] + y_in[t] * g(net[c,t])`"]
    );
}

#[test]
fn renamed_and_reordered_derivations_match_by_head() {
    let g = grade("renamed.deriv");
    assert_eq!(g.score.to_string(), "10");
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    let lines: Vec<usize> =
        g.derivations.iter().map(|d| d.matched.map_or(0, |(span, _)| line(&g, span.start))).collect();
    assert_eq!(lines, [27, 23, 19, 15]);
    assert!(g.derivations.iter().all(|d| d.matched.is_some_and(|(_, by)| by == MatchedBy::Head)));
    // The index it added on the reference's `index` line is kept, and reported.
    assert_eq!(g.model_changes.len(), 1);
    assert_eq!(g.model_changes[0].message, "added declaration of `k`, which the reference does not have");
    assert!(g.review.is_empty(), "an added name with full marks needs no person: {:?}", g.review);
}

#[test]
fn answers_without_the_work_earn_the_final_share_only() {
    // Issue 15: a file with only the final answers scored 10 / 10, though the sheet asks for the
    // work. Each answer is right (the final share, 40%), and each leaps over the reference's
    // intermediate work, which the feedback names.
    let g = grade("answers_only.deriv");
    assert_eq!(scores(&g), ["1.6", "1.2", "0.8", "0.4"]);
    assert!(g.derivations.iter().all(|d| d.final_correct && d.milestones.0 == 0 && d.milestones.1 == 1));
    let skips: Vec<&str> = g.derivations.iter().map(|d| d.steps[0].skips[0].as_str()).collect();
    // Without `--hints`, the reference's steps are not quoted (a TA: the feedback gave the
    // solution away to a student who could still hand in late).
    assert_eq!(
        skips,
        [
            "the chain rule through `s[c,t]`",
            "a step of the reference (chain rule)",
            "a step of the reference (product rule)",
            "a step of the reference",
        ]
    );
    assert!(g.derivations[2].feedback[0].contains("; it skips a step of the reference (product rule)"));
    let hinted = grade_with("answers_only.deriv", &GradeOptions { hints: true, ..GradeOptions::default() });
    let skips: Vec<&str> = hinted.derivations.iter().map(|d| d.steps[0].skips[0].as_str()).collect();
    assert_eq!(
        skips,
        [
            "the chain rule through `s[c,t]`, as in the reference's step \
             `sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])`",
            "the reference's step `2*(w*x + b - y) * diff(w*x + b - y, w)` (chain rule)",
            "the reference's step `2*x*exp(x) + x^2*exp(x)` (product rule)",
            "the reference's step `exp(-x) / (1 + exp(-x))^2`",
        ]
    );
    assert!(!g.manual_review(), "answers that are right and decided need no person: {:?}", g.review);
    // Work along another route keeps full marks (renamed.deriv: `diff(w*x, w)` for the
    // reference's `diff(w*x + b - y, w)`); so does the work split into smaller steps.
    let g = grade_text(
        "derive \"product\" diff(x^2 * exp(x), x)\n  = diff(x^2, x)*exp(x) + x^2*diff(exp(x), x)\n  \
         = 2*x*exp(x) + x^2*exp(x)\n  = x*exp(x)*(2 + x)\n",
        &GradeOptions::default(),
    );
    assert_eq!(g.derivations[2].score.to_string(), "2");
    // Stopping after the chain rule shows the reference's one milestone and not the answer worked
    // out after it: half the steps' share, and not the final answer's (a TA's three sheets of 5
    // December, late night: the whole steps' share for half the work, more than a student who
    // went on to a slip in the last step).
    let g = grade_text(
        "derive \"forget gate\" ∂E/∂net_phi[t]\n  = sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])\n",
        &GradeOptions::default(),
    );
    assert_eq!(g.derivations[0].milestones, (1, 2));
    assert_eq!(g.derivations[0].score.to_string(), "1.2");
    let slip = grade_text(
        "derive \"forget gate\" ∂E/∂net_phi[t]\n  = sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])\n  \
         = f_phi'(net_phi[t]) * sum(c, ∂E/∂s[c,t] * s[c,t])\n",
        &GradeOptions::default(),
    );
    assert_eq!((slip.derivations[0].milestones, slip.derivations[0].score.to_string().as_str()), ((1, 1), "1.2"));
    // A reference with no milestone (one step to the answer): a chain that stops before the answer
    // has done one stage of two, not none (a reviewer: the whole steps' share was lost).
    let one_step = Reference::new(
        "one.deriv",
        "grading final 40%, steps 60%\nvar w, x, y\nderive \"square\" worth 2 diff((w*x - y)^2, w)\n  = 2*(w*x - y)*x\n",
        &CheckOptions::default(),
    )
    .expect("a reference");
    let g = grade_submission(
        &one_step,
        "stops.deriv",
        "var w, x, y\nderive diff((w*x - y)^2, w)\n  = 2*(w*x - y)*diff(w*x - y, w)\n",
        &GradeOptions::default(),
    );
    assert_eq!((g.derivations[0].milestones, g.derivations[0].score.to_string().as_str()), ((1, 2), "0.6"));
    // `milestones 0%` in the reference shares the steps' points among the steps alone.
    let text = std::fs::read_to_string(root().join("tests/grade/reference.deriv")).expect("reference");
    let lenient = text.replace("grading final 40%, steps 60%", "grading final 40%, steps 60%, milestones 0%");
    let r = Reference::new("lenient.deriv", &lenient, &CheckOptions::default()).expect("a reference");
    let source = std::fs::read_to_string(root().join("tests/grade/submissions/answers_only.deriv")).expect("answers");
    let g = grade_submission(&r, "answers_only.deriv", &source, &GradeOptions::default());
    assert_eq!(g.score.to_string(), "10");
}

#[test]
fn a_missing_derivation_scores_0_and_is_listed() {
    let g = grade("missing.deriv");
    assert_eq!(scores(&g), ["4", "3", "2", "0"]);
    assert_eq!(g.score.to_string(), "9");
    assert_eq!(g.missing().collect::<Vec<_>>(), ["logistic"]);
}

const MODEL: &str = "index c in 1..D
var x, w, b, y
var net_phi[t], y_in[t], s[c,t-1], net[c,t]
unknown f_phi(u), g(u)
unknown E depends on s[c,t]
let y_phi[t] = f_phi(net_phi[t])
let s[c,t] = y_phi[t] * s[c,t-1] + y_in[t] * g(net[c,t])
let zeta[c,t] = ∂E/∂s[c,t]
";

fn grade_text(body: &str, options: &GradeOptions) -> SubmissionGrade {
    grade_submission(&reference(), "inline.deriv", &format!("{MODEL}{body}"), options)
}

#[test]
fn a_final_answer_with_a_derivative_the_reference_resolves_is_not_closed_form() {
    let g = grade_text(
        "derive \"forget gate\" ∂E/∂net_phi[t]\n  = sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])\n",
        &GradeOptions::default(),
    );
    let d = &g.derivations[0];
    assert!(d.steps[0].result.holds && !d.final_correct);
    assert_eq!(d.score.to_string(), "1.2", "half the steps' 60% of 4 points (it stops halfway), no final share");
    let last = d.feedback.last().map(String::as_str).unwrap_or_default();
    assert!(last.contains("`diff(s[c,t], net_phi[t])` is left"), "{last}");
    // ∂E/∂s is left by the reference too (through zeta): that final answer is closed form.
    let g = grade_text(
        "derive \"forget gate\" ∂E/∂net_phi[t]\n  = sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])\n  \
         = f_phi'(net_phi[t]) * sum(k in 1..D, ∂E/∂s[k,t] * s[k,t-1])\n",
        &GradeOptions::default(),
    );
    assert!(g.derivations[0].final_correct, "{:?}", g.derivations[0].feedback);
    assert_eq!(g.derivations[0].score.to_string(), "4");
}

#[test]
fn a_submission_past_its_time_limit_scores_0_for_manual_review() {
    let g = grade_with("correct.deriv", &GradeOptions { time_limit: Duration::ZERO, ..GradeOptions::default() });
    assert_eq!(g.score.to_string(), "0");
    assert!(g.manual_review());
    assert_eq!(g.review[0], "not graded: the time limit was exceeded");
    assert!(g.errors[0].message.starts_with("time limit of 0 s exceeded"), "{:?}", g.errors);
}

#[test]
fn a_derivation_with_a_name_error_scores_0_and_the_others_count() {
    let g = grade_text(
        "derive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(xx)\nderive \"logistic\" diff(1/(1 + exp(-x)), x)\n  \
         = exp(-x) / (1 + exp(-x))^2\n  = sigmoid(x) * (1 - sigmoid(x))\n",
        &GradeOptions::default(),
    );
    assert_eq!(scores(&g), ["0", "0", "0", "1"]);
    assert_eq!(g.errors[0].message, "unknown name `xx`");
    assert!(g.derivations[2].feedback[0].contains("has errors: unknown name `xx`"), "{:?}", g.derivations[2].feedback);
}

#[test]
fn the_batch_grades_every_file_in_order_and_skips_the_reference() {
    let options = GradeOptions::default();
    let reference_path = root().join("tests/grade/reference.deriv");
    let grades =
        grade_paths(&[root().join("tests/grade")], &Arc::new(reference()), &options, Some(reference_path.as_path()));
    let names: Vec<&str> = grades.iter().map(|g| g.path.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(
        names,
        [
            "answers_only.deriv",
            "changed_model.deriv",
            "correct.deriv",
            "missing.deriv",
            "mistakes.deriv",
            "renamed.deriv",
            "sign_error.deriv",
            "syntax_error.deriv"
        ]
    );
    let totals: Vec<String> = grades.iter().map(|g| g.score.to_string()).collect();
    assert_eq!(totals, ["4", "10", "10", "9", "3", "10", "8.2", "0"]);
}

#[test]
fn the_template_has_the_model_and_the_heads_but_no_steps() {
    let template = reference().template();
    let (file, errors) = parse_file(&template);
    assert!(errors.iter().all(|e| e.message == "derivation has no steps"), "{errors:?}");
    assert_eq!(errors.len(), 4, "one per derivation head");
    assert!(file.items.iter().all(|i| !matches!(i, gradproof::syntax::ast::Item::Derivation(_))));
    assert!(template.contains("let s[c,t] = y_phi[t] * s[c,t-1] + y_in[t] * g(net[c,t])"));
    assert!(template.contains("derive \"squared error\" worth 3 diff((w*x + b - y)^2, w)"));
    assert!(!template.lines().any(|l| l.trim_start().starts_with('=')), "{template}");
    assert!(!template.contains("chain rule"), "no notes of the solution");
}

fn reference_error(text: &str) -> Vec<String> {
    match Reference::new("ref.deriv", text, &CheckOptions::default()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.message).collect(),
    }
}

/// A reference whose head is identically 0 by its declarations would make every step that is 0
/// right: it is graded as usual, with the warning kept for the grader (printed by `grade`).
#[test]
fn a_reference_with_a_head_that_is_zero_by_its_declarations_carries_the_warning() {
    let text = "var E, y\nderive \"loss\" diff(E, y)\n  = 0\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].message.contains("`E` is a `var`"), "{:?}", r.warnings);
    let r = Reference::new("ref.deriv", "var x\nderive diff(x^2, x)\n  = 2*x\n", &CheckOptions::default());
    assert!(r.expect("a valid reference").warnings.is_empty());
    // A sheet that declares `d` is told that `\frac{dL}{dx}` will be refused in LaTeX answers (a
    // TA's attention sheet: a fully right answer in `d` notation scored 0), where it declares it.
    let text = "index i in 1..N, d in 1..D\nvar q[d]\nderive \"q\" diff(sum(d, q[d]^2), q[d])\n  = 2*q[d]\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].message.starts_with("the sheet declares `d`"), "{:?}", r.warnings);
    assert_eq!(line_col(text, r.warnings[0].span.start).0, 1);
    // Likewise `e`, which makes `e^{s_j}` ambiguous (a TA's attention sheet of 6 December: a right
    // answer scored 0, and `d` was warned of but not `e`); not where the sheet spells it otherwise.
    let text =
        "index j in 1..T\nindex e in 1..D\nvar s[j], v[e]\nderive \"s\" diff(sum(j, exp(s[j])), s[j])\n  = exp(s[j])\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].message.starts_with("the sheet declares `e`"), "{:?}", r.warnings);
    assert_eq!(line_col(text, r.warnings[0].span.start).0, 2);
    let text = "index j in 1..T\nvar s[j], e\nlatex e \"\\epsilon\"\nderive \"s\" diff(sum(j, exp(s[j])), s[j])\n  = exp(s[j])\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn the_grading_directive_sets_the_shares() {
    let r = Reference::new("ref.deriv", "grading final 30%\nvar x\nderive x + x\n  = 2*x\n", &CheckOptions::default());
    let r = r.expect("a valid reference");
    assert_eq!((r.shares.final_answer.to_string(), r.shares.steps.to_string()), ("3/10".into(), "7/10".into()));
    let r = Reference::new("ref.deriv", "grading steps 0.25\nvar x\nderive x + x\n  = 2*x\n", &CheckOptions::default());
    assert_eq!(r.expect("a valid reference").shares.final_answer.to_string(), "3/4");
    let r = Reference::new("ref.deriv", "var x\nderive x + x\n  = 2*x\n", &CheckOptions::default());
    assert_eq!(r.expect("a valid reference").shares.steps.to_string(), "1/2", "the default is half and half");
    assert_eq!(
        reference_error("grading final 50%, steps 60%\nvar x\nderive x\n  = x\n"),
        ["the shares of `grading` do not add up to 100%"]
    );
    assert_eq!(reference_error("grading answer 50%\nvar x\nderive x\n  = x\n"), ["unknown share `answer`"]);
    assert_eq!(
        reference_error("grading final 150%\nvar x\nderive x\n  = x\n"),
        ["a share is a number from 0 to 1, or a percentage"]
    );
}

#[test]
fn a_reference_with_a_wrong_step_or_duplicate_names_is_refused() {
    assert_eq!(reference_error("var x\nderive diff(x^3, x)\n  = 3*x\n"), ["this step of the reference is wrong"]);
    assert_eq!(
        reference_error("var x\nderive \"a\" x\n  = x\nderive \"a\" 2*x\n  = x + x\n"),
        ["two derivations of the reference have this name"]
    );
}

// ------------------------------------------------------------------------------------ the binary

const REFERENCE: &str = "tests/grade/reference.deriv";

#[test]
fn human_report_of_the_batch() {
    let (code, stdout, stderr) = run(&["grade", "tests/grade/submissions", "--reference", REFERENCE]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    insta::assert_snapshot!(stdout);
}

#[test]
fn csv_has_one_row_per_submission() {
    let (code, stdout, _) = run(&["grade", "tests/grade/submissions", "--reference", REFERENCE, "--format", "csv"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_has_scores_derivations_and_steps_with_credit() {
    let (code, stdout, _) = run(&[
        "grade",
        "tests/grade/submissions/sign_error.deriv",
        "tests/grade/submissions/syntax_error.deriv",
        "--reference",
        REFERENCE,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_valid("grade.schema.json", &stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let first = &doc["submissions"][0];
    assert_eq!(first["path"], "tests/grade/submissions/sign_error.deriv");
    assert_eq!(first["score"], 8.2);
    assert_eq!(first["max_score"], 10.0);
    let squared = &first["derivations"][1];
    assert_eq!(squared["name"], "squared error");
    assert_eq!(squared["score"], 1.2);
    assert_eq!(squared["final_correct"], false);
    assert_eq!(squared["steps"][1]["verdict"], "wrong");
    assert_eq!(squared["steps"][1]["cause"], "sign error");
    assert_eq!(squared["steps"][1]["credit"], 0.0);
    assert_eq!(squared["steps"][2]["holds"], false);
    assert_eq!(squared["steps"][2]["credit"], 0.6);
    assert!(squared["feedback"].as_array().is_some_and(|f| !f.is_empty()));
    let second = &doc["submissions"][1];
    assert_eq!(second["score"], 0.0);
    assert_eq!(second["errors"][0]["line"], 6);
    insta::assert_snapshot!(stdout);
}

#[test]
fn gradescope_writes_one_results_json_per_submission() {
    let out: PathBuf = std::env::temp_dir().join(format!("gradproof-gradescope-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let out_arg = out.to_string_lossy().into_owned();
    let (code, _, stderr) = run(&[
        "grade",
        "tests/grade/submissions",
        "--reference",
        REFERENCE,
        "--format",
        "gradescope",
        "--out",
        &out_arg,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .expect("the output directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["answers_only", "changed_model", "correct", "missing", "mistakes", "renamed", "sign_error", "syntax_error"]
    );
    for name in &written {
        let text = std::fs::read_to_string(out.join(name).join("results.json")).expect("results.json");
        assert_valid("gradescope.schema.json", &text);
    }
    let text = std::fs::read_to_string(out.join("sign_error/results.json")).expect("results.json");
    assert_valid("gradescope.schema.json", &text);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["score"], 8.2);
    let tests = doc["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 4);
    assert_eq!(tests[1]["name"], "squared error");
    assert_eq!(tests[1]["score"], 1.2);
    assert_eq!(tests[1]["max_score"], 3.0);
    assert!(tests[1]["output"].as_str().is_some_and(|o| o.contains("sign error")));
    assert_eq!(doc["visibility"], "visible");
    insta::assert_snapshot!(text);
    let _ = std::fs::remove_dir_all(&out);
}

/// A student's folder in a batch is one submission: `alice/answer.deriv` with `alice/README.md`
/// is graded by its `.deriv` file, the README read as notes (flagged where it holds derivations; a
/// TA: the README was a student of its own, graded 0 and counted in the mean). Only a README is
/// notes, and only in a folder below the one walked: a folder of students' answers (`bob.md`
/// beside `alice.deriv`) is each a submission (a reviewer: bob's answer became alice's notes).
#[test]
fn a_students_folder_is_one_submission() {
    let dir: PathBuf = std::env::temp_dir().join(format!("gradproof-folders-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let subs = dir.join("subs");
    for folder in ["alice", "carol"] {
        std::fs::create_dir_all(subs.join(folder)).expect("a folder");
        std::fs::copy("tests/grade/submissions/correct.deriv", subs.join(folder).join("answer.deriv")).expect("a copy");
    }
    std::fs::copy("tests/grade/submissions/sign_error.deriv", subs.join("bob.deriv")).expect("a copy");
    std::fs::write(subs.join("alice/README.md"), "# Notes\n\nI used the chain rule.\n").expect("notes");
    std::fs::write(subs.join("carol/README.md"), "My answer:\n\n$$\nq = r + s\n$$\n").expect("notes");
    // A folder of answers: each file a student's.
    std::fs::create_dir_all(subs.join("section")).expect("a folder");
    std::fs::copy("tests/grade/submissions/correct.deriv", subs.join("section/dan.deriv")).expect("a copy");
    std::fs::write(subs.join("section/erin.md"), "My answer:\n\n$$\nq = r + s\n$$\n").expect("an answer");
    // Prose beside an answer is notes (a TA: `notes.md` was a student of its own, graded 0, and
    // its Gradescope folder named `notes`); under another name than a note's, the answer is
    // flagged. An answer split over files of different parts: each graded, both flagged (a TA:
    // two rows of half marks, neither flagged).
    let correct = std::fs::read_to_string("tests/grade/submissions/correct.deriv").expect("the submission");
    for (folder, notes) in [("gus", "notes.md"), ("hal", "thoughts.md")] {
        std::fs::create_dir_all(subs.join(folder)).expect("a folder");
        std::fs::write(subs.join(folder).join("answer.deriv"), &correct).expect("an answer");
        std::fs::write(subs.join(folder).join(notes), "I used the chain rule twice.\n").expect("notes");
    }
    let (declarations, parts) = correct.split_once("derive \"squared error\"").expect("the second part");
    std::fs::create_dir_all(subs.join("ivy")).expect("a folder");
    std::fs::write(subs.join("ivy/part1.deriv"), declarations).expect("part 1");
    std::fs::write(
        subs.join("ivy/part2.deriv"),
        format!("{}derive \"squared error\"{parts}", declarations.split("derive").next().unwrap_or("")),
    )
    .expect("part 2");
    std::fs::write(subs.join("ivy/README.md"), "# Ivy's answer, in two files\n").expect("a readme");
    let subs_arg = subs.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run(&["grade", &subs_arg, "--reference", REFERENCE, "--format", "csv"]);
    assert_eq!(code, 0, "{stderr}");
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 10, "{stdout}"); // (ivy's README beside two answers is a row of its own, flagged.)
    let row = |name: &str| *rows.iter().find(|r| r.contains(name)).unwrap_or_else(|| panic!("{name}: {stdout}"));
    assert!(!stdout.contains("notes.md,") && !stdout.contains("thoughts.md,"), "{stdout}");
    assert!(row("gus/answer.deriv").contains(",10,10,") && row("gus/answer.deriv").contains(",false,"), "{stdout}");
    assert!(row("hal/answer.deriv").contains("thoughts.md was taken for notes"), "{stdout}");
    for part in ["ivy/part1.deriv", "ivy/part2.deriv"] {
        assert!(row(part).contains("answer different parts each"), "{stdout}");
        assert!(row(part).contains("add their scores for the student"), "{stdout}");
    }
    // A folder of answers of the same parts (a section's) is not one answer split.
    assert!(!row("section/dan.deriv").contains("different parts"), "{stdout}");
    assert!(!stdout.contains("alice/README.md,") && !stdout.contains("carol/README.md,"), "{stdout}");
    assert!(rows.iter().any(|r| r.contains("section/erin.md,")), "{stdout}");
    let carol = rows.iter().find(|r| r.contains("carol/answer.deriv")).expect("carol's row");
    assert!(carol.contains("README.md was not graded (carol/answer.deriv was)"), "{carol}");
    let alice = rows.iter().find(|r| r.contains("alice/answer.deriv")).expect("alice's row");
    assert!(alice.contains(",10,10,"), "{alice}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn template_prints_the_students_sheet() {
    let (code, stdout, _) = run(&["grade", "--template", REFERENCE]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_reference_with_an_error_exits_2() {
    let (code, stdout, stderr) = run(&["grade", "tests/grade/submissions", "--reference", "tests/data/bad.deriv"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("the reference tests/data/bad.deriv has errors; nothing was graded"), "{stderr}");
    let (code, stdout, stderr) = run(&[
        "grade",
        "tests/grade/submissions/correct.deriv",
        "no_such.deriv",
        "--reference",
        REFERENCE,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 2, "an unreadable submission");
    assert!(stdout.contains("correct.deriv,10,10") && stdout.contains("no_such.deriv,0,10"), "{stdout}");
    assert!(stderr.contains("error: cannot read no_such.deriv"), "{stderr}");
    let (code, _, _) = run(&["grade", "tests/grade/submissions"]);
    assert_eq!(code, 2, "no reference");
    let (code, _, _) = run(&["grade", "x.deriv", "--reference", REFERENCE, "--format", "gradescope"]);
    assert_eq!(code, 2, "gradescope needs --out");
}

#[test]
fn odd_submissions_never_stop_the_grading() {
    let reference = reference();
    let options = GradeOptions::default();
    let deep = format!("var x\nderive \"product\" {}x{}\n  = x\n", "(".repeat(300), ")".repeat(300));
    let cases = [
        "",
        "# only a comment\n",
        "derive\n",
        "derive x\n",
        "= x\n",
        "((((((((\n",
        "let s[c,t] = \n",
        "var x\nderive \"product\" diff(x^2 * exp(x), x\n  = 1\n",
        deep.as_str(),
    ];
    for case in cases {
        let g = grade_submission(&reference, "odd.deriv", case, &options);
        assert_eq!(g.score.to_string(), "0", "{case:?}: {g:?}");
        assert_eq!(g.derivations.len(), 4);
    }
}

#[test]
fn an_added_name_the_reference_uses_is_ignored() {
    // `t` is a label of the reference (`net_phi[t]`): declaring it an index would change the
    // reference's model, so it is ignored; the derivation does not need it.
    let g = grade_submission(
        &reference(),
        "clash.deriv",
        "index t in 1..3\nderive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = x*exp(x)*(2 + x)\n",
        &GradeOptions::default(),
    );
    assert_eq!(scores(&g), ["0", "0", "2", "0"]);
    let messages: Vec<&str> = g.model_changes.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages[0], "added declaration of `t`, a name the reference uses otherwise");
    assert!(messages[1].starts_with("missing 15 of the reference's declarations: `c`, `x`"), "{messages:?}");
    // Eight are named, then how many more (a TA: an empty file's feedback listed 35).
    assert!(messages[1].ends_with(", and 7 more"), "{messages:?}");
    assert_eq!(messages[1].matches('`').count(), 16, "{messages:?}");
    assert_eq!(messages.len(), 2);
}

/// A LaTeX spelling or a derivation's name in quotes is no name of the reference's lines: a
/// student's own `index a` beside the reference's `latex zl "a"` is kept (a TA: it was ignored,
/// the hint said to declare what was declared, and a right part scored 0 of 4).
#[test]
fn a_name_only_in_the_references_quotes_is_the_students_to_declare() {
    let text = "index i in 1..K, j in 1..K\nvar zl[j]\nlatex zl \"a\"\n\
                derive \"sq\" worth 2 diff(sum(j, zl[j]^2), zl[i])\n  = sum(j, 2 * zl[j] * delta(j, i))\n  = 2 * zl[i]\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    let mine = "index i in 1..K, j in 1..K, a in 1..K, sq in 1..K\nvar zl[j]\n\
                derive \"sq\" diff(sum(j, zl[j]^2), zl[i])\n  = sum(a, 2 * zl[a] * delta(a, i))\n  = 2 * zl[i]\n";
    let g = grade_submission(&r, "own_index.deriv", mine, &GradeOptions::default());
    assert_eq!(scores(&g), ["2"], "{g:?}");
    let messages: Vec<&str> = g.model_changes.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "added declaration of `a`, which the reference does not have",
            "added declaration of `sq`, which the reference does not have"
        ]
    );
}

/// Rounded steps that each equal the head within their own rounding earn their credit even where
/// one is not within the rounding of the step before (a TA: `≈ -0.5 + 0.031623` after `≈ -0.5 +
/// 0.005 / 0.15811`, both right roundings of -0.46837723, lost its share, was told "not the value
/// asked for" and the file was flagged as a possible copied answer).
#[test]
fn right_roundings_that_differ_by_their_digits_lose_nothing() {
    let text = "let lr = 0.01, eps2 = 0.00000001, th2 = -0.5, g2 = -0.5, v2 = 0.1 * (-0.5)^2\n\
                derive \"d2\" worth 1.5 th2 - lr * g2 / (sqrt(v2) + eps2)\n\
                \x20 = -0.5 + 0.005 / (sqrt(0.025) + 0.00000001)\n  ≈ -0.5 + 0.005 / 0.1581139\n  ≈ -0.4684\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    let mine = "let lr = 0.01, eps2 = 0.00000001, th2 = -0.5, g2 = -0.5, v2 = 0.1 * (-0.5)^2\n\
                derive \"d2\" th2 - lr * g2 / (sqrt(v2) + eps2)\n  ≈ -0.5 + 0.005 / 0.15811\n  ≈ -0.5 + 0.031623\n  ≈ -0.4684\n";
    let g = grade_submission(&r, "rounded.deriv", mine, &GradeOptions::default());
    assert_eq!(scores(&g), ["1.5"], "{g:?}");
    assert!(g.review.is_empty() && g.derivations[0].review.is_empty(), "{g:?}");
    let feedback = g.derivations[0].feedback.join("\n");
    assert!(feedback.contains("line 4: right — equals the head within its rounding"), "{feedback}");
    assert!(!feedback.contains("not the value asked for"), "{feedback}");
    // A step that does not equal the head is still wrong (`-0.5 + 0.0361`), and so is the right
    // answer after it, which is flagged, as before.
    let slip = mine.replace("0.031623", "0.0361");
    let g = grade_submission(&r, "slip.deriv", &slip, &GradeOptions::default());
    assert_eq!(scores(&g), ["1"], "{g:?}");
    assert!(g.review[0].contains("its right answer is reached from a wrong step"), "{g:?}");
    // A step before that holds only by the coarse `-0.5` widened by 0.05 (`0.005 / 0.1300` is
    // 0.0385, not 0.0316) is no rounding of the answer: the answer after it is still flagged (a
    // TA's wrong middle step `1.0 - 0.002 / 0.1300`).
    let coarse = "let lr = 0.01, eps2 = 0.00000001, th2 = -0.5, g2 = -0.5, v2 = 0.1 * (-0.5)^2\n\
                  derive \"d2\" th2 - lr * g2 / (sqrt(v2) + eps2)\n  ≈ -0.5 + 0.005 / 0.1300\n  ≈ -0.4684\n";
    let g = grade_submission(&r, "coarse.deriv", coarse, &GradeOptions::default());
    assert!(g.review[0].contains("its right answer is reached from a wrong step"), "{g:?}");
    assert_eq!(g.derivations[0].steps[1].status, StepStatus::Wrong, "{g:?}");
}

/// A submission's own head shows work only where the check shows it equal to the reference's (a
/// LaTeX answer that starts from the formula with the numbers put in): a wrong head matched by the
/// derivation's name shows none (a reviewer: `diff(x^3, x)` for `diff(x^3 * sin(x), x)`, then the
/// right answer, took 4 of 4).
#[test]
fn a_wrong_head_shows_no_work() {
    let text = "var x\nderive \"d\" worth 4 diff(x^3 * sin(x), x)\n  = diff(x^3, x) * sin(x) + x^3 * diff(sin(x), x)\n  = 3*x^2*sin(x) + x^3*cos(x)\n";
    let r = Reference::new("ref.deriv", text, &CheckOptions::default()).expect("a valid reference");
    let mine = "var x\nderive \"d\" diff(x^3, x)\n  = 3*x^2*sin(x) + x^3*cos(x)\n";
    let g = grade_submission(&r, "wrong_head.deriv", mine, &GradeOptions::default());
    assert_eq!(scores(&g), ["2"], "{g:?}");
    assert_eq!(g.derivations[0].milestones.0, 0, "{g:?}");
}

#[test]
fn a_second_derivation_of_the_same_name_is_not_graded() {
    let g = grade_text(
        "derive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\nderive \"product\" diff(x^2 * exp(x), x)\n  = 0\n",
        &GradeOptions::default(),
    );
    assert_eq!(scores(&g), ["0", "0", "2", "0"]);
    assert!(g.unmatched.is_empty());
    assert_eq!(g.replaced.iter().map(|r| line(&g, r.further.start)).collect::<Vec<_>>(), [11]);
}

#[test]
fn unreadable_and_non_utf8_files_score_0_and_the_batch_goes_on() {
    let dir = std::env::temp_dir().join(format!("gradproof-odd-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    std::fs::write(dir.join("a_latin1.deriv"), b"var x\n# caf\xe9\n").expect("writable");
    std::fs::write(
        dir.join("b_bom.deriv"),
        "\u{FEFF}var x\nderive \"logistic\" sigmoid'(x)\n  = exp(-x)/(1 + exp(-x))^2\n  = sigmoid(x)*(1 - sigmoid(x))\n",
    )
    .expect("writable");
    let paths = [dir.clone(), dir.join("no_such_file.deriv")];
    let grades = grade_paths(&paths, &Arc::new(reference()), &GradeOptions::default(), None);
    let summary: Vec<(String, String)> = grades
        .iter()
        .map(|g| (g.score.to_string(), g.errors.first().map_or_else(String::new, |e| e.message.clone())))
        .collect();
    assert_eq!(summary[0], ("0".to_string(), "file is not valid UTF-8".to_string()));
    assert_eq!(summary[1].0, "1", "a byte-order mark is ignored: {:?}", grades[1]);
    assert_eq!(summary[2].0, "0");
    assert!(summary[2].1.starts_with("cannot read input"), "{summary:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_changed_head_is_told_and_the_steps_start_from_the_references() {
    let g = grade_text("derive \"product\" diff(x^3, x)\n  = 3*x^2\n", &GradeOptions::default());
    let d = &g.derivations[2];
    assert_eq!(
        d.feedback[0],
        "your head is not the reference's `diff(x^2 * exp(x), x)`: your steps are checked from the reference's head"
    );
    assert_eq!(d.steps[0].status, StepStatus::Wrong);
    assert_eq!(d.score.to_string(), "0");
    // A head written otherwise but equal is the reference's.
    let g = grade_text(
        "derive \"product\" diff(exp(x) * x^2, x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = x*exp(x)*(2 + x)\n",
        &GradeOptions::default(),
    );
    assert_eq!(g.derivations[2].score.to_string(), "2");
    assert_eq!(g.derivations[2].feedback[0], "line 10: proved — follows from the step before");
}

#[test]
fn a_term_missing_from_the_first_step_is_named_from_the_references_step() {
    // The head is a derivative, a single term: the missing term is found in the reference's step
    // of the same value.
    let g = grade_text("derive \"product\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x)\n", &GradeOptions::default());
    assert_eq!(g.derivations[2].steps[0].diagnosis.as_deref(), Some("missing term `x^2*exp(x)`"));
}

/// Grades a submission text against a reference of tests/data/grade_names/.
fn grade_against(reference: &str, name: &str, source: &str) -> SubmissionGrade {
    let path = root().join("tests/data/grade_names").join(reference);
    let r = load_reference(&path, &CheckOptions::default())
        .unwrap_or_else(|r| panic!("the reference has errors: {:?}", r.errors));
    grade_submission(&r, name, source, &GradeOptions::default())
}

fn grade_names_file(name: &str) -> SubmissionGrade {
    let source = std::fs::read_to_string(root().join("tests/data/grade_names").join(name)).expect("submission");
    grade_against("reference.deriv", name, &source)
}

#[test]
fn definitions_under_other_names_are_graded_by_meaning() {
    // Issue 15: renamed intermediates (`z`, `xt` for `a`, `x_rec`) scored 6.4 / 10 with "this step
    // is 0": `∂L/∂xt` was the derivative by a name nothing depends on.
    let g = grade_names_file("renamed.deriv");
    assert_eq!(scores(&g), ["4", "4", "6"]);
    let hints: Vec<&str> = g.model_changes.iter().flat_map(|d| &d.hints).map(String::as_str).collect();
    assert!(hints.contains(&"graded as the reference's `a[j]`, which has the same value"), "{hints:?}");
    assert!(hints.contains(&"graded as the reference's `x_rec[i]`, which has the same value"), "{hints:?}");
    assert!(g.review.is_empty(), "full marks: {:?}", g.review);
    assert!(g.derivations[0].feedback[0].contains("`xt[i]` as `x_rec[i]`"), "{:?}", g.derivations[0].feedback);
    // A definition of its own with another value is not renamed: flagged when points are lost.
    let wrong = std::fs::read_to_string(root().join("tests/data/grade_names/renamed.deriv"))
        .expect("submission")
        .replace("let xt[i] = sum(q, V[i,q] * h[q])", "let xt[i] = sum(q, V[i,q] * h[q]) + 1");
    let g = grade_against("reference.deriv", "renamed_wrong.deriv", &wrong);
    assert!(g.score < g.max_score);
    assert!(g.review.iter().any(|r| r.contains("added definition of `xt[i]`")), "{:?}", g.review);
}

#[test]
fn a_head_element_by_element_is_graded_against_the_whole_array_and_back() {
    // Issue 15: `derive diff(L, W[j,k])` for the reference's `diff(L, W)` scored 0 ("shape
    // mismatch: 2x3 and scalar").
    let model = "index j in 1..m, k in 1..n\nvar W: m x n, x: n, b: m\nunknown L depends on h\nlet h = W * x + b\n\
                 let dlt = diff(L, h)\n";
    let elements = format!(
        "{model}derive \"weight gradient\" diff(L, W[j,k])\n  \
         = sum(i in 1..m, diff(L, h[i]) * diff(h[i], W[j,k]))\n  = dlt[j] * x[k]\n"
    );
    let g = grade_against("linear_whole.deriv", "elements.deriv", &elements);
    assert_eq!(scores(&g), ["4"], "{:?}", g.derivations[0].feedback);
    assert_eq!(
        g.derivations[0].feedback[0],
        "your head `diff(L, W[j,k])` is read as the reference's `diff(L, W)`: your steps are compared with it \
         element by element"
    );
    // The indices swapped in the answer are still wrong, element by element.
    let swapped = elements.replace("= dlt[j] * x[k]", "= dlt[k] * x[j]");
    let g = grade_against("linear_whole.deriv", "swapped.deriv", &swapped);
    assert_eq!(g.derivations[0].steps[1].status, StepStatus::Wrong);
    assert!(!g.derivations[0].final_correct);
    // The whole array for a reference written element by element.
    let whole = "derive \"weight gradient\" diff(L, W)\n  = diff(L, h) * x^T\n  = dlt * x^T\n";
    let g = grade_against("linear_elements.deriv", "whole.deriv", whole);
    assert_eq!(scores(&g), ["4"], "{:?}", g.derivations[0].feedback);
}

#[test]
fn an_error_carried_into_another_derivation_is_charged_once() {
    // Issue 15: one sign slip carried consistently through both derivations was charged in both.
    let g = grade_names_file("slip_carried.deriv");
    // "code": its wrong step (0.6 of 1.2 for the steps) and the final share; "encoder" in full.
    assert_eq!(scores(&g), ["4", "1.2", "6"]);
    let encoder = &g.derivations[2];
    assert_eq!(encoder.steps[1].status, StepStatus::CarriedForward);
    assert_eq!(encoder.steps[1].carried_from.as_deref(), Some("code"));
    assert_eq!(encoder.steps[1].result.verdict, gradproof::check::Verdict::Wrong, "the check's verdict stands");
    // What would make it follow from the step before is the other derivation's mistake: no cause
    // or repair of its own (the JSON carried one that the feedback did not show).
    assert!(encoder.steps[1].result.cause.is_none() && encoder.steps[1].result.repair.is_none());
    assert!(
        encoder.feedback.iter().any(|f| f.contains("follows from your answer to \"code\"")),
        "{:?}",
        encoder.feedback
    );
    // A mistake of its own in "encoder" on top of the slip is charged there.
    let g = grade_names_file("slip_and_own_mistake.deriv");
    assert_eq!(scores(&g), ["4", "1.2", "1.8"]);
    assert_eq!(g.derivations[2].steps[1].status, StepStatus::Wrong);
}

#[test]
fn the_question_asked_again_is_no_work_and_no_answer() {
    // A TA's test: `= sigmoid'(x)` alone earned the final share ("final answer: correct"), and
    // `= s'(x)` or `= diff(sigmoid(x), x)` before the answer stood for the reference's work.
    let logistic = |steps: &str| {
        let g = grade_text(&format!("derive \"logistic\" diff(1/(1 + exp(-x)), x)\n{steps}"), &GradeOptions::default());
        g.derivations[3].clone()
    };
    let d = logistic("  = sigmoid'(x)\n");
    assert!(!d.final_correct && d.steps[0].result.holds, "{:?}", d.feedback);
    assert_eq!(d.score.to_string(), "0");
    assert!(d.feedback.last().is_some_and(|f| f.contains("`sigmoid'(x)` is left")), "{:?}", d.feedback);
    for restated in ["diff(sigmoid(x), x)", "sigmoid'(x)", "2 * diff(1/(1 + exp(-x)), x) / 2"] {
        let d = logistic(&format!("  = {restated}\n  = sigmoid(x) * (1 - sigmoid(x))\n"));
        assert_eq!(d.milestones, (0, 1), "{restated}");
        assert_eq!(d.score.to_string(), "0.4", "{restated}: the final share alone");
    }
    // The work in the student's own words still counts: the derivative of the sum written out.
    let d = logistic("  = -1/(1 + exp(-x))^2 * diff(1 + exp(-x), x)\n  = sigmoid(x) * (1 - sigmoid(x))\n");
    assert_eq!((d.milestones, d.score.to_string().as_str()), ((1, 1), "1"));
}

#[test]
fn a_wrong_step_loses_its_share_not_the_work_it_shows() {
    // A TA's test: one slip in the step that does the reference's chain rule in the student's own
    // words cost that step, the final answer and, through the shown work, the other steps' shares.
    let g = grade_text(
        "derive \"squared error\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * diff(w*x, w) * 2\n  \
         = 4*x*(w*x + b - y)\n",
        &GradeOptions::default(),
    );
    let d = &g.derivations[1];
    assert_eq!(d.steps[0].status, StepStatus::Wrong);
    assert_eq!(d.steps[1].status, StepStatus::CarriedForward);
    assert_eq!(d.milestones, (1, 1));
    assert_eq!(d.score.to_string(), "0.9", "the carried step's half of the steps' 1.8");
    // A slip in the sign of the quotient rule, carried: the derivative of `exp(-x)` is not said to
    // be `exp(-x)` (it is `-exp(-x)`; the sign is the quotient rule's).
    let g = grade_text(
        "derive \"logistic\" diff(1/(1 + exp(-x)), x)\n  = -exp(-x) / (1 + exp(-x))^2\n  \
         = -sigmoid(x) * (1 - sigmoid(x))\n",
        &GradeOptions::default(),
    );
    let d = &g.derivations[3];
    assert_eq!(d.score.to_string(), "0.3");
    let repair = d.steps[0].result.repair.as_ref().expect("a repair");
    assert_eq!((repair.kind, repair.replacement.as_str()), (gradproof::check::RepairKind::Sign, "exp(-x)"));
    // A division that should not be there is told as one.
    let g = grade_text(
        "derive \"squared error\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * diff(w*x + b - y, w)\n  \
         = 2*(w*x + b - y) * x / 2\n",
        &GradeOptions::default(),
    );
    let diagnosis = g.derivations[1].steps[1].diagnosis.as_deref().unwrap_or_default();
    assert!(diagnosis.contains("the division by `2` (the second of 2) should not be there"), "{diagnosis}");
}

#[test]
fn an_empty_submission_is_told_and_flagged() {
    // A TA's test: an empty or comment-only `.deriv` scored 0 with no word and no flag (an empty
    // `.tex` was flagged).
    for source in ["", "# nothing yet\n"] {
        let g = grade_submission(&reference(), "empty.deriv", source, &GradeOptions::default());
        assert!(g.manual_review(), "{source:?}");
        assert!(g.errors.iter().any(|e| e.message == "no derivation was found in this submission"), "{:?}", g.errors);
        assert_eq!(g.score.to_string(), "0");
    }
}

#[test]
fn a_milestone_is_reached_with_the_sheets_definitions_written_out() {
    // A TA's test: the reference's step `-sum(k, y[k]*(delta(k, i) - p[i]))`, written with `p[i]`
    // spelt out, was said to be skipped, and the chain rule the student did skip was not named.
    let reference = "title \"softmax\"\nindex k in 1..K, m in 1..K, i in 1..K\nvar z[k], y[k] >= 0\n\
        assume sum(k, y[k]) = 1\nlet p[k] = exp(z[k]) / sum(m, exp(z[m]))\nlet L = -sum(k, y[k] * log(p[k]))\n\
        derive \"softmax CE\" worth 6 diff(L, z[i])\n  = -sum(k, y[k] * diff(log(p[k]), z[i]))   # chain rule\n  \
        = -sum(k, y[k] * (delta(k, i) - p[i]))\n  = p[i] - y[i]\n";
    let r = Reference::new("softmax.deriv", reference, &CheckOptions::default()).expect("a reference");
    let body = "derive \"softmax CE\" diff(L, z[i])\n  \
        = -sum(k, y[k] * (delta(k, i) - exp(z[i]) / sum(m, exp(z[m]))))\n  = p[i] - y[i]\n";
    let source = format!("{}{body}", &reference[..reference.find("derive").expect("a derive line")]);
    let g = grade_submission(&r, "expanded.deriv", &source, &GradeOptions::default());
    let d = &g.derivations[0];
    assert_eq!(d.milestones, (1, 2));
    assert_eq!(d.steps[0].skips, ["a step of the reference (chain rule)"]);
    assert!(d.steps[1].skips.is_empty(), "{:?}", d.steps[1].skips);
}

#[test]
fn a_rounded_final_answer_is_as_precise_as_the_references() {
    // A TA's test: one SGD step ending `≈ 0` (the update 0.496, rounded to a whole number) got
    // "final answer: correct".
    let reference = "title \"sgd\"\ngrading final 40%, steps 60%\nlet theta2 = 0.5, g = 4\n\
        derive \"update\" worth 2 theta2 - 0.001 * g\n  = 0.5 - 0.004\n  = 0.496\n";
    let r = Reference::new("sgd.deriv", reference, &CheckOptions::default()).expect("a reference");
    let model = "let theta2 = 0.5, g = 4\n";
    let answer = |last: &str| {
        let source = format!("{model}derive \"update\" theta2 - 0.001 * g\n  = 0.5 - 0.004\n  {last}\n");
        grade_submission(&r, "sgd.deriv", &source, &GradeOptions::default()).derivations[0].clone()
    };
    for (last, correct, score) in [
        ("≈ 0", false, "1.2"),
        ("≈ 0.50", false, "1.2"),
        ("≈ 0.496", true, "2"),
        ("≈ 0.4960", true, "2"),
        ("= 0.496", true, "2"),
    ] {
        let d = answer(last);
        assert_eq!((d.final_correct, d.score.to_string().as_str()), (correct, score), "{last}: {:?}", d.feedback);
    }
    // The reference's number is quoted with `--hints` only (a TA: it gave every student who
    // resubmits the answer); without, how precisely it is written.
    let d = answer("≈ 0");
    assert_eq!(
        d.feedback.last().map(String::as_str),
        Some("final answer: equal to the head when rounded, but written less precisely than the reference's answer (to 3 decimal places)")
    );
    // A reference in hundreds says so (a reviewer: "to the unit" for `1.2e3`).
    let big = "let a = 1234.5\nderive \"big\" worth 1 a + 1\n  ≈ 1.2e3\n";
    let rb = Reference::new("big.deriv", big, &CheckOptions::default()).expect("a reference");
    let d =
        &grade_submission(&rb, "s.deriv", "let a = 1234.5\nderive \"big\" a + 1\n  ≈ 1e3\n", &GradeOptions::default())
            .derivations[0];
    assert!(d.feedback.last().is_some_and(|f| f.ends_with("(to the nearest 100)")), "{:?}", d.feedback);
    let source = format!("{model}derive \"update\" theta2 - 0.001 * g\n  = 0.5 - 0.004\n  ≈ 0.50\n");
    let hints = GradeOptions { hints: true, ..GradeOptions::default() };
    let d = &grade_submission(&r, "sgd.deriv", &source, &hints).derivations[0];
    assert!(
        d.feedback.last().is_some_and(|f| f.contains("less precisely than the reference's `0.496`")),
        "{:?}",
        d.feedback
    );
}

#[test]
fn under_a_tolerance_only_a_step_with_rounded_numbers_is_graded_as_approx() {
    // A TA's Adam step: under `tolerance 0.05%`, `= 1.2 - 0.01 * mh / (vh + 0.00000001)` (the
    // sheet's numbers, and the square root of `vh` forgotten) was graded as `≈` — "it holds when
    // rounded" — and the part took full marks. Rounded numbers written with `=` still are.
    let model = "let th1 = 1.2, lr = 0.01, eps = 0.00000001, mh = 0.294737, vh = 0.81961\nlet th2 = th1 - lr * mh / (sqrt(vh) + eps)\n";
    let reference = format!(
        "tolerance 0.05%\n{model}derive \"update\" worth 2 th2\n  = 1.2 - 0.01 * mh / (sqrt(vh) + 0.00000001)\n  ≈ 1.1967\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let grade = |steps: &str| {
        let source = format!("{model}derive \"update\" th2\n{steps}");
        grade_submission(&r, "adam.deriv", &source, &GradeOptions::default()).derivations[0].clone()
    };
    let d = grade("  = 1.2 - 0.01 * mh / (vh + 0.00000001)\n  ≈ 1.1964\n");
    assert_eq!(d.steps[0].status, StepStatus::Wrong, "{:?}", d.feedback);
    assert!(!d.feedback.iter().any(|f| f.contains("graded as `≈`")), "{:?}", d.feedback);
    let d = grade("  = 1.2 - 0.01 * 0.2947 / 0.9053\n  ≈ 1.1967\n");
    assert_ne!(d.steps[0].status, StepStatus::Wrong, "{:?}", d.feedback);
    assert!(d.feedback.iter().any(|f| f.contains("graded as `≈`")), "{:?}", d.feedback);
    // The same mistake written with rounded numbers: it holds within the tolerance (0.03% off),
    // not by its own digits (a reviewer), so it stays wrong.
    let d = grade("  = 1.2 - 0.01 * 0.2947 / 0.8196\n  ≈ 1.1964\n");
    assert_eq!(d.steps[0].status, StepStatus::Wrong, "{:?}", d.feedback);
    assert!(!d.feedback.iter().any(|f| f.contains("graded as `≈`")), "{:?}", d.feedback);
    // A number of the sheet's formulas is the sheet's too (a second TA: `0.1` of `let t = 1 - 0.1
    // * 2 * a`, a factor `0.9` too many, graded as `≈` under `tolerance 0.02`).
    let r = Reference::new(
        "ref.deriv",
        "tolerance 0.02\nlet a = 0.9\nlet t = 1 - 0.1 * 2 * a\nderive \"x\" worth 2 t\n  = 1 - 0.1 * 2 * 0.9\n  = 0.82\n",
        &CheckOptions::default(),
    )
    .expect("a reference");
    let source = "let a = 0.9\nlet t = 1 - 0.1 * 2 * a\nderive \"x\" t\n  = 1 - 0.1 * 2 * 0.9 * 0.9\n  = 0.838\n";
    let d = &grade_submission(&r, "s.deriv", source, &GradeOptions::default()).derivations[0];
    assert_eq!(d.steps[0].status, StepStatus::Wrong, "{:?}", d.feedback);
    assert!(!d.feedback.iter().any(|f| f.contains("graded as `≈`")), "{:?}", d.feedback);
}

#[test]
fn an_error_carried_into_an_approx_step_is_judged_as_written() {
    // A TA's Adam sheet: the update written `≈ 1.2 - 0.01 * 0.56 / 1.28` on the student's own
    // (wrong) moments was judged with `=` when carried, and its credit lost.
    let model = "let g = 0.2, b = 0.9, lr = 0.1\nlet mh = g / (1 - b^2)\nlet th = 1 - lr * mh\n";
    let reference = format!(
        "{model}derive \"mh\" worth 1 mh\n  = 0.2 / (1 - 0.81)\n  ≈ 1.0526\n\
         derive \"th\" worth 1 th\n  = 1 - lr * mh\n  ≈ 1 - 0.1 * 1.0526\n  ≈ 0.8947\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let source = format!(
        "{model}derive \"mh\" mh\n  = 0.2 / (1 - 0.7)\n  = 0.2 / 0.3\n\
         derive \"th\" th\n  = 1 - lr * mh\n  ≈ 1 - 0.1 * 0.6667\n  ≈ 0.9333\n"
    );
    let g = grade_submission(&r, "s.deriv", &source, &GradeOptions::default());
    let th = &g.derivations[1];
    assert_eq!(th.steps[1].carried_from.as_deref(), Some("mh"), "{:?}", th.feedback);
    assert_eq!(th.score.to_string(), "1", "{:?}", th.feedback);
}

#[test]
fn an_unnamed_part_with_errors_is_not_called_missing_without_a_word() {
    // A TA: an unnamed derivation summing over an undeclared index matched no part, and the part
    // said "missing: no derivation named …", though written.
    let model = "index i in 1..n\nvar x[i]\n";
    let reference = format!("{model}derive \"sum\" worth 1 diff(sum(i, x[i]^2), x[i])\n  = 2*x[i]\n");
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let source = format!("{model}derive diff(sum(t, x[t]^2), x[i])\n  = 2*x[i]\n");
    let g = grade_submission(&r, "s.deriv", &source, &GradeOptions::default());
    let why = &g.derivations[0].feedback[0];
    assert!(why.starts_with("missing: no derivation named \"sum\""), "{why}");
    assert!(why.ends_with("the answer has parts that could not be (line 3), which may hold it"), "{why}");
}

#[test]
fn a_counterexample_names_the_students_indices() {
    // A TA's test: the head `diff(L, V[r,q])`, read as the reference's `diff(L, V[i,j])`, had its
    // counterexample at `i = 2, j = 1`, names the student never wrote.
    let model =
        "index i in 1..n, j in 1..m\nvar V[i,j], h[j], x[i]\nlet L = sum(i, (sum(j, V[i,j] * h[j]) - x[i])^2)\n";
    let reference = format!(
        "{model}derive \"decoder\" worth 2 diff(L, V[i,j])\n  = 2 * (sum(l in 1..m, V[i,l] * h[l]) - x[i]) * h[j]\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let source = format!(
        "{model}index r in 1..n, q in 1..m\nderive \"decoder\" diff(L, V[r,q])\n  \
         = 2 * (sum(l in 1..m, V[r,l] * h[l]) - x[r]) * h[r]\n"
    );
    let g = grade_submission(&r, "own.deriv", &source, &GradeOptions::default());
    let step = &g.derivations[0].steps[0];
    assert_eq!(step.status, StepStatus::Wrong);
    let c = step.result.counterexample.as_ref().expect("a counterexample");
    assert!(c.indices.contains_key("r") && c.indices.contains_key("q"), "{:?}", c.indices);
    assert!(!c.indices.contains_key("i") && !c.indices.contains_key("j"), "{:?}", c.indices);
}

/// The declarations of a TA's workbook sheet (softmax, SGD, sigmoid), and its reference.
const WORKBOOK_MODEL: &str = "index k in 1..K, m in 1..K, i in 1..K\nvar a[k], y[k] >= 0\nassume sum(k, y[k]) = 1\n\
    let p[k] = exp(a[k]) / sum(m, exp(a[m]))\nlet H = -sum(k, y[k] * log(p[k]))\n\
    let theta0 = 0.5, theta1 = 1.5, theta2 = 0.5\nlet yhat = 1 * theta0 + 1 * theta1 + 2 * theta2\n\
    let L = (2 - yhat)^2\nvar x\nlet s(z) = 1 / (1 + exp(-z))\n";

const WORKBOOK_DERIVATIONS: &str = "derive \"softmax CE gradient\" worth 6 diff(H, a[i])\n  \
    = -sum(k, y[k] / p[k] * diff(p[k], a[i]))   # chain rule\n  \
    = -sum(k, y[k] * (delta(k, i) - p[i]))   # softmax Jacobian\n  = p[i] - y[i]\n\
    derive \"SGD update theta1\" worth 2 theta1 - 0.001 * diff(L, theta1)\n  = 1.5 - 0.001 * 2\n  = 1.498\n\
    derive \"sigmoid derivative\" worth 4 diff(s(x), x)\n  = exp(-x) / (1 + exp(-x))^2   # quotient rule\n  \
    = s(x) * (1 - s(x))\n";

fn workbook() -> Reference {
    let text = format!("grading final 40%, steps 60%\n{WORKBOOK_MODEL}{WORKBOOK_DERIVATIONS}");
    Reference::new("workbook.deriv", &text, &CheckOptions::default()).expect("a reference")
}

/// The grade of `body` (derivations) in the workbook's model.
fn grade_workbook(reference: &Reference, body: &str) -> SubmissionGrade {
    grade_submission(reference, "workbook_answer.deriv", &format!("{WORKBOOK_MODEL}{body}"), &GradeOptions::default())
}

#[test]
fn the_numbers_of_a_term_written_otherwise_reach_the_milestone() {
    // A TA's test: `1.5 - 0.002` for the reference's step `1.5 - 0.001 * 2` scored 0.8 / 2 ("skips
    // the reference's step `3/2 - 1/1000*2`"), `1.5 - 2/1000` 2 / 2.
    let r = workbook();
    let update = |steps: &str| {
        let body = format!("derive \"SGD update theta1\" theta1 - 0.001 * diff(L, theta1)\n{steps}");
        grade_workbook(&r, &body).derivations[1].clone()
    };
    for step in ["1.5 - 0.002", "1.5 - 2/1000", "3/2 - 1/500", "1.5 - 0.001 * 2", "-0.002 + 1.5", "1.5 - 2 * 0.001 + 0"]
    {
        let d = update(&format!("  = {step}\n  = 1.498\n"));
        assert_eq!((d.milestones, d.score.to_string().as_str()), ((1, 1), "2"), "{step}: {:?}", d.feedback);
    }
    // Adding the terms is the step's arithmetic: the answer alone does not show it. A number
    // asked for and left as arithmetic (`1.498 + 0`, `1.498 * 1`) is not worked out (5 December,
    // evening).
    for (leap, expected) in [
        ("  = 1.498\n", "0.8"),
        ("  = 1.498 + 0\n", "0"),
        ("  = 1.5 - 0.002\n  = 1.498\n  = 1.498 * 1\n", "1.2"),
        ("  = 1.5 - 0.002\n  = 1.498 * 1\n  = 1.498\n", "2"),
    ] {
        let d = update(leap);
        assert_eq!(d.score.to_string(), expected, "{leap:?}: {:?}", d.feedback);
    }
    // A reference step whose terms are numbers (`0.5 - 0.004` before `0.496`) is a milestone too.
    let reference = "grading final 40%, steps 60%\nlet theta2 = 0.5, g = 4\n\
        derive \"update\" worth 2 theta2 - 0.001 * g\n  = 0.5 - 0.004\n  = 0.496\n";
    let r = Reference::new("sgd.deriv", reference, &CheckOptions::default()).expect("a reference");
    let answer = |steps: &str| {
        let source = format!("let theta2 = 0.5, g = 4\nderive \"update\" theta2 - 0.001 * g\n{steps}");
        grade_submission(&r, "sgd.deriv", &source, &GradeOptions::default()).derivations[0].clone()
    };
    assert_eq!(answer("  = 0.5 - 4/1000\n  = 0.496\n").score.to_string(), "2");
    assert_eq!(answer("  = 0.496\n").score.to_string(), "0.8");
    // The answer written as a sum of numbers (`0.4 + 0.096`) is the answer in pieces, no step of
    // its own route (a second TA, the same day: such splits scored 2 / 2); a product or a power
    // of numbers is a computation shown (`0.5 - 0.001 * 2^2`), which counts as work.
    for split in ["0.4 + 0.096", "0.496 + 0.004 - 0.004", "1 - 0.504"] {
        assert_eq!(answer(&format!("  = {split}\n  = 0.496\n")).score.to_string(), "0.8", "{split}");
    }
    assert_eq!(answer("  = 0.5 - 0.001 * 2^2\n  = 0.496\n").score.to_string(), "2");
}

/// A step of numbers reaches the milestones of numbers with its terms' values whose arithmetic it
/// has done, not the reference's next step that does more (a TA's momentum step, 6 December, late
/// evening: the numbers put in, and nothing after, reached the velocity worked out too and took
/// 1.2 of 2, a fair 0.4; more than the right answer alone, 0.8, and than a slip in the answer, 0.6).
/// A chain that stops with arithmetic left stops before the answer, as one with a derivative left.
#[test]
fn numbers_put_in_do_not_reach_the_arithmetic_after_them() {
    let reference = "grading final 40%, steps 60%\nlet w0 = 2.0, v0 = 0.3, g1 = -0.4, mom = 0.9, eta = 0.1\n\
        derive \"momentum\" worth 2 w0 - eta * (mom * v0 + g1)\n\
          = 2.0 - 0.1 * (0.9 * 0.3 + (-0.4))\n  = 2.0 - 0.1 * (-0.13)\n  = 2.013\n";
    let r = Reference::new("momentum.deriv", reference, &CheckOptions::default()).expect("a reference");
    let answer = |steps: &str| {
        let source =
            format!("let w0 = 2.0, v0 = 0.3, g1 = -0.4, mom = 0.9, eta = 0.1\nderive \"momentum\" w0 - eta * (mom * v0 + g1)\n{steps}");
        let d = grade_submission(&r, "momentum.deriv", &source, &GradeOptions::default()).derivations[0].clone();
        (d.milestones, d.score.to_string())
    };
    // The numbers put in: one milestone of two, and the answer worked out not reached.
    assert_eq!(answer("  = 2.0 - 0.1 * (0.9 * 0.3 - 0.4)\n"), ((1, 3), "0.4".to_string()));
    // Going on to a wrong answer reaches it and loses that step's share instead.
    assert_eq!(answer("  = 2.0 - 0.1 * (0.9 * 0.3 - 0.4)\n  = 2.031\n"), ((2, 2), "0.6".to_string()));
    assert_eq!(answer("  = 2.013\n"), ((0, 2), "0.8".to_string()));
    // Every step shown, or the velocity worked out at once (the numbers are in it): all of it.
    let all = "  = 2.0 - 0.1 * (0.9 * 0.3 - 0.4)\n  = 2.0 - 0.1 * (-0.13)\n  = 2.013\n";
    assert_eq!(answer(all), ((2, 2), "2".to_string()));
    assert_eq!(answer("  = 2.0 - 0.1 * (-0.13)\n  = 2.013\n"), ((2, 2), "2".to_string()));
    assert_eq!(answer("  = 2.0 + 0.013\n  = 2.013\n"), ((2, 2), "2".to_string()));
}

/// A simplification after the reference's step that applies the rules does not stand for the
/// chain rule skipped before it: the merged line then the answer, and the same with one line more,
/// score alike (a TA: 2.1 and 3 of 3; the padding line stood for the chain rule).
#[test]
fn a_line_after_a_milestone_does_not_buy_back_one_skipped_before_it() {
    let reference = "index k in 1..K, m in 1..K, i in 1..K\nvar z[k], y[k] >= 0\n\
        let p[k] = exp(z[k]) / sum(m, exp(z[m]))\nlet L = -sum(k, y[k] * log(p[k]))\n";
    let r = Reference::new(
        "softmax.deriv",
        &format!(
            "{reference}derive \"ce\" worth 3 diff(L, z[i])\n  = -sum(k, y[k] * diff(log(p[k]), z[i]))   # chain rule\n  \
             = -sum(k, y[k] * (delta(k, i) - p[i]))\n  = p[i] * sum(k, y[k]) - y[i]\n"
        ),
        &CheckOptions::default(),
    )
    .expect("a reference");
    let answer = |steps: &str| {
        let source = format!("{reference}derive \"ce\" diff(L, z[i])\n{steps}");
        let d = grade_submission(&r, "ce.deriv", &source, &GradeOptions::default()).derivations[0].clone();
        (d.milestones, d.score.to_string())
    };
    let merged = "  = -sum(k, y[k] * (delta(k, i) - p[i]))\n  = p[i] * sum(k, y[k]) - y[i]\n";
    let padded = "  = -sum(k, y[k] * (delta(k, i) - p[i]))\n  = p[i] * sum(k, y[k]) - sum(k, y[k] * delta(k, i))\n  \
                  = p[i] * sum(k, y[k]) - y[i]\n";
    assert_eq!(answer(merged), answer(padded));
    assert_eq!(answer(merged).0, (1, 2));
}

/// A term's numbers count by their value, whatever arithmetic inside it is done, and a term that
/// is one rounded number by its value within its rounding (a TA's RMSprop sheet, 6 December:
/// `≈ 0.5 - 0.01754` for the reference's `≈ 0.5 - 0.002 / 0.11402` was told it skipped that step,
/// 1.6 of 2, and `0.5 - 0.01 * 0.2 / sqrt(0.013)`, the numbers put in and `v` worked out at once,
/// 1.2 of 2, unflagged).
#[test]
fn numbers_count_by_value_within_their_rounding() {
    let reference = "grading final 40%, steps 60%\nlet w0 = 0.5, g0 = 0.2, vprev = 0.01, rho = 0.9, lr = 0.01\n\
        let v1 = rho * vprev + (1 - rho) * g0^2\ntolerance 0.0005\n\
        derive \"rmsprop step\" worth 2 w0 - lr * g0 / sqrt(v1)\n  \
        = 0.5 - 0.01 * 0.2 / sqrt(0.9 * 0.01 + 0.1 * 0.2^2)   # put in the numbers\n  \
        = 0.5 - 0.002 / sqrt(0.013)\n  ≈ 0.5 - 0.002 / 0.11402\n  ≈ 0.48246\n";
    let r = Reference::new("rmsprop.deriv", reference, &CheckOptions::default()).expect("a reference");
    let answer = |steps: &str| {
        let source = format!("derive \"rmsprop step\" w0 - lr * g0 / sqrt(v1)\n{steps}");
        grade_submission(&r, "a.deriv", &source, &GradeOptions::default()).derivations[0].clone()
    };
    for steps in [
        "  = 0.5 - 0.01 * 0.2 / sqrt(0.9 * 0.01 + 0.1 * 0.2^2)\n  = 0.5 - 0.002 / sqrt(0.013)\n  ≈ 0.5 - 0.01754\n  ≈ 0.48246\n",
        "  = 0.5 - 0.01 * 0.2 / sqrt(0.013)\n  ≈ 0.5 - 0.01754\n  ≈ 0.48246\n",
    ] {
        let d = answer(steps);
        assert_eq!((d.milestones, d.score.to_string().as_str()), ((3, 3), "2"), "{steps}: {:?}", d.feedback);
    }
    // A quotient rounded otherwise is another value: the step is its own route, and the answer
    // alone shows no work. One rounded line reaches the rounded milestone only, not the exact
    // ones before it (a reviewer: `≈ 0.5 - 0.0175` reached all three, 2 of 2).
    assert_eq!(answer("  ≈ 0.48246\n").score.to_string(), "0.8");
    let d = answer("  ≈ 0.5 - 0.0175\n  ≈ 0.4825\n");
    assert_eq!((d.milestones, d.score.to_string().as_str()), ((1, 3), "1.2"), "{:?}", d.feedback);
    let d = answer("  = 0.5 - 0.01 * 0.2 / sqrt(0.013)\n  ≈ 0.5 - 0.0176\n  ≈ 0.48246\n");
    assert_eq!(d.milestones, (3, 3), "{:?}", d.feedback);
    // A final answer after a coarser rounding (graded right: the rounding drifted) is no wrong
    // leap standing for a milestone: the coarse line scores as the precise one (an adversarial
    // tester: 2 of 2 against 1.4).
    let reference = "grading final 40%, steps 60%\nlet w0 = 0.5, lr = 0.01, g = 0.2, v = 0.013\n\
        derive \"r\" worth 2 w0 - lr * g / sqrt(v)\n  = 0.5 - 0.01 * 0.2 / sqrt(0.013)\n  \
        ≈ 0.5 - 0.002 / 0.11402\n  ≈ 0.48246\n";
    let r = Reference::new("r.deriv", reference, &CheckOptions::default()).expect("a reference");
    for line in ["0.5 - 0.0175", "0.5 - 0.01754"] {
        let source = format!("derive \"r\" w0 - lr * g / sqrt(v)\n  ≈ {line}\n  ≈ 0.48246\n");
        let d = grade_submission(&r, "c.deriv", &source, &GradeOptions::default()).derivations[0].clone();
        assert_eq!((d.milestones, d.score.to_string().as_str()), ((1, 2), "1.4"), "{line}: {:?}", d.feedback);
    }
}

/// A reference whose steps before the answer show no work the grading counts says so: the answer
/// alone takes the whole part (a TA caught it only in the JSON: `2 * (m1 - m2) / (2 * s2^2)` before
/// `(m1 - m2) / s2^2`). One with a stage of the chain rule, or with only its answer, does not.
#[test]
fn a_reference_whose_steps_count_as_no_work_is_warned_of() {
    let model = "grading final 40%, steps 60%\nindex l in 1..D, f in 1..D\nvar m1[l], m2[l], s2[l] > 0\n\
        let KL = sum(l, (m1[l] - m2[l])^2 / (2 * s2[l]^2))\n";
    let warned = |steps: &str| {
        let text = format!("{model}derive \"kl mu\" worth 2 diff(KL, m1[f])\n{steps}");
        let r = Reference::new("kl.deriv", &text, &CheckOptions::default()).expect("a reference");
        r.warnings.iter().any(|w| w.message.starts_with("no step of this derivation before its answer counts as work"))
    };
    assert!(warned("  = 2 * (m1[f] - m2[f]) / (2 * s2[f]^2)\n  = (m1[f] - m2[f]) / s2[f]^2\n"));
    assert!(!warned("  = sum(l, diff((m1[l] - m2[l])^2, m1[f]) / (2 * s2[l]^2))\n  = (m1[f] - m2[f]) / s2[f]^2\n"));
    assert!(!warned("  = (m1[f] - m2[f]) / s2[f]^2\n"));
}

/// A `derive` line that cannot be read takes its steps with it: the part says so, not "missing"
/// (a TA: a missing `)` there left a right convolution part "missing: no derivation named …").
#[test]
fn a_derive_line_that_cannot_be_read_is_named_at_its_part() {
    let reference = "grading final 40%, steps 60%\nvar x\nderive \"square\" worth 2 diff(x^2, x)\n  = 2*x\n";
    let r = Reference::new("sq.deriv", reference, &CheckOptions::default()).expect("a reference");
    let grade = |source: &str| grade_submission(&r, "c.deriv", source, &GradeOptions::default());
    let g = grade("derive \"square\" diff(x^2, x\n  = 2*x\n");
    assert_eq!(
        g.derivations[0].feedback,
        ["not graded: the `derive` line at line 1 has an error (unclosed `(`), so the steps below it were not read"]
    );
    assert!(
        g.derivations[0].review.iter().any(|r| r.contains("its part is not graded")),
        "{:?}",
        g.derivations[0].review
    );
    let g = grade("derive diff(x^2, x\n  = 2*x\n");
    assert!(
        g.derivations[0].feedback[0]
            .ends_with("; the `derive` line at line 1 could not be read, and its steps with it"),
        "{:?}",
        g.derivations[0].feedback
    );
}

#[test]
fn the_heads_derivative_with_its_definitions_written_out_is_no_work() {
    // A TA's test: `= diff(1/(1 + exp(-x)), x)` (the head with `s` written out) before the answer
    // scored 4 / 4, the answer alone 1.6 / 4; `diff(H, a[i])` restated three ways, 6 / 6.
    let r = workbook();
    let sigmoid = |steps: &str| {
        grade_workbook(&r, &format!("derive \"sigmoid derivative\" diff(s(x), x)\n{steps}")).derivations[2].clone()
    };
    for restated in [
        "diff(1/(1 + exp(-x)), x)",
        "diff((1 + exp(-x))^(-1), x)",
        "2 * diff(1/(exp(-x) + 1), x) / 2",
        // Signs moved in and out, a number added inside or outside (the second TA).
        "-diff(-1/(1 + exp(-x)), x)",
        "-diff(-s(x), x)",
        "diff(1/(1 + exp(-x)) + 7, x)",
        "diff(1/(1 + exp(-x)), x) + 0",
    ] {
        let d = sigmoid(&format!("  = {restated}\n  = s(x) * (1 - s(x))\n"));
        assert_eq!((d.milestones, d.score.to_string().as_str()), ((0, 1), "1.6"), "{restated}: {:?}", d.feedback);
        assert!(d.steps[1].skips[0].contains("quotient rule"), "{:?}", d.steps[1].skips);
    }
    // A first step that differentiates still counts: the chain rule, with a `diff` piece left.
    for work in ["-1/(1 + exp(-x))^2 * diff(1 + exp(-x), x)", "-(1 + exp(-x))^(-2) * diff(exp(-x), x)"] {
        let d = sigmoid(&format!("  = diff(1/(1 + exp(-x)), x)\n  = {work}\n  = s(x) * (1 - s(x))\n"));
        assert_eq!((d.milestones, d.score.to_string().as_str()), ((1, 1), "4"), "{work}: {:?}", d.feedback);
    }
    let softmax = |steps: &str| {
        grade_workbook(&r, &format!("derive \"softmax CE gradient\" diff(H, a[i])\n{steps}")).derivations[0].clone()
    };
    let d = softmax(
        "  = diff(-sum(k, y[k] * log(p[k])), a[i])\n  = -diff(sum(k, y[k] * log(p[k])), a[i])\n  \
         = -1 * diff(sum(k, y[k] * log(p[k])), a[i])\n  = p[i] - y[i]\n",
    );
    assert_eq!((d.milestones, d.score.to_string().as_str()), ((0, 2), "2.4"), "{:?}", d.feedback);
    // So it is with the sum's index named otherwise (a TA's test: `sum(m, …)` for the sheet's
    // `sum(k, …)` took the milestone, 4.8 of 6 where the fair score was 2.4).
    let d = softmax("  = diff(-sum(m, y[m] * log(p[m])), a[i])\n  = p[i] - y[i]\n");
    let same = softmax("  = diff(-sum(k, y[k] * log(p[k])), a[i])\n  = p[i] - y[i]\n");
    assert_eq!((d.milestones, d.score.to_string()), (same.milestones, same.score.to_string()), "{:?}", d.feedback);
    assert_eq!(d.milestones.0, 0, "{:?}", d.feedback);
    // The derivative taken inside the sum is work (of its own route).
    let d = softmax(
        "  = -diff(sum(k, y[k] * log(p[k])), a[i])\n  = -sum(k, y[k] * diff(log(p[k]), a[i]))\n  \
         = -sum(k, y[k] * (delta(k, i) - p[i]))\n  = p[i] - y[i]\n",
    );
    assert_eq!((d.milestones, d.score.to_string().as_str()), ((2, 2), "6"), "{:?}", d.feedback);
    // Where the reference asks for the definitions written out, that step is reached, however the
    // constant factors are placed.
    let reference = format!(
        "{WORKBOOK_MODEL}derive \"softmax\" worth 6 diff(H, a[i])\n  = diff(-sum(k, y[k] * log(p[k])), a[i])\n  \
         = -sum(k, y[k] * diff(log(p[k]), a[i]))\n  = p[i] - y[i]\n"
    );
    let r = Reference::new("unfold.deriv", &reference, &CheckOptions::default()).expect("a reference");
    for restated in ["diff(-sum(k, y[k] * log(p[k])), a[i])", "-diff(sum(k, log(p[k]) * y[k]), a[i])"] {
        let body = format!(
            "derive \"softmax\" diff(H, a[i])\n  = {restated}\n  = -sum(k, y[k] * diff(log(p[k]), a[i]))\n  \
             = p[i] - y[i]\n"
        );
        let d = grade_workbook(&r, &body).derivations[0].clone();
        assert_eq!((d.milestones, d.score.to_string().as_str()), ((2, 2), "6"), "{restated}: {:?}", d.feedback);
    }
}

#[test]
fn a_derive_line_without_steps_is_a_part_not_attempted() {
    // A TA's test: a sheet with 2 of its parts filled in had "derivation has no steps" errors for
    // the others, and was flagged for manual review.
    let r = workbook();
    let body = "derive \"softmax CE gradient\" worth 6 diff(H, a[i])\n  = p[i] - y[i]\n  # = … your steps\n\n\
        derive \"SGD update theta1\" worth 2 theta1 - 0.001 * diff(L, theta1)\n  # = … your steps, one per line\n\n\
        derive diff(s(x), x)\n";
    let g = grade_workbook(&r, body);
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    assert!(!g.manual_review(), "{:?}", g.review);
    assert_eq!(scores(&g), ["2.4", "0", "0"]);
    assert_eq!(g.derivations[1].feedback, ["not attempted: the derivation at line 15 has no steps"]);
    assert_eq!(g.derivations[2].feedback, ["not attempted: the derivation at line 18 has no steps"]);
    // The sheet handed in with no step at all is no answer to pass unseen.
    let g = grade_workbook(&r, &body.replace("  = p[i] - y[i]\n", ""));
    assert!(g.manual_review() && !g.gradable(), "{:?}", g.review);
    assert_eq!(g.errors.len(), 1, "{:?}", g.errors);
    assert_eq!(g.errors[0].message, "no derivation of this submission has steps");
    // `check` still reports each such line.
    let (_, errors) = parse_file(body);
    assert_eq!(errors.iter().filter(|e| e.message == "derivation has no steps").count(), 2);
}

#[test]
fn names_of_its_own_flag_a_file_only_where_a_derivation_it_has_lost_points() {
    // A TA's test: a submission with an index of its own, full marks on the one part it has and
    // the others missing, was flagged "declares names of its own … see whether they stand for the
    // reference's".
    let r = workbook();
    let body = "index j in 1..K\nlet q[k] = exp(a[k]) / sum(j, exp(a[j]))\n\
        derive \"softmax CE gradient\" diff(H, a[i])\n  = -sum(k, y[k] / q[k] * diff(q[k], a[i]))\n  \
        = -sum(k, y[k] * (delta(k, i) - q[i]))\n  = q[i] - y[i]\n";
    let g = grade_workbook(&r, body);
    assert_eq!(scores(&g), ["6", "0", "0"]);
    assert!(!g.manual_review(), "{:?}", g.review);
    // Points lost in the part it has: the index is still no reason (it stands for none of the
    // reference's quantities; `q` is graded as the reference's `p`, which has the same value).
    let g = grade_workbook(&r, &body.replace("  = q[i] - y[i]\n", "  = q[i] - y[i] + 1\n"));
    assert!(!g.review.iter().any(|r| r.contains("declares names of its own")), "{:?}", g.review);
}

#[test]
fn the_head_under_another_name_is_no_final_answer() {
    // A TA's test: two chain-rule steps and then `= delta_phi[t]`, the sheet's own name for
    // ∂E/∂net_phi[t], got 10/10; so did a student's own `let G = ∂L/∂…` ending `= G`.
    let chain = "  = sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])\n  = sum(c, zeta[c,t] * s[c,t-1] * f_phi'(net_phi[t]))\n";
    let named = grade_text(
        &format!("let delta_phi[t] = ∂E/∂net_phi[t]\nderive \"forget gate\" ∂E/∂net_phi[t]\n{chain}  = delta_phi[t]\n"),
        &GradeOptions::default(),
    );
    let d = &named.derivations[0];
    assert!(d.steps.iter().all(|s| s.result.holds) && !d.final_correct, "{:?}", d.feedback);
    let last = d.feedback.last().map(String::as_str).unwrap_or_default();
    assert!(last.contains("not worked out: `diff(E, net_phi[t])` is left"), "{last}");
    // The reference's own `zeta[c,t] = ∂E/∂s[c,t]` in the answer is still closed form.
    let plain = grade_text(&format!("derive \"forget gate\" ∂E/∂net_phi[t]\n{chain}"), &GradeOptions::default());
    assert!(plain.derivations[0].final_correct, "{:?}", plain.derivations[0].feedback);
}

#[test]
fn an_answer_reached_from_a_wrong_step_is_flagged() {
    // A TA's test: a wrong step, then a jump to the known answer, kept the final share unflagged.
    let jump = grade_text(
        "derive \"squared error\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * diff(w*x + b - y, w)\n  \
         = 2*(w*x + b - y) * w\n  = 2*x*(w*x + b - y)\n",
        &GradeOptions::default(),
    );
    let d = &jump.derivations[1];
    assert!(d.final_correct, "{:?}", d.feedback);
    assert_eq!(d.steps.iter().map(|s| s.status).collect::<Vec<_>>()[1..], [StepStatus::Wrong, StepStatus::Wrong]);
    assert!(jump.manual_review());
    assert!(jump.review.iter().any(|r| r.contains("reached from a wrong step (line")), "{:?}", jump.review);
    // Honest work is not flagged.
    let honest = grade_text(
        "derive \"squared error\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * diff(w*x + b - y, w)\n  \
         = 2*(w*x + b - y) * x\n",
        &GradeOptions::default(),
    );
    assert!(!honest.manual_review(), "{:?}", honest.review);
}

#[test]
fn a_grading_line_in_a_submission_is_ignored_and_not_flagged() {
    let g = grade_text(
        "grading final 100%\nderive \"squared error\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * w\n",
        &GradeOptions::default(),
    );
    assert!(g.model_changes.iter().any(|c| c.message == "the `grading` line of a submission is ignored"));
    assert!(!g.review.iter().any(|r| r.contains("model differs")), "{:?}", g.review);
    assert_eq!(g.derivations[1].score.to_string(), "0", "{:?}", g.derivations[1].feedback);
}

#[test]
fn a_reference_answer_with_many_digits_and_no_tolerance_is_warned_of() {
    let text = |tolerance: &str, answer: &str| {
        format!("{tolerance}let theta2 = 0.5, g = 0.476144\nderive \"update\" theta2 - 0.5 * g\n  = {answer}\n")
    };
    let warned = |t: &str| {
        let r = Reference::new("ref.deriv", t, &CheckOptions::default()).expect("a valid reference");
        r.warnings.iter().any(|w| w.message.contains("significant digits"))
    };
    assert!(warned(&text("", "0.261928")));
    // The hint gives an absolute tolerance that accepts one digit fewer (a relative one of a
    // parameter after a small update accepted a wrong update: a TA).
    let r = Reference::new("ref.deriv", &text("", "0.261928"), &CheckOptions::default()).expect("a valid reference");
    let hint = r.warnings.iter().flat_map(|w| &w.hints).find(|h| h.contains("tolerance"));
    assert!(hint.is_some_and(|h| h.contains("`tolerance 0.000005`")), "{hint:?}");
    assert!(!warned(&text("tolerance 0.000005\n", "0.261928")));
    assert!(!warned(&text("tolerance 0.1%\n", "0.261928")));
    assert!(!warned(&text("", "0.5 - 0.238072")));
}

#[test]
fn swapped_names_are_matched_by_the_head_and_a_backward_chain_is_flagged() {
    // A TA's test: two right derivations whose names were swapped got 2.5 of 10; one written from
    // the answer back to the question was scored without a flag.
    let body = "derive \"product\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * diff(w*x + b - y, w)\n  \
                = 2*(w*x + b - y) * x\n\
                derive \"squared error\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n";
    let g = grade_text(body, &GradeOptions::default());
    let by_head: Vec<_> = g.derivations[1..3].iter().map(|d| (d.matched.map(|(_, by)| by), d.final_correct)).collect();
    assert_eq!(
        by_head,
        [(Some(MatchedBy::Head), true), (Some(MatchedBy::Head), true)],
        "{:?}",
        g.derivations[1].feedback
    );
    let backwards =
        grade_text("derive \"product\" x*exp(x)*(2 + x)\n  = diff(x^2 * exp(x), x)\n", &GradeOptions::default());
    assert!(
        backwards.review.iter().any(|r| r.contains("written from the answer back to the question")),
        "{:?}",
        backwards.review
    );
}

/// The TA's LMS findings (5 December, evening): `grade . --format gradescope` wrote hidden
/// `.__alice__answer` folders for two submissions sharing a stem, and a submission linked into
/// the directory was skipped without a word.
#[test]
fn gradescope_names_are_visible_and_linked_submissions_are_graded() {
    let dir: PathBuf = std::env::temp_dir().join(format!("gradproof-names-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let correct = root().join("tests/grade/submissions/correct.deriv");
    for student in ["alice", "bob"] {
        std::fs::create_dir_all(dir.join("subs").join(student)).expect("a folder");
        std::fs::copy(&correct, dir.join("subs").join(student).join("answer.deriv")).expect("a copy");
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&correct, dir.join("subs/carol.deriv")).expect("a link");
    let out = dir.join("out");
    // `grade . --format gradescope` in the folder of submissions: its status and the folders written.
    let folders = || {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_gradproof"))
            .args(["grade", ".", "--reference"])
            .arg(root().join(REFERENCE))
            .args(["--format", "gradescope", "--out"])
            .arg(&out)
            .current_dir(dir.join("subs"))
            .output()
            .expect("the binary starts");
        let mut written: Vec<String> = std::fs::read_dir(&out)
            .expect("the output directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        (status, written)
    };
    let (status, written) = folders();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let expected: &[&str] =
        if cfg!(unix) { &["alice__answer", "bob__answer", "carol"] } else { &["alice__answer", "bob__answer"] };
    assert_eq!(written, expected);
    // One rule for every kind of answer (a TA: `.deriv` lost its extension and `.tex` kept it),
    // and the extension kept where two files would otherwise share a folder.
    let _ = std::fs::remove_dir_all(dir.join("subs"));
    let _ = std::fs::remove_dir_all(&out);
    for (student, file) in
        [("dan", "answer.deriv"), ("eve", "answer.tex"), ("fay", "answer.deriv"), ("fay", "answer.tex")]
    {
        std::fs::create_dir_all(dir.join("subs").join(student)).expect("a folder");
        std::fs::write(dir.join("subs").join(student).join(file), "x\n").expect("a file");
    }
    let (status, written) = folders();
    assert!(status.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&status.stderr));
    assert_eq!(written, ["dan__answer", "eve__answer", "fay__answer.deriv", "fay__answer.tex"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A student who handed in a file of another kind (`bob.txt`, `dan/scan.pdf`) was missing from
/// every output, exit 0 (a TA's sheet: the student missing from the LMS import). Such a file is a
/// submission that is not graded, flagged with its kind; one beside an answer in a student's own
/// folder (`alice/plot.png`) is part of that submission, and hidden files are not students.
#[test]
fn a_file_of_another_kind_is_a_submission_not_graded_not_a_missing_student() {
    let dir: PathBuf = std::env::temp_dir().join(format!("gradproof-kinds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let correct = root().join("tests/grade/submissions/correct.deriv");
    for folder in ["subs/alice", "subs/dan"] {
        std::fs::create_dir_all(dir.join(folder)).expect("a folder");
    }
    std::fs::copy(&correct, dir.join("subs/alice/answer.deriv")).expect("a copy");
    std::fs::copy(&correct, dir.join("subs/carol.deriv")).expect("a copy");
    for (file, text) in [
        ("subs/alice/plot.png", "png"),
        ("subs/bob.txt", "dL/db = sum_i dL/dy_i"),
        ("subs/dan/scan.pdf", "%PDF"),
        ("subs/.DS_Store", ""),
    ] {
        std::fs::write(dir.join(file), text).expect("a file");
    }
    let grade_csv = |path: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gradproof"))
            .args(["grade", path, "--reference"])
            .arg(root().join(REFERENCE))
            .args(["--format", "csv"])
            .current_dir(&dir)
            .output()
            .expect("the binary starts")
    };
    let output = grade_csv("subs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let csv = String::from_utf8_lossy(&output.stdout).into_owned();
    let rows: Vec<(String, bool, String)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let review = cells.iter().position(|c| *c == "true" || *c == "false").expect("a manual_review cell");
            (cells[0].to_string(), cells[review] == "true", cells[review + 1].to_string())
        })
        .collect();
    let paths: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(paths, ["subs/alice/answer.deriv", "subs/bob.txt", "subs/carol.deriv", "subs/dan/scan.pdf"], "{csv}");
    assert!(!rows[0].1 && !rows[2].1, "{csv}");
    assert!(rows[1].1 && rows[1].2.starts_with("not graded: a .txt file is not read"), "{csv}");
    assert!(rows[3].1 && rows[3].2.starts_with("not graded: a .pdf file is not read"), "{csv}");
    // A student's folder of a scan alone, given itself: one row, the scan's (a TA: a second row
    // said the folder holds no answer, and the student was counted twice).
    let csv = String::from_utf8_lossy(&grade_csv("subs/dan").stdout).into_owned();
    let paths: Vec<&str> = csv.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    assert_eq!(paths, ["subs/dan/scan.pdf"], "{csv}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_error_carried_into_a_part_whose_head_is_a_whole_array_is_charged_once() {
    // A TA's sheet: `diff(L, z1) * x^T` with the student's own (slipped) delta put in was charged
    // again, as the whole vector `diff(L, z1)` inside a product is a node of its own.
    let slipped = "var x: p, y: n\nvar W1: m x p, b1: m, W2: n x m, b2: n\n\
                   let z1 = W1 * x + b1\nlet h = tanh(z1)\nlet yhat = W2 * h + b2\nlet L = dot(yhat - y, yhat - y) / n\n\
                   derive \"hidden delta\" diff(L, z1)\n  = (W2^T * diff(L, yhat)) ⊙ tanh'(z1)\n  \
                   = (W2^T * (1 / n * (yhat - y))) ⊙ (1 - h ⊙ h)\n\
                   derive \"first layer\" diff(L, W1)\n  = diff(L, z1) * x^T\n  \
                   = ((W2^T * (1 / n * (yhat - y))) ⊙ (1 - h ⊙ h)) * x^T\n";
    let g = grade_against("mlp_matrix.deriv", "slipped.deriv", slipped);
    assert_eq!(scores(&g), ["1.2", "3"], "{:?}", g.derivations[1].feedback);
    assert_eq!(g.derivations[1].steps[1].status, StepStatus::CarriedForward);
    assert_eq!(g.derivations[1].steps[1].carried_from.as_deref(), Some("hidden delta"));
    // Another mistake in the later part is still its own.
    let g = grade_against("mlp_matrix.deriv", "twice.deriv", &slipped.replace(")) * x^T\n", ")) * x^T * 3\n"));
    assert_eq!(g.derivations[1].steps[1].status, StepStatus::Wrong);
}

#[test]
fn an_answer_with_an_earlier_parts_answer_put_in_may_leave_what_that_answer_leaves() {
    // A TA's sheet: `∂L/∂o[e]` is given (the weights' answer leaves it); a student who put the
    // weights' answer in for `∂L/∂a` lost the final share of "scores" ("`diff(L, o[e])` is left,
    // which the reference resolves").
    let model = "index i in 1..N, j in 1..N, d in 1..D, e in 1..M\nvar q[d], K[i,d], V[i,e]\n\
                 let s[i] = sum(d, q[d] * K[i,d]) / sqrt(D)\nlet a[i] = exp(s[i]) / sum(j, exp(s[j]))\n\
                 let o[e] = sum(i, a[i] * V[i,e])\nunknown L depends on o[e]\n";
    let weights = "derive \"weights\" diff(L, a[i])\n  = sum(e, diff(L, o[e]) * V[i,e])\n";
    let scores_with = |answer: &str| {
        format!("{model}{weights}derive \"scores\" diff(L, s[i])\n  = sum(j, diff(L, a[j]) * a[j] * (delta(i, j) - a[i]))\n  = {answer}\n")
    };
    let expanded =
        scores_with("a[i] * (sum(e, diff(L, o[e]) * V[i,e]) - sum(j, a[j] * sum(e, diff(L, o[e]) * V[j,e])))");
    let g = grade_against("attention_query.deriv", "expanded.deriv", &expanded);
    assert!(g.derivations[1].final_correct, "{:?}", g.derivations[1].feedback);
    // Its own question is still no answer, nor is the derivative the softmax asks for.
    for left in ["diff(L, s[i])", "sum(j, diff(L, a[j]) * diff(a[j], s[i]))"] {
        let g = grade_against("attention_query.deriv", "left.deriv", &scores_with(left));
        assert!(!g.derivations[1].final_correct, "{left}: {:?}", g.derivations[1].feedback);
    }
}

#[test]
fn an_index_of_the_submissions_own_is_no_reason_to_look_at_it() {
    // A TA's sheet: a submission declaring its own index, with an ordinary slip, was flagged "the
    // submission declares names of its own … see whether they stand for the reference's under
    // other names": an index stands for none of the reference's quantities.
    let halfway = "derive \"forget gate\" ∂E/∂net_phi[t]\n  = sum(c, ∂E/∂s[c,t] * ∂s[c,t]/∂net_phi[t])\n";
    let g = grade_text(&format!("index q in 1..D\n{halfway}"), &GradeOptions::default());
    assert!(g.derivations[0].score < g.derivations[0].max_score);
    assert!(g.model_changes.iter().any(|d| d.message.contains("added declaration of `q`")), "{:?}", g.model_changes);
    assert!(g.review.is_empty(), "{:?}", g.review);
    // A node of its own still is: it may be the reference's under another name.
    let g = grade_text(&format!("let qq[t] = 2 * net_phi[t]\n{halfway}"), &GradeOptions::default());
    assert!(g.review.iter().any(|r| r.contains("declares names of its own")), "{:?}", g.review);
}

#[test]
fn an_error_carried_into_a_sum_over_the_earlier_head_or_with_two_answers_is_charged_once() {
    // A TA's RNN sheet: a slip in `∂L/∂a2[j]` (`1 - h2[j]` for `1 - h2[j]^2`) carried into
    // `sum(j, ∂L/∂a2[j] * U[j,m])`, `j` bound there, was charged again; so was a step that puts in
    // both earlier answers at once.
    let body = std::fs::read_to_string(root().join("tests/data/grade_names/rnn_two_steps.deriv")).expect("reference");
    let model: String =
        body.lines().filter(|l| !l.starts_with("derive") && !l.starts_with("  =")).map(|l| format!("{l}\n")).collect();
    let slipped = format!(
        "{model}derive \"pre-activation, step 2\" diff(L, a2[j])\n  = diff(L, h2[j]) * diff(h2[j], a2[j])\n  \
         = diff(L, h2[j]) * (1 - h2[j])\n\
         derive \"hidden state, step 1\" diff(L, h1[m])\n  = sum(j, diff(L, a2[j]) * diff(a2[j], h1[m]))\n  \
         = sum(j, diff(L, h2[j]) * (1 - h2[j]) * U[j,m])\n\
         derive \"recurrent weights\" diff(L, U[j,m])\n  \
         = diff(L, a2[j]) * h1[m] + sum(n, diff(L, h1[n]) * diff(h1[n], U[j,m]))\n  \
         = diff(L, a2[j]) * h1[m] + diff(L, h1[j]) * (1 - h1[j]^2) * h0[m]\n  \
         = diff(L, h2[j]) * (1 - h2[j]) * h1[m] + sum(k, diff(L, h2[k]) * (1 - h2[k]) * U[k,j]) * (1 - h1[j]^2) * h0[m]\n"
    );
    let g = grade_against("rnn_two_steps.deriv", "slipped.deriv", &slipped);
    assert_eq!(scores(&g), ["0.6", "3", "5"], "{:?} {:?}", g.derivations[1].feedback, g.derivations[2].feedback);
    assert_eq!(g.derivations[1].steps[1].carried_from.as_deref(), Some("pre-activation, step 2"));
    assert_eq!(g.derivations[2].steps[2].status, StepStatus::CarriedForward);
    // A chain that stops after a chain rule of its own route (through `a1`, where the reference
    // goes through `h1`) has done that stage: half the steps' share, as the reference's own stage
    // stopped there has (it had none: "it skips the chain rule").
    let own_route = format!(
        "{model}derive \"recurrent weights\" diff(L, U[j,m])\n  = diff(L, a2[j]) * h1[m] + diff(L, a1[j]) * h0[m]\n"
    );
    let g = grade_against("rnn_two_steps.deriv", "own_route.deriv", &own_route);
    let d = g.derivations.iter().find(|d| d.name == "recurrent weights").expect("graded");
    assert_eq!((d.milestones, d.score.to_string().as_str()), ((1, 2), "1.5"), "{:?}", d.feedback);
}

/// A reference written by `derive` (a tester's finding): its steps that sum out a Kronecker delta
/// (`(yhat - y) * sum(j2 in 1..m, delta(j2, j) * h[j2])`) and those that leave a builtin's
/// derivative as a prime (`… ⊙ tanh'(z1)) * xᵀ` before `… ⊙ (1 - h^2)) * xᵀ`) are no milestones:
/// a fully shown textbook derivation lost a quarter of a part for skipping them, "it skips the
/// reference's step …". The chain rule's stages still are.
#[test]
fn a_reference_from_derive_asks_for_no_bookkeeping_steps() {
    use gradproof::derive::{derive_all, Goal};
    let model = "index j in 1..m, k in 1..p\nvar x[k], W1[j,k], b1[j], v[j], c, y\n\
                 let a[j] = sum(k, W1[j,k] * x[k]) + b1[j]\nlet h[j] = sigmoid(a[j])\n\
                 let yhat = sum(j, v[j] * h[j]) + c\nlet L = 1/2 * (yhat - y)^2\n";
    let goals =
        [Goal { expr: "diff(L, v[j])", name: Some("dv") }, Goal { expr: "diff(L, W1[j,k])", name: Some("dW1") }];
    let derived = derive_all(model, &goals, &CheckOptions::default()).expect("derived");
    assert!(derived.text.contains("delta(j2, j)"), "{}", derived.text);
    let r = Reference::new("mlp.deriv", &derived.text, &CheckOptions::default()).expect("a reference");
    let textbook = format!(
        "{model}derive \"dv\" diff(L, v[j])\n  = (yhat - y) * diff(yhat, v[j])\n  = (yhat - y) * h[j]\n\
         derive \"dW1\" diff(L, W1[j,k])\n  = (yhat - y) * diff(yhat, W1[j,k])\n  \
         = (yhat - y) * v[j] * diff(h[j], W1[j,k])\n  = (yhat - y) * v[j] * sigmoid'(a[j]) * diff(a[j], W1[j,k])\n  \
         = (yhat - y) * v[j] * h[j] * (1 - h[j]) * x[k]\n"
    );
    let g = grade_submission(&r, "textbook.deriv", &textbook, &GradeOptions::default());
    assert_eq!(g.score.to_string(), "2", "{:?}", g.derivations.iter().map(|d| &d.feedback).collect::<Vec<_>>());
    // The answer alone still shows no work.
    let answers = format!("{model}derive \"dv\" diff(L, v[j])\n  = (yhat - y) * h[j]\n");
    let g = grade_submission(&r, "answers.deriv", &answers, &GradeOptions::default());
    assert_eq!(g.derivations[0].milestones.0, 0);
    assert!(g.derivations[0].score.to_string() != "1", "{}", g.derivations[0].score);
    // In matrix form, `tanh'` written out from the start skips nothing.
    let model = "var x: p, y: n\nvar W1: m x p, b1: m, W2: n x m, b2: n\nlet z1 = W1 * x + b1\nlet h = tanh(z1)\n\
                 let yhat = W2 * h + b2\nlet L = 1/2 * dot(yhat - y, yhat - y)\n";
    let derived = derive_all(model, &[Goal { expr: "diff(L, W1)", name: Some("dW1") }], &CheckOptions::default())
        .expect("derived");
    assert!(derived.text.contains("tanh'(z1)"), "{}", derived.text);
    let r = Reference::new("mm.deriv", &derived.text, &CheckOptions::default()).expect("a reference");
    let shown = format!(
        "{model}derive \"dW1\" diff(L, W1)\n  = diff(L, z1) * x^T\n  = (diff(L, h) ⊙ (1 - h^2)) * x^T\n  \
         = ((W2^T * diff(L, yhat)) ⊙ (1 - h^2)) * x^T\n  = ((W2^T * (yhat - y)) ⊙ (1 - h^2)) * x^T\n"
    );
    let g = grade_submission(&r, "shown.deriv", &shown, &GradeOptions::default());
    assert_eq!(g.score.to_string(), "1", "{:?}", g.derivations[0].feedback);
}

/// A TA's sheet (6 December): a slip in the reference's last step before the answer, then the
/// wrong line written again as the answer, was charged the step, the answer and the milestone
/// ("it skips the reference's step … (softmax Jacobian)": 0.8 of 4, unflagged); written otherwise
/// as the answer, only the first two (1.6). A wrong step that leaps to the answer stands for the
/// reference's next step, as a step of the student's own route does. And a reference's only
/// shown step is a milestone even where it sums out a delta (the answer alone is not the work).
#[test]
fn a_wrong_step_at_the_answer_is_charged_once() {
    let model = "index m in 1..A, n in 1..A\nvar z[m]\nvar a in 1..A\nlet p[m] = exp(z[m]) / sum(n, exp(z[n]))\n\
                 index q in 1..J, l in 1..J\nvar mu[q]\nlet KL = 1/2 * sum(q, mu[q]^2)\n";
    let reference = format!(
        "{model}grading final 40%, steps 60%\n\
         derive \"score\" worth 4 diff(log(p[a]), z[m])\n  = 1/p[a] * diff(p[a], z[m])   # chain rule through log\n  \
         = 1/p[a] * p[a] * (delta(a, m) - p[m])   # softmax Jacobian\n  = delta(a, m) - p[m]\n\
         derive \"kl\" worth 2 diff(KL, mu[l])\n  = 1/2 * sum(q, 2 * mu[q] * delta(q, l))\n  = mu[l]\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let score = |steps: &str| {
        let g = grade_submission(
            &r,
            "s.deriv",
            &format!("{model}derive \"score\" diff(log(p[a]), z[m])\n{steps}"),
            &GradeOptions::default(),
        );
        (
            g.derivations[0].score.to_string(),
            g.derivations[0].steps.iter().flat_map(|s| s.skips.clone()).collect::<Vec<_>>(),
        )
    };
    let slip = "  = 1/p[a] * diff(p[a], z[m])\n  = 1/p[a] * (delta(a, m) - p[m])\n";
    assert_eq!(score(&format!("{slip}  = (delta(a, m) - p[m]) / p[a]\n")), ("1.6".to_string(), vec![]));
    assert_eq!(score(&format!("{slip}  = delta(a, m) / p[a] - p[m] / p[a]\n")), ("1.6".to_string(), vec![]));
    assert_eq!(score(slip), ("1.2".to_string(), vec![]));
    // A right leap to the answer still skips the step.
    let (points, skips) = score("  = 1/p[a] * diff(p[a], z[m])\n  = delta(a, m) - p[m]\n");
    assert_eq!(points, "2.8");
    assert_eq!(skips.len(), 1, "{skips:?}");
    let g = grade_submission(
        &r,
        "answers.deriv",
        &format!("{model}derive \"kl\" diff(KL, mu[l])\n  = mu[l]\n"),
        &GradeOptions::default(),
    );
    let kl = g.derivations.iter().find(|d| d.name == "kl").expect("the kl part");
    assert_eq!(kl.score.to_string(), "0.8", "{:?}", kl.feedback);
}

/// A step line with a syntax error is not read: the rest of its derivation is graded as if it
/// were not there, and the feedback says so at its place (a TA: one missing `*` cost a whole
/// label-smoothing part, 0 of a fair 3.5).
#[test]
fn a_line_that_cannot_be_read_costs_only_itself() {
    let r = Reference::new(
        "ref.deriv",
        "var x\nderive \"p\" worth 2 diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)   # product rule\n  = x*exp(x)*(2 + x)\n",
        &CheckOptions::default(),
    )
    .expect("a valid reference");
    let typo = "var x\nderive \"p\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = x exp(x)*(2 + x)\n  = x*exp(x)*(2 + x)\n";
    let g = grade_submission(&r, "s.deriv", typo, &GradeOptions::default());
    // The unread line is a step that earns nothing: a third of the steps' half is lost.
    assert_eq!(scores(&g), ["1.67"]);
    assert!(g.manual_review(), "an error flags the file");
    // A wrong step hidden behind a typo costs no less than its own share (a tester: it cost
    // nothing); written cleanly, it and the correction after it cost two.
    let hidden = typo.replace("= x exp(x)*(2 + x)", "= x*exp(x)*(3 + x))");
    assert_eq!(scores(&grade_submission(&r, "s.deriv", &hidden, &GradeOptions::default())), ["1.67"]);
    let clean = typo.replace("= x exp(x)*(2 + x)", "= x*exp(x)*(3 + x)");
    assert_eq!(scores(&grade_submission(&r, "s.deriv", &clean, &GradeOptions::default())), ["1.33"]);
    let feedback = &g.derivations[0].feedback;
    assert!(feedback[1].starts_with("line 4: not read: "), "{feedback:?}");
    assert!(feedback[1].ends_with("(no credit; the step after it is graded from the step before it)"), "{feedback:?}");
    assert_eq!(feedback[2], "line 5: proved — follows from line 3");
    // Unread last: the answer is not known, and no step before it is taken for it (a reviewer: a
    // right step, then a wrong answer with a typo, had the final share).
    let last = "var x\nderive \"p\" diff(x^2 * exp(x), x)\n  = 2*x*exp(x) + x^2*exp(x)\n  = x exp(x)*(2 + x)\n";
    let g = grade_submission(&r, "s.deriv", last, &GradeOptions::default());
    assert!(!g.derivations[0].final_correct);
    let feedback = &g.derivations[0].feedback;
    assert!(feedback[1].ends_with("(no credit, and no final share: the answer is not known)"), "{feedback:?}");
    assert_eq!(feedback[2], "final answer: line 4 could not be read; the step before it is not taken as the answer");
}

/// A reference step that leaves only the upstream derivative its answer leaves has the rules
/// applied, and is asked for (a TA: "the chain rule, then the answer" scored a whole attention
/// part); written as the answer with a factor moved across a sum's sign, it is not (the forget
/// gate of `a_fully_correct_submission_gets_full_marks`).
#[test]
fn a_step_with_only_the_upstream_gradient_left_is_a_milestone() {
    let r = Reference::new(
        "ref.deriv",
        "var w, x\nunknown L depends on a\nlet a = w^2 * x + w\nderive \"g\" worth 2 diff(L, w)\n  = diff(L, a) * diff(a, w)   # chain rule\n  = diff(L, a) * (2 * w * x + 1)   # power rule\n  = 2 * x * w * diff(L, a) + diff(L, a)\n",
        &CheckOptions::default(),
    )
    .expect("a valid reference");
    let skipped = "var w, x\nunknown L depends on a\nlet a = w^2 * x + w\nderive \"g\" diff(L, w)\n  = diff(L, a) * diff(a, w)\n  = 2 * x * w * diff(L, a) + diff(L, a)\n";
    let g = grade_submission(&r, "s.deriv", skipped, &GradeOptions::default());
    assert_eq!(g.derivations[0].milestones, (1, 2), "{:?}", g.derivations[0].feedback);
    assert!(g.derivations[0].score < g.derivations[0].max_score, "{:?}", g.derivations[0].feedback);
    let shown = "var w, x\nunknown L depends on a\nlet a = w^2 * x + w\nderive \"g\" diff(L, w)\n  = diff(L, a) * diff(a, w)\n  = diff(L, a) * (2 * w * x + 1)\n";
    let g = grade_submission(&r, "s.deriv", shown, &GradeOptions::default());
    assert_eq!(scores(&g), ["2"], "{:?}", g.derivations[0].feedback);
}

/// A part answered twice, a first attempt and then `# second try` under the same name, or an
/// unnamed side check with the same head: the first answer is graded (the order decides, never the
/// score: the better of two would reward writing several), and the further one is named as such
/// for the TA. A TA tester found the second try called "matches none of the reference's", as was
/// every missing part's hint; a reviewer found a "last answer wins" rule take an unnamed side
/// check after a full answer (6 of 6 became 2). By hand: 2*x*(w*x + b - y) is the derivative.
#[test]
fn a_part_answered_twice_is_graded_on_the_first_answer_and_flagged() {
    let wrong = "derive \"squared error\" diff((w*x + b - y)^2, w)\n  = -2*x*(w*x + b - y)\n";
    let right = "derive \"squared error\" diff((w*x + b - y)^2, w)\n  = 2*(w*x + b - y) * diff(w*x + b - y, w)\n\
                 = 2*(w*x + b - y) * x\n  = 2*x*(w*x + b - y)\n";
    let side = "derive diff((w*x + b - y)^2, w)\n  = 2*x*(w*x + b - y)\n";
    // A named answer with its head reordered before an unnamed check written like the reference's
    // head: the named one is the answer (a second reviewer: the check took the part, 2 of 6).
    let reordered = right.replace("diff((w*x + b - y)^2, w)\n", "diff((x*w + b - y)^2, w)\n");
    assert_ne!(reordered, right);
    for (text, full) in [
        (format!("{wrong}\n# second try\n{right}"), false),
        (format!("{right}\n{side}"), true),
        (format!("{reordered}\n{side}"), true),
    ] {
        let g = grade_text(&text, &GradeOptions::default());
        let d = g.derivations.iter().find(|d| d.name == "squared error").expect("the part");
        assert_eq!(d.score == d.max_score, full, "{text}");
        assert!(g.unmatched.is_empty());
        assert_eq!(g.review.len(), 1, "{:?}", g.review);
        assert!(
            g.review[0].contains("answers \"squared error\" too and is not graded: the one at line"),
            "{:?}",
            g.review
        );
        let missing: Vec<&String> =
            g.derivations.iter().flat_map(|d| &d.feedback).filter(|f| f.contains("missing")).collect();
        assert!(!missing.is_empty() && missing.iter().all(|f| !f.contains("matched no part")), "{missing:?}");
    }
}

/// A head that is a number (a momentum step, a Newton step) asked again with the sheet's formulas
/// written out shows no work (a TA, 6 December, with SymPy for the numbers: `= w0 - lr * m1` before
/// the answer took 1.4 of 2 and written twice 2 of 2, where the answer alone took 0.8; `wn -
/// diff(3*wn^2 - 2*wn + 1, wn) / …` before `1/3` took 2 of 2, no derivative taken). The numbers
/// put in are still work, and so is the reference's own restatement where it writes one.
#[test]
fn a_number_asked_again_with_its_formulas_written_out_is_no_work() {
    let model = "grading final 40%, steps 60%\nlet w0 = 1.0, lr = 0.1, g0 = 0.5, m0 = 0.2, beta = 0.9\n\
                 let m1 = beta * m0 + (1 - beta) * g0\nlet w1 = w0 - lr * m1\n";
    let reference = format!(
        "{model}derive \"momentum\" worth 2 w1\n  = 1.0 - 0.1 * (0.9 * 0.2 + 0.1 * 0.5)\n  = 1.0 - 0.1 * 0.23\n  = 0.977\n"
    );
    let r = Reference::new("momentum.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let score = |steps: &str| {
        let g = grade_submission(
            &r,
            "a.deriv",
            &format!("{model}derive \"momentum\" w1\n{steps}"),
            &GradeOptions::default(),
        );
        g.derivations[0].score.to_string()
    };
    assert_eq!(score("  = 0.977\n"), "0.8");
    for restated in ["  = w0 - lr * m1\n", "  = w0 - lr * m1\n  = w0 - lr * (beta * m0 + (1 - beta) * g0)\n"] {
        assert_eq!(score(&format!("{restated}  = 0.977\n")), "0.8", "{restated}");
    }
    assert_eq!(score("  = w0 - lr * m1\n"), "0");
    assert_eq!(score("  = 1.0 - 0.1 * (0.9 * 0.2 + 0.1 * 0.5)\n  = 1.0 - 0.1 * 0.23\n  = 0.977\n"), "2");
    assert_eq!(
        score("  = w0 - lr * m1\n  = 1.0 - 0.1 * (0.9 * 0.2 + 0.1 * 0.5)\n  = 1.0 - 0.1 * 0.23\n  = 0.977\n"),
        "2"
    );
    // The reference that writes the formula out first: that step is reached by it.
    let reference = format!(
        "{model}derive \"momentum\" worth 2 w1\n  = w0 - lr * (beta * m0 + (1 - beta) * g0)\n  = 1.0 - 0.1 * 0.23\n  = 0.977\n"
    );
    let r = Reference::new("momentum.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let g = grade_submission(
        &r,
        "a.deriv",
        &format!("{model}derive \"momentum\" w1\n  = w0 - lr * m1\n  = 1.0 - 0.1 * 0.23\n  = 0.977\n"),
        &GradeOptions::default(),
    );
    assert_eq!(g.derivations[0].score.to_string(), "2", "{:?}", g.derivations[0].feedback);
    // Newton's step: the derivatives left untaken are the question again.
    let model = "grading final 40%, steps 60%\nlet wn = 2\nlet fq = 3 * wn^2 - 2 * wn + 1\n";
    let reference = format!(
        "{model}derive \"Newton\" worth 2 wn - diff(fq, wn) / diff(fq, wn, wn)\n  = 2 - (6 * 2 - 2) / 6\n  = 1/3\n"
    );
    let r = Reference::new("newton.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let answer = |steps: &str| {
        let body = format!("{model}derive \"Newton\" wn - diff(fq, wn) / diff(fq, wn, wn)\n{steps}");
        grade_submission(&r, "a.deriv", &body, &GradeOptions::default()).derivations[0].score.to_string()
    };
    assert_eq!(answer("  = 1/3\n"), "0.8");
    assert_eq!(
        answer("  = wn - diff(3 * wn^2 - 2 * wn + 1, wn) / diff(3 * wn^2 - 2 * wn + 1, wn, wn)\n  = 1/3\n"),
        "0.8"
    );
    assert_eq!(answer("  = 2 - (6 * 2 - 2) / 6\n  = 1/3\n"), "2");
}

/// A `tolerance` line holds for every part below it: one written for an Adam step judged a Newton
/// step's exact answer 1/3, and a student's `≈ 0.333` lost the final share without a word to the
/// TA (a TA, 6 December). The reference is warned about, with a tolerance that accepts it (by
/// hand: |0.333 - 1/3| = 0.00033 < 0.0005); an answer the line accepts rounded is not.
#[test]
fn a_tolerance_line_that_refuses_a_later_exact_answer_rounded_is_warned_about() {
    let source = "grading final 40%, steps 60%\ntolerance 0.0001\nlet wn = 2\nlet fq = 3 * wn^2 - 2 * wn + 1\n\
                  derive \"Newton\" wn - diff(fq, wn) / diff(fq, wn, wn)\n  = 2 - (6 * 2 - 2) / 6\n  = 1/3\n\
                  derive \"half\" wn / 4\n  = 1/2\n";
    let r = Reference::new("ref.deriv", source, &CheckOptions::default()).expect("a reference");
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let w = &r.warnings[0];
    assert_eq!(w.message, "under the `tolerance 0.0001` above, a student's `≈ 0.333` for this answer is wrong");
    assert!(w.hints[0].contains("`tolerance 0.0005` accepts `≈ 0.333`"), "{:?}", w.hints);
    assert_eq!(line_col(source, w.span.start).0, 7);
    let lenient = source.replace("tolerance 0.0001", "tolerance 0.001");
    let r = Reference::new("ref.deriv", &lenient, &CheckOptions::default()).expect("a reference");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

/// A wrong first step with nothing that explains it, rewritten and carried to the end, keeps its
/// credit and is flagged (a TA, 6 December: `= s1^3/s2^2` and two rewrites took 1.2 of 3 where the
/// line alone took 0, unflagged; SymPy: ∂KL/∂σ₁ = -1/σ₁ + σ₁/σ₂²). A slip in numbers carried
/// through its arithmetic is not flagged.
#[test]
fn credit_only_for_a_wrong_start_rewritten_is_flagged() {
    let model = "grading final 40%, steps 60%\nvar m1g, m2g\nvar s1 > 0, s2 > 0\n\
                 let KL = log(s2 / s1) + (s1^2 + (m1g - m2g)^2) / (2 * s2^2) - 1/2\n";
    let reference = format!(
        "{model}derive \"KL\" worth 3 diff(KL, s1)\n  = -1/s1 + 2 * s1 / (2 * s2^2)\n  = (s1^2 - s2^2) / (s1 * s2^2)\n"
    );
    let r = Reference::new("kl.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let grade = |steps: &str| {
        grade_submission(
            &r,
            "a.deriv",
            &format!("{model}derive \"KL\" diff(KL, s1)\n{steps}"),
            &GradeOptions::default(),
        )
    };
    let g = grade("  = s1^3 / s2^2\n  = s1 * s1^2 / s2^2\n  = s1^2 * s1 / s2^2\n");
    assert_eq!(g.derivations[0].score.to_string(), "1.2");
    assert!(g.review.iter().any(|r| r.contains("carried forward from a wrong first step (line 6)")), "{:?}", g.review);
    let g = grade("  = s1^3 / s2^2\n");
    assert!(g.review.is_empty(), "{:?}", g.review);
    let g = grade("  = -1/s1 + 2 * s1 / (2 * s2^2)\n  = (s1^2 - s2^2) / (s1 * s2^2)\n");
    assert!(g.review.is_empty(), "{:?}", g.review);
    // Numbers: the moment put in wrong, its arithmetic carried.
    let model = "grading final 40%, steps 60%\nlet w0 = 1.0, lr = 0.1, g0 = 0.5, m0 = 0.2, beta = 0.9\n\
                 let m1 = beta * m0 + (1 - beta) * g0\nlet w1 = w0 - lr * m1\n";
    let reference = format!(
        "{model}derive \"momentum\" worth 2 w1\n  = 1.0 - 0.1 * (0.9 * 0.2 + 0.1 * 0.5)\n  = 1.0 - 0.1 * 0.23\n  = 0.977\n"
    );
    let r = Reference::new("momentum.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let body =
        format!("{model}derive \"momentum\" w1\n  = 1.0 - 0.1 * (0.9 * 0.2 + 0.5)\n  = 1.0 - 0.1 * 0.68\n  = 0.932\n");
    let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
    assert_ne!(g.derivations[0].score.to_string(), "0", "{:?}", g.derivations[0].feedback);
    assert!(g.review.is_empty(), "{:?}", g.review);
}

/// The flag on credit carried from an unexplained wrong first step is the same without feedback
/// (`--format csv`), where only such a derivation is searched for the repair that explains it (a
/// TA: a carried quotient-rule sign slip was flagged in the CSV alone; SymPy: ∂cos/∂a_m =
/// b_m/(|a||b|) − cos·a_m/|a|²).
#[test]
fn the_carried_credit_flag_is_the_same_without_feedback() {
    let model = "grading final 30%, steps 70%\nindex m in 1..M\nvar va1[m], vb1[m]\n\
                 let dt = sum(m, va1[m] * vb1[m])\nlet na = sqrt(sum(m, va1[m]^2))\n\
                 let nb = sqrt(sum(m, vb1[m]^2))\nlet cs = dt / (na * nb)\n";
    let reference = format!(
        "{model}derive \"cosine\" worth 3 diff(cs, va1[m])\n  = diff(dt, va1[m]) / (na * nb) - dt * diff(na, va1[m]) / (na^2 * nb)\n  = vb1[m] / (na * nb) - dt * va1[m] / (na^3 * nb)\n  = vb1[m] / (na * nb) - cs * va1[m] / na^2\n"
    );
    let r = Reference::new("cos.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let slip = format!(
        "{model}derive \"cosine\" diff(cs, va1[m])\n  = diff(dt, va1[m]) / (na * nb) + dt * diff(na, va1[m]) / (na^2 * nb)\n  = vb1[m] / (na * nb) + dt * va1[m] / (na^3 * nb)\n  = vb1[m] / (na * nb) + cs * va1[m] / na^2\n"
    );
    // The KL divergence's wrong start rewritten (as above): flagged in both.
    let kl_model = "grading final 40%, steps 60%\nvar m1g, m2g\nvar s1 > 0, s2 > 0\n\
                    let KL = log(s2 / s1) + (s1^2 + (m1g - m2g)^2) / (2 * s2^2) - 1/2\n";
    let kl = Reference::new(
        "kl.deriv",
        &format!("{kl_model}derive \"KL\" worth 3 diff(KL, s1)\n  = -1/s1 + 2 * s1 / (2 * s2^2)\n  = (s1^2 - s2^2) / (s1 * s2^2)\n"),
        &CheckOptions::default(),
    )
    .expect("a reference");
    let rewritten =
        format!("{kl_model}derive \"KL\" diff(KL, s1)\n  = s1^3 / s2^2\n  = s1 * s1^2 / s2^2\n  = s1^2 * s1 / s2^2\n");
    for (reference, body, flagged) in [(&r, &slip, false), (&kl, &rewritten, true)] {
        let full = grade_submission(reference, "a.deriv", body, &GradeOptions::default());
        let bare =
            grade_submission(reference, "a.deriv", body, &GradeOptions { feedback: false, ..GradeOptions::default() });
        assert_eq!((&bare.score, &bare.review), (&full.score, &full.review));
        assert_eq!(!full.review.is_empty(), flagged, "{:?}", full.review);
    }
}

/// A factor that does not change with the variable, moved out of the derivative, is the question
/// asked again, no step of work (a TA: `= G * diff(log(pp[ac]), th[b])` for `diff(Jr, th[b])`,
/// `Jr = G * log(pp[ac])`, took 0.7 of 3 while `diff(G * log(pp[ac]), th[b])` took 0).
#[test]
fn a_fixed_factor_moved_out_of_the_derivative_restates_the_question() {
    let model = "grading final 30%, steps 70%\nindex a in 1..A, b in 1..A\nvar th[a], G\nvar ac in 1..A\n\
                 let pp[a] = exp(th[a]) / sum(b, exp(th[b]))\nlet Jr = G * log(pp[ac])\n";
    let reference = format!(
        "{model}derive \"REINFORCE\" worth 3 diff(Jr, th[b])\n  = G * diff(th[ac] - log(sum(a, exp(th[a]))), th[b])\n  \
         = G * (delta(ac, b) - exp(th[b]) / sum(a, exp(th[a])))\n  = G * (delta(b, ac) - pp[b])\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    for restated in ["G * diff(log(pp[ac]), th[b])", "diff(G * log(pp[ac]), th[b])", "diff(log(pp[ac]), th[b]) * G"] {
        let body = format!("{model}derive \"REINFORCE\" diff(Jr, th[b])\n  = {restated}\n");
        let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
        assert_eq!(g.derivations[0].score.to_string(), "0", "{restated}: {:?}", g.derivations[0].feedback);
    }
    // The log of the softmax written out is the reference's first step: its share.
    let body =
        format!("{model}derive \"REINFORCE\" diff(Jr, th[b])\n  = G * diff(th[ac] - log(sum(a, exp(th[a]))), th[b])\n");
    let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
    assert_ne!(g.derivations[0].score.to_string(), "0", "{:?}", g.derivations[0].feedback);
}

/// A right answer written otherwise than the reference's answer and than its step of the
/// derivatives worked out, which it does not reach, is flagged: the same pieces in another form,
/// or another form of the answer alone? (a TA: a Huber derivative's two pieces written `1 -
/// step(…)`, or as the textbook's three cases, took the answer's share alone, unflagged; SymPy:
/// all equal `clamp(r, -δ, δ)` off the kinks). The reference's own form and the reference's
/// answer alone are not flagged.
#[test]
fn a_right_answer_in_another_form_than_the_worked_out_step_is_flagged() {
    let model = "grading final 30%, steps 70%\nvar yp, yt\nvar dl > 0\nlet hl = huber(yp - yt, dl)\n";
    let reference = format!(
        "{model}derive \"Huber\" worth 2 diff(hl, yp)\n  = step(dl - abs(yp - yt)) * (yp - yt) + step(abs(yp - yt) - dl) * dl * sign(yp - yt)\n  \
         = clamp(yp - yt, -dl, dl)\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let grade = |answer: &str| {
        let body = format!("{model}derive \"Huber\" diff(hl, yp)\n  = {answer}\n");
        grade_submission(&r, "a.deriv", &body, &GradeOptions::default())
    };
    for (answer, score, flagged) in [
        ("step(dl - abs(yp - yt)) * (yp - yt) + step(abs(yp - yt) - dl) * dl * sign(yp - yt)", "2", false),
        ("clamp(yp - yt, -dl, dl)", "0.6", false),
        ("max(-dl, min(yp - yt, dl))", "0.6", false),
        ("(yp - yt) - relu(abs(yp - yt) - dl) * sign(yp - yt)", "0.6", true),
        ("step(dl - abs(yp - yt)) * (yp - yt) + (1 - step(dl - abs(yp - yt))) * dl * sign(yp - yt)", "0.6", true),
        ("step(dl - abs(yp - yt)) * (yp - yt) + step(yp - yt - dl) * dl - step(yt - yp - dl) * dl", "0.6", true),
    ] {
        let g = grade(answer);
        assert_eq!(g.derivations[0].score.to_string(), score, "{answer}");
        assert_eq!(g.review.iter().any(|r| r.contains("written otherwise")), flagged, "{answer}: {:?}", g.review);
    }
    // The worked-out step reached, another skipped: no flag (a reviewer).
    let reference = format!(
        "{model}derive \"Huber\" worth 2 diff(hl, yp)\n  = diff(yp^2/2 - relu(abs(yp - yt) - dl)^2/2 - yp*yt, yp)\n  \
         = step(dl - abs(yp - yt)) * (yp - yt) + step(abs(yp - yt) - dl) * dl * sign(yp - yt)\n  = clamp(yp - yt, -dl, dl)\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let body = format!(
        "{model}derive \"Huber\" diff(hl, yp)\n  = step(dl - abs(yp - yt)) * (yp - yt) + step(abs(yp - yt) - dl) * dl * sign(yp - yt)\n"
    );
    let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
    assert!(g.review.is_empty(), "{:?}", g.review);
}

/// A number right to the digits it writes but refused by the sheet's `tolerance` is told to give
/// more digits, not that it is the wrong value (a TA: `≈ 1.30` for 1.30122 under `tolerance
/// 0.00005` was "not the value asked for"); a line of prose gives its error once in the reasons,
/// not once per gap between its words; a PDF handed in is named as one.
#[test]
fn under_precise_numbers_repeated_errors_and_pdfs_are_said_plainly() {
    let model = "grading final 30%, steps 70%\nlet w0 = 1.2, g0 = -0.5, v0 = 0.04, rho = 0.9, lr = 0.05\n\
                 let v1 = rho * v0 + (1 - rho) * g0^2\nlet w1 = w0 - lr * g0 / sqrt(v1)\ntolerance 0.00005\n";
    let reference = format!(
        "{model}derive \"RMSprop\" worth 3 w1\n  = 1.2 - 0.05 * (-0.5) / sqrt(0.9 * 0.04 + 0.1 * (-0.5)^2)\n  \
         = 1.2 + 0.025 / sqrt(0.061)\n  ≈ 1.30122\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a reference");
    let body = format!("{model}derive \"RMSprop\" w1\n  = 1.2 + 0.025 / sqrt(0.061)\n  ≈ 1.30\n");
    let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
    let said = g.derivations[0].feedback.join("\n");
    assert!(said.contains("right to the digits it writes") && !said.contains("not the value asked for"), "{said}");
    let body = format!("{model}derive \"RMSprop\" w1\n  ≈ 1.25\n");
    let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
    assert!(
        g.derivations[0].feedback.join("\n").contains("not the value asked for"),
        "{:?}",
        g.derivations[0].feedback
    );
    // Prose: one distinct error.
    let body = format!("{model}derive \"RMSprop\" w1\n  = the answer is one point three\n");
    let g = grade_submission(&r, "a.deriv", &body, &GradeOptions::default());
    let reason = g.review.iter().find(|r| r.contains("error")).expect("a reason for the errors");
    assert_eq!(reason.matches("missing operator").count(), 1, "{reason}");
    // A PDF.
    let report =
        gradproof::check_source("scan.deriv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", &CheckOptions::default());
    assert!(report.errors.iter().any(|e| e.message.contains("a PDF")), "{:?}", report.errors);
}

/// The skips of each step of a submission `steps` against a reference `reference_steps`, both
/// derivations of `diff(L, w)` under `model`.
fn skips_of(model: &str, reference_steps: &str, steps: &str) -> Vec<Vec<String>> {
    let reference = Reference::new(
        "ref.deriv",
        &format!("{model}derive \"p\" worth 3 diff(L, w)\n{reference_steps}"),
        &CheckOptions::default(),
    )
    .expect("a reference");
    let g = grade_submission(
        &reference,
        "sub.deriv",
        &format!("{model}derive \"p\" diff(L, w)\n{steps}"),
        &GradeOptions::default(),
    );
    g.derivations[0].steps.iter().map(|s| s.skips.clone()).collect()
}

/// A stage of a nested chain rule is named by the derivatives it brings in: BPTT's second stage
/// (`∂h1/∂w`) goes through `h1`, not through `h2`, which the first stage brought in (a TA: a
/// student who wrote the first stage was told it skipped the chain rule through `h2`). A stage
/// that brings in only the derivative of an expression (`∂tanh(w x)/∂w`) goes through no name:
/// it is said as the reference's step (a second tester: "through `y`", which the student had
/// written).
#[test]
fn a_skipped_stage_is_named_by_what_it_brings_in() {
    let bptt = "var w, h0\nlet h1 = tanh(w * h0)\nlet h2 = tanh(w * h1)\nunknown L depends on h2\n";
    let reference = "  = diff(L, h2) * diff(h2, w)\n  = diff(L, h2) * (1 - h2^2) * (h1 + w * diff(h1, w))\n  \
                     = diff(L, h2) * (1 - h2^2) * (h1 + w * (1 - h1^2) * h0)\n";
    assert_eq!(skips_of(bptt, reference, "  = diff(L, h2) * diff(h2, w)\n")[0], ["the chain rule through `h1`"]);
    assert_eq!(
        skips_of(bptt, reference, "  = diff(L, h2) * (1 - h2^2) * (h1 + w * diff(h1, w))\n")[0],
        ["the chain rule through `h2`"]
    );
    let tanh = "var w, x\nlet y = tanh(w*x)\nunknown L depends on y\n";
    let reference =
        "  = diff(L, y) * diff(y, w)\n  = diff(L, y) * diff(tanh(w*x), w)\n  = diff(L, y) * (1 - y^2) * x\n";
    let steps = "  = diff(L, y) * diff(y, w)\n  = diff(L, y) * (1 - y^2) * x\n";
    assert_eq!(skips_of(tanh, reference, steps)[1], ["a step of the reference"]);
}

/// A first step whose feedback names its mistake (a term the reference's next step shows
/// missing: batch norm's path through the mean) is no step "that no cause explains" (the review
/// said so beside the feedback: a TA). Truth: the reference's first step is ∂L/∂x_u by the chain
/// rule through x̂_u, the variance and the mean; the submission's lacks the mean's term.
#[test]
fn a_first_step_whose_missing_term_is_named_is_not_flagged_as_unexplained() {
    let model = "index r in 1..n, u in 1..n\nvar x[r]\nvar eps > 0\nlet muB = sum(r, x[r]) / n\n\
                 let va = sum(r, (x[r] - muB)^2) / n\nlet xh[r] = (x[r] - muB) / sqrt(va + eps)\n\
                 unknown L depends on xh[r]\n";
    let reference = format!(
        "{model}derive \"batch norm\" worth 3 diff(L, x[u])\n\
         \x20 = diff(L, xh[u]) / sqrt(va + eps) + diff(L, va) * 2 * (x[u] - muB) / n + diff(L, muB) / n\n\
         \x20 = (diff(L, xh[u]) - xh[u] * sum(r, diff(L, xh[r]) * xh[r]) / n - sum(r, diff(L, xh[r])) / n) / sqrt(va + eps)\n"
    );
    let r = Reference::new("ref.deriv", &reference, &CheckOptions::default()).expect("a valid reference");
    let submission = format!(
        "{model}derive \"batch norm\" worth 3 diff(L, x[u])\n\
         \x20 = diff(L, xh[u]) / sqrt(va + eps) + diff(L, va) * 2 * (x[u] - muB) / n\n\
         \x20 = (diff(L, xh[u]) - xh[u] * sum(r, diff(L, xh[r]) * xh[r]) / n) / sqrt(va + eps)\n"
    );
    let g = grade_submission(&r, "s.deriv", &submission, &GradeOptions::default());
    let steps = &g.derivations[0].steps;
    assert!(steps[0].diagnosis.as_deref().is_some_and(|d| d.contains("missing term")), "{:?}", steps[0].diagnosis);
    assert!(g.review.iter().all(|r| !r.contains("no cause explains")), "{:?}", g.review);
}

/// The numbers a step multiplies count as shown work only where they are the numbers of the
/// sheet's part (the definitions its head reads): a padding `* 0.9 / 0.9` with the momentum
/// part's β before a GRU gate's answer is the answer written again (a TA, 8 December: 3 of 3 where
/// the answer alone took 1.2; with a number the sheet does not write, 7, it was the answer).
#[test]
fn numbers_of_another_part_of_the_sheet_made_up_to_cancel_are_no_work() {
    let model = "var a, hp, ht, x\nlet z = sigmoid(a)\nlet h = (1 - z) * hp + z * ht\nlet q = 0.9 * x\n";
    let r = Reference::new(
        "gate.deriv",
        &format!(
            "{model}derive \"gate\" worth 1 diff(h, a)\n  = (ht - hp) * diff(z, a)\n  = (ht - hp) * z * (1 - z)\n"
        ),
        &CheckOptions::default(),
    )
    .expect("a reference");
    let score = |steps: &str| first_part_score(&r, &format!("{model}derive \"gate\" diff(h, a)\n{steps}"));
    let answer = "  = (ht - hp) * z * (1 - z)\n";
    assert_eq!(score(answer), "0.5");
    for padding in ["0.9", "7"] {
        assert_eq!(
            score(&format!("  = (ht - hp) * {padding} * z * (1 - z) / {padding}\n{answer}")),
            "0.5",
            "{padding}"
        );
    }
    assert_eq!(score(&format!("  = (ht - hp) * diff(z, a)\n{answer}")), "1");
}
