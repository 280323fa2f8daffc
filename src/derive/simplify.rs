//! Simplification the way a teacher writes it: Kronecker deltas summed out, factors pulled out of
//! sums, like terms collected (so that terms cancel), `σ' = σ(1−σ)` and `tanh' = 1 − tanh²`, and
//! the file's abbreviations folded back in (`∂E/∂s[c,t]` → `zeta[c,t]`, `sigmoid(θ₁x + θ₀)` →
//! `D(x)`).

use std::collections::{BTreeSet, HashMap};

use num_rational::BigRational;
use num_traits::{One, Zero};

use super::rules::{Families, Kind, SlotPat};
use super::tree::*;
use crate::syntax::ast::*;
use crate::syntax::print::index_to_string;

/// Simplifies bottom-up; `rules` collects the names of the rewrites that changed something.
pub struct Simplifier<'a> {
    /// The model (ranges of declared indices).
    pub model: &'a Families,
    /// Bound indices in scope, innermost last, with their ranges.
    scope: Vec<(String, RangeExpr)>,
    /// The rewrites used.
    pub rules: BTreeSet<&'static str>,
    /// Whether sums may be split over their terms, deltas summed out and factors pulled out of
    /// them (not while the chain rule is being worked out, so that the file's definitions can
    /// still be recognised afterwards).
    pub full: bool,
}

impl<'a> Simplifier<'a> {
    /// A simplifier for a model.
    pub fn new(model: &'a Families) -> Simplifier<'a> {
        Simplifier { model, scope: Vec::new(), rules: BTreeSet::new(), full: true }
    }

    /// A simplifier for the steps of the chain rule: no sums split, no deltas summed out, no
    /// factors pulled out of sums.
    pub fn light(model: &'a Families) -> Simplifier<'a> {
        Simplifier { full: false, ..Simplifier::new(model) }
    }

    fn range_of(&self, name: &str) -> Option<String> {
        let range = self
            .scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r)
            .or_else(|| self.model.indices.get(name))?;
        Some(format!("{}..{}", index_to_string(&range.lo), index_to_string(&range.hi)))
    }

    /// The expression simplified.
    pub fn simplify(&mut self, e: &Expr) -> Expr {
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) | ExprKind::Diff { .. } => e.clone(),
            ExprKind::Call { func, primes, args } => {
                let delta = (func.name == "delta" || func.name == "δ") && args.len() == 2;
                let args: Vec<Expr> = args
                    .iter()
                    .map(|a| {
                        let simple = self.simplify(a);
                        // A delta's arguments stay index expressions: like terms collected,
                        // `i + i` would be `2 * i`, which no subscript may write (an instructor:
                        // a strided model's derivation was refused by its own parser).
                        if delta && as_index(&simple).is_none() && as_index(a).is_some() {
                            a.clone()
                        } else {
                            simple
                        }
                    })
                    .collect();
                if delta {
                    if text(&args[0]) == text(&args[1]) {
                        return integer(1);
                    }
                    if let (Some(a), Some(b)) = (constant(&args[0]), constant(&args[1])) {
                        return integer(i64::from(a == b));
                    }
                }
                call(&func.name, *primes, args)
            }
            ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => self.sum_of_terms(e),
            ExprKind::Binary(BinOp::Mul | BinOp::Div, ..) => self.product_of_factors(e),
            ExprKind::Binary(BinOp::Pow, a, b, _) => {
                let (a, b) = (self.simplify(a), self.simplify(b));
                if is_one(&b) {
                    a
                } else {
                    binary(BinOp::Pow, a, b)
                }
            }
            ExprKind::Big { op: BigOp::Sum, binder, range, body } => self.sum(binder, range, body),
            _ => e.clone(),
        }
    }

    /// A product: one coefficient, the factors flattened, a factor of the numerator cancelled
    /// against the same factor of the denominator, sums last.
    fn product_of_factors(&mut self, e: &Expr) -> Expr {
        let mut c = BigRational::one();
        let mut num = Vec::new();
        let mut den = Vec::new();
        self.split(e, &mut c, &mut num, &mut den);
        let mut k = 0;
        while k < den.len() {
            let key = text(&den[k]);
            if let Some(at) = num.iter().position(|f| text(f) == key) {
                num.remove(at);
                den.remove(k);
                self.rules.insert("cancellation");
            } else {
                k += 1;
            }
        }
        if c.is_zero() {
            return integer(0);
        }
        let num = powers(num);
        let den = powers(den);
        let (sums, mut rest): (Vec<Expr>, Vec<Expr>) =
            num.into_iter().partition(|f| matches!(f.kind, ExprKind::Big { .. }));
        rest.extend(sums);
        if den.is_empty() {
            return product(&c, rest);
        }
        let (numerator, negative) =
            if c < BigRational::zero() { (product(&-c, rest), true) } else { (product(&c, rest), false) };
        // `a / b / c` rather than `a / (b * c)`: the prover's normal form of the first is the more
        // robust (a denominator is one fraction at a time).
        let quotient = den.into_iter().fold(numerator, div);
        if negative {
            neg(quotient)
        } else {
            quotient
        }
    }

    /// The factors of a product or quotient, simplified: into the coefficient, the numerator and
    /// the denominator.
    fn split(&mut self, e: &Expr, c: &mut BigRational, num: &mut Vec<Expr>, den: &mut Vec<Expr>) {
        let (coef, fs) = factors(e);
        *c *= coef;
        for f in fs {
            if let ExprKind::Binary(BinOp::Div, a, b, _) = &f.kind {
                let mut dc = BigRational::one();
                let mut inner_den = Vec::new();
                self.split(a, c, num, den);
                self.split(b, &mut dc, &mut inner_den, num);
                if dc.is_zero() {
                    // A division by a literal zero stays as written: it is undefined.
                    num.push(f.clone());
                    continue;
                }
                *c /= dc;
                den.extend(inner_den);
                continue;
            }
            let f = self.simplify(&f);
            let (fc, inner) = factors(&f);
            *c *= fc;
            for g in inner {
                match &g.kind {
                    ExprKind::Binary(BinOp::Div, ..) => self.split(&g, c, num, den),
                    // A small whole power as its factors, so that one cancels against the same
                    // factor on the other side (`s / s^2` is `1 / s`: an instructor's VAE KL by σ
                    // read `s - s / s^2`); [`powers`] writes what is left as a power again.
                    ExprKind::Binary(BinOp::Pow, base, exponent, _) if small_whole(exponent).is_some() => {
                        let n = small_whole(exponent).unwrap_or(1);
                        let mut inner_c = BigRational::one();
                        let mut inner_num = Vec::new();
                        let mut inner_den = Vec::new();
                        self.split(base, &mut inner_c, &mut inner_num, &mut inner_den);
                        if inner_c.is_one() && inner_den.is_empty() {
                            for _ in 0..n {
                                num.extend(inner_num.iter().cloned());
                            }
                        } else {
                            num.push(g.clone());
                        }
                    }
                    _ => num.push(g),
                }
            }
        }
    }

    /// A sum of terms with like terms collected.
    fn sum_of_terms(&mut self, e: &Expr) -> Expr {
        let mut collected: Vec<(String, BigRational, Vec<Expr>)> = Vec::new();
        for (positive, t) in e.terms() {
            let t = self.simplify(&t);
            for (inner_positive, t) in t.terms() {
                let (mut c, fs) = factors(&t);
                if positive != inner_positive {
                    c = -c;
                }
                let key = fs.iter().map(text).collect::<Vec<_>>().join(" * ");
                match collected.iter_mut().find(|(k, _, _)| *k == key) {
                    Some(entry) => {
                        entry.1 += c;
                        self.rules.insert("like terms collected");
                    }
                    None => collected.push((key, c, fs)),
                }
            }
        }
        let mut kept: Vec<(BigRational, Vec<Expr>)> =
            collected.into_iter().filter(|(_, c, _)| !c.is_zero()).map(|(_, c, f)| (c, f)).collect();
        // A positive term first: `p - y` rather than `-y + p`.
        if let Some(at) = kept.iter().position(|(c, _)| *c > BigRational::zero()) {
            let first = kept.remove(at);
            kept.insert(0, first);
        }
        let mut out: Option<Expr> = None;
        for (c, fs) in kept {
            out = Some(match out {
                None => product(&c, fs),
                Some(acc) if c < BigRational::zero() => sub(acc, product(&-c, fs)),
                Some(acc) => add(acc, product(&c, fs)),
            });
        }
        out.unwrap_or_else(|| integer(0))
    }

    /// `sum(k, …)`: a Kronecker delta in `k` summed out, factors free of `k` pulled out.
    fn sum(&mut self, binder: &Ident, range: &Option<Box<RangeExpr>>, body: &Expr) -> Expr {
        let scope_range = range.clone().or_else(|| self.model.indices.get(&binder.name).cloned().map(Box::new));
        if let Some(r) = &scope_range {
            self.scope.push((binder.name.clone(), (**r).clone()));
        }
        let body = self.simplify(body);
        let own_range = self.range_of(&binder.name);
        if scope_range.is_some() {
            self.scope.pop();
        }
        let k = binder.name.as_str();
        // A term with a Kronecker delta in the bound index inside a sum of terms: the sum is
        // split over the terms (sum linearity) so that the delta can be summed out.
        if let Some(split) = self.full.then(|| self.split_over_terms(k, range, &body)).flatten() {
            return split;
        }
        let (coef, fs, den) = split_quotient(&body);
        if coef.is_zero() {
            return integer(0);
        }
        // A Kronecker delta of the bound index and an index of the same range: the sum is its
        // one term. (Not while the chain rule is worked out: the step that writes the delta is
        // proved more readily than one that also sums it out.)
        for (at, f) in fs.iter().enumerate().filter(|_| self.full) {
            let ExprKind::Call { func, args, .. } = &f.kind else { continue };
            if !(func.name == "delta" || func.name == "δ") || args.len() != 2 {
                continue;
            }
            for (mine, other) in [(&args[0], &args[1]), (&args[1], &args[0])] {
                let is_binder = matches!(&mine.kind, ExprKind::Name(n) if n.name == k);
                let Some(other_ix) = as_index(other) else { continue };
                let other_name = single_name(&other_ix).map(str::to_string);
                let same_range =
                    other_name.as_deref().and_then(|n| self.range_of(n)).is_some_and(|r| Some(r) == own_range);
                if is_binder && !mentions(other, k) && same_range {
                    self.rules.insert("Kronecker delta summed out");
                    let map = HashMap::from([(k.to_string(), other_ix.clone())]);
                    let rest: Vec<Expr> =
                        fs.iter().enumerate().filter(|(j, _)| *j != at).map(|(_, g)| subst(g, &map)).collect();
                    let den: Vec<Expr> = den.iter().map(|g| subst(g, &map)).collect();
                    return self.simplify(&quotient(&coef, rest, den));
                }
            }
        }
        if !self.full {
            return sum(k, range.clone(), quotient(&coef, fs, den));
        }
        let (outside, inside): (Vec<Expr>, Vec<Expr>) = fs.into_iter().partition(|f| !mentions(f, k));
        let (den_outside, den_inside): (Vec<Expr>, Vec<Expr>) = den.into_iter().partition(|f| !mentions(f, k));
        if inside.is_empty() && den_inside.is_empty() {
            return sum(k, range.clone(), quotient(&coef, outside, den_outside));
        }
        if !outside.is_empty() || !den_outside.is_empty() || !coef.is_one() {
            self.rules.insert("factors pulled out of the sum");
        }
        let inner = sum(k, range.clone(), quotient(&BigRational::one(), inside, den_inside));
        let mut all = outside;
        all.push(inner);
        quotient(&coef, all, den_outside)
    }
}

impl Simplifier<'_> {
    /// `sum(k, a * (b * delta(k, i) - c) / d)` as `sum(k, a * b * delta(k, i) / d) - sum(k, a * c / d)`.
    fn split_over_terms(&mut self, k: &str, range: &Option<Box<RangeExpr>>, body: &Expr) -> Option<Expr> {
        let has_delta = |e: &Expr| {
            let mut found = BTreeSet::new();
            names(e, &mut found);
            (found.contains("delta") || found.contains("δ")) && mentions(e, k)
        };
        let expanded = expand_once(body, &has_delta)?;
        self.rules.insert("sum split over its terms");
        let mut out = integer(0);
        for (positive, t) in expanded.terms() {
            let piece = self.simplify(&sum(k, range.clone(), t));
            out = if positive { add(out, piece) } else { sub(out, piece) };
        }
        Some(self.simplify(&out))
    }
}

/// A product or quotient with a factor that is a sum of terms, one of which satisfies `wanted`,
/// multiplied out over that factor.
fn expand_once(e: &Expr, wanted: &dyn Fn(&Expr) -> bool) -> Option<Expr> {
    match &e.kind {
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => {
            let ts = e.terms();
            (ts.len() > 1 && ts.iter().any(|(_, t)| wanted(t))).then(|| e.clone())
        }
        ExprKind::Neg(a) => expand_once(a, wanted).map(neg),
        ExprKind::Binary(op @ (BinOp::Mul | BinOp::Div), a, b, _) => {
            let distribute = |sum: Expr, other: &Expr, left: bool| {
                sum.terms()
                    .into_iter()
                    .map(|(positive, t)| {
                        let t = if left { binary(*op, t, other.clone()) } else { binary(*op, other.clone(), t) };
                        if positive {
                            t
                        } else {
                            neg(t)
                        }
                    })
                    .reduce(add)
                    .unwrap_or_else(|| integer(0))
            };
            if let Some(sum) = expand_once(a, wanted) {
                return Some(distribute(sum, b, true));
            }
            if *op == BinOp::Mul {
                if let Some(sum) = expand_once(b, wanted) {
                    return Some(distribute(sum, a, false));
                }
            }
            None
        }
        _ => None,
    }
}

/// A whole exponent from 2 to 8 (`s^2`), written as a number.
fn small_whole(e: &Expr) -> Option<usize> {
    match &e.kind {
        ExprKind::Number(n) => n.parse::<usize>().ok().filter(|n| (2..=8).contains(n)),
        _ => None,
    }
}

/// Equal factors written as one power: `a * b * a` → `a^2 * b`.
fn powers(factors: Vec<Expr>) -> Vec<Expr> {
    let mut counted: Vec<(String, Expr, i64)> = Vec::new();
    for f in factors {
        let key = text(&f);
        match counted.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => entry.2 += 1,
            None => counted.push((key, f, 1)),
        }
    }
    counted.into_iter().map(|(_, f, n)| if n == 1 { f } else { binary(BinOp::Pow, f, integer(n)) }).collect()
}

/// `sigmoid'(u)` as `sigmoid(u) * (1 - sigmoid(u))` and `tanh'(u)` as `1 - tanh(u)^2`.
pub fn special_forms(e: &Expr, rules: &mut BTreeSet<&'static str>) -> Expr {
    let kind = match &e.kind {
        ExprKind::Call { func, primes: 1, args } if args.len() == 1 => {
            let u = special_forms(&args[0], rules);
            match func.name.as_str() {
                "sigmoid" | "σ" => {
                    rules.insert("σ' = σ(1 − σ)");
                    let s = call("sigmoid", 0, vec![u]);
                    return mul(s.clone(), sub(integer(1), s));
                }
                "tanh" => {
                    rules.insert("tanh' = 1 − tanh²");
                    return sub(integer(1), binary(BinOp::Pow, call("tanh", 0, vec![u]), integer(2)));
                }
                "step" | "sign" => {
                    rules.insert("a step is flat away from its jump");
                    return integer(0);
                }
                _ => ExprKind::Call { func: func.clone(), primes: 1, args: vec![u] },
            }
        }
        _ => return map_children(e, &mut |c| special_forms(c, rules)),
    };
    mk(kind)
}

/// `e` with `f` applied to each direct subexpression (not inside derivatives).
pub fn map_children(e: &Expr, f: &mut dyn FnMut(&Expr) -> Expr) -> Expr {
    let kind = match &e.kind {
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) | ExprKind::Diff { .. } => return e.clone(),
        ExprKind::Call { func, primes, args } => {
            ExprKind::Call { func: func.clone(), primes: *primes, args: args.iter().map(&mut *f).collect() }
        }
        ExprKind::Neg(a) => ExprKind::Neg(Box::new(f(a))),
        ExprKind::Transpose(a) => ExprKind::Transpose(Box::new(f(a))),
        ExprKind::Binary(op, a, b, s) => ExprKind::Binary(*op, Box::new(f(a)), Box::new(f(b)), *s),
        ExprKind::Array(items) => ExprKind::Array(items.iter().map(&mut *f).collect()),
        ExprKind::Big { op, binder, range, body } => {
            ExprKind::Big { op: *op, binder: binder.clone(), range: range.clone(), body: Box::new(f(body)) }
        }
    };
    mk(kind)
}

/// A definition to fold back in: where its body appears, its name is written.
struct Abbreviation {
    /// What replaces a match: the family or function name.
    name: String,
    /// Pattern variables that are indices (a family's range slots), in slot order.
    index_vars: Vec<String>,
    /// Pattern variables that are values (a function's parameters).
    value_vars: Vec<String>,
    /// The body.
    body: Expr,
    /// A function (called) rather than a family (indexed).
    function: bool,
    /// The family's slots, to write the reference.
    slots: Vec<SlotPat>,
    /// For an assumption: the constant that replaces a match.
    replacement: Option<Expr>,
    /// The declared range of each index, as text, so that `sum(k, …)` matches `sum(k2 in 1..K, …)`.
    ranges: std::rc::Rc<HashMap<String, (String, String)>>,
}

/// The file's definitions folded back in, bottom-up: a definition whose body is the derivative
/// being derived (`let delta_phi[t] = ∂E/∂net_phi[t]`) is left out, and so is one whose body is a
/// bare name or a number (`-2`, `3 / 4`).
pub fn abbreviate(e: &Expr, model: &Families, goal: &Expr, used: &mut BTreeSet<String>) -> Expr {
    let ranges = std::rc::Rc::new(
        model
            .indices
            .iter()
            .map(|(n, r)| (n.clone(), (index_to_string(&r.lo), index_to_string(&r.hi))))
            .collect::<HashMap<_, _>>(),
    );
    let mut abbreviations = Vec::new();
    for fam in &model.fams {
        let Kind::Defined(body) = &fam.kind else { continue };
        // (Nor a number written with a sign or as a fraction: `let xb = -2` made every `-2` of a
        // derivative `xb`, and a repair of a sign slip "the chain-rule factor `1 * (1 / 2) * xb`":
        // a TA.)
        if matches!(body.kind, ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..))
            || super::tree::constant(body).is_some()
        {
            continue;
        }
        if text(body) == text(goal) {
            continue;
        }
        let index_vars = fam
            .slots
            .iter()
            .filter_map(|s| match s {
                SlotPat::Range(n) => Some(n.clone()),
                SlotPat::Label(_) => None,
            })
            .collect();
        abbreviations.push(Abbreviation {
            name: fam.name.clone(),
            index_vars,
            value_vars: Vec::new(),
            body: body.clone(),
            function: false,
            slots: fam.slots.clone(),
            replacement: None,
            ranges: ranges.clone(),
        });
    }
    let mut fns: Vec<_> = model.user_fns.iter().collect();
    fns.sort_by_key(|(name, _)| name.as_str());
    for (name, (params, body)) in fns {
        abbreviations.push(Abbreviation {
            name: name.clone(),
            index_vars: Vec::new(),
            value_vars: params.clone(),
            body: body.clone(),
            function: true,
            slots: Vec::new(),
            replacement: None,
            ranges: ranges.clone(),
        });
    }
    for (lhs, rhs) in &model.assumptions {
        abbreviations.push(Abbreviation {
            name: "the assumption".to_string(),
            index_vars: Vec::new(),
            value_vars: Vec::new(),
            body: lhs.clone(),
            function: false,
            slots: Vec::new(),
            replacement: Some(rhs.clone()),
            ranges: ranges.clone(),
        });
    }
    fold(e, &abbreviations, used)
}

fn fold(e: &Expr, abbreviations: &[Abbreviation], used: &mut BTreeSet<String>) -> Expr {
    let e = map_children(e, &mut |c| fold(c, abbreviations, used));
    if let Some(folded) = fold_quotient(&e, abbreviations, used) {
        return folded;
    }
    for a in abbreviations {
        let mut binds = HashMap::new();
        if !matches(&a.body, &e, a, &mut binds) {
            continue;
        }
        used.insert(a.name.clone());
        if let Some(replacement) = &a.replacement {
            return replacement.clone();
        }
        if a.function {
            let args = a.value_vars.iter().map(|v| binds.get(v).cloned().unwrap_or_else(|| integer(0))).collect();
            return call(&a.name, 0, args);
        }
        let mut subs = Vec::new();
        for slot in &a.slots {
            match slot {
                SlotPat::Range(n) => match binds.get(n).and_then(as_index) {
                    Some(ix) => subs.push(ix),
                    None => subs.push(index_name(n)),
                },
                SlotPat::Label(l) => subs.push(label(l)),
            }
        }
        return reference(&var_ref(&a.name, subs));
    }
    e
}

/// The reference or call an abbreviation writes for its bindings.
fn written(a: &Abbreviation, binds: &HashMap<String, Expr>) -> Expr {
    if a.function {
        let args = a.value_vars.iter().map(|v| binds.get(v).cloned().unwrap_or_else(|| integer(0))).collect();
        return call(&a.name, 0, args);
    }
    let subs = a
        .slots
        .iter()
        .map(|slot| match slot {
            SlotPat::Range(n) => binds.get(n).and_then(as_index).unwrap_or_else(|| index_name(n)),
            SlotPat::Label(l) => label(l),
        })
        .collect();
    reference(&var_ref(&a.name, subs))
}

/// In a product of quotients, a definition `p = u / v` whose `u` is a factor of the numerator and
/// whose `v` (for the same indices) one of the denominator: the two written as `p`.
fn fold_quotient(e: &Expr, abbreviations: &[Abbreviation], used: &mut BTreeSet<String>) -> Option<Expr> {
    if !matches!(e.kind, ExprKind::Binary(BinOp::Mul | BinOp::Div, ..)) {
        return None;
    }
    let (coef, mut num, mut den) = split_quotient(e);
    let mut changed = false;
    for a in abbreviations.iter().filter(|a| a.replacement.is_none()) {
        let ExprKind::Binary(BinOp::Div, pn, pd, _) = &a.body.kind else { continue };
        let mut k = 0;
        while k < num.len() {
            let mut binds = HashMap::new();
            if matches(pn, &num[k], a, &mut binds) {
                let index_map: HashMap<String, IndexExpr> =
                    binds.iter().filter_map(|(n, v)| as_index(v).map(|ix| (n.clone(), ix))).collect();
                let wanted = text(&subst_with(pd, &index_map, &binds));
                if let Some(at) = den.iter().position(|d| text(d) == wanted) {
                    den.remove(at);
                    num[k] = written(a, &binds);
                    used.insert(a.name.clone());
                    changed = true;
                }
            }
            k += 1;
        }
    }
    changed.then(|| quotient(&coef, num, den))
}

fn label(text: &str) -> IndexExpr {
    // Labels are written `t`, `t-1`, `t+1`: parse them back into terms.
    let mut terms = Vec::new();
    let mut sign = 1;
    let mut word = String::new();
    let flush = |word: &mut String, sign: i64, terms: &mut Vec<(i64, IndexAtom)>| {
        if word.is_empty() {
            return;
        }
        let atom = if word.chars().all(|c| c.is_ascii_digit()) {
            IndexAtom::Int(word.clone(), Default::default())
        } else {
            IndexAtom::Name(ident(word))
        };
        terms.push((sign, atom));
        word.clear();
    };
    for c in text.chars() {
        match c {
            '+' | '-' => {
                flush(&mut word, sign, &mut terms);
                sign = if c == '-' { -1 } else { 1 };
            }
            _ => word.push(c),
        }
    }
    flush(&mut word, sign, &mut terms);
    IndexExpr { terms, span: Default::default() }
}

fn same_function(a: &str, b: &str) -> bool {
    fn canonical(n: &str) -> &str {
        match n {
            "σ" => "sigmoid",
            "ln" => "log",
            "δ" => "delta",
            other => other,
        }
    }
    canonical(a) == canonical(b)
}

/// Whether `e` is an instance of the pattern `p`, binding the abbreviation's variables.
fn matches(p: &Expr, e: &Expr, a: &Abbreviation, binds: &mut HashMap<String, Expr>) -> bool {
    let bind = |name: &str, value: Expr, binds: &mut HashMap<String, Expr>| match binds.get(name) {
        Some(old) => text(old) == text(&value),
        None => {
            binds.insert(name.to_string(), value);
            true
        }
    };
    match (&p.kind, &e.kind) {
        (ExprKind::Name(n), _) if a.value_vars.contains(&n.name) || a.index_vars.contains(&n.name) => {
            bind(&n.name, e.clone(), binds)
        }
        (ExprKind::Number(x), ExprKind::Number(y)) => constant(p) == constant(e) || x == y,
        (ExprKind::Name(x), ExprKind::Name(y)) => x.name == y.name,
        (ExprKind::Indexed(x, xs), ExprKind::Indexed(y, ys)) => {
            x.name == y.name && xs.len() == ys.len() && xs.iter().zip(ys).all(|(px, ex)| match_index(px, ex, a, binds))
        }
        (ExprKind::Call { func: f, primes: pf, args: pa }, ExprKind::Call { func: g, primes: pg, args: ea }) => {
            same_function(&f.name, &g.name)
                && pf == pg
                && pa.len() == ea.len()
                && pa.iter().zip(ea).all(|(x, y)| matches(x, y, a, binds))
        }
        (ExprKind::Neg(x), ExprKind::Neg(y)) | (ExprKind::Transpose(x), ExprKind::Transpose(y)) => {
            matches(x, y, a, binds)
        }
        (ExprKind::Binary(po, pa, pb, _), ExprKind::Binary(eo, ea, eb, _)) => {
            po == eo && matches(pa, ea, a, binds) && matches(pb, eb, a, binds)
        }
        (
            ExprKind::Big { op: po, binder: pb, range: pr, body: pbody },
            ExprKind::Big { op: eo, binder: eb, range: er, body: ebody },
        ) => {
            // Equal up to the name of the bound index: the ranges written or declared agree, and
            // the expression's index is renamed to the pattern's where that captures nothing.
            let range_text = |binder: &Ident, r: &Option<Box<RangeExpr>>| match r {
                Some(r) => Some((index_to_string(&r.lo), index_to_string(&r.hi))),
                None => a.ranges.get(&binder.name).cloned(),
            };
            if po != eo || range_text(pb, pr).is_none() || range_text(pb, pr) != range_text(eb, er) {
                return false;
            }
            if pb.name == eb.name {
                return matches(pbody, ebody, a, binds);
            }
            let mut taken = BTreeSet::new();
            names(ebody, &mut taken);
            if taken.contains(&pb.name) {
                return false;
            }
            let renamed = subst(ebody, &HashMap::from([(eb.name.clone(), index_name(&pb.name))]));
            matches(pbody, &renamed, a, binds)
        }
        (ExprKind::Diff { body: pb, wrt: pw }, ExprKind::Diff { body: eb, wrt: ew }) => {
            matches(pb, eb, a, binds)
                && pw.len() == ew.len()
                && pw.iter().zip(ew).all(|(x, y)| {
                    x.name.name == y.name.name
                        && x.subscripts.len() == y.subscripts.len()
                        && x.subscripts.iter().zip(&y.subscripts).all(|(px, ex)| match_index(px, ex, a, binds))
                })
        }
        _ => false,
    }
}

fn match_index(p: &IndexExpr, e: &IndexExpr, a: &Abbreviation, binds: &mut HashMap<String, Expr>) -> bool {
    if let Some(var) = single_name(p).filter(|n| a.index_vars.iter().any(|v| v == n)) {
        let value = index_value(e);
        return match binds.get(var) {
            Some(old) => text(old) == text(&value),
            None => {
                binds.insert(var.to_string(), value);
                true
            }
        };
    }
    index_to_string(p) == index_to_string(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    fn model_and_head(source: &str) -> (Families, Expr) {
        let (file, errors) = parse_file(source);
        assert!(errors.is_empty(), "{errors:?}");
        let head = file
            .items
            .iter()
            .find_map(|i| if let Item::Derivation(d) = i { Some(d.head.clone()) } else { None })
            .unwrap();
        (Families::of(&file), head)
    }

    fn simplified(source: &str) -> String {
        let (model, head) = model_and_head(source);
        text(&Simplifier::new(&model).simplify(&head))
    }

    #[test]
    fn a_delta_is_summed_out_only_over_the_same_range() {
        let model = "index i in 1..n, k in 1..n, j in 1..m\nvar x[k]\n";
        assert_eq!(simplified(&format!("{model}derive sum(k, delta(k, i) * x[k])\n  = 0\n")), "x[i]");
        assert_eq!(
            simplified(&format!("{model}derive sum(k, delta(k, j) * x[k])\n  = 0\n")),
            "sum(k, delta(k, j) * x[k])"
        );
    }

    #[test]
    fn factors_are_pulled_out_and_like_terms_cancel() {
        let model = "index k in 1..n\nvar a, x[k]\n";
        assert_eq!(simplified(&format!("{model}derive sum(k, a * x[k] * 2)\n  = 0\n")), "2 * a * sum(k, x[k])");
        assert_eq!(simplified(&format!("{model}derive a * x[1] / a + 2 * a - a * 2\n  = 0\n")), "x[1]");
    }

    /// A small whole power cancels factor by factor (an instructor: `s - s / s^2`, `s2 / (s2^2)^2`).
    #[test]
    fn a_factor_cancels_against_a_power_of_it() {
        let model = "var s, t, u\n";
        assert_eq!(simplified(&format!("{model}derive s - s / s^2\n  = 0\n")), "s - 1 / s");
        assert_eq!(simplified(&format!("{model}derive t * s / (s^2)^2\n  = 0\n")), "t / s^3");
        assert_eq!(simplified(&format!("{model}derive s^2 * t / s\n  = 0\n")), "s * t");
        // A power of a quotient, or past 8, stays as it is.
        assert_eq!(simplified(&format!("{model}derive s * (t / u)^2 / s\n  = 0\n")), "(t / u)^2");
    }

    #[test]
    fn definitions_are_folded_back() {
        let (model, head) = model_and_head(
            "index c in 1..D\nvar s[c,t]\nunknown E depends on s[c,t]\nlet zeta[c,t] = ∂E/∂s[c,t]\nlet D2(u) = sigmoid(2 * u)\nderive sum(c, ∂E/∂s[c,t]) + sigmoid(2 * s[1,t])\n  = 0\n",
        );
        let mut used = BTreeSet::new();
        let goal = integer(0);
        assert_eq!(text(&abbreviate(&head, &model, &goal, &mut used)), "sum(c, zeta[c,t]) + D2(s[1,t])");
    }
}
