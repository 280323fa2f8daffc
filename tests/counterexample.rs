//! Counterexamples a student can redo by hand: besides the inputs, a wrong step's counterexample
//! lists the values of the unknown functions, their derivatives and the partial derivatives of
//! unknown nodes that the two values read at the sample — at the sample's own arguments, never at
//! the points finite differences probe. Each test recomputes the two values from the reported
//! numbers alone, with the formula a student would use.

use std::collections::BTreeSet;

use gradproof::check::{significant, CheckOptions, Counterexample, Verdict};
use gradproof::check_source;
use gradproof::report::{file_json, render_human, HumanOptions};

/// The counterexample of the only wrong step of a file.
fn counterexample(source: &str) -> Counterexample {
    counterexample_with(source, &CheckOptions::default())
}

fn counterexample_with(source: &str, options: &CheckOptions) -> Counterexample {
    let report = check_source("cex.deriv", source.as_bytes(), options);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let wrong: Vec<_> =
        report.derivations.iter().flat_map(|d| &d.steps).filter(|s| s.verdict == Verdict::Wrong).collect();
    assert_eq!(wrong.len(), 1, "{:#?}", report.derivations);
    wrong[0].counterexample.clone().expect("a wrong step found by the numbers has a counterexample")
}

/// `f'(0.31)`: a call as the counterexample writes it, at an argument computed by hand.
fn call(name: &str, arg: f64) -> String {
    format!("{name}({})", significant(arg, 6))
}

fn keys(map: &std::collections::BTreeMap<String, f64>) -> BTreeSet<&str> {
    map.keys().map(String::as_str).collect()
}

#[track_caller]
fn assert_close(by_hand: f64, reported: Option<f64>, relative: f64) {
    let reported = reported.expect("both values are defined");
    assert!(
        (by_hand - reported).abs() <= relative * reported.abs().max(1e-3),
        "by hand {by_hand}, reported {reported}"
    );
}

#[test]
fn a_derivative_of_an_unknown_function_is_given_and_the_two_values_follow_from_it() {
    let c = counterexample("var x\nunknown f(x)\nderive f'(x)*2\n  = f'(x)*3\n");
    let x = c.inputs["x"];
    let key = call("f'", x);
    assert_eq!(keys(&c.functions), BTreeSet::from([key.as_str()]));
    assert!(c.partials.is_empty());
    let fp = c.functions[&key];
    // Multiplying by 2 is exact in floats; by 3 it rounds once.
    assert_eq!(c.left, Some(2.0 * fp));
    assert_close(3.0 * fp, c.right, 1e-15);
}

#[test]
fn an_unknown_node_its_partial_and_a_function_with_its_derivative_are_listed() {
    // d(E f(x))/dx = ∂E/∂x f(x) + E f'(x); the wrong step flips the sign of the second term.
    let c = counterexample(
        "var x\nunknown f(x)\nunknown E depends on x\nderive diff(E * f(x), x)\n  \
         = ∂E/∂x * f(x) + E * f'(x)\n  = ∂E/∂x * f(x) - E * f'(x)\n",
    );
    let x = c.inputs["x"];
    let (f, fp) = (call("f", x), call("f'", x));
    assert_eq!(keys(&c.functions), BTreeSet::from(["E", f.as_str(), fp.as_str()]));
    assert_eq!(keys(&c.partials), BTreeSet::from(["∂E/∂x"]));
    let (e, f, fp, de) = (c.functions["E"], c.functions[&f], c.functions[&fp], c.partials["∂E/∂x"]);
    assert_close(de * f + e * fp, c.left, 1e-12);
    assert_close(de * f - e * fp, c.right, 1e-12);
}

#[test]
fn against_the_head_the_values_its_derivative_needs_are_listed() {
    // The head is taken by finite differences, which read `f` only at points around `w*x`; a hand
    // computation differentiates it: ∂E/∂y · f'(w x) · x. The step forgot the factor x.
    let c = counterexample(
        "var x, w\nunknown f(x)\nunknown E depends on y\nlet y = f(w*x)\nderive diff(E, w)\n  \
         = ∂E/∂y * f'(w*x)\n",
    );
    let (x, w) = (c.inputs["x"], c.inputs["w"]);
    let (f, fp) = (call("f", w * x), call("f'", w * x));
    // Only at the point itself: no value at a point that finite differences probe.
    assert_eq!(keys(&c.functions), BTreeSet::from([f.as_str(), fp.as_str()]));
    assert!(c.partials.contains_key("∂E/∂y"), "{:?}", c.partials);
    let (fp, de) = (c.functions[&fp], c.partials["∂E/∂y"]);
    // The partial derivative and the head are finite differences, accurate to about 1e-9.
    assert_close(de * fp * x, c.left, 1e-7);
    assert_close(de * fp, c.right, 1e-7);
}

#[test]
fn without_the_prover_the_values_the_two_expressions_read_are_still_listed() {
    // The head's finite differences read nothing at the point; the step reads `∂E/∂y` and `f'`.
    let source = "var x, w\nunknown f(x)\nunknown E depends on y\nlet y = f(w*x)\nderive diff(E, w)\n  \
                  = ∂E/∂y * f'(w*x)\n";
    let c = counterexample_with(source, &CheckOptions { prove: false, ..CheckOptions::default() });
    let (x, w) = (c.inputs["x"], c.inputs["w"]);
    let (f, fp) = (call("f", w * x), call("f'", w * x));
    assert_eq!(keys(&c.functions), BTreeSet::from([f.as_str(), fp.as_str()]));
    assert_eq!(keys(&c.partials), BTreeSet::from(["∂E/∂y"]));
    assert_close(c.partials["∂E/∂y"] * c.functions[&fp], c.right, 1e-7);
}

#[test]
fn a_user_functions_derivative_is_redone_from_the_values_at_its_argument() {
    // `phi'(x)` is a finite difference of `f(u)^2` around x; by hand it is 2 f(x) f'(x).
    let c = counterexample("var x\nunknown f(x)\nlet phi(u) = f(u)^2\nderive phi'(x)\n  = f(x) * f'(x)\n");
    let x = c.inputs["x"];
    let (f, fp) = (call("f", x), call("f'", x));
    assert_eq!(keys(&c.functions), BTreeSet::from([f.as_str(), fp.as_str()]));
    let (f, fp) = (c.functions[&f], c.functions[&fp]);
    assert_close(2.0 * f * fp, c.left, 1e-7);
    assert_close(f * fp, c.right, 1e-12);
}

#[test]
fn json_lists_every_value_and_the_human_report_folds_them_and_says_where_they_are() {
    let source = "index i in 1..12\nvar x[i]\nunknown f(x)\nderive sum(i, f(x[i]))\n  = 2*sum(i, f(x[i]))\n";
    let report = check_source("cex.deriv", source.as_bytes(), &CheckOptions::default());
    let json = file_json(&report);
    let c = &json["derivations"][0]["steps"][0]["counterexample"];
    let (inputs, functions) = (c["inputs"].as_object().unwrap(), c["functions"].as_object().unwrap());
    assert_eq!(inputs.len(), 12);
    assert_eq!(functions.len(), 12);
    assert!(c["partials"].as_object().unwrap().is_empty());
    // Every input's function value, at full precision; their sum is the step before.
    let mut sum = 0.0;
    for x in inputs.values() {
        let x = x.as_f64().unwrap();
        sum += functions[&call("f", x)].as_f64().unwrap();
    }
    let left = c["left"].as_f64().unwrap();
    assert!((sum - left).abs() <= 1e-12 * left.abs().max(1.0), "{sum} {left}");
    let human = render_human(&[report], HumanOptions::default());
    assert_eq!(human.matches("… and 4 more (see --format json)").count(), 2, "{human}");
}

#[test]
fn one_wrong_element_of_a_large_matrix_is_the_counterexample() {
    // The gradient of c · tanh(W x) in a 20 × 20 matrix, with 0.001 added to element (7, 13)
    // alone (an outer product of two unit vectors): that element, and no other, differs.
    let n = 20;
    let unit = |k: usize| (1..=n).map(|i| if i == k { "1" } else { "0" }).collect::<Vec<_>>().join(", ");
    let source = format!(
        "var W: {n} x {n}, x: {n}, c: {n}\nlet y = tanh(W * x)\nlet E = dot(c, y)\nderive diff(E, W)\n  \
         = (c ⊙ (1 - y^2)) * x^T + 0.001 * [{}] * [{}]^T\n",
        unit(7),
        unit(13)
    );
    let c = counterexample(&source);
    assert!(c.indices.is_empty(), "{:?}", c.indices);
    assert_eq!(c.position, [7, 13], "row 7, column 13");
    // The values follow from the inputs: c[7] (1 - y[7]^2) x[13] on the left, 0.001 more on the right.
    let y7 = (1..=n).map(|j| c.inputs[&format!("W[7,{j}]")] * c.inputs[&format!("x[{j}]")]).sum::<f64>().tanh();
    assert_close(c.inputs["c[7]"] * (1.0 - y7 * y7) * c.inputs["x[13]"], c.left, 1e-12);
    assert_close(c.left.unwrap() + 0.001, c.right, 1e-12);
}

/// Of the samples where a step differs, the one shown is one where the two values differ at a
/// glance: `a[j]` written for `h[j] = tanh(a[j])` was shown at a ≈ -0.012, where tanh(a) ≈ a and
/// the values read -0.00214725 and -0.00214736; 13 other samples told them apart by far.
#[test]
fn the_sample_shown_tells_the_two_values_apart() {
    let c = counterexample(
        "index i in 1..m, j in 1..n, k in 1..d\nvar x[k], W1[j,k], b1[j], W2[i,j], b2[i], y[i]\n\
         let a[j] = sum(k, W1[j,k] * x[k]) + b1[j]\nlet h[j] = tanh(a[j])\n\
         let o[i] = sum(j, W2[i,j] * h[j]) + b2[i]\nlet L = 1/2 * sum(i, (o[i] - y[i])^2)\n\
         derive diff(L, W2[i,j])\n  = (o[i] - y[i]) * a[j]\n",
    );
    let (left, right) = (c.left.expect("a value"), c.right.expect("a value"));
    assert!((left - right).abs() >= 1e-3 * left.abs().max(right.abs()), "{left} against {right}");
}

/// A derivative by a node of the student's own that what it differentiates is not computed from
/// is 0 (language.md §3.3): the cause says so, not "a term is missing" (a TA tester's student
/// defined `zz` beside the sheet's `z`). By hand: h = σ(w x + b) does not read zz = x w, so
/// ∂h/∂zz = 0 under the perturbation semantics, and the step is 0 where ∂h/∂w = σ'(z) x is not.
#[test]
fn a_derivative_by_a_node_that_is_not_read_says_so() {
    let source = "var x, w, b\nlet z = w*x + b\nlet zz = x*w\nlet h = sigmoid(z)\n\
                  derive diff(h, w)\n  = diff(h, zz) * diff(zz, w)\n  = sigmoid'(z) * x\n";
    let report = gradproof::check_source("own.deriv", source.as_bytes(), &gradproof::check::CheckOptions::default());
    let steps = &report.derivations[0].steps;
    assert_eq!(
        steps[0].cause,
        Some(gradproof::check::Cause::NotComputedFrom { node: "h".to_string(), by: "zz".to_string() })
    );
    // The next step carries nothing of it: it is the head again.
    assert!(!matches!(steps[1].cause, Some(gradproof::check::Cause::NotComputedFrom { .. })));
    // Through the node the derivative is the chain rule's, and no such cause is given.
    let through = "var x, w, b\nlet zz = x*w\nlet z = zz + b\nlet h = sigmoid(z)\n\
                   derive diff(h, w)\n  = diff(h, zz) * diff(zz, w)\n  = sigmoid'(z) * x\n";
    let report =
        gradproof::check_source("through.deriv", through.as_bytes(), &gradproof::check::CheckOptions::default());
    assert!(report.derivations[0].steps.iter().all(|s| s.cause.is_none()), "{:?}", report.derivations[0].steps);
}

/// A step that differs in value at most samples and is undefined at a few is shown where both sides
/// have values, without "the two sides are not defined for the same inputs" (a student tester:
/// the log-sum-exp shift taken outside the `exp`, wrong at 24 of 24 samples, and a batch norm with
/// `eps` dropped, shown at N = 1 as "this step = undefined" where 51 of 54 samples have two
/// values). Truth by hand: at z1 = z2 = 0, c = 1/2, log 2 = 0.693 against 1/2 + log(3/2) = 0.905;
/// the batch norm's step differs wherever the variance is not 0. Where only the domains differ,
/// that is still the cause.
#[test]
fn a_step_wrong_in_value_is_shown_where_both_sides_have_one() {
    let source = "var z1, z2\nvar c in (0, 1)\n\
                  derive log(exp(z1) + exp(z2))\n  = c + log(exp(z1) + exp(z2) - c)\n\
                  index n in 1..N, m in 1..N\nvar x[n], g[n], gamma\nvar eps > 0\n\
                  let mu = sum(n, x[n]) / N\nlet v = sum(n, (x[n] - mu)^2) / N\n\
                  let xh[n] = (x[n] - mu) / sqrt(v + eps)\nlet L = sum(n, g[n] * gamma * xh[n])\n\
                  derive diff(L, x[m])\n  \
                  = gamma / (N * sqrt(v)) * (N * g[m] - sum(n, g[n]) - xh[m] * sum(n, g[n] * xh[n]))\n\
                  var y\nderive log(y^2)\n  = 2*log(y)\n";
    let report = check_source("cex.deriv", source.as_bytes(), &CheckOptions::default());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let steps: Vec<_> = report.derivations.iter().flat_map(|d| &d.steps).collect();
    assert!(steps.iter().all(|s| s.verdict == Verdict::Wrong));
    for s in &steps[..2] {
        assert_ne!(s.cause, Some(gradproof::check::Cause::DomainMismatch), "{}", s.detail);
        let c = s.counterexample.as_ref().expect("a counterexample");
        assert!(c.left.is_some() && c.right.is_some(), "{c:?}");
    }
    assert_eq!(steps[2].cause, Some(gradproof::check::Cause::DomainMismatch));
}

/// A rounding beside a repair that puts back a part: the cause names both, and `≈` only for a
/// rounding (a student forgot ε/K, and the cause alone sent them to write `≈ 0.9`, which one
/// digit lets hold). Truth: 0.9·1 + 0.1/4 = 0.925.
#[test]
fn a_rounding_beside_a_part_left_out_names_both() {
    let source = "derive (1 - 0.1)*1 + 0.1/4\n  = 0.9\n";
    let report = check_source("t.deriv", source.as_bytes(), &CheckOptions::default());
    let human = render_human(&[report], HumanOptions::default());
    assert!(human.contains("a part left out or added (the repair below), or a rounded value"), "{human}");
    assert!(human.contains("the term `0.1 / 4` is missing"), "{human}");
}
