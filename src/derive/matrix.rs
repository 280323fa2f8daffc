//! Reference derivations in matrix notation (§7): a goal such as `diff(L, W1)` for a model of
//! whole arrays (`var W1: m x p`, `let z1 = W1 * x + b1`, `let h = sigmoid(z1)`, …) is written the
//! way backpropagation is taught, by reverse mode: one layer of the definitions graph per step,
//! from the variable towards the loss. `diff(L, N)` becomes the sum, over the nodes `C` whose
//! definitions read `N`, of the gradient that `C`'s definition passes back to `N` given `diff(L, C)`:
//! `diff(L, z) * x^T` for a matrix in `z = W * x + b`, `W^T * diff(L, z)` for its input,
//! `diff(L, h) ⊙ f'(z)` through `h = f(z)`, `p ⊙ G - dot(p, G) * p` through `p = softmax(z)`, and so
//! on (the vector-Jacobian products of [`Engine::vjp`]). Every step is checked by `check` like the
//! steps of scalar models; what has no rule here is an error that names the definition.

use std::collections::{BTreeSet, HashMap};

use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::rules::{local_derivative, Families, Kind, SlotPat};
use super::simplify::map_children;
use super::tree::*;
use super::{push_if_new, Proposal, MAX_LAYERS};
use crate::syntax::ast::*;
use crate::syntax::print::index_to_string;

/// The shape of a value: rows and columns as written (`"1"` for one); 1 x 1 is a scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dims {
    /// Rows.
    pub r: String,
    /// Columns.
    pub c: String,
}

impl Dims {
    fn scalar() -> Dims {
        Dims { r: "1".into(), c: "1".into() }
    }

    fn new(r: &str, c: &str) -> Dims {
        Dims { r: r.to_string(), c: c.to_string() }
    }

    /// Whether it is a scalar.
    pub fn is_scalar(&self) -> bool {
        self.r == "1" && self.c == "1"
    }

    fn t(&self) -> Dims {
        Dims { r: self.c.clone(), c: self.r.clone() }
    }

    fn is_matrix(&self) -> bool {
        self.r != "1" && self.c != "1"
    }
}

/// The shapes of the model's names, and of expressions built from them.
pub struct Shapes {
    names: HashMap<String, Dims>,
    pending: BTreeSet<String>,
}

/// The builtins that take arrays as a whole (not elementwise).
const ARRAY_BUILTINS: &[&str] = &["dot", "sum", "prod", "norm", "tr", "det", "inv", "outer", "diag", "softmax"];

impl Shapes {
    /// The shapes of every name of a model: declared shapes, index families used whole (one or
    /// two range subscripts starting at 1), and definitions inferred from their bodies.
    pub fn of(model: &Families) -> Shapes {
        let mut names = HashMap::new();
        for (name, dims) in &model.declared_shapes {
            match dims.as_slice() {
                [n] => names.insert(name.clone(), Dims::new(n, "1")),
                [r, c] => names.insert(name.clone(), Dims::new(r, c)),
                _ => None,
            };
        }
        for fam in &model.fams {
            if fam.slots.is_empty() || names.contains_key(&fam.name) {
                continue;
            }
            let his: Option<Vec<String>> = fam
                .slots
                .iter()
                .map(|s| match s {
                    SlotPat::Range(ix) => {
                        model.indices.get(ix).filter(|r| index_to_string(&r.lo) == "1").map(|r| index_to_string(&r.hi))
                    }
                    SlotPat::Label(_) => None,
                })
                .collect();
            match his.as_deref() {
                Some([n]) => names.insert(fam.name.clone(), Dims::new(n, "1")),
                Some([r, c]) => names.insert(fam.name.clone(), Dims::new(r, c)),
                _ => None,
            };
        }
        let pending = model
            .fams
            .iter()
            .filter(|f| f.slots.is_empty() && !names.contains_key(&f.name))
            .map(|f| f.name.clone())
            .collect();
        let mut shapes = Shapes { names, pending };
        loop {
            let mut changed = false;
            for fam in model.fams.iter().filter(|f| f.slots.is_empty()) {
                if !shapes.pending.contains(&fam.name) {
                    continue;
                }
                let shape = match &fam.kind {
                    Kind::Defined(body) => shapes.infer(body),
                    _ => Some(Dims::scalar()),
                };
                if let Some(shape) = shape {
                    shapes.pending.remove(&fam.name);
                    shapes.names.insert(fam.name.clone(), shape);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // What could not be inferred (a cycle, an error) is taken as a scalar: `check` decides.
        for name in std::mem::take(&mut shapes.pending) {
            shapes.names.insert(name, Dims::scalar());
        }
        shapes
    }

    /// The shape of a name used whole.
    pub fn name(&self, name: &str) -> Dims {
        self.names.get(name).cloned().unwrap_or_else(Dims::scalar)
    }

    /// The shape of an expression (`None` while a name it reads is not known yet).
    pub fn infer(&self, e: &Expr) -> Option<Dims> {
        let scalar = Some(Dims::scalar());
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Indexed(..) | ExprKind::Big { .. } => scalar,
            ExprKind::Name(n) => match self.names.get(&n.name) {
                Some(d) => Some(d.clone()),
                None if self.pending.contains(&n.name) => None,
                None => scalar,
            },
            ExprKind::Array(items) => {
                if let Some(ExprKind::Array(row)) = items.first().map(|i| &i.kind) {
                    Some(Dims::new(&items.len().to_string(), &row.len().to_string()))
                } else {
                    Some(Dims::new(&items.len().to_string(), "1"))
                }
            }
            ExprKind::Call { func, args, .. } => match (func.name.as_str(), args.as_slice()) {
                ("dot" | "sum" | "prod" | "norm" | "tr" | "det", _) => scalar,
                ("outer", [a, b]) => Some(Dims { r: self.infer(a)?.r, c: self.infer(b)?.r }),
                ("diag", [a]) => {
                    let d = self.infer(a)?;
                    Some(if d.c == "1" { Dims::new(&d.r, &d.r) } else { Dims::new(&d.r, "1") })
                }
                (_, [a]) => self.infer(a),
                _ => scalar,
            },
            ExprKind::Neg(a) => self.infer(a),
            ExprKind::Transpose(a) => Some(self.infer(a)?.t()),
            ExprKind::Binary(BinOp::Mul, a, b, _) => {
                let (sa, sb) = (self.infer(a)?, self.infer(b)?);
                Some(if sa.is_scalar() {
                    sb
                } else if sb.is_scalar() {
                    sa
                } else {
                    Dims { r: sa.r, c: sb.c }
                })
            }
            ExprKind::Binary(BinOp::Pow, a, _, _) => self.infer(a),
            ExprKind::Binary(_, a, b, _) => {
                let sa = self.infer(a)?;
                if sa.is_scalar() {
                    self.infer(b)
                } else {
                    Some(sa)
                }
            }
            ExprKind::Diff { body, wrt } => {
                let sb = self.infer(body)?;
                let sw = match wrt.as_slice() {
                    [w] if w.subscripts.is_empty() => self.name(&w.name.name),
                    _ => Dims::scalar(),
                };
                Some(if sb.is_scalar() {
                    sw
                } else if sw.is_scalar() {
                    sb
                } else {
                    Dims { r: sb.r, c: sw.r }
                })
            }
        }
    }

    fn of_expr(&self, e: &Expr) -> Dims {
        self.infer(e).unwrap_or_else(Dims::scalar)
    }
}

/// Whether the goal is one for the matrix generator: it has a derivative by a whole array, of an
/// array, or through a whole-array definition.
pub fn applies(model: &Families, head: &Expr) -> bool {
    let engine = Engine::new(model);
    let (model, shapes) = (&engine.model, &engine.shapes);
    let head = &transposes(head, model.names.contains("T"));
    let mut found = false;
    visit_diffs(head, &mut |body, x| {
        if !x.subscripts.is_empty() {
            return;
        }
        if !shapes.name(&x.name.name).is_scalar() || !shapes.of_expr(body).is_scalar() {
            found = true;
            return;
        }
        // A scalar by a scalar, through a whole-array node on the way.
        let Some(fx) = model.family_of(&x.name.name, &[]) else { return };
        let mut read = Vec::new();
        model.refs(body, &mut read);
        // A definition on the way from `x` to `body` that reads a whole array (`dot(v, h)`).
        let reads_array = |e: &Expr| reads_whole_array(e, shapes);
        found |= reads_array(body)
            || model.fams.iter().enumerate().any(|(f, fam)| {
                let on_path = (f == fx || model.reach[f][fx]) && read.iter().any(|&r| r == f || model.reach[r][f]);
                on_path
                    && fam.slots.is_empty()
                    && match &fam.kind {
                        Kind::Defined(b) => reads_array(b),
                        _ => false,
                    }
            });
    });
    found
}

/// Whether `e` reads an array whole (`h` of a vector `h`, not its element `h[j]`).
fn reads_whole_array(e: &Expr, shapes: &Shapes) -> bool {
    match &e.kind {
        ExprKind::Name(n) => !shapes.name(&n.name).is_scalar(),
        ExprKind::Array(_) => true,
        ExprKind::Diff { body, .. } => reads_whole_array(body, shapes),
        _ => {
            let mut found = false;
            map_children(e, &mut |c| {
                found |= reads_whole_array(c, shapes);
                c.clone()
            });
            found
        }
    }
}

fn visit_diffs(e: &Expr, f: &mut dyn FnMut(&Expr, &VarRef)) {
    if let ExprKind::Diff { body, wrt } = &e.kind {
        if let [x] = wrt.as_slice() {
            f(body, x);
        }
        return;
    }
    map_children(e, &mut |c| {
        visit_diffs(c, f);
        c.clone()
    });
}

/// A gradient passed back through an expression: an array (or scalar) of its shape, or one
/// scalar standing for itself at every element (what `sum(A)` passes back to `A`).
#[derive(Clone)]
enum Cot {
    Full(Expr),
    Ones(Expr),
}

/// `e` with every `A^T` written as a transpose (the parser reads it as a power of `T`, which the
/// resolver turns into a transpose unless `T` is declared).
fn transposes(e: &Expr, t_declared: bool) -> Expr {
    if t_declared {
        return e.clone();
    }
    match &e.kind {
        ExprKind::Binary(BinOp::Pow, a, t, _) if matches!(&t.kind, ExprKind::Name(n) if n.name == "T") => {
            mk(ExprKind::Transpose(Box::new(transposes(a, t_declared))))
        }
        ExprKind::Diff { body, wrt } => {
            mk(ExprKind::Diff { body: Box::new(transposes(body, t_declared)), wrt: wrt.clone() })
        }
        _ => map_children(e, &mut |c| transposes(c, t_declared)),
    }
}

/// The matrix generator for one model.
pub struct Engine {
    model: Families,
    shapes: Shapes,
}

impl Engine {
    /// The generator for a model.
    pub fn new(model: &Families) -> Engine {
        let mut model = model.clone();
        let t_declared = model.names.contains("T");
        for fam in &mut model.fams {
            if let Kind::Defined(body) = &mut fam.kind {
                *body = transposes(body, t_declared);
            }
        }
        let shapes = Shapes::of(&model);
        Engine { model, shapes }
    }

    fn shape(&self, e: &Expr) -> Dims {
        self.shapes.of_expr(e)
    }

    /// `a * b` as the linear-algebra product, a scalar factor written first.
    fn mm(&self, a: Expr, b: Expr) -> Expr {
        if self.shape(&b).is_scalar() && !self.shape(&a).is_scalar() {
            mul(b, a)
        } else {
            mul(a, b)
        }
    }

    /// `a ⊙ b`, or `a * b` where one of them is a scalar.
    fn had(&self, a: Expr, b: Expr) -> Expr {
        if is_zero(&a) || is_zero(&b) {
            return integer(0);
        }
        if is_one(&a) {
            return b;
        }
        if is_one(&b) {
            return a;
        }
        if self.shape(&a).is_scalar() || self.shape(&b).is_scalar() {
            self.mm(a, b)
        } else {
            binary(BinOp::Hadamard, a, b)
        }
    }

    fn transpose(&self, a: Expr) -> Expr {
        if self.shape(&a).is_scalar() {
            return a;
        }
        match a.kind {
            ExprKind::Transpose(inner) => *inner,
            _ => mk(ExprKind::Transpose(Box::new(a))),
        }
    }

    /// The sum of the elementwise products of a gradient and an array (a scalar).
    fn inner(&self, g: &Cot, b: &Expr) -> Expr {
        match g {
            Cot::Ones(s) => mul(s.clone(), call("sum", 0, vec![b.clone()])),
            Cot::Full(g) if self.shape(b).is_scalar() => mul(g.clone(), b.clone()),
            Cot::Full(g) if self.shape(b).c == "1" => call("dot", 0, vec![g.clone(), b.clone()]),
            Cot::Full(g) => call("sum", 0, vec![binary(BinOp::Hadamard, g.clone(), b.clone())]),
        }
    }

    /// The steps of the derivation of `head`.
    pub(super) fn propose(&self, head: &Expr) -> Result<Vec<Proposal>, String> {
        let head = &transposes(head, self.model.names.contains("T"));
        let mut steps: Vec<Proposal> = Vec::new();
        let mut current = head.clone();
        for _ in 0..MAX_LAYERS {
            let mut notes = BTreeSet::new();
            let next = self.layer(&current, &mut notes)?;
            if text(&next) == text(&current) {
                break;
            }
            let next = self.simplify(&next);
            current = next.clone();
            steps.push(Proposal { expr: next, note: definitions_note(notes) });
        }
        if text(&self.layer(&current, &mut BTreeSet::new())?) != text(&current) {
            return Err("the chain rule does not end (more layers than the generator follows)".into());
        }
        let mut rules = BTreeSet::new();
        let special = self.simplify(&self.special(&current, &mut rules));
        push_if_new(&mut steps, &current, special.clone(), &rules.iter().map(|r| r.to_string()).collect());
        let mut e = special;
        for _ in 0..4 {
            let mut used = BTreeSet::new();
            let next = self.simplify(&self.fold(&e, head, &mut used));
            if text(&next) == text(&e) {
                break;
            }
            let mut note = BTreeSet::new();
            super::note_definitions(used, &mut note);
            push_if_new(&mut steps, &e, next.clone(), &note);
            e = next;
        }
        if steps.is_empty() {
            return Err("nothing to derive: the goal has no derivative to work out".into());
        }
        Ok(steps)
    }

    /// Every derivative `diff(A, N)` of `e` by a whole variable or node taken one layer back.
    fn layer(&self, e: &Expr, notes: &mut BTreeSet<String>) -> Result<Expr, String> {
        if let ExprKind::Diff { body, wrt } = &e.kind {
            let [x] = wrt.as_slice() else { return Err(super::several_variables(wrt)) };
            if !x.subscripts.is_empty() {
                return Err(format!(
                    "`{}`: a derivative by one element in a whole-array model (differentiate by `{}`)",
                    text(e),
                    x.name.name
                ));
            }
            return Ok(self.expand(body, &x.name.name, notes)?.unwrap_or_else(|| e.clone()));
        }
        let mut failure = None;
        let out = map_children(e, &mut |c| match self.layer(c, notes) {
            Ok(x) => x,
            Err(why) => {
                failure.get_or_insert(why);
                c.clone()
            }
        });
        match failure {
            Some(why) => Err(why),
            None => Ok(out),
        }
    }

    /// `diff(a, n)` one layer back: the gradient that every definition reading `n` (on the way to
    /// `a`) passes back to it. `None`: it stays (an unknown node by one of its dependencies).
    fn expand(&self, a: &Expr, n: &str, notes: &mut BTreeSet<String>) -> Result<Option<Expr>, String> {
        let m = &self.model;
        if !self.shape(a).is_scalar() {
            return Err(format!(
                "`diff({}, {n})`: the derivative of an array (a Jacobian) is not written in matrix form; derive a scalar",
                text(a)
            ));
        }
        let fam_n = m.family_of(n, &[]).ok_or_else(|| super::not_a_family(m, n))?;
        let numerator = match &a.kind {
            ExprKind::Name(l) => Some(m.family_of(&l.name, &[]).ok_or_else(|| format!("`{}` is not a node", l.name))?),
            _ => None,
        };
        let mut top = None;
        if let Some(fl) = numerator {
            if fl == fam_n {
                return if self.shapes.name(n).is_scalar() {
                    Ok(Some(integer(1)))
                } else {
                    Err(format!("`diff({n}, {n})` of an array is the identity, which has no notation"))
                };
            }
            match &m.fams[fl].kind {
                Kind::Unknown(deps) => {
                    if deps.iter().any(|d| d.name.name == n) || !m.reach[fl][fam_n] {
                        return Ok(None);
                    }
                }
                Kind::Defined(body) => top = Some(body.clone()),
                Kind::Input => {}
            }
        } else {
            top = Some(a.clone());
        }
        let mut read = Vec::new();
        m.refs(a, &mut read);
        let leads = |c: usize| match numerator {
            Some(fl) => m.reach[fl][c],
            None => read.iter().any(|&r| r == c || m.reach[r][c]),
        };
        let mut out: Option<Expr> = None;
        let mut add_term = |t: Option<Expr>| {
            if let Some(t) = t {
                out = Some(match out.take() {
                    None => t,
                    Some(acc) => plus(acc, t),
                });
            }
        };
        for (c, fam) in m.fams.iter().enumerate() {
            if c == fam_n || Some(c) == numerator || !leads(c) {
                continue;
            }
            let reads = match &fam.kind {
                Kind::Defined(body) => mentions(body, n),
                Kind::Unknown(deps) => deps.iter().any(|d| d.name.name == n),
                Kind::Input => false,
            };
            if !reads {
                continue;
            }
            if !fam.slots.is_empty() {
                return Err(format!(
                    "the definition of `{}` reads `{n}` element by element (write it whole)",
                    fam.name
                ));
            }
            let Kind::Defined(body) = &fam.kind else {
                return Err(format!("the chain rule through the unknown node `{}` in matrix notation", fam.name));
            };
            let g = diff(a.clone(), var_ref(&fam.name, Vec::new()));
            let term =
                self.vjp(body, Cot::Full(g), n).map_err(|why| format!("the definition of `{}`: {why}", fam.name))?;
            notes.insert(format!("definition of {}", fam.name));
            add_term(term);
        }
        // The loss's own definition last: `W^T * δ + λ sign(h)`.
        if let Some(top) = &top {
            if mentions(top, n) {
                let what = match &a.kind {
                    ExprKind::Name(l) => format!("the definition of `{}`", l.name),
                    _ => format!("`{}`", text(a)),
                };
                let term = self.vjp(top, Cot::Full(integer(1)), n).map_err(|why| format!("{what}: {why}"))?;
                notes.insert(match &a.kind {
                    ExprKind::Name(l) => format!("definition of {}", l.name),
                    _ => "chain rule".to_string(),
                });
                add_term(term);
            }
        }
        match out {
            Some(t) => match ones_of(&t) {
                Some(x) => {
                    Err(format!("the gradient by `{n}` is `{}` times an array of ones, which has no notation", text(x)))
                }
                None => Ok(Some(t)),
            },
            None if self.shapes.name(n).is_scalar() => Ok(Some(integer(0))),
            None => Err(format!("`{}` does not depend on `{n}`: its gradient is a zero array", text(a))),
        }
    }

    /// The gradient that `e` passes back to the whole variable or node `n` when `g` is the
    /// gradient of the loss with respect to `e` (a vector-Jacobian product); `None` for zero.
    fn vjp(&self, e: &Expr, g: Cot, n: &str) -> Result<Option<Expr>, String> {
        if !mentions(e, n) {
            return Ok(None);
        }
        let se = self.shape(e);
        let g = match g {
            Cot::Ones(s) if se.is_scalar() => Cot::Full(s),
            g => g,
        };
        let sum2 = |a: Option<Expr>, b: Option<Expr>| match (a, b) {
            (Some(a), Some(b)) => Some(plus(a, b)),
            (a, None) => a,
            (None, b) => b,
        };
        let scaled = |g: &Cot, s: Expr| match g {
            Cot::Full(g) => Cot::Full(self.mm(s, g.clone())),
            Cot::Ones(x) => Cot::Ones(mul(s, x.clone())),
        };
        let elementwise = |g: &Cot, local: Expr| match (g, &local.kind) {
            (Cot::Full(g), ExprKind::Binary(BinOp::Div, one, u, _)) if is_one(one) => {
                Cot::Full(div(g.clone(), (**u).clone()))
            }
            (Cot::Ones(x), ExprKind::Binary(BinOp::Div, one, u, _)) if is_one(one) => {
                Cot::Full(div(x.clone(), (**u).clone()))
            }
            (Cot::Full(g), _) => Cot::Full(self.had(g.clone(), local)),
            (Cot::Ones(x), _) => Cot::Full(self.mm(x.clone(), local)),
        };
        Ok(match &e.kind {
            ExprKind::Name(x) if x.name == n => match g {
                Cot::Full(g) => Some(g),
                // (A number times an array of ones has no notation of its own, but added to an
                // array it is that number added to each element: `exp(2 * ls) - 1` for
                // `sum(exp(2 * ls) - 2 * ls) / 2`, as the model writes it; an instructor's VAE.)
                Cot::Ones(x) => Some(ones(x)),
            },
            ExprKind::Name(_) | ExprKind::Number(_) => None,
            ExprKind::Indexed(..) => return Err(format!("`{}` reads one element of `{n}` (write it whole)", text(e))),
            ExprKind::Neg(a) => {
                let g = match g {
                    Cot::Full(g) => Cot::Full(neg(g)),
                    Cot::Ones(x) => Cot::Ones(neg(x)),
                };
                self.vjp(a, g, n)?
            }
            ExprKind::Binary(BinOp::Add, a, b, _) => sum2(self.vjp(a, g.clone(), n)?, self.vjp(b, g, n)?),
            ExprKind::Binary(BinOp::Sub, a, b, _) => {
                let db = self.vjp(b, g.clone(), n)?.map(negate);
                sum2(self.vjp(a, g, n)?, db)
            }
            ExprKind::Binary(BinOp::Mul, a, b, _) => {
                let (sa, sb) = (self.shape(a), self.shape(b));
                if sa.is_scalar() && sb.is_scalar() {
                    let Cot::Full(g0) = &g else { unreachable!("a scalar's gradient is a scalar") };
                    sum2(
                        self.vjp(a, Cot::Full(mul(g0.clone(), (**b).clone())), n)?,
                        self.vjp(b, Cot::Full(mul((**a).clone(), g0.clone())), n)?,
                    )
                } else if sa.is_scalar() {
                    sum2(self.vjp(a, Cot::Full(self.inner(&g, b)), n)?, self.vjp(b, scaled(&g, (**a).clone()), n)?)
                } else if sb.is_scalar() {
                    sum2(self.vjp(a, scaled(&g, (**b).clone()), n)?, self.vjp(b, Cot::Full(self.inner(&g, a)), n)?)
                } else {
                    let Cot::Full(g0) = &g else {
                        return Err(format!("the sum of the elements of the product `{}`", text(e)));
                    };
                    let ga = self.mm(g0.clone(), self.transpose((**b).clone()));
                    let gb = self.mm(self.transpose((**a).clone()), g0.clone());
                    sum2(self.vjp(a, Cot::Full(ga), n)?, self.vjp(b, Cot::Full(gb), n)?)
                }
            }
            ExprKind::Binary(BinOp::Hadamard, a, b, _) => {
                let ga = elementwise(&g, (**b).clone());
                let gb = elementwise(&g, (**a).clone());
                sum2(self.vjp(a, ga, n)?, self.vjp(b, gb, n)?)
            }
            ExprKind::Binary(BinOp::Div, a, b, _) => {
                let (sa, sb) = (self.shape(a), self.shape(b));
                let da = if sb.is_scalar() {
                    let g = match &g {
                        Cot::Full(g) => Cot::Full(div(g.clone(), (**b).clone())),
                        Cot::Ones(x) => Cot::Ones(div(x.clone(), (**b).clone())),
                    };
                    self.vjp(a, g, n)?
                } else if sa.is_scalar() {
                    let over = div(integer(1), (**b).clone());
                    self.vjp(a, Cot::Full(self.inner(&g, &over)), n)?
                } else {
                    self.vjp(a, elementwise(&g, div(integer(1), (**b).clone())), n)?
                };
                let db = if mentions(b, n) {
                    let square = if sb.is_scalar() {
                        binary(BinOp::Pow, (**b).clone(), integer(2))
                    } else {
                        binary(BinOp::Hadamard, (**b).clone(), (**b).clone())
                    };
                    let numerator = if sb.is_scalar() {
                        self.inner(&g, a)
                    } else {
                        match &g {
                            Cot::Full(g0) => self.had(g0.clone(), (**a).clone()),
                            Cot::Ones(x) => self.mm(x.clone(), (**a).clone()),
                        }
                    };
                    self.vjp(b, Cot::Full(neg(div(numerator, square))), n)?
                } else {
                    None
                };
                sum2(da, db)
            }
            ExprKind::Binary(BinOp::Pow, a, k, _) => {
                let kv = constant(k).ok_or_else(|| format!("the power `{}` has a varying exponent", text(e)))?;
                let lowered = kv.clone() - BigRational::one();
                let power =
                    if lowered.is_one() { (**a).clone() } else { binary(BinOp::Pow, (**a).clone(), number(&lowered)) };
                let local = mul(number(&kv), power);
                self.vjp(a, elementwise(&g, local), n)?
            }
            ExprKind::Transpose(a) => {
                let g = match g {
                    Cot::Full(g) => Cot::Full(self.transpose(g)),
                    ones => ones,
                };
                self.vjp(a, g, n)?
            }
            ExprKind::Call { func, primes, args } => self.vjp_call(e, &func.name, *primes, args, g, n)?,
            ExprKind::Big { .. } => {
                return Err(format!("index notation over `{n}` in a whole-array definition: `{}`", text(e)))
            }
            ExprKind::Array(_) => return Err(format!("an array literal built from `{n}`: `{}`", text(e))),
            ExprKind::Diff { .. } => return Err(format!("a derivative inside a definition: `{}`", text(e))),
        })
    }

    fn vjp_call(
        &self,
        e: &Expr,
        name: &str,
        primes: u32,
        args: &[Expr],
        g: Cot,
        n: &str,
    ) -> Result<Option<Expr>, String> {
        let sum2 = |a: Option<Expr>, b: Option<Expr>| match (a, b) {
            (Some(a), Some(b)) => Some(plus(a, b)),
            (a, None) => a,
            (None, b) => b,
        };
        let full = |g: &Cot| match g {
            Cot::Full(g) => Ok(g.clone()),
            Cot::Ones(_) => Err(format!("the sum of the elements of `{}`", text(e))),
        };
        if primes == 0 {
            match (name, args) {
                ("dot", [x, y]) => {
                    let g0 = full(&g)?;
                    return Ok(sum2(
                        self.vjp(x, Cot::Full(self.mm(g0.clone(), y.clone())), n)?,
                        self.vjp(y, Cot::Full(self.mm(g0, x.clone())), n)?,
                    ));
                }
                ("sum", [x]) => {
                    let g0 = full(&g)?;
                    return self.vjp(x, Cot::Ones(g0), n);
                }
                ("outer", [x, y]) => {
                    let g0 = full(&g)?;
                    let gx = self.mm(g0.clone(), y.clone());
                    let gy = self.mm(self.transpose(g0), x.clone());
                    return Ok(sum2(self.vjp(x, Cot::Full(gx), n)?, self.vjp(y, Cot::Full(gy), n)?));
                }
                ("softmax", [x]) => {
                    let g0 = full(&g)?;
                    let p = e.clone();
                    let back = sub(self.had(p.clone(), g0.clone()), mul(call("dot", 0, vec![p.clone(), g0]), p));
                    return self.vjp(x, Cot::Full(back), n);
                }
                _ => {}
            }
        }
        if ARRAY_BUILTINS.contains(&name) {
            return Err(format!("no rule for the derivative of `{name}` in matrix notation"));
        }
        if name == "delta" || name == "δ" {
            return Ok(None);
        }
        if super::rules::with_parameters(name, primes, args).is_some() {
            return Err(format!(
                "the derivative of `{name}`, a builtin with a parameter, in matrix notation (derive works it \
                 out through its formula in index notation)"
            ));
        }
        let [u] = args else { return Err(format!("a partial derivative of `{name}`")) };
        if let Some((params, body)) = self.model.user_fns.get(name) {
            if primes > 0 || !self.shape(u).is_scalar() {
                return Err(format!("the function `{name}` applied to an array (write its formula)"));
            }
            let values = params.iter().cloned().zip(args.iter().cloned()).collect();
            return self.vjp(&subst_with(body, &HashMap::new(), &values), g, n);
        }
        let local = if self.model.unknown_fns.contains_key(name) {
            call(name, primes + 1, vec![u.clone()])
        } else {
            local_derivative(name, primes, u.clone())
                .ok_or_else(|| format!("the derivative of `{name}{}`", "'".repeat(primes as usize)))?
        };
        let g = match (&g, &local.kind) {
            (Cot::Full(g), ExprKind::Binary(BinOp::Div, one, v, _)) if is_one(one) => {
                Cot::Full(div(g.clone(), (**v).clone()))
            }
            (Cot::Ones(x), ExprKind::Binary(BinOp::Div, one, v, _)) if is_one(one) => {
                Cot::Full(div(x.clone(), (**v).clone()))
            }
            (Cot::Full(g), _) => Cot::Full(self.had(g.clone(), local)),
            (Cot::Ones(x), _) => Cot::Full(self.mm(x.clone(), local)),
        };
        self.vjp(u, g, n)
    }

    /// `sigmoid'(u)` as `sigmoid(u) ⊙ (1 - sigmoid(u))`, `tanh'(u)` as `1 - tanh(u)^2` (elementwise).
    fn special(&self, e: &Expr, rules: &mut BTreeSet<&'static str>) -> Expr {
        if let ExprKind::Call { func, primes: 1, args } = &e.kind {
            if let [u] = args.as_slice() {
                let u = self.special(u, rules);
                let array = !self.shape(&u).is_scalar();
                match func.name.as_str() {
                    "sigmoid" | "σ" => {
                        rules.insert("σ' = σ(1 − σ)");
                        let s = call("sigmoid", 0, vec![u]);
                        let rest = sub(integer(1), s.clone());
                        return if array { binary(BinOp::Hadamard, s, rest) } else { mul(s, rest) };
                    }
                    "tanh" => {
                        rules.insert("tanh' = 1 − tanh²");
                        let t = call("tanh", 0, vec![u.clone()]);
                        let square = if self.shape(&u).is_matrix() {
                            binary(BinOp::Hadamard, t.clone(), t)
                        } else {
                            binary(BinOp::Pow, t, integer(2))
                        };
                        return sub(integer(1), square);
                    }
                    _ => {}
                }
            }
        }
        map_children(e, &mut |c| self.special(c, rules))
    }

    /// The file's definitions written by their names where their bodies appear (not the goal's
    /// own), and `assume sum(k, y[k]) = 1` where `sum(y)` appears.
    fn fold(&self, e: &Expr, head: &Expr, used: &mut BTreeSet<String>) -> Expr {
        let e = map_children(e, &mut |c| self.fold(c, head, used));
        let key = text(&e);
        for fam in &self.model.fams {
            let Kind::Defined(body) = &fam.kind else { continue };
            if !fam.slots.is_empty()
                || matches!(body.kind, ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..))
                || text(body) == text(head)
            {
                continue;
            }
            if text(body) == key {
                used.insert(fam.name.clone());
                return mk(ExprKind::Name(ident(&fam.name)));
            }
        }
        for (lhs, rhs) in &self.model.assumptions {
            let whole = match &lhs.kind {
                ExprKind::Big { op: BigOp::Sum, binder, range: None, body } => match &body.kind {
                    ExprKind::Indexed(y, subs)
                        if subs.len() == 1 && single_name(&subs[0]) == Some(binder.name.as_str()) =>
                    {
                        Some(format!("sum({})", y.name))
                    }
                    _ => None,
                },
                _ => None,
            };
            if text(lhs) == key || whole.as_deref() == Some(key.as_str()) {
                used.insert("the assumption".to_string());
                return rhs.clone();
            }
        }
        e
    }

    /// Simplified without reordering products: numeric factors pulled to the front, like terms
    /// collected, `(A^T)^T = A`, `p ⊙ (y / p) = y`, `dot(p, y / p) = sum(y)`.
    pub fn simplify(&self, e: &Expr) -> Expr {
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) | ExprKind::Diff { .. } => e.clone(),
            ExprKind::Big { .. } => e.clone(),
            ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => self.sum_of_terms(e),
            ExprKind::Binary(op @ (BinOp::Mul | BinOp::Hadamard), a, b, _) => {
                let (ca, ra) = coefficient(&self.simplify(a));
                let (cb, rb) = coefficient(&self.simplify(b));
                let core = if *op == BinOp::Mul { product_left(ra, rb) } else { self.hadamard(ra, rb) };
                rebuild(ca * cb, core)
            }
            ExprKind::Binary(BinOp::Div, a, b, _) => {
                let b = self.simplify(b);
                let (ca, ra) = coefficient(&self.simplify(a));
                match constant(&b) {
                    Some(v) if !v.is_zero() => rebuild(ca / v, ra),
                    _ => rebuild(ca, div(ra, b)),
                }
            }
            ExprKind::Binary(op, a, b, s) => {
                mk(ExprKind::Binary(*op, Box::new(self.simplify(a)), Box::new(self.simplify(b)), *s))
            }
            ExprKind::Transpose(a) => {
                let a = self.simplify(a);
                let (c, core) = coefficient(&a);
                rebuild(c, self.transpose(core))
            }
            ExprKind::Call { func, primes, args } => {
                let args: Vec<Expr> = args.iter().map(|a| self.simplify(a)).collect();
                if *primes == 0 && func.name == "dot" && args.len() == 2 {
                    let (c0, x) = coefficient(&args[0]);
                    let (c1, y) = coefficient(&args[1]);
                    for (p, q) in [(&x, &y), (&y, &x)] {
                        if let ExprKind::Binary(BinOp::Div, top, bottom, _) = &q.kind {
                            if text(bottom) == text(p) {
                                return rebuild(c0 * c1, call("sum", 0, vec![(**top).clone()]));
                            }
                        }
                    }
                    return rebuild(c0 * c1, call("dot", 0, vec![x, y]));
                }
                if *primes == 0 && func.name == "sum" && args.len() == 1 {
                    let (c, x) = coefficient(&args[0]);
                    return rebuild(c, call("sum", 0, vec![x]));
                }
                call(&func.name, *primes, args)
            }
            ExprKind::Array(items) => mk(ExprKind::Array(items.iter().map(|a| self.simplify(a)).collect())),
        }
    }

    /// `a ⊙ b` with `p ⊙ (y / p) = y` and the product written left to right.
    fn hadamard(&self, a: Expr, b: Expr) -> Expr {
        for (p, q) in [(&a, &b), (&b, &a)] {
            if let ExprKind::Binary(BinOp::Div, top, bottom, _) = &q.kind {
                if text(bottom) == text(p) {
                    return (**top).clone();
                }
            }
        }
        if let ExprKind::Binary(BinOp::Hadamard, c, d, _) = b.kind {
            return binary(BinOp::Hadamard, self.hadamard(a, *c), *d);
        }
        self.had(a, b)
    }

    fn sum_of_terms(&self, e: &Expr) -> Expr {
        let mut collected: Vec<(String, BigRational, Expr)> = Vec::new();
        for (positive, t) in e.terms() {
            let t = self.simplify(&t);
            for (inner_positive, t) in t.terms() {
                let (mut c, core) = coefficient(&t);
                if positive != inner_positive {
                    c = -c;
                }
                let key = text(&core);
                match collected.iter_mut().find(|(k, _, _)| *k == key) {
                    Some(entry) => entry.1 += c,
                    None => collected.push((key, c, core)),
                }
            }
        }
        let mut kept: Vec<(BigRational, Expr)> =
            collected.into_iter().filter(|(_, c, _)| !c.is_zero()).map(|(_, c, f)| (c, f)).collect();
        if let Some(at) = kept.iter().position(|(c, _)| c.is_positive()) {
            let first = kept.remove(at);
            kept.insert(0, first);
        }
        // A number common to every term written once: `2 * (xt - x)`, not `2 * xt - 2 * x`.
        let common = kept.first().map(|(c, _)| c.abs());
        if let Some(k) = common.filter(|k| kept.len() > 1 && !k.is_one() && kept.iter().all(|(c, _)| c.abs() == *k)) {
            let unit: Vec<(BigRational, Expr)> = kept.into_iter().map(|(c, f)| (c / k.clone(), f)).collect();
            let sign = if unit[0].0.is_negative() { -BigRational::one() } else { BigRational::one() };
            let inner = unit.into_iter().fold(None, |acc: Option<Expr>, (c, core)| {
                let c = c * sign.clone();
                Some(match acc {
                    None => rebuild(c, core),
                    Some(acc) if c.is_negative() => sub(acc, rebuild(-c, core)),
                    Some(acc) => add(acc, rebuild(c, core)),
                })
            });
            return rebuild(k * sign, inner.unwrap_or_else(|| integer(0)));
        }
        let mut out: Option<Expr> = None;
        for (c, core) in kept {
            out = Some(match out {
                None => rebuild(c, core),
                Some(acc) if c.is_negative() => sub(acc, rebuild(-c, core)),
                Some(acc) => add(acc, rebuild(c, core)),
            });
        }
        out.unwrap_or_else(|| integer(0))
    }

    /// The exact value of an answer that is a vector or matrix of concrete shape, on a model that
    /// gives every name a number: an array literal.
    pub fn numeric_value(&self, model_text: &str, e: &Expr) -> Option<Expr> {
        let shape = self.shape(e);
        if shape.is_scalar() {
            return super::numeric_value(model_text, e);
        }
        if matches!(e.kind, ExprKind::Array(_)) {
            return None;
        }
        let (rows, cols): (usize, usize) = (shape.r.parse().ok()?, shape.c.parse().ok()?);
        if rows * cols > 36 || rows == 1 {
            return None;
        }
        let name = (0..).map(|k| format!("value{k}")).find(|n| !self.model.names.contains(n))?;
        let mut probe = format!("{model_text}\nlet {name} = {}\n", text(e));
        for i in 1..=rows {
            for j in 1..=cols {
                let at = if cols == 1 { format!("{i}") } else { format!("{i},{j}") };
                probe.push_str(&format!("derive {name}[{at}]\n  = 0\n"));
            }
        }
        let (resolved, errors) = crate::model::model_of(&probe);
        if !errors.is_empty() {
            return None;
        }
        let heads = &resolved.derivations[resolved.derivations.len().checked_sub(rows * cols)?..];
        let mut values = Vec::new();
        for d in heads {
            let v = crate::check::exact_value(&resolved, &d.head)?;
            values.push(super::decimal(&v).unwrap_or_else(|| number(&v)));
        }
        Some(if cols == 1 {
            mk(ExprKind::Array(values))
        } else {
            mk(ExprKind::Array(values.chunks(cols).map(|row| mk(ExprKind::Array(row.to_vec()))).collect()))
        })
    }
}

/// A layer's note: the definitions it went through (`definitions of L, xt`).
fn definitions_note(notes: BTreeSet<String>) -> String {
    let names: Vec<&str> = notes.iter().filter_map(|n| n.strip_prefix("definition of ")).collect();
    let mut parts: Vec<String> = match names.as_slice() {
        [] => Vec::new(),
        [one] => vec![format!("definition of {one}")],
        many => vec![format!("definitions of {}", many.join(", "))],
    };
    parts.extend(notes.iter().filter(|n| !n.starts_with("definition of ")).cloned());
    parts.join("; ")
}

/// A product's numeric factor and the rest (numbers commute with every product).
fn coefficient(e: &Expr) -> (BigRational, Expr) {
    if let Some(v) = constant(e) {
        return (v, integer(1));
    }
    match &e.kind {
        ExprKind::Neg(a) => {
            let (c, core) = coefficient(a);
            (-c, core)
        }
        ExprKind::Binary(op @ (BinOp::Mul | BinOp::Hadamard), a, b, _) => {
            let (ca, ra) = coefficient(a);
            let (cb, rb) = coefficient(b);
            let core = if is_one(&ra) {
                rb
            } else if is_one(&rb) {
                ra
            } else {
                binary(*op, ra, rb)
            };
            (ca * cb, core)
        }
        ExprKind::Binary(BinOp::Div, a, b, _) => {
            let (ca, ra) = coefficient(a);
            match constant(b) {
                Some(v) if !v.is_zero() => (ca / v, ra),
                _ => (ca, div(ra, (**b).clone())),
            }
        }
        _ => (BigRational::one(), e.clone()),
    }
}

/// `a * b` grouped to the left (`a * b * c` for `a * (b * c)`): products associate.
fn product_left(a: Expr, b: Expr) -> Expr {
    match b.kind {
        ExprKind::Binary(BinOp::Mul, c, d, _) => mul(product_left(a, *c), *d),
        _ => mul(a, b),
    }
}

/// `c * core`, written `core`, `-core` or `c * core`.
fn rebuild(c: BigRational, core: Expr) -> Expr {
    if c.is_zero() {
        return integer(0);
    }
    if is_one(&core) {
        return number_signed(&c);
    }
    let magnitude = c.abs();
    if magnitude.is_one() {
        return if c.is_negative() { neg(core) } else { core };
    }
    // `-2 * a * x` rather than `-(2 * (a * x))`: a number may join any product on its left.
    let mut first = number(&magnitude);
    if c.is_negative() {
        first = neg(first);
    }
    leftmost_times(first, core)
}

/// `k * e` with `k` multiplied into the leftmost factor of the product `e` (products associate).
fn leftmost_times(k: Expr, e: Expr) -> Expr {
    match e.kind {
        ExprKind::Binary(BinOp::Mul, a, b, s) => {
            mk(ExprKind::Binary(BinOp::Mul, Box::new(leftmost_times(k, *a)), b, s))
        }
        _ => mul(k, e),
    }
}

fn number_signed(c: &BigRational) -> Expr {
    if c.is_negative() {
        neg(number(&c.abs()))
    } else {
        number(c)
    }
}

/// The name of the mark of a gradient that is a number times an array of ones (see [`ones`]).
const ONES: &str = "__ones";

/// A gradient `x` times an array of ones, marked until it is added to an array (where it is `x`
/// added to each element) or found to be the whole gradient (which has no notation).
fn ones(x: Expr) -> Expr {
    call(ONES, 0, vec![x])
}

/// The number of a gradient marked by [`ones`].
fn ones_of(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Call { func, args, .. } if func.name == ONES && args.len() == 1 => Some(&args[0]),
        _ => None,
    }
}

/// The sum of two gradients, either of them marked by [`ones`].
fn plus(a: Expr, b: Expr) -> Expr {
    match (ones_of(&a).cloned(), ones_of(&b).cloned()) {
        (Some(x), Some(y)) => ones(add(x, y)),
        (Some(x), None) => add(b, x),
        (None, Some(y)) => add(a, y),
        (None, None) => add(a, b),
    }
}

/// The negative of a gradient, marked by [`ones`] or not.
fn negate(e: Expr) -> Expr {
    match ones_of(&e).cloned() {
        Some(x) => ones(neg(x)),
        None => neg(e),
    }
}
