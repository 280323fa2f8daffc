//! The `≈` rule (§5) computed rigorously: a step is accepted exactly when the compared value is one
//! the step takes as each decimal literal written in it ranges over its rounding interval. Each
//! case's truth was worked out by hand and with SymPy (exact rationals; the step's extremes over
//! the box of literals), never with gradproof.

use gradproof::check::{CheckOptions, Verdict};
use gradproof::check_source;

/// The verdict and detail of every step, by the numbers alone (a proof would hide them).
fn numeric_verdicts(source: &str) -> Vec<(Verdict, String)> {
    let options = CheckOptions { prove: false, ..CheckOptions::default() };
    let report = check_source("rounding.deriv", source.as_bytes(), &options);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    report.derivations.iter().flat_map(|d| &d.steps).map(|s| (s.verdict, s.detail.clone())).collect()
}

#[track_caller]
fn assert_verdicts(source: &str, expected: &[Verdict]) {
    let got = numeric_verdicts(source);
    let verdicts: Vec<Verdict> = got.iter().map(|g| g.0).collect();
    assert_eq!(verdicts, expected, "{source}\n{got:#?}");
}

use Verdict::{Checked, Undetermined, Wrong};

#[test]
fn a_function_reading_its_parameter_twice_sees_one_value() {
    // σ'(0.8) = 0.213910; a(1 − a) over a ∈ [0.55, 0.65] is [0.2275, 0.2475]. Naive interval
    // arithmetic, taking the two a's apart, gave [0.1925, 0.2925] and accepted the step.
    assert_verdicts("let dsig(a) = a*(1-a)\nderive sigmoid'(0.8)\n  ≈ dsig(0.6)\n", &[Wrong]);
    // Over a ∈ [0.685, 0.695] it is [0.211975, 0.215775], which holds 0.213910.
    assert_verdicts("let dsig(a) = a*(1-a)\nderive sigmoid'(0.8)\n  ≈ dsig(0.69)\n", &[Checked]);
}

#[test]
fn a_sum_reading_a_literal_several_times_sees_one_value() {
    // -a + a is 0 for every a ∈ [0.15, 0.25]; naive intervals give [-0.1, 0.1].
    assert_verdicts("derive 0.05\n  ≈ sum(i in 1..2, (-1)^i * 0.2)\n", &[Wrong]);
    assert_verdicts("derive 0\n  ≈ sum(i in 1..2, (-1)^i * 0.2)\n", &[Checked]);
    // (a − 1/4)² + (a − 1/2)² over a ∈ [0.25, 0.35] decreases from 1/16 to 13/400 (its minimum is
    // at 3/8): 0.025 is below it; naive intervals give [0.0225, 0.0725].
    assert_verdicts("derive 0.025\n  ≈ sum(i in 1..2, (0.3 - i/4)^2)\n", &[Wrong]);
    assert_verdicts("derive 0.04\n  ≈ sum(i in 1..2, (0.3 - i/4)^2)\n", &[Checked]);
}

#[test]
fn an_extreme_inside_the_box_is_reached() {
    // a ∈ [0.25, 0.35] meets b ∈ [0.305, 0.315], where |a − b| is 0: sampling the box missed it.
    assert_verdicts("derive 0.0\n  ≈ abs(0.3 - 0.31)\n", &[Checked]);
    // a + b ∈ [0.4, 0.6] holds 1/2, where a(1 − a) has its maximum 1/4; and σ' has its maximum
    // 1/4 at 0, inside [-0.045, 0.065].
    assert_verdicts("let dsig(a) = a*(1-a)\nderive 0.25\n  ≈ dsig(0.3 + 0.2)\n", &[Checked]);
    assert_verdicts("derive 0.25\n  ≈ sigmoid'(0.0 + 0.01)\n", &[Checked]);
    // cos(a − b) is 1 where a = b.
    assert_verdicts("derive 1\n  ≈ cos(0.3 - 0.31)\n", &[Checked]);
    // Beyond the maximum: a(1 − a) ≤ 0.2475 on [0.45, 0.55] would need a = 1/2 ± 0.05i.
    assert_verdicts("let dsig(a) = a*(1-a)\nderive 0.2476\n  ≈ dsig(0.4 + 0.05)\n", &[Checked]);
    assert_verdicts("let dsig(a) = a*(1-a)\nderive 0.26\n  ≈ dsig(0.3 + 0.2)\n", &[Wrong]);
}

#[test]
fn correct_roundings_stay_checked_and_wrong_ones_wrong() {
    // e²/(2e² + e⁶) = 0.0176684; a/(a + b + c) over the literals' intervals (monotone in each)
    // spans [0.0176577, 0.0176859] with 403.4, and [0.0170542, 0.0170813] with 418.2.
    let head = "derive exp(2) / (exp(2) + exp(2) + exp(6))\n";
    assert_verdicts(&format!("{head}  ≈ 7.39 / (7.39 + 7.39 + 403.4)\n"), &[Checked]);
    assert_verdicts(&format!("{head}  ≈ 7.39 / (7.39 + 7.39 + 418.2)\n"), &[Wrong]);
    // (-a)(-b) over a ∈ [0.25, 0.35], b ∈ [0.325, 0.335] spans [13/160, 469/4000].
    assert_verdicts("derive 0.1\n  ≈ -0.3 * -0.33\n", &[Checked]);
    assert_verdicts("derive 0.12\n  ≈ -0.3 * -0.33\n", &[Wrong]);
    // 1/exp(2.0) over [1.95, 2.05] spans [0.128735, 0.142274], which holds e⁻² = 0.135335.
    assert_verdicts("derive exp(-2)\n  ≈ 1 / exp(2.0)\n", &[Checked]);
}

#[test]
fn many_digits_and_exponents_widen_by_their_last_digit() {
    // 2 · [0.3333333333325, 0.3333333333335] holds 2/3; [0.33333335, 0.33333345] does not hold 1/3.
    assert_verdicts("derive 2/3\n  ≈ 2 * 0.333333333333\n", &[Checked]);
    assert_verdicts("derive 1/3\n  ≈ 0.3333334\n", &[Wrong]);
    assert_verdicts("derive exp(1)\n  ≈ 2.718281828459045\n", &[Checked]);
    // 1.5e-3 stands for [1.45e-3, 1.55e-3], so 2 · 1.5e-3 for [2.9e-3, 3.1e-3].
    assert_verdicts("derive 0.003\n  ≈ 2 * 1.5e-3\n", &[Checked]);
    assert_verdicts("derive 0.0032\n  ≈ 2 * 1.5e-3\n", &[Wrong]);
    assert_verdicts("derive 0.0015 * 2\n  ≈ 3.0e-3\n", &[Checked]);
}

#[test]
fn a_jump_is_not_a_range() {
    // step over [-0.05, 0.05] takes 0 and 1 and nothing between. An enclosure cannot show the gap,
    // so 0.5 is not accepted (as a hull of the values would) but left undetermined; 2 is ruled out.
    assert_verdicts("derive 0.5\n  ≈ step(0.0)\n", &[Undetermined]);
    assert_verdicts("derive 2\n  ≈ step(0.0)\n", &[Wrong]);
    assert_verdicts("derive 0\n  ≈ step(0.0)\n", &[Checked]);
}

#[test]
fn the_tolerance_rules_still_replace_the_rounding_rule() {
    // |0.2139 − 0.24| = 0.0261: more than 1% of 0.24, less than 0.03.
    let body = "let dsig(a) = a*(1-a)\nderive 0.2139\n  ≈ dsig(0.6)\n";
    assert_verdicts(&format!("tolerance 1%\n{body}"), &[Wrong]);
    assert_verdicts(&format!("tolerance 0.03\n{body}"), &[Checked]);
}

#[test]
fn what_cannot_be_bounded_is_undetermined_not_guessed() {
    // phi'(a) = 3a² spans [0.6075, 0.9075] over a ∈ [0.45, 0.55]. The derivative of a user function
    // is taken by finite differences, so it is known at points but has no enclosure over an
    // interval: 0.7 is found at a point (a = 0.48305), 0.95 cannot be ruled out.
    let phi = "let phi(a) = a^3\n";
    assert_verdicts(&format!("{phi}derive 0.7\n  ≈ phi'(0.5)\n"), &[Checked]);
    let got = numeric_verdicts(&format!("{phi}derive 0.95\n  ≈ phi'(0.5)\n"));
    assert_eq!(got[0].0, Undetermined, "{got:?}");
    assert!(got[0].1.contains("subdivisions"), "{got:?}");
}

#[test]
fn the_slack_of_a_range_scales_with_the_values_compared_not_the_box() {
    // a·b² over a ∈ [0.95e12, 1.05e12], b ∈ [-0.05, 0.05] is never negative, though it reaches
    // 2.6e9 in the box (the truth by hand: a > 0, b² ≥ 0).
    let found = numeric_verdicts("derive -1\n  ≈ 1.0e12 * 0.0^2\nderive 0.99\n  ≈ 1.0e10*(1.0 - 1)^2 + 1\n");
    assert!(found.iter().all(|(v, _)| *v == Verdict::Wrong), "{found:?}");
}

#[test]
fn a_step_undefined_at_its_written_literals_may_take_the_value_elsewhere_in_the_box() {
    // 1/(a - b) over a, b ∈ [0.05, 0.15] takes 15 (a = 0.15, b = 1/12) but never 5; sqrt(a - b)
    // over a ∈ [0.485, 0.495], b ∈ [0.45, 0.55] takes 0.2 (a = 0.49, b = 0.45) but never 0.3
    // (at most sqrt(0.045) ≈ 0.212); relu'(a) · 0.6 is 0.6 for a > 0. By hand.
    let source = "derive 15\n  ≈ 1/(0.1 - 0.1)\nderive 0.2\n  ≈ sqrt(0.49 - 0.5)\nderive 0.6\n  ≈ relu'(0.0) * 0.6\n\
                  derive 5\n  ≈ 1/(0.1 - 0.1)\nderive 0.3\n  ≈ sqrt(0.49 - 0.5)\n";
    let verdicts: Vec<Verdict> = numeric_verdicts(source).into_iter().map(|(v, _)| v).collect();
    use Verdict::{Checked, Wrong};
    assert_eq!(verdicts, [Checked, Checked, Checked, Wrong, Wrong]);
}

/// A number the file gives (`let w = 0.5`) and a step copies into its arithmetic is exact: it was
/// not rounded, so it is not widened. Widened, `0.5` and `1.0` stood for [0.45, 0.55] and
/// [0.95, 1.05] and hid a wrong gradient (-6 for -8) and an Adam step without its bias correction
/// (a tester's SGD and Adam steps were `checked`). A step that is one number alone stays a rounded
/// result, given or not. Truth by hand: w - 0.01 * (-8) = 0.58; 0.5 + 0.06 = 0.56.
#[test]
fn a_given_number_copied_into_a_step_is_exact() {
    let sgd = "let w = 0.5, x = 2, y = 3, lr = 0.01\nlet L = (w*x - y)^2\nderive w - lr * diff(L, w)\n";
    assert_verdicts(&format!("{sgd}  ≈ 0.5 - 0.01 * (-6)\n"), &[Wrong]);
    assert_verdicts(&format!("{sgd}  ≈ 0.5 - 0.01 * (-8)\n  ≈ 0.58\n"), &[Checked, Checked]);
    // Adam's first step with and without the bias correction: 1 - 0.001 * 0.2/sqrt(0.04) = 0.999;
    // without it, 1 - 0.001 * 0.02/sqrt(0.00004) = 0.996838.
    let adam = "let g = 0.2, theta = 1.0, lr = 0.001\nlet m = 0.1 * g, v = 0.001 * g^2\n\
                derive theta - lr * (m / 0.1) / sqrt(v / 0.001)\n";
    assert_verdicts(&format!("{adam}  ≈ 1.0 - 0.001 * 0.02 / sqrt(0.00004)\n"), &[Wrong]);
    assert_verdicts(&format!("{adam}  ≈ 1.0 - 0.001 * 0.2 / sqrt(0.04)\n  ≈ 0.999\n"), &[Checked, Checked]);
    // A number equal to a given one that the derivation does not read is rounded: 4 · 0.5 for
    // 4 · 0.50125 (a reviewer's: `w = 0.5` is never read here).
    assert_verdicts("let w = 0.5, v = 0.50125\nderive 4 * v\n  ≈ 4 * 0.5\n", &[Checked]);
    // A result alone is rounded even where it equals a given number: 0.5 for 0.5012.
    assert_verdicts("let a = 0.5, b = 0.5012\nderive b\n  ≈ 0.5\n", &[Checked]);
    // A number the file does not give is still widened: 0.45 + 0.06 = 0.51 is within 0.5's interval.
    assert_verdicts("let a = 0.51\nderive a\n  ≈ 0.45 + 0.06\n  ≈ 0.5 + 0.01\n", &[Checked, Checked]);
}

/// A number the head writes is given, as one a `let` gives: a step copies it. Widened, the rate
/// `0.001` stood for [0.0005, 0.0015] and `≈ 1 - 0.001 * 0.2` for the head's `1 - 0.001 * 0.3`
/// was `checked` (a student tester; so were a momentum buffer with the gradient 0.1 for 0.2 and
/// Adam's bias correction with `1 - 0.9` for `1 - 0.9^2`). By hand: 1 - 0.0003 = 0.9997, the
/// step 0.9998 ± 0.00005; 0.45 + 0.02 = 0.47, the step 0.46 ± 0.005; 0.028 / 0.19 = 0.147368…,
/// written 0.28 ± 0.005, and 0.14737 ± 0.000005 is right.
#[test]
fn a_number_the_head_writes_copied_into_a_step_is_exact() {
    assert_verdicts("derive 1 - 0.001 * 0.3\n  ≈ 1 - 0.001 * 0.2\n", &[Wrong]);
    assert_verdicts("derive 1 - 0.001 * 0.3\n  ≈ 1 - 0.0003\n  ≈ 0.9997\n", &[Checked, Checked]);
    assert_verdicts("derive 0.9 * 0.5 + 0.1 * 0.2\n  ≈ 0.9 * 0.5 + 0.1 * 0.1\n", &[Wrong]);
    assert_verdicts("derive 0.9 * 0.5 + 0.1 * 0.2\n  ≈ 0.45 + 0.02\n", &[Checked]);
    let adam = "derive 0.999 - 0.001 * (0.028 / (1 - 0.9^2))\n";
    assert_verdicts(&format!("{adam}  ≈ 0.999 - 0.001 * 0.28\n"), &[Wrong]);
    assert_verdicts(&format!("{adam}  ≈ 0.999 - 0.001 * 0.14737\n  ≈ 0.99885\n"), &[Checked, Checked]);
    // The head's `1e-3` is the same number with the same digits.
    assert_verdicts("derive 1 - 1e-3 * 0.3\n  ≈ 1 - 0.001 * 0.2\n", &[Wrong]);
    // A rounded intermediate that equals a number of the head is still rounded where it is not
    // the head's copied: other digits (0.30 for exp(-1.2) = 0.3012 beside the head's 0.3), another
    // place (tanh(0.23) = 0.2260 → 0.23 as a factor, the head's 0.23 an argument; the right
    // operand for the head's left one), another sign, or the head's number copied already (a reviewer and a second tester: a first version
    // matched values alone, and these right steps were `wrong`). By hand, each within its rounding.
    assert_verdicts("derive 0.3 * exp(-1.2)\n  ≈ 0.3 * 0.30\n  ≈ 0.090\n", &[Checked, Checked]);
    assert_verdicts("derive 2 * tanh(0.23)\n  ≈ 2 * 0.23\n", &[Checked]);
    assert_verdicts("derive 0.5 - exp(-0.7)\n  ≈ 0.5 - 0.5\n", &[Checked]);
    assert_verdicts("derive 0.3 * exp(-1.2)\n  ≈ 0.3 * 0.3\n", &[Checked]);
    // Where the head's number was computed away (0.5 * 0.25 = 0.125), a rounded 0.5 for
    // tanh(0.55) = 0.50052 stands elsewhere (a second reviewer: a first version compared the
    // operation alone). By hand: 0.125 + 2 * 0.50052 = 1.12604, within 0.125 + 2 * [0.45, 0.55].
    assert_verdicts("derive 0.5 * 0.25 + 2 * tanh(0.55)\n  ≈ 0.125 + 2 * 0.5\n", &[Checked]);
}
