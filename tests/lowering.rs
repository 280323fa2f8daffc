//! Symbolic differentiation (`prove::lower`) agrees with the numeric engine's finite differences
//! under the perturbation semantics, on every expression of the corpus and the course examples.

use crate::common;

use common::deriv_files;
use gradproof::internals::Lowerer;
use gradproof::internals::{eval_float, Context, EvalError, Sample};
use gradproof::model::{free_indices, resolve, Expr};
use gradproof::syntax::parse_file;
use std::path::Path;

fn exprs_of(model: &gradproof::model::Model) -> Vec<Expr> {
    let mut out = Vec::new();
    for d in &model.derivations {
        out.push(d.head.clone());
        out.extend(d.steps.iter().map(|s| s.expr.clone()));
    }
    out
}

#[test]
fn symbolic_derivatives_match_finite_differences() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("derivations"), root.join("tests/egg_math")];
    if root.join("../shared/examples").is_dir() {
        dirs.push(root.join("../shared/examples"));
    }
    let (mut lowered_count, mut compared, mut failures) = (0, 0, Vec::new());
    for dir in dirs {
        for path in deriv_files(&dir) {
            let source = std::fs::read_to_string(&path).unwrap();
            let (file, _) = parse_file(&source);
            let (model, _) = resolve(&file);
            let mut lowerer = Lowerer::new(&model);
            let exprs = exprs_of(&model);
            let lowered: Vec<Option<Expr>> = exprs.iter().map(|e| lowerer.lower(e)).collect();
            let extended = lowerer.extended_model();
            let (ctx, ctx_lowered) = (Context::new(&model), Context::new(&extended));
            for (k, (e, l)) in exprs.iter().zip(&lowered).enumerate() {
                let Some(l) = l else { continue };
                lowered_count += 1;
                let mut free = Vec::new();
                free_indices(e, &mut free);
                for (s, size) in [(0u64, 1i64), (1, 2), (2, 3), (3, 3)] {
                    let mut values = vec![None; model.indices.len()];
                    for &i in &free {
                        values[i] = Some(size.min(2));
                    }
                    let sample = Sample::standard(vec![size; model.sizes.len()], values, 77 + s, s % 2 == 1);
                    let (a, b) = (eval_float(&ctx, &sample, e), eval_float(&ctx_lowered, &sample, l));
                    match (a, b) {
                        (Ok(a), Ok(b)) => {
                            compared += 1;
                            let tol = 1e-6 * a.value.abs().max(b.value.abs()).max(1.0) + a.error + b.error;
                            if (a.value - b.value).abs() > tol {
                                failures.push(format!(
                                    "{}: expression {k}: finite differences {} vs symbolic {}",
                                    path.display(),
                                    a.value,
                                    b.value
                                ));
                            }
                        }
                        (Err(EvalError::Undefined(_) | EvalError::NearKink | EvalError::OutOfRange(_)), _) => {}
                        (Ok(a), Err(err)) => failures.push(format!(
                            "{}: expression {k}: {} vs symbolic error {err:?}",
                            path.display(),
                            a.value
                        )),
                        _ => {}
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
    assert!(lowered_count >= 300 && compared >= 1000, "only {lowered_count} expressions lowered, {compared} compared");
    eprintln!("{lowered_count} expressions lowered, {compared} comparisons");
}
