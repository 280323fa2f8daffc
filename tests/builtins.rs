//! Every builtin of the table (`gradproof::builtin`), whatever its definition: its names parse,
//! its derivative is proved and a missing chain factor is `wrong`, and its LaTeX spelling is the
//! one the table gives. A builtin added to the table is tested here without further code; the
//! kernels of primitives are compared in `numeric::builtin_kernels`. Then what a formula builtin
//! needs beyond that (`gelu`), with values from SymPy.

use gradproof::builtin::{Builtin, Definition};
use gradproof::check::{CheckOptions, Verdict};
use gradproof::check_source;
use gradproof::report::{render_math, RenderFormat};

fn verdicts(text: &str) -> Vec<Verdict> {
    let report = check_source("builtins.deriv", text.as_bytes(), &CheckOptions::default());
    assert!(report.errors.is_empty(), "{text}\n{:?}", report.errors);
    report.derivations.iter().flat_map(|d| d.steps.iter().map(|s| s.verdict)).collect()
}

#[test]
fn every_formula_resolves() {
    for &b in Builtin::ALL {
        if let Definition::Formula(text) = b.spec().definition {
            assert!(gradproof::model::formula_body(b).is_some(), "{}: `{text}` does not resolve", b.name());
        }
        if let Some(text) = b.derivative_formula() {
            assert!(gradproof::model::derivative_body(b).is_some(), "{}': `{text}` does not resolve", b.name());
        }
    }
}

#[test]
fn every_derivative_is_proved_and_a_missing_chain_factor_is_wrong() {
    for &b in Builtin::ALL.iter().filter(|b| b.arity() == 1) {
        for (name, _) in b.spec().names {
            // 2x + 1 > 1 keeps `log` and `sqrt` defined and every kink away.
            let text =
                format!("var x > 0\nderive diff({name}(2*x + 1), x)\n  = 2 * {name}'(2*x + 1)\n  = {name}'(2*x + 1)\n");
            // `hardtanh` is flat beyond its kink at 1, where 2x + 1 lies.
            let flat = matches!(b, Builtin::Sign | Builtin::Step | Builtin::Hardtanh);
            let expected = [Verdict::Proved, if flat { Verdict::Proved } else { Verdict::Wrong }];
            assert_eq!(verdicts(&text), expected, "{text}");
        }
    }
    let text = "var x, y\nderive max(x, y) + min(x, y)\n  = x + y\n  = 2 * max(x, y)\n";
    assert_eq!(verdicts(text), [Verdict::Checked, Verdict::Wrong]);
}

#[test]
fn every_name_renders_with_the_spelling_of_the_table() {
    for &b in Builtin::ALL.iter().filter(|b| b.arity() > 0) {
        for (name, latex) in b.spec().names {
            let args = if b.arity() == 1 { "x" } else { "x, y" };
            let text = format!("var x, y\nderive {name}({args}) + {name}'(x)\n  = {name}({args}) + {name}'(x)\n");
            let text = if b.arity() == 1 { text } else { text.replace(&format!(" + {name}'(x)"), "") };
            let file = gradproof::syntax::parse_file(&text).0;
            let rendered = render_math(&file, None, RenderFormat::Latex);
            let expected = match b.spec().enclose {
                Some((open, close)) => format!("{open}x{close}"),
                None => format!("{latex}\\left("),
            };
            assert!(rendered.contains(&expected), "{name}: {expected} not in\n{rendered}");
            if b.arity() == 1 {
                assert!(rendered.contains(&format!("{latex}'\\left(x\\right)")), "{name}'\n{rendered}");
            }
        }
    }
}

// `gelu`, the tanh approximation (docs/language.md). Values and derivatives from SymPy:
// gelu(x) = x/2 (1 + tanh(c (x + 0.044715 x³))), c = √(2/π) (0.79788456080286535588 to 20
// digits); gelu(1.5) = 1.39957157698023, gelu'(1.5) = 1.12771079315143, gelu(-0.5) =
// -0.154285990174856, gelu'(-0.5) = 0.132630096465358. The exact x Φ(x) gives 1.39978919809671 and
// 1.12746919222998 at 1.5, which the rounded steps below tell apart.

/// u = c (x + 0.044715 x³), c = √(2/π).
const GELU_U: &str = "sqrt(2/pi) * (x + 0.044715 * x^3)";

#[test]
fn gelu_values_are_the_tanh_approximation() {
    let text = "derive gelu(1.5)\n  ≈ 1.39957\n\
                derive gelu(1.5)\n  ≈ 1.39979\n\
                derive gelu'(1.5)\n  ≈ 1.12771\n\
                derive gelu'(1.5)\n  ≈ 1.12747\n\
                derive gelu(-0.5) + gelu'(-0.5)\n  ≈ -0.154286 + 0.132630\n\
                derive gelu(0)\n  = 0\n";
    assert_eq!(
        verdicts(text),
        [Verdict::Checked, Verdict::Wrong, Verdict::Checked, Verdict::Wrong, Verdict::Checked, Verdict::Proved]
    );
}

#[test]
fn gelu_derivative_is_proved_and_a_wrong_one_is_wrong() {
    // The derivative worked out by SymPy (its difference from diff(gelu(x), x) simplifies to 0).
    let u = GELU_U;
    let text = format!(
        "var x\nderive diff(gelu(x), x)\n  = gelu'(x)\n  \
         = (1 + tanh({u}))/2 + x/2 * (1 - tanh({u})^2) * sqrt(2/pi) * (1 + 0.134145*x^2)\n  \
         = (1 + tanh({u}))/2\n"
    );
    assert_eq!(verdicts(&text), [Verdict::Proved, Verdict::Proved, Verdict::Wrong]);
    // The chain rule through a product, and its missing factor.
    let text = "var w, x\nderive diff(gelu(w*x), w)\n  = x * gelu'(w*x)\n  = gelu'(w*x)\n";
    assert_eq!(verdicts(text), [Verdict::Proved, Verdict::Wrong]);
}

#[test]
fn gelu_is_derived_and_rendered() {
    let source = "var w, x, y\nlet h = gelu(w*x)\nlet L = (h - y)^2/2\n";
    let derived = gradproof::derive::derive(source, "diff(L, w)", None, &CheckOptions::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(derived.text.contains("gelu'(w * x)"), "{}", derived.text);
    let file = gradproof::syntax::parse_file("var x\nderive diff(gelu(x), x)\n  = gelu'(x)\n").0;
    let rendered = render_math(&file, None, RenderFormat::Latex);
    assert!(rendered.contains("\\operatorname{gelu}\\left(x\\right)"), "{rendered}");
    assert!(rendered.contains("\\operatorname{gelu}'\\left(x\\right)"), "{rendered}");
}

#[test]
fn nested_gelu_stays_within_bounds() {
    // Every use of the parameter copies the argument: 40 levels would be 3^40 copies if anything
    // expanded the formula without a limit. The prover gives up at its node limit; the numbers
    // evaluate the argument once.
    let nested = (0..40).fold("x".to_string(), |inner, _| format!("gelu({inner})"));
    let text = format!("var x\nderive {nested}\n  = {nested}\n  = {nested} + 1\n");
    let found = verdicts(&text);
    assert!(matches!(found[0], Verdict::Proved | Verdict::Checked), "{found:?}");
    assert_eq!(found[1], Verdict::Wrong);
}

#[test]
fn every_builtin_of_one_argument_is_derived() {
    for &b in Builtin::ALL.iter().filter(|b| b.arity() == 1) {
        let name = b.name();
        let source = format!("var w > 0\nvar x > 0\nlet h = {name}(w*x + 2)\n");
        let derived = gradproof::derive::derive(&source, "diff(h, w)", None, &CheckOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let answer = derived.text.lines().last().unwrap_or_default();
        assert!(!answer.contains("diff(") && !answer.contains('∂'), "{name}: {}", derived.text);
    }
}

#[test]
fn atan2_is_the_angle_off_its_branch_cut_and_undefined_on_it() {
    // atan2(-1, -1) = -3π/4 = -2.35619, atan2(1, -1) = 3π/4 (SymPy); on the negative x-axis the
    // half-angle formula divides by 0, and PyTorch's π there is a one-sided limit.
    let text = "derive atan2(-1, -1)\n  ≈ -2.35619\n\
                derive atan2(1, -1)\n  ≈ 2.35619\n\
                derive atan2(1, -1)\n  ≈ -2.35619\n\
                derive atan2(0, -1)\n  ≈ 3.14159\n";
    assert_eq!(verdicts(text), [Verdict::Checked, Verdict::Checked, Verdict::Wrong, Verdict::Wrong]);
}

#[test]
fn every_builtin_with_a_parameter_is_derived_through_its_formula() {
    // `elu(x)` is `elu(x, 1)`: no derivative of one argument (`elu'`) exists to write, so derive
    // differentiates the formula, as the checker does. With the parameters left out and given.
    for &b in Builtin::ALL.iter().filter(|b| b.arity() > 1 && b.formula().is_some()) {
        let name = b.name();
        let params = ["0.5", "-1", "1"];
        let mut calls = vec![format!("{name}(3*w - 1, {})", params[..b.arity() - 1].join(", "))];
        if b.min_arity() < b.arity() {
            calls.push(format!("{name}(3*w - 1)"));
        }
        for call in calls {
            let source = format!("var w\nlet h = {call}\n");
            match gradproof::derive::derive(&source, "diff(h, w)", None, &CheckOptions::default()) {
                Ok(derived) => {
                    let answer = derived.text.lines().last().unwrap_or_default();
                    assert!(!answer.contains("diff(") && !answer.contains('∂'), "{call}: {}", derived.text);
                    assert!(!answer.contains(&format!("{name}'")), "{call}: {}", derived.text);
                }
                // `clamp` is `min(max(x, lo), hi)`, and derive does not differentiate `max`; the
                // prover does not prove `atan2`'s derivative through its half-angle formula.
                Err(gradproof::derive::DeriveError::Failed(why)) => assert!(
                    why.contains(&format!("in the formula of `{name}`"))
                        || (name == "atan2" && why.contains("no step could be proved")),
                    "{call}: {why}"
                ),
                Err(e) => panic!("{call}: {e:?}"),
            }
        }
    }
    // The answers are the known backward formulas (docs/language.md, "Piecewise functions").
    for (goal, known) in [
        ("diff(elu(x), x)", "step(x) + exp(x) * step(-x)"),
        ("diff(huber(x), x)", "clamp(x, -1, 1)"),
        ("diff(leaky_relu(x, 0.1), x)", "step(x) + 0.1 * step(-x)"),
    ] {
        let derived = gradproof::derive::derive("var x\n", goal, None, &CheckOptions::default())
            .unwrap_or_else(|e| panic!("{goal}: {e:?}"));
        let text = format!("{}  = {known}\n", derived.text);
        assert!(verdicts(&text).iter().all(|v| *v == Verdict::Proved), "{goal}: {text}");
    }
}
