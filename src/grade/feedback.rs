//! What a student reads about each step: the verdict in words, where it fails, the likely
//! mistake — including a missing or extra term named from the step before — and, on request, the
//! reference's next step.

use crate::check::{
    check_model_memo, screen_verdicts, significant, Against, Cause, CheckOptions, Constant, Counterexample, Fraction,
    MemoScope, Repair, RepairKind, StepResult, Verdict,
};
use crate::model::{dims_text, expr_text, Derivation, Expr, Model, Step, ToleranceRule};
use crate::syntax::ast::{BigOp, Relation};

use super::matching::with_derivations;
use super::policy::StepStatus;

/// The most terms of one expression tried as a missing or extra term.
const MAX_TERMS: usize = 12;

/// A wrong step to diagnose: the expression before it, its own, and — when the one before
/// holds — the reference's next step, which has the value the step should have had.
pub(super) struct WrongStep<'a> {
    pub before: &'a Expr,
    pub step: &'a Expr,
    pub reference: Option<&'a Expr>,
    /// The step's shape (the alternatives have it too).
    pub shape: &'a crate::model::Shape,
}

/// For each wrong step, the mistake named by the first *alternative* that equals it: an
/// expression a typical mistake makes of the step before. A term of the step before left out
/// gives "missing term `t`"; a term of the step added to the step before gives "extra term `t`".
/// A wrong step's alternatives are checked together, as the steps of one derivation whose head is
/// the student's step (a step that `holds` is equal to it), apart from the other wrong steps'
/// alternatives, and each wrong step's with a budget of work of its own.
pub(super) fn name_terms(
    model: &Model,
    wrong: &[WrongStep],
    options: &CheckOptions,
    memo: Option<&MemoScope>,
) -> Vec<Option<String>> {
    let mut causes = vec![None; wrong.len()];
    let mut derivations = Vec::new();
    let mut owners = Vec::new();
    let mut labels: Vec<Vec<String>> = Vec::new();
    for (k, w) in wrong.iter().enumerate() {
        let alternatives = alternatives(model, w);
        if alternatives.is_empty() {
            continue;
        }
        let steps = alternatives
            .iter()
            .map(|(expr, _)| Step {
                relation: Relation::Equal,
                expr: expr.clone(),
                note: None,
                span: Default::default(),
                shape: w.shape.clone(),
                name_uses: Vec::new(),
                restates: false,
                after_unread: None,
            })
            .collect();
        derivations.push(Derivation {
            name: None,
            worth: None,
            head: w.step.clone(),
            steps,
            span: Default::default(),
            tolerance: ToleranceRule::Rounding,
            shape: w.shape.clone(),
            unread: Vec::new(),
        });
        owners.push(k);
        labels.push(alternatives.into_iter().map(|(_, label)| label).collect());
    }
    if derivations.is_empty() {
        return causes;
    }
    // Each wrong step's alternatives are checked on their own (as the only derivation of the
    // model, so their samples depend on nothing else): a wrong step seen before in another
    // submission, beside other wrong steps, is replayed from the memo. The numbers screen them
    // first, at one draw: where every alternative differs from the step there (`wrong`: not
    // where the numbers could not tell), none is the step's value, and the full check (the
    // prover and every draw) is not made. A label is only ever one that the full check gives.
    let mut alone = with_derivations(model, Vec::new());
    for ((derivation, owner), labels) in derivations.into_iter().zip(owners).zip(labels) {
        alone.derivations = vec![derivation];
        let screened = screen_verdicts(&alone, options, options.file_budget.work, &[]);
        let all_differ = screened.first().is_some_and(|d| d.iter().all(|&v| v == Some(Verdict::Wrong)));
        if all_differ {
            continue;
        }
        let results = check_model_memo(&alone, options, memo);
        let holds = results.first().and_then(|r| r.steps.iter().position(|s| s.holds));
        causes[owner] = holds.and_then(|i| labels.get(i).cloned());
    }
    causes
}

/// The expressions typical mistakes make of the correct value (the step before, or the reference's
/// step of the same value), each with the name of the mistake.
fn alternatives(model: &Model, w: &WrongStep) -> Vec<(Expr, String)> {
    let mut out = Vec::new();
    for correct in std::iter::once(w.before).chain(w.reference) {
        let correct_terms = terms(correct);
        if (2..=MAX_TERMS).contains(&correct_terms.len()) {
            for t in correct_terms {
                let label = format!("missing term `{}`", expr_text(model, &t));
                out.push((Expr::Sub(Box::new(correct.clone()), Box::new(t)), label));
            }
        }
    }
    let (before, step) = (w.before, w.step);
    let step_terms = terms(step);
    if (2..=MAX_TERMS).contains(&step_terms.len()) {
        for t in step_terms {
            let label = format!("extra term `{}`", expr_text(model, &t));
            out.push((Expr::Add(Box::new(before.clone()), Box::new(t)), label));
        }
    }
    // Hook for matrices: a transposition (`W` for `W^T`) will be one more alternative here, the
    // step before with one factor transposed, labelled "transposition of `W`".
    out
}

/// The terms of a sum, with their signs; a `sum` over a sum of terms gives one `sum` per term.
fn terms(e: &Expr) -> Vec<Expr> {
    fn walk(e: &Expr, negate: bool, out: &mut Vec<Expr>) {
        match e {
            Expr::Add(a, b) => {
                walk(a, negate, out);
                walk(b, negate, out);
            }
            Expr::Sub(a, b) => {
                walk(a, negate, out);
                walk(b, !negate, out);
            }
            Expr::Neg(a) => walk(a, !negate, out),
            Expr::Big(BigOp::Sum, bound, body) if matches!(**body, Expr::Add(..) | Expr::Sub(..)) => {
                let mut inner = Vec::new();
                walk(body, negate, &mut inner);
                out.extend(inner.into_iter().map(|t| Expr::Big(BigOp::Sum, *bound, Box::new(t))));
            }
            _ if negate => out.push(Expr::Neg(Box::new(e.clone()))),
            _ => out.push(e.clone()),
        }
    }
    let mut out = Vec::new();
    walk(e, false, &mut out);
    out
}

/// The check's cause in a grader's words: a new free index is a forgotten sum.
pub(super) fn mistake(cause: &Cause) -> String {
    match cause {
        Cause::FreeIndex { index, .. } => format!("forgotten sum over `{index}` ({})", cause_text(cause)),
        _ => cause_text(cause),
    }
}

/// The words for a likely cause, as the reports of `check` and the feedback of `grade` print it:
/// `sign error`, `off by a factor of 1/2`, ``index `c` is free in this step but not in the head``.
pub fn cause_text(cause: &Cause) -> String {
    match cause {
        Cause::Sign => "sign error".to_string(),
        Cause::Factor(Constant::Fraction(f)) => format!("off by a factor of {}", fraction_text(*f)),
        Cause::Factor(Constant::Float(k)) => format!("off by a constant factor {}", significant(*k, 6)),
        Cause::SignAndFactor(f) => {
            let magnitude = Fraction { numer: f.numer.abs(), denom: f.denom };
            format!("sign error and off by a factor of {}", fraction_text(magnitude))
        }
        Cause::Offset(c) => format!("differs by the constant {} (a missing or extra term)", constant_text(*c)),
        Cause::ZeroStep => "this step is 0 but the step before is not (a term is missing)".to_string(),
        Cause::NotComputedFrom { node, by } => format!(
            "`{node}` is not computed from `{by}`, so its derivative by `{by}` is 0: a derivative by a node counts only what is computed through it (write `{node}` through `{by}`, or take the derivative by what `{node}` is computed from)"
        ),
        Cause::Rounded => {
            "a rounded value written with `=`: it holds as `≈` (write `≈` for a rounded number)".to_string()
        }
        Cause::Negligible { relative } => format!(
            "off by a relative {} only, finer than any rounding written in this step (the file's own numbers are exact in it): a tiny term such as an ε left out? Write the result rounded (a number alone is a rounded result)",
            significant(*relative, 1)
        ),
        Cause::DomainMismatch => "the two sides are not defined for the same inputs".to_string(),
        Cause::Transposed => "transposed: this step is the transpose of the step before".to_string(),
        Cause::LargerSizes { sizes, from } => {
            let names = sizes.join(", ");
            let which =
                if sizes.len() == 1 { format!("{names} ≥ {from}") } else { format!("one of {names} is ≥ {from}") };
            format!("differs only when {which} (an index or sum mistake, or a term that vanishes at size 1)")
        }
        Cause::ShapeMismatch { before, step } => {
            format!("shape mismatch: {} and {}", shape_text(before), shape_text(step))
        }
        Cause::FreeIndex { index, against, .. } => {
            let against = match against {
                Against::Head => "the head",
                Against::StepBefore => "the step before",
            };
            format!("index `{index}` is free in this step but not in {against}")
        }
    }
}

/// The words for a verified repair, as the reports of `check` and the feedback of `grade` print
/// it: ``replacing `s[c,t]` by `s[c,t-1]` makes this step follow from the step before``.
pub fn repair_text(repair: &Repair, before: &str) -> String {
    let culprit = &repair.culprit_text;
    // The part quoted, with which of its places where the step writes it more than once.
    let c = match repair.occurrence {
        Some((n, of)) => format!("`{culprit}` (the {} of {of})", ordinal(n)),
        None => format!("`{culprit}`"),
    };
    let by = &repair.replacement;
    let follows = format!("makes this step follow from {before}");
    let without = format!("without it, this step follows from {before}");
    // A chain-rule factor said as what it works out to, with the derivative it is: "`2` (that
    // is `diff(2 * z, z)`)".
    let written = match (&repair.kind, &repair.of) {
        (RepairKind::MissingChainFactor | RepairKind::MissingFactor, Some((written, _))) => {
            format!(" (that is `{written}`)")
        }
        _ => String::new(),
    };
    match repair.kind {
        RepairKind::Derivative | RepairKind::Function | RepairKind::Name | RepairKind::WrongFactor => {
            format!("{c} where `{by}` is needed: that change {follows}")
        }
        RepairKind::Transpose => format!("transposed: {c} where `{by}` is needed: that change {follows}"),
        RepairKind::Swapped => format!("{c} and `{by}` are swapped: exchanging them {follows}"),
        RepairKind::WrongDerivative => match &repair.of {
            Some((of, derivative)) if derivative == by => {
                format!("`{of}` is `{by}`, not {c}: that change {follows}")
            }
            Some((of, derivative)) => {
                format!("`{of}` is `{derivative}`: replacing {c} by `{by}` {follows}")
            }
            None => format!("{c} where the derivative `{by}` is needed: that change {follows}"),
        },
        // A factor put on a `1` is what that `1` should have been: `delta(i, j)` for `1`.
        RepairKind::MissingFactor | RepairKind::MissingChainFactor | RepairKind::ConstantFactor
            if repair.culprit.is_some() && culprit == "1" && !by.is_empty() =>
        {
            format!("`1` where `{by}` is needed: that change {follows}")
        }
        RepairKind::ConstantFactor if by.is_empty() => {
            format!("the constant factor {c} should not be there: {without}")
        }
        RepairKind::ConstantFactor if repair.culprit.is_some() && !culprit.is_empty() => {
            format!("a constant factor `{by}` is missing from {c}: putting it back {follows}")
        }
        RepairKind::ConstantFactor => format!("a constant factor `{by}` is missing: putting it back {follows}"),
        RepairKind::Index | RepairKind::Sign | RepairKind::Power => {
            format!("replacing {c} by `{by}` {follows}")
        }
        RepairKind::ExtraFactor => format!("the factor {c} should not be there: {without}"),
        RepairKind::ExtraDivisor => format!("the division by {c} should not be there: {without}"),
        RepairKind::ExtraTerm => format!("the term {c} should not be there: {without}"),
        RepairKind::ExtraSum => format!("the sum {c} should not be there: `{by}` in its place {follows}"),
        RepairKind::MissingFactor if repair.of.is_some() && !culprit.is_empty() => {
            format!("the product rule's factor `{by}`{written} is missing from {c}: putting it back {follows}")
        }
        RepairKind::MissingFactor if repair.culprit.is_some() && !culprit.is_empty() => {
            format!("the factor `{by}` is missing from {c}: putting it back {follows}")
        }
        RepairKind::MissingFactor => format!("the factor `{by}` is missing: putting it back {follows}"),
        RepairKind::MissingChainFactor if repair.culprit.is_some() && !culprit.is_empty() => {
            format!("the chain-rule factor `{by}`{written} is missing from {c}: putting it back {follows}")
        }
        RepairKind::MissingChainFactor => {
            format!("the chain-rule factor `{by}`{written} is missing: putting it back {follows}")
        }
        RepairKind::MissingTerm if repair.culprit.is_some() && !culprit.is_empty() && repair.of.is_some() => {
            let whole = repair.of.as_ref().map_or("", |(w, _)| w.as_str());
            format!(
                "the term `{by}` is missing beside {c}, in one bracket with it, `({whole})`: putting it back {follows}"
            )
        }
        RepairKind::MissingTerm if repair.culprit.is_some() && !culprit.is_empty() => {
            format!("the term `{by}` is missing beside {c}: putting it back {follows}")
        }
        RepairKind::MissingTerm => format!("the term `{by}` is missing: putting it back {follows}"),
        RepairKind::MissingSum => format!("a sum is missing: `{by}` for {c} {follows}"),
    }
}

/// `first`, `second`, …, `11th`.
fn ordinal(n: usize) -> String {
    const WORDS: [&str; 6] = ["first", "second", "third", "fourth", "fifth", "sixth"];
    WORDS.get(n.wrapping_sub(1)).map_or_else(|| format!("{n}th"), |w| w.to_string())
}

/// `2`, `1/2`, `-3/4`.
fn fraction_text(f: Fraction) -> String {
    if f.denom == 1 {
        f.numer.to_string()
    } else {
        format!("{}/{}", f.numer, f.denom)
    }
}

/// A constant as a cause names it: a small fraction, else six significant digits.
fn constant_text(c: Constant) -> String {
    match c {
        Constant::Fraction(f) => fraction_text(f),
        Constant::Float(x) => significant(x, 6),
    }
}

/// A shape as a cause names it: `2x3`, `m x n`, `scalar`.
fn shape_text(dims: &[String]) -> String {
    if dims.is_empty() {
        "scalar".to_string()
    } else {
        dims_text(dims)
    }
}

/// Which of the reference's steps (0-based) follows the student's expression `before`, the one
/// before their step `k` (1-based): the step after the reference expression written like `before`,
/// else the reference's step `k`. `reference` holds the reference's head and steps as the model
/// writes them. None when `before` is already the reference's final answer.
pub(super) fn next_reference(reference: &[String], before: &str, k: usize) -> Option<usize> {
    let n = reference.len().saturating_sub(1);
    match reference.iter().position(|r| r == before) {
        Some(j) if j >= n => None,
        Some(j) => Some(j),
        None => k.min(n).checked_sub(1),
    }
}

/// The hint under a wrong step: the reference's next step as written.
pub(super) fn hint(reference: &[String], steps_written: &[String], before: &str, k: usize) -> String {
    match next_reference(reference, before, k).and_then(|j| steps_written.get(j)) {
        Some(step) => format!("the reference continues with `{step}`"),
        None => "the step before is already the reference's final answer".to_string(),
    }
}

/// One line about a step: its verdict in words and, for a wrong one, where and why.
/// `at` is the step's line, or its line and column where another step shares the line (`4:38`);
/// `compared` what it is compared with, in words (`StepResult::compared_with`).
/// `head_is_answer`: the step is compared with the head or with a step equal to it, whose value,
/// where nothing is drawn (a part in numbers), is the answer: not shown.
pub(super) fn step_line(
    at: &str,
    compared: &str,
    step: &StepResult,
    status: StepStatus,
    diagnosis: Option<&str>,
    head_is_answer: bool,
    coarse_only: bool,
) -> String {
    let mut text = format!("line {at}: ");
    match status {
        // Credited though not within the rounding of the step before: both are right roundings.
        StepStatus::Correct if step.verdict == Verdict::Wrong => text.push_str(
            "right — equals the head within its rounding; the step before was rounded to fewer digits, \
             and the two differ by that rounding (keep more digits there)",
        ),
        StepStatus::Correct => text.push_str(&format!("{} — follows from {}", step.verdict.name(), compared)),
        StepStatus::CarriedForward => text.push_str(&format!(
            "{} — follows from {compared}, which carries an earlier mistake (credit kept)",
            step.verdict.name()
        )),
        StepStatus::Repeat => text.push_str(&format!("repeats {} (no credit)", compared)),
        StepStatus::Wrong => {
            text.push_str(&format!("wrong — does not follow from {}", compared));
            if let Some(cause) = diagnosis {
                text.push_str(&format!("; likely cause: {cause}"));
            }
            if let Some(c) = &step.counterexample {
                let numbers_only = c.place().is_empty() && c.inputs.is_empty() && c.functions.is_empty();
                if head_is_answer && numbers_only && !(step.holds && step.holds_known) {
                    let digits = shown_digits(c);
                    // (Not the value asked for itself: it is the part's answer, shown with
                    // `--hints` only, a TA.)
                    let right = c.right.map_or_else(|| "undefined".to_string(), |x| significant(x, digits));
                    if coarse_only {
                        text.push_str(&format!(
                            "; this step is {right}, right to the digits it writes, but the sheet asks for the answer \
                             within its tolerance: write more digits"
                        ));
                    } else {
                        text.push_str(&format!("; this step is {right}, not the value asked for"));
                    }
                } else {
                    text.push_str(&format!("; {}", counterexample_text(c, compared)));
                }
            }
            if step.holds && step.holds_known {
                text.push_str(" (it equals the head again: what it differs by is in a step before it)");
            }
        }
        StepStatus::Undetermined => {
            text.push_str(&format!("undetermined — {}; flagged for manual review", step.detail));
        }
    }
    text
}

/// How many significant digits a counterexample's two values are shown with: six, unless that
/// hides their difference.
pub fn shown_digits(c: &Counterexample) -> i32 {
    match (c.left, c.right) {
        // The fewest digits from 6 that tell them apart (a TA: `1.30122277107458` at 15, where 8
        // show it against 1.3012220).
        (Some(l), Some(r)) => (6..=15).find(|&d| significant(l, d) != significant(r, d)).unwrap_or(15),
        _ => 6,
    }
}

/// `at D = 2, x = 1.3, using f'(1.3) = 0.2: the step before is 0.81, this step is -0.81`
fn counterexample_text(c: &Counterexample, before: &str) -> String {
    let mut parts = c.place();
    parts.extend(folded(&c.inputs));
    let mut at = if parts.is_empty() { String::new() } else { format!("at {}", parts.join(", ")) };
    // The values of unknown functions and nodes, without which the two values cannot be redone.
    let using = folded(c.functions.iter().chain(&c.partials));
    if !using.is_empty() {
        let sep = if at.is_empty() { "" } else { ", " };
        at.push_str(&format!("{sep}using {}", using.join(", ")));
    }
    if !at.is_empty() {
        at.push_str(": ");
    }
    let digits = shown_digits(c);
    let value = |v: Option<f64>| v.map_or_else(|| "undefined".to_string(), |x| significant(x, digits));
    let (left, right) = c.exact_text.clone().unwrap_or_else(|| (value(c.left), value(c.right)));
    format!("{at}{before} is {left}, this step is {right}")
}

/// At most six values as `name = value` to four digits, then `…` if there are more.
fn folded<'a>(values: impl IntoIterator<Item = (&'a String, &'a f64)>) -> Vec<String> {
    const SHOWN: usize = 6;
    let mut values = values.into_iter();
    let mut parts: Vec<String> =
        values.by_ref().take(SHOWN).map(|(k, v)| format!("{k} = {}", significant(*v, 4))).collect();
    if values.next().is_some() {
        parts.push("…".to_string());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::{cause_text, counterexample_text, mistake};
    use crate::check::{Against, Cause, Constant, Counterexample, Fraction};

    fn fraction(numer: i64, denom: i64) -> Fraction {
        Fraction { numer, denom }
    }

    #[test]
    fn every_kind_of_cause_has_its_words() {
        let sizes = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases = [
            (Cause::Sign, "sign error"),
            (Cause::Factor(Constant::Fraction(fraction(1, 2))), "off by a factor of 1/2"),
            (Cause::Factor(Constant::Fraction(fraction(2, 1))), "off by a factor of 2"),
            (Cause::Factor(Constant::Float(418.20712345)), "off by a constant factor 418.207"),
            (Cause::Factor(Constant::Float(-1.7)), "off by a constant factor -1.7"),
            (Cause::SignAndFactor(fraction(-2, 1)), "sign error and off by a factor of 2"),
            (Cause::SignAndFactor(fraction(-3, 4)), "sign error and off by a factor of 3/4"),
            (Cause::Offset(Constant::Fraction(fraction(1, 1))), "differs by the constant 1 (a missing or extra term)"),
            (
                Cause::Offset(Constant::Fraction(fraction(-1, 3))),
                "differs by the constant -1/3 (a missing or extra term)",
            ),
            (Cause::Offset(Constant::Float(0.123456789)), "differs by the constant 0.123457 (a missing or extra term)"),
            (Cause::ZeroStep, "this step is 0 but the step before is not (a term is missing)"),
            (Cause::DomainMismatch, "the two sides are not defined for the same inputs"),
            (Cause::Transposed, "transposed: this step is the transpose of the step before"),
            (
                Cause::LargerSizes { sizes: sizes(&["n"]), from: 2 },
                "differs only when n ≥ 2 (an index or sum mistake, or a term that vanishes at size 1)",
            ),
            (
                Cause::LargerSizes { sizes: sizes(&["K", "H", "D"]), from: 3 },
                "differs only when one of K, H, D is ≥ 3 (an index or sum mistake, or a term that vanishes at size 1)",
            ),
            (
                Cause::ShapeMismatch { before: sizes(&["2", "3"]), step: sizes(&["3", "2"]) },
                "shape mismatch: 2x3 and 3x2",
            ),
            (
                Cause::ShapeMismatch { before: sizes(&["m", "n"]), step: sizes(&["n", "m"]) },
                "shape mismatch: m x n and n x m",
            ),
            (Cause::ShapeMismatch { before: sizes(&["3"]), step: Vec::new() }, "shape mismatch: 3 and scalar"),
            (Cause::ShapeMismatch { before: sizes(&["m"]), step: sizes(&["1", "m"]) }, "shape mismatch: m and 1 x m"),
            (
                Cause::FreeIndex { index: "i".to_string(), against: Against::Head, at: None },
                "index `i` is free in this step but not in the head",
            ),
            (
                Cause::FreeIndex { index: "c".to_string(), against: Against::StepBefore, at: None },
                "index `c` is free in this step but not in the step before",
            ),
        ];
        for (cause, words) in cases {
            assert_eq!(cause_text(&cause), words, "{cause:?}");
        }
    }

    #[test]
    fn a_new_free_index_is_a_forgotten_sum_to_a_grader() {
        let cause = Cause::FreeIndex { index: "c".to_string(), against: Against::StepBefore, at: None };
        assert_eq!(
            mistake(&cause),
            "forgotten sum over `c` (index `c` is free in this step but not in the step before)"
        );
        assert_eq!(mistake(&Cause::Sign), "sign error");
    }

    #[test]
    fn a_counterexample_gives_the_values_of_unknown_functions_and_nodes_it_used() {
        let map = |pairs: &[(&str, f64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let c = Counterexample {
            sizes: Default::default(),
            indices: Default::default(),
            position: Vec::new(),
            inputs: map(&[("x", 0.31)]),
            functions: map(&[("f'(0.31)", 0.7234567)]),
            partials: map(&[("∂E/∂s[2,t]", -1.5)]),
            left: Some(1.4469134),
            right: Some(2.1703701),
            exact_text: None,
        };
        assert_eq!(
            counterexample_text(&c, "the step before"),
            "at x = 0.31, using f'(0.31) = 0.7235, ∂E/∂s[2,t] = -1.5: the step before is 1.44691, this step is 2.17037"
        );
        // Without inputs, the values still come first; past six, the rest is folded.
        let many: Vec<(String, f64)> = (1..=8).map(|i| (format!("g({i})"), f64::from(i))).collect();
        let c = Counterexample {
            inputs: Default::default(),
            partials: Default::default(),
            functions: many.into_iter().collect(),
            ..c
        };
        assert_eq!(
            counterexample_text(&c, "the step before"),
            "using g(1) = 1, g(2) = 2, g(3) = 3, g(4) = 4, g(5) = 5, g(6) = 6, …: the step before is 1.44691, this step is 2.17037"
        );
    }
}
