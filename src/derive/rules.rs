//! The model as the generator sees it (families of entries, their definitions and what they
//! depend on), and the rules of differentiation on syntax trees: one layer of the definitions
//! DAG at a time, every derivative of a node left as `∂N/∂x` for the next layer.

use std::collections::{BTreeSet, HashMap};

use num_rational::BigRational;
use num_traits::One;

use super::tree::*;
use crate::syntax::ast::*;
use crate::syntax::print::index_to_string;

/// One subscript position of a family: a declared range index, or a label written as is.
#[derive(Debug, Clone)]
pub enum SlotPat {
    /// A range index (its name in the declaration).
    Range(String),
    /// A label (`t`, `t-1`).
    Label(String),
}

/// What a family is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `var`
    Input,
    /// `let`, with its body.
    Defined(Expr),
    /// `unknown E depends on …`
    Unknown(Vec<VarRef>),
}

/// A family of entries: `s[c,t]`, `W[j,k]`, `E`.
#[derive(Debug, Clone)]
pub struct Family {
    /// Its name.
    pub name: String,
    /// Its subscript positions.
    pub slots: Vec<SlotPat>,
    /// Input, definition or unknown node.
    pub kind: Kind,
}

/// The model of a file, for the generator.
#[derive(Debug, Clone, Default)]
pub struct Families {
    /// Every family.
    pub fams: Vec<Family>,
    /// Declared range indices and their ranges.
    pub indices: HashMap<String, RangeExpr>,
    /// `let f(x) = …`: parameters and body.
    pub user_fns: HashMap<String, (Vec<String>, Expr)>,
    /// `unknown f(x)`: arities.
    pub unknown_fns: HashMap<String, usize>,
    /// `reach[f][g]`: family `f` depends on `g`, directly or through others.
    pub reach: Vec<Vec<bool>>,
    /// `reads[f][g]`: family `f` reads `g` directly.
    pub reads: Vec<Vec<bool>>,
    /// Every name of the file (fresh names avoid them).
    pub names: BTreeSet<String>,
    /// `assume lhs = rhs`.
    pub assumptions: Vec<(Expr, Expr)>,
    /// The dimensions declared with a shape (`var W: m x n`), rows first, as written.
    pub declared_shapes: HashMap<String, Vec<String>>,
}

impl Families {
    /// The generator's view of a parsed file.
    pub fn of(file: &File) -> Families {
        let mut m = Families::default();
        for item in &file.items {
            if let Item::Index(decls) = item {
                for d in decls {
                    m.indices.insert(d.name.name.clone(), d.range.clone());
                    m.names.insert(d.name.name.clone());
                }
            }
        }
        for item in &file.items {
            match item {
                Item::Var(items) => {
                    for v in items {
                        m.add_family(&v.target, Kind::Input);
                        if let Some(shape) = &v.shape {
                            let dims = shape
                                .dims
                                .iter()
                                .map(|d| match d {
                                    IndexAtom::Int(text, _) => text.clone(),
                                    IndexAtom::Name(ident) => ident.name.clone(),
                                })
                                .collect();
                            m.declared_shapes.insert(v.target.name.name.clone(), dims);
                        }
                    }
                }
                Item::Unknown(items) => {
                    for u in items {
                        match u {
                            UnknownItem::Function { name, params } => {
                                m.unknown_fns.insert(name.name.clone(), params.len());
                                m.names.insert(name.name.clone());
                            }
                            UnknownItem::Node { name, deps } => {
                                m.add_family(&var_ref(&name.name, Vec::new()), Kind::Unknown(deps.clone()))
                            }
                        }
                    }
                }
                Item::Let(defs) => {
                    for d in defs {
                        match d {
                            Definition::Node { target, body } => m.add_family(target, Kind::Defined(body.clone())),
                            Definition::Function { name, params, body } => {
                                m.names.insert(name.name.clone());
                                let params = params.iter().map(|p| p.name.clone()).collect();
                                m.user_fns.insert(name.name.clone(), (params, body.clone()));
                            }
                        }
                    }
                }
                Item::Assume(a) => m.assumptions.push((a.lhs.clone(), a.rhs.clone())),
                _ => {}
            }
        }
        // What each family reads directly, then the transitive closure.
        let n = m.fams.len();
        let mut reads = vec![vec![false; n]; n];
        for (f, fam) in m.fams.iter().enumerate() {
            match &fam.kind {
                Kind::Input => {}
                Kind::Defined(body) => {
                    let mut found = Vec::new();
                    m.refs(body, &mut found);
                    for g in found {
                        reads[f][g] = true;
                    }
                }
                Kind::Unknown(deps) => {
                    for d in deps {
                        if let Some(g) = m.family_of(&d.name.name, &d.subscripts) {
                            reads[f][g] = true;
                        }
                    }
                }
            }
        }
        let mut reach = reads.clone();
        for k in 0..n {
            let through = reach[k].clone();
            for row in reach.iter_mut() {
                if row[k] {
                    for (cell, &further) in row.iter_mut().zip(&through) {
                        *cell |= further;
                    }
                }
            }
        }
        m.reach = reach;
        m.reads = reads;
        m
    }

    /// Whether family `from` depends on `to` along some path of reads that enters none of
    /// `blocked` (`h[j,t]` on `zo[j,t]` avoiding `c[j,t]`: through `o`; on `zf[j,t]`: no).
    pub fn reaches_avoiding(&self, from: usize, to: usize, blocked: &[usize]) -> bool {
        let mut seen = vec![false; self.fams.len()];
        let mut todo = vec![from];
        while let Some(f) = todo.pop() {
            for (g, &read) in self.reads[f].iter().enumerate() {
                if !read || seen[g] || blocked.contains(&g) {
                    continue;
                }
                if g == to {
                    return true;
                }
                seen[g] = true;
                todo.push(g);
            }
        }
        false
    }

    fn add_family(&mut self, target: &VarRef, kind: Kind) {
        let slots = target
            .subscripts
            .iter()
            .map(|s| match single_name(s) {
                Some(name) if self.indices.contains_key(name) => SlotPat::Range(name.to_string()),
                _ => SlotPat::Label(index_to_string(s)),
            })
            .collect();
        self.names.insert(target.name.name.clone());
        self.fams.push(Family { name: target.name.name.clone(), slots, kind });
    }

    /// The family a reference reads: same name, same number of subscripts, labels as written.
    pub fn family_of(&self, name: &str, subs: &[IndexExpr]) -> Option<usize> {
        self.fams.iter().position(|f| {
            f.name == name
                && f.slots.len() == subs.len()
                && f.slots.iter().zip(subs).all(|(slot, sub)| match slot {
                    SlotPat::Range(_) => true,
                    SlotPat::Label(label) => *label == index_to_string(sub),
                })
        })
    }

    /// The family an expression is a reference to (`E`, `s[c,t]`), if it is one.
    pub fn family_read(&self, e: &Expr) -> Option<usize> {
        match &e.kind {
            ExprKind::Name(n) => self.family_of(&n.name, &[]),
            ExprKind::Indexed(n, subs) => self.family_of(&n.name, subs),
            _ => None,
        }
    }

    /// The families an expression reads (in derivatives too).
    pub fn refs(&self, e: &Expr, out: &mut Vec<usize>) {
        match &e.kind {
            ExprKind::Name(n) => out.extend(self.family_of(&n.name, &[])),
            // An element of a family declared whole (`Z[n,k]` of `let Z = X * Wᵀ`) reads it: the
            // reach missed it, and `diff(L, W)` through `Z` was refused as "`L` does not depend
            // on `W`" (an instructor; it does).
            ExprKind::Indexed(n, subs) => {
                out.extend(self.family_of(&n.name, subs).or_else(|| self.family_of(&n.name, &[])))
            }
            ExprKind::Call { func, args, .. } => {
                if let Some((_, body)) = self.user_fns.get(&func.name) {
                    self.refs(body, out);
                }
                args.iter().for_each(|a| self.refs(a, out));
            }
            ExprKind::Diff { body, wrt } => {
                self.refs(body, out);
                for w in wrt {
                    out.extend(self.family_of(&w.name.name, &w.subscripts));
                }
            }
            ExprKind::Number(_) => {}
            ExprKind::Neg(a) | ExprKind::Transpose(a) => self.refs(a, out),
            ExprKind::Binary(_, a, b, _) => {
                self.refs(a, out);
                self.refs(b, out);
            }
            ExprKind::Array(items) => items.iter().for_each(|a| self.refs(a, out)),
            ExprKind::Big { body, .. } => self.refs(body, out),
        }
    }

    /// The body of a defined family for one of its references, its range indices replaced by the
    /// reference's subscripts, its bound indices renamed where they would capture one or be one of
    /// `avoid` (the indices free in the step it goes into, and the ones bound around it there).
    pub fn instantiate(
        &self,
        fam: usize,
        subs: &[IndexExpr],
        avoid: &BTreeSet<String>,
        fresh: &mut Fresh,
    ) -> Option<Expr> {
        let Kind::Defined(body) = &self.fams[fam].kind else { return None };
        let mut map = HashMap::new();
        let mut incoming = avoid.clone();
        for (slot, sub) in self.fams[fam].slots.iter().zip(subs) {
            if let SlotPat::Range(name) = slot {
                map.insert(name.clone(), sub.clone());
                for (_, a) in &sub.terms {
                    if let IndexAtom::Name(n) = a {
                        incoming.insert(n.name.clone());
                    }
                }
            }
        }
        let body = self.rename_binders(body, &incoming, fresh)?;
        Some(subst(&body, &map))
    }

    /// `e` with every `sum` whose bound index is one of `avoid` renamed to a fresh name (with its
    /// range written out).
    pub fn rename_binders(&self, e: &Expr, avoid: &BTreeSet<String>, fresh: &mut Fresh) -> Option<Expr> {
        Some(match &e.kind {
            ExprKind::Big { op, binder, range, body } => {
                let body = self.rename_binders(body, avoid, fresh)?;
                if avoid.contains(&binder.name) {
                    let range = range.clone().or_else(|| self.indices.get(&binder.name).cloned().map(Box::new))?;
                    let new = fresh.name(&binder.name);
                    let body = subst(&body, &HashMap::from([(binder.name.clone(), index_name(&new))]));
                    mk(ExprKind::Big { op: *op, binder: ident(&new), range: Some(range), body: Box::new(body) })
                } else {
                    mk(ExprKind::Big { op: *op, binder: binder.clone(), range: range.clone(), body: Box::new(body) })
                }
            }
            ExprKind::Neg(a) => mk(ExprKind::Neg(Box::new(self.rename_binders(a, avoid, fresh)?))),
            ExprKind::Binary(op, a, b, s) => mk(ExprKind::Binary(
                *op,
                Box::new(self.rename_binders(a, avoid, fresh)?),
                Box::new(self.rename_binders(b, avoid, fresh)?),
                *s,
            )),
            ExprKind::Call { func, primes, args } => mk(ExprKind::Call {
                func: func.clone(),
                primes: *primes,
                args: args.iter().map(|a| self.rename_binders(a, avoid, fresh)).collect::<Option<_>>()?,
            }),
            _ => e.clone(),
        })
    }
}

/// Fresh names for bound indices: `c2`, `c3`, … never used in the file or before.
#[derive(Debug, Clone, Default)]
pub struct Fresh {
    /// Names taken.
    pub taken: BTreeSet<String>,
}

impl Fresh {
    /// A new name after `base`.
    pub fn name(&mut self, base: &str) -> String {
        let stem = base.trim_end_matches(|c: char| c.is_ascii_digit());
        let stem = if stem.is_empty() { "k" } else { stem };
        (2..)
            .map(|k| format!("{stem}{k}"))
            .find(|n| !self.taken.contains(n))
            .inspect(|n| {
                self.taken.insert(n.clone());
            })
            .expect("some name is free")
    }
}

/// What a derivative is taken with respect to.
pub struct Target {
    /// The reference as written.
    pub r: VarRef,
    /// Its family.
    pub fam: usize,
}

/// Differentiates syntax trees with respect to one target.
pub struct Deriver<'a> {
    /// The model.
    pub model: &'a Families,
    /// With respect to what.
    pub target: Target,
    /// Fresh bound indices.
    pub fresh: &'a mut Fresh,
    /// The rules used, for the step's note.
    pub rules: BTreeSet<String>,
    /// Whether a builtin with a parameter (`elu(x, a)`) is differentiated through its formula
    /// (`derive`); else it is a derivative the generator does not take.
    pub formulas: bool,
}

impl Deriver<'_> {
    /// `∂R/∂x` for a reference `R` of family `fam`: Kronecker deltas when it is the target's
    /// family, `∂R/∂x` left for the next layer when it depends on it, else 0.
    fn reference(&mut self, e: &Expr, fam: usize, subs: &[IndexExpr]) -> Expr {
        if fam == self.target.fam {
            let model_fam = &self.model.fams[fam];
            let mut out = integer(1);
            for ((slot, a), b) in model_fam.slots.iter().zip(subs).zip(&self.target.r.subscripts) {
                if let SlotPat::Range(_) = slot {
                    out = mul(out, delta(a, b));
                }
            }
            return out;
        }
        if self.model.reach[fam][self.target.fam] {
            let r = match &e.kind {
                ExprKind::Indexed(n, subs) => VarRef { name: n.clone(), subscripts: subs.clone(), span: e.span },
                ExprKind::Name(n) => VarRef { name: n.clone(), subscripts: Vec::new(), span: e.span },
                _ => unreachable!("a reference is a name or an indexed name"),
            };
            return diff(reference(&r), self.target.r.clone());
        }
        integer(0)
    }

    /// The derivative of `e` with respect to the target, by the rules of differentiation; a node
    /// that depends on the target becomes `∂N/∂x` (the chain rule through it). `Err` names what
    /// it cannot differentiate.
    pub fn d(&mut self, e: &Expr) -> Result<Expr, String> {
        Ok(match &e.kind {
            ExprKind::Number(_) => integer(0),
            ExprKind::Name(n) => match self.model.family_of(&n.name, &[]) {
                Some(fam) => self.reference(e, fam, &[]),
                None => integer(0),
            },
            ExprKind::Indexed(n, subs) => match self.model.family_of(&n.name, subs) {
                Some(fam) => self.reference(e, fam, subs),
                None => return Err(format!("`{}` is not declared", text(e))),
            },
            ExprKind::Neg(a) => neg(self.d(a)?),
            ExprKind::Binary(BinOp::Add, a, b, _) => add(self.d(a)?, self.d(b)?),
            ExprKind::Binary(BinOp::Sub, a, b, _) => sub(self.d(a)?, self.d(b)?),
            ExprKind::Binary(BinOp::Mul, a, b, _) => {
                let (da, db) = (self.d(a)?, self.d(b)?);
                if !is_zero(&da) && !is_zero(&db) {
                    self.rules.insert("product rule".into());
                }
                add(mul(da, (**b).clone()), mul((**a).clone(), db))
            }
            ExprKind::Binary(BinOp::Div, a, b, _) => {
                let (da, db) = (self.d(a)?, self.d(b)?);
                if is_zero(&db) {
                    div(da, (**b).clone())
                } else {
                    self.rules.insert("quotient rule".into());
                    div(sub(da, mul(div((**a).clone(), (**b).clone()), db)), (**b).clone())
                }
            }
            ExprKind::Binary(BinOp::Pow, a, b, _) => {
                let Some(n) = constant(b) else {
                    // An exponent that is not a number but does not move with the target (focal
                    // loss's `(1 - p)^gamma` by the logit; an instructor found it refused as "a
                    // varying exponent"): the power rule with the exponent as written.
                    let db = self.d(b)?;
                    if !is_zero(&db) {
                        return Err(format!(
                            "the power `{}` has an exponent that depends on what the derivative is taken by \
                             (write it with `exp` and `log`)",
                            text(e)
                        ));
                    }
                    let da = self.d(a)?;
                    if is_zero(&da) {
                        return Ok(integer(0));
                    }
                    self.rules.insert("power rule".into());
                    let lowered = sub((**b).clone(), integer(1));
                    return Ok(mul(mul((**b).clone(), binary(BinOp::Pow, (**a).clone(), lowered)), da));
                };
                let da = self.d(a)?;
                if is_zero(&da) {
                    return Ok(integer(0));
                }
                self.rules.insert("power rule".into());
                let lowered = n.clone() - BigRational::one();
                let power =
                    if lowered.is_one() { (**a).clone() } else { binary(BinOp::Pow, (**a).clone(), number(&lowered)) };
                mul(mul(number(&n), power), da)
            }
            ExprKind::Call { func, primes, args } => self.call(&func.name, *primes, args)?,
            ExprKind::Big { op: BigOp::Sum, binder, range, body } => {
                let (binder, range, body) = self.unclashed(binder, range, body)?;
                sum(&binder, range, self.d(&body)?)
            }
            ExprKind::Big { op: BigOp::Prod, binder, range, body } => {
                // Only a product that does not depend on the target (inside a `log`, see `log_d`).
                let (_, _, body) = self.unclashed(binder, range, body)?;
                if !is_zero(&self.d(&body)?) {
                    return Err("the derivative of a `prod` outside a `log`".into());
                }
                integer(0)
            }
            // (With what to do: an instructor's Newton step, Hessian and double backprop were
            // refused with the first clause alone.)
            ExprKind::Diff { .. } => {
                return Err(format!(
                    "a derivative inside a derivative: `{}`; derive it first (`--goal \"{}\"`), then a goal \
                     that differentiates its answer, written out",
                    text(e),
                    text(e)
                ))
            }
            ExprKind::Transpose(_) | ExprKind::Array(_) | ExprKind::Binary(BinOp::Hadamard, ..) => {
                return Err("vectors and matrices (write them with indices)".into())
            }
        })
    }

    /// A bound index that the target mentions would be captured: the binder renamed (with its
    /// range written out), else as it is.
    fn unclashed(
        &mut self,
        binder: &Ident,
        range: &Option<Box<RangeExpr>>,
        body: &Expr,
    ) -> Result<(String, Option<Box<RangeExpr>>, Expr), String> {
        if !self.target.r.subscripts.iter().any(|s| index_mentions(s, &binder.name)) {
            return Ok((binder.name.clone(), range.clone(), body.clone()));
        }
        let range = range
            .clone()
            .or_else(|| self.model.indices.get(&binder.name).cloned().map(Box::new))
            .ok_or_else(|| format!("the range of `{}` is not known", binder.name))?;
        let new = self.fresh.name(&binder.name);
        let body = subst(body, &HashMap::from([(binder.name.clone(), index_name(&new))]));
        Ok((new, Some(range), body))
    }

    /// The derivative of `log(e)` taken apart along the products and quotients of `e` (the
    /// logarithmic derivative): `log(prod(i, f))' = sum(i, f'/f)`, `log(a/b)' = a'/a - b'/b`,
    /// `log(a^c)' = c a'/a`. Where `log(e)` is defined, `e > 0`, so no factor is 0 and every
    /// quotient is defined.
    fn log_d(&mut self, e: &Expr) -> Result<Expr, String> {
        Ok(match &e.kind {
            ExprKind::Big { op: BigOp::Prod, binder, range, body } => {
                let (binder, range, body) = self.unclashed(binder, range, body)?;
                sum(&binder, range, self.log_d(&body)?)
            }
            ExprKind::Binary(BinOp::Mul, a, b, _) => add(self.log_d(a)?, self.log_d(b)?),
            ExprKind::Binary(BinOp::Div, a, b, _) => sub(self.log_d(a)?, self.log_d(b)?),
            ExprKind::Binary(BinOp::Pow, a, b, _) if constant(b).is_some() => mul((**b).clone(), self.log_d(a)?),
            ExprKind::Neg(a) => self.log_d(a)?,
            _ => div(self.d(e)?, e.clone()),
        })
    }

    fn call(&mut self, name: &str, primes: u32, args: &[Expr]) -> Result<Expr, String> {
        if let Some((params, body)) = self.model.user_fns.get(name) {
            if primes > 0 {
                return Err(format!("`{name}` with a prime"));
            }
            self.rules.insert(format!("definition of {name}"));
            let values = params.iter().cloned().zip(args.iter().cloned()).collect();
            return self.d(&subst_with(body, &HashMap::new(), &values));
        }
        if (name == "delta" || name == "δ") && args.len() == 2 {
            return Ok(integer(0));
        }
        if let Some(&arity) = self.model.unknown_fns.get(name) {
            let ds: Vec<Expr> = args.iter().map(|a| self.d(a)).collect::<Result<_, _>>()?;
            if ds.iter().all(is_zero) {
                return Ok(integer(0));
            }
            if arity != 1 {
                return Err(format!("a partial derivative of `{name}`"));
            }
            self.rules.insert("chain rule".into());
            return Ok(mul(call(name, primes + 1, args.to_vec()), ds[0].clone()));
        }
        // A builtin with a parameter (`elu(x, a)`, `huber(x)` with its default) has no derivative
        // of one argument to write (`elu'`): it is differentiated through its formula, as the
        // checker does.
        if let Some((formula, expanded)) = with_parameters(name, primes, args).filter(|_| self.formulas) {
            self.rules.insert(format!("definition of {name}"));
            return self.d(&expanded).map_err(|why| format!("{why} in the formula of `{name}` (`{formula}`)"));
        }
        let [u] = args else {
            // (An instructor: "the derivative of `max`" read as a fragment, with no way out.)
            let way = match name {
                "max" => ": write `max(a, b)` as `b + relu(a - b)`, whose derivative is derived",
                "min" => ": write `min(a, b)` as `a - relu(a - b)`, whose derivative is derived",
                _ => "",
            };
            return Err(format!("there is no rule for the derivative of `{name}` of {} arguments{way}", args.len()));
        };
        if matches!(name, "log" | "ln") && primes == 0 && mentions_prod(u) {
            let d = self.log_d(u)?;
            if !is_zero(&d) {
                self.rules.insert("derivative of a log of a product".into());
            }
            return Ok(d);
        }
        let du = self.d(u)?;
        if is_zero(&du) {
            return Ok(integer(0));
        }
        let local = local_derivative(name, primes, u.clone())
            .ok_or_else(|| format!("there is no rule for the derivative of `{name}{}`", "'".repeat(primes as usize)))?;
        self.rules.insert("chain rule".into());
        Ok(mul(local, du))
    }
}

/// A builtin with a parameter (`elu`, `leaky_relu`, `huber`, `clamp`, …: arity 2 or more, defined
/// by a formula) applied to `args`: its formula as written in `crate::builtin` and the formula with
/// the arguments put in for its parameters `x`, `y`, `z` (a parameter left out is its default).
/// None for any other call, and for one with primes, which the resolver refuses.
pub fn with_parameters(name: &str, primes: u32, args: &[Expr]) -> Option<(&'static str, Expr)> {
    let builtin = crate::builtin::Builtin::from_name(name).filter(|b| b.arity() > 1 && primes == 0)?;
    let formula = builtin.formula()?;
    let (file, errors) = crate::syntax::parse_file(&format!("derive {formula}\n  = 0\n"));
    let Some(Item::Derivation(d)) = file.items.first().filter(|_| errors.is_empty()) else { return None };
    let defaults = builtin.spec().defaults;
    let given = args.len();
    let mut values = HashMap::new();
    for (k, param) in ["x", "y", "z"].into_iter().take(builtin.arity()).enumerate() {
        let value = match args.get(k) {
            Some(arg) => arg.clone(),
            None => mk(ExprKind::Number(defaults.get(k.checked_sub(builtin.arity() - defaults.len())?)?.to_string())),
        };
        values.insert(param.to_string(), value);
    }
    (given <= builtin.arity()).then(|| (formula, subst_with(&d.head, &HashMap::new(), &values)))
}

/// The derivative of a builtin of one argument at `u` (`exp(u)`, `1 / u`, `sigmoid'(u)`, …), or
/// `None` when the generator has no rule for it. Applied elementwise, it is the derivative of the
/// builtin applied to an array too.
pub fn local_derivative(name: &str, primes: u32, u: Expr) -> Option<Expr> {
    Some(match (name, primes) {
        ("exp", _) => call("exp", 0, vec![u]),
        ("log" | "ln", 0) => div(integer(1), u),
        ("sqrt", 0) => div(integer(1), mul(integer(2), call("sqrt", 0, vec![u]))),
        ("abs", 0) => call("sign", 0, vec![u]),
        ("relu", 0) => call("step", 0, vec![u]),
        ("softplus", 0) => call("sigmoid", 0, vec![u]),
        ("sin", 0) => call("cos", 0, vec![u]),
        ("atan" | "arctan", 0) => div(integer(1), add(integer(1), binary(BinOp::Pow, u, integer(2)))),
        ("erf", 0) => {
            let pi = mk(ExprKind::Name(ident("pi")));
            let scale = div(integer(2), call("sqrt", 0, vec![pi]));
            mul(scale, call("exp", 0, vec![neg(binary(BinOp::Pow, u, integer(2)))]))
        }
        ("cos", 0) => neg(call("sin", 0, vec![u])),
        ("sigmoid" | "σ", p) => call("sigmoid", p + 1, vec![u]),
        ("tanh", p) => call("tanh", p + 1, vec![u]),
        ("step" | "sign", p) => call(name, p + 1, vec![u]),
        // A builtin of one argument defined by a formula (`crate::builtin`): its derivative by
        // name, which the checker expands. One with a parameter has no prime (`with_parameters`).
        _ if crate::builtin::Builtin::from_name(name)
            .is_some_and(|b| b.arity() == 1 && (b.formula().is_some() || b.derivative_formula().is_some())) =>
        {
            call(name, primes + 1, vec![u])
        }
        _ => return None,
    })
}

/// Whether a `prod` occurs in the expression.
fn mentions_prod(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Big { op: BigOp::Prod, .. } => true,
        ExprKind::Big { body, .. } => mentions_prod(body),
        ExprKind::Neg(a) | ExprKind::Transpose(a) => mentions_prod(a),
        ExprKind::Binary(_, a, b, _) => mentions_prod(a) || mentions_prod(b),
        ExprKind::Call { args, .. } => args.iter().any(mentions_prod),
        ExprKind::Diff { body, .. } => mentions_prod(body),
        ExprKind::Array(items) => items.iter().any(mentions_prod),
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => false,
    }
}
