//! Symbolic reasoning: symbolic differentiation under the perturbation semantics and inlining
//! ([`lower`]), and a normaliser to canonical fractions over atoms ([`normal`]). A step is proved
//! when both sides lower and normalise to the same fraction with the same definedness conditions.

pub mod egraph;
pub mod lower;
pub mod normal;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::model::{Expr, Model};
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
    /// The model extended by lowering.
    pub model: Model,
}

/// The normal forms of expressions of one model, comparable with each other; `None` where the
/// prover gives up.
///
/// Each expression gets `budget` for lowering and normalising; past it, the prover gives up on that
/// expression (its steps are then decided by the numbers alone).
pub fn normal_forms(model: &Model, exprs: &[&Expr], budget: Duration) -> Forms {
    normal_forms_until(model, exprs, budget, None)
}

/// [`normal_forms`], giving up on every expression not done by `deadline` (the time limit of a
/// whole file).
pub fn normal_forms_until(model: &Model, exprs: &[&Expr], budget: Duration, deadline: Option<Instant>) -> Forms {
    let until = |d: Option<Instant>| match (d, deadline) {
        (Some(d), Some(file)) => Some(d.min(file)),
        (d, file) => d.or(file),
    };
    let mut lowerer = Lowerer::new(model);
    let mut deadlines = Vec::new();
    let lowered: Vec<Option<(Expr, BTreeSet<&'static str>)>> = exprs
        .iter()
        .map(|e| {
            lowerer.rules.clear();
            let own = Instant::now().checked_add(budget);
            deadlines.push(own);
            lowerer.deadline = until(own);
            lowerer.lower(e).map(|l| (l, std::mem::take(&mut lowerer.rules)))
        })
        .collect();
    let extended = lowerer.extended_model();
    let mut normaliser = Normaliser::new(&extended);
    let forms = lowered
        .into_iter()
        .zip(deadlines)
        .map(|(l, deadline)| {
            let (expr, mut rules) = l?;
            normaliser.rules.clear();
            normaliser.deadline = until(deadline.and_then(|d| d.checked_add(budget)));
            let normal = normaliser.normalise(&expr)?;
            rules.extend(std::mem::take(&mut normaliser.rules));
            Some(Form { normal, lowered: expr, rules })
        })
        .collect();
    drop(normaliser);
    Forms { forms, model: extended }
}
