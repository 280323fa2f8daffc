//! Symbolic reasoning: symbolic differentiation under the perturbation semantics and inlining
//! ([`lower`]), and a normaliser to canonical fractions over atoms ([`normal`]). A step is proved
//! when both sides lower and normalise to the same fraction with the same definedness conditions.

pub mod egraph;
pub mod lower;
pub mod normal;

use std::collections::BTreeSet;

use crate::model::{Expr, Model};
use crate::work::{self, Budget, Spent};
use lower::Lowerer;
use normal::{Normal, Normaliser};

/// The normal form of an expression, with the names of the rules used to reach it.
#[derive(Debug, Clone)]
pub struct Form {
    normal: Normal,
    /// The expression after symbolic differentiation and inlining.
    pub lowered: Expr,
    /// The rules used, for `--explain`.
    pub rules: BTreeSet<&'static str>,
}

impl Form {
    /// Whether two forms (from one call of [`normal_forms`]) are equal where defined, and defined
    /// at the same points.
    pub fn proves_equal(&self, other: &Form) -> bool {
        self.normal.same_as(&other.normal)
    }
}

/// The normal forms of the expressions of one model, and the model their lowered forms refer to
/// (with the bound indices that lowering created).
pub struct Forms {
    /// One per expression; `None` where the prover gives up.
    pub forms: Vec<Option<Form>>,
    /// One per expression: the budget that stopped the prover on it, if one did.
    pub stopped: Vec<Option<Spent>>,
    /// The model extended by lowering.
    pub model: Model,
}

/// The normal forms of expressions of one model, comparable with each other; `None` where the
/// prover gives up.
///
/// Lowering each expression, and normalising it, each get `budget` (units of work, see
/// [`crate::work`], and a safety net in time); past it, the prover gives up on that expression (its
/// steps are then decided by the numbers alone). The work counts for the file's budget too.
pub fn normal_forms(model: &Model, exprs: &[&Expr], budget: Budget) -> Forms {
    let mut lowerer = Lowerer::new(model);
    let mut stopped = vec![None; exprs.len()];
    let lowered: Vec<Option<(Expr, BTreeSet<&'static str>)>> = exprs
        .iter()
        .zip(stopped.iter_mut())
        .map(|(e, stopped)| {
            lowerer.rules.clear();
            let lowered = work::within(budget, || {
                let l = lowerer.lower(e);
                *stopped = work::spent();
                l
            });
            lowered.map(|l| (l, std::mem::take(&mut lowerer.rules)))
        })
        .collect();
    let extended = lowerer.extended_model();
    let mut normaliser = Normaliser::new(&extended);
    let forms = lowered
        .into_iter()
        .zip(stopped.iter_mut())
        .map(|(l, stopped)| {
            let (expr, mut rules) = l?;
            normaliser.rules.clear();
            let normal = work::within(budget, || {
                let n = normaliser.normalise(&expr);
                *stopped = work::spent();
                n
            })?;
            rules.extend(std::mem::take(&mut normaliser.rules));
            Some(Form { normal, lowered: expr, rules })
        })
        .collect();
    drop(normaliser);
    Forms { forms, stopped, model: extended }
}
