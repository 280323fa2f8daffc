//! Suggestions: an unknown name is reported with the closest name it could mean within a small
//! edit distance (``unknown name `zetta` `` with the hint ``did you mean `zeta`?``), or with a hint
//! to declare it. For a name, the candidates are the global names, the function's parameters and the
//! `sum` indices in scope; for a function, the builtins, the array functions and the declared
//! functions.
//!
//! Whether a name is unknown is decided where it is resolved (`expr`, `refs`), not here.

use super::{builtin_names, Global, Resolver, Scope};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::ir::Slot;
use crate::model::shape;
use crate::syntax::{ast, big_operator_hint, big_operator_subscript};

impl Resolver {
    /// Reports a name that is neither declared, a parameter nor a `sum` index in scope (once: not
    /// a name whose declaration failed).
    /// Written with subscripts (`xs[i+b-1]`), only a family is suggested: an index or a size
    /// takes none (a TA's student was asked "did you mean `s`?", an index, beside `x[q]`).
    pub(super) fn unknown_name(&mut self, name: &ast::Ident, scope: &Scope, subscripted: bool) {
        if self.poisoned.contains(&name.name) {
            return;
        }
        let mut candidates: Vec<String> = self
            .globals
            .iter()
            .filter(|(_, (g, _))| !subscripted || matches!(g, Global::Family(_)))
            .map(|(k, _)| k.clone())
            .collect();
        if !subscripted {
            candidates.extend(scope.locals.iter().cloned());
            candidates.extend(scope.bound.iter().map(|(n, _)| n.clone()));
        }
        let mut d = Diagnostic::error(name.span, format!("unknown name `{}`", name.name));
        // `dL` of `dL/dz`: the Leibniz notation of a derivative, written as a name.
        let differential = name.name.strip_prefix('d').filter(|rest| candidates.iter().any(|c| c == rest));
        if name.name == "d" {
            // `d/dx(x^2)` (a student tester was asked "did you mean `x`?").
            d = d.with_hint("a derivative is written `diff(x^2, x)` or `∂(x^2)/∂x`; `d/dx` is not read");
        } else if let Some(rest) = differential {
            d = d.with_hint(format!(
                "a derivative is written `∂{rest}/∂…` or `diff({rest}, …)`; `d{rest}` is read as one name"
            ));
        } else if let Some(hint) = self.notation_hint(&name.name, &candidates) {
            d = d.with_hint(hint);
        } else if let Some(best) = closest(&name.name, candidates.iter().map(String::as_str)) {
            d = d.with_hint(format!("did you mean `{best}`?"));
        } else {
            d = d.with_hint(format!("declare it first, for example `var {}`", name.name));
        }
        self.error(d);
    }

    /// Reports a call of a function that is neither a builtin nor declared.
    pub(super) fn unknown_function(&mut self, func: &ast::Ident) {
        let mut candidates: Vec<&str> = builtin_names();
        candidates.extend(shape::ARRAY_FUNCTIONS);
        let fns: Vec<String> = self
            .globals
            .iter()
            .filter(|(_, (g, _))| matches!(g, Global::Unknown(_) | Global::UserFn(_)))
            .map(|(k, _)| k.clone())
            .collect();
        candidates.extend(fns.iter().map(String::as_str));
        let mut d = Diagnostic::error(func.span, format!("unknown function `{}`", func.name));
        // `Σ_c(…)`, `d(x^2)/dx`: the notation of the blackboard.
        if let Some((word, index)) = big_operator_subscript(&func.name) {
            self.error(d.with_hint(big_operator_hint(word, index)));
            return;
        }
        // `Diff(x^2, x)`, `Sum(k, …)`: the language's own words, in lowercase.
        let lower = func.name.to_lowercase();
        if lower != func.name && ["diff", "sum", "prod"].contains(&lower.as_str()) {
            self.error(d.with_hint(format!("did you mean `{lower}`? (keywords are written in lowercase)")));
            return;
        }
        if func.name == "d" {
            self.error(d.with_hint("a derivative is written `∂(x^2)/∂x` or `diff(x^2, x)`"));
            return;
        }
        // What students write for a builtin: another spelling, or another case. Declaring it
        // `unknown` instead would make it an arbitrary function, and a step that uses the
        // builtin's derivative wrong.
        if let Some(builtin) = builtin_spelled_as(&func.name) {
            self.error(d.with_hint(format!(
                "did you mean the builtin `{builtin}`? (`unknown {}(x)` would declare an arbitrary function instead)",
                func.name
            )));
            return;
        }
        d = match closest(&func.name, candidates.into_iter()) {
            Some(best) => d.with_hint(format!("did you mean `{best}`?")),
            None => d.with_hint(format!(
                "declare it with `unknown {}(x)` or define it with `let {}(x) = …`",
                func.name, func.name
            )),
        };
        self.error(d);
    }
}

impl Resolver {
    /// The hint for an unknown name that is the notation of the blackboard for something the
    /// language writes otherwise: `Σ_c` (a sum), `x_i` and `W_ij` (subscripts), a label written
    /// bare (`t` of `h^(t)`), `x²` and `x₁`, Euler's `e`.
    fn notation_hint(&self, name: &str, known: &[String]) -> Option<String> {
        if let Some((word, index)) = big_operator_subscript(name) {
            return Some(big_operator_hint(word, index));
        }
        if let Some(hint) = self.underscore_subscript(name) {
            return Some(hint);
        }
        // A label is a position of an entry, never a value (`h^(t)`, `x * t`).
        if let Some(family) = self.family_with_label(name) {
            return Some(format!("`{name}` is a label, a position written in brackets, as in `{family}`"));
        }
        // `x₁`: a known name and digits written lowered (raised ones are a power: `x²`).
        let digits = |raised: &str| -> Option<(&str, String)> {
            let base = name.trim_end_matches(|c: char| raised.contains(c));
            let ascii: String = name[base.len()..]
                .chars()
                .filter_map(|c| raised.chars().position(|r| r == c))
                .map(|d| char::from(b'0' + d as u8))
                .collect();
            (!ascii.is_empty() && known.iter().any(|k| k == base)).then_some((base, ascii))
        };
        if let Some((base, sub)) = digits("₀₁₂₃₄₅₆₇₈₉") {
            return Some(format!("a subscript is written in brackets: `{base}[{sub}]`"));
        }
        (name == "e").then(|| "Euler's number is not built in: write `exp(x)` for eˣ, and `exp(1)` for e".to_string())
    }

    /// `x_i`, `W_ij`, `h_t`, `x_1` for an entry with subscripts: the subscripts in brackets.
    fn underscore_subscript(&self, name: &str) -> Option<String> {
        let (base, sub) = name.rsplit_once('_')?;
        let Some((Global::Family(ids), _)) = self.globals.get(base) else { return None };
        let arity = self.model.entries[ids[0]].slots.len();
        let is_position = |s: &str| {
            matches!(self.globals.get(s), Some((Global::Index(_), _)))
                || self.family_with_label(s).is_some()
                || (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
        };
        let subs: Vec<String> = if arity == 1 && is_position(sub) {
            vec![sub.to_string()]
        } else if arity > 1 && sub.chars().count() == arity && sub.chars().all(|c| is_position(&c.to_string())) {
            sub.chars().map(String::from).collect()
        } else {
            return None;
        };
        Some(format!("a subscript is written in brackets: `{base}[{}]`", subs.join(",")))
    }

    /// An entry declared with the label `name` (`h[t]` for `t`), as declared.
    fn family_with_label(&self, name: &str) -> Option<String> {
        let id = self
            .model
            .entries
            .iter()
            .position(|e| e.slots.iter().any(|s| matches!(s, Slot::Label(label, _) if label == name)))?;
        Some(self.entry_display(id))
    }

    /// `h^(t)` for an entry `h[t]`: a superscript where the subscript belongs, which reads as a
    /// power of `h` (an error, as `h` needs a subscript), with the label as a value (another).
    /// One error says both, where the base is a family that cannot be used bare.
    pub(super) fn superscript_position(
        &mut self,
        base: &ast::Expr,
        exponent: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> Option<Diagnostic> {
        let ast::ExprKind::Name(name) = &base.kind else { return None };
        if scope.locals.contains(&name.name) || scope.bound.iter().any(|(b, _)| *b == name.name) {
            return None;
        }
        let mut names = Vec::new();
        let position = position_text(exponent, &mut names)?;
        let Some((Global::Family(ids), _)) = self.globals.get(&name.name) else { return None };
        let ids = ids.clone();
        // A position names a label of the family or an index (`h^2` or `h^n` is a power, of an
        // `h` whose subscript is missing).
        let is_position = |n: &String| {
            matches!(self.globals.get(n), Some((Global::Index(_), _)))
                || ids
                    .iter()
                    .any(|&i| self.model.entries[i].slots.iter().any(|s| matches!(s, Slot::Label(l, _) if l == n)))
        };
        if !names.iter().any(is_position) {
            return None;
        }
        if self.model.entries[ids[0]].slots.is_empty() || (ids.len() == 1 && self.array_shape(ids[0]).is_some()) {
            return None;
        }
        let declared = ids.iter().map(|&i| format!("`{}`", self.entry_display(i))).collect::<Vec<_>>().join(", ");
        let hint = if self.model.entries[ids[0]].slots.len() == 1 {
            format!(
                "a time step or an index is written in brackets: `{}[{position}]` (declared as {declared})",
                name.name
            )
        } else {
            format!("a time step or an index is written in brackets, as declared: {declared}")
        };
        Some(
            Diagnostic::error(span, format!("`{}` needs a subscript: a superscript is a power", name.name))
                .with_hint(hint),
        )
    }
}

/// `t`, `t-1`: an exponent that reads as a position, written as a subscript; the names in it go
/// to `names`.
fn position_text(e: &ast::Expr, names: &mut Vec<String>) -> Option<String> {
    match &e.kind {
        ast::ExprKind::Name(n) => {
            names.push(n.name.clone());
            Some(n.name.clone())
        }
        ast::ExprKind::Number(n) if n.chars().all(|c| c.is_ascii_digit()) => Some(n.clone()),
        ast::ExprKind::Binary(op @ (ast::BinOp::Add | ast::BinOp::Sub), a, b, _) => {
            let sign = if *op == ast::BinOp::Add { "+" } else { "-" };
            Some(format!("{}{sign}{}", position_text(a, names)?, position_text(b, names)?))
        }
        _ => None,
    }
}

/// The builtin a student may mean by `name`: another spelling (`sigma`, `logistic`, `ReLU`) or the
/// name in another case (`Tanh`, `Exp`).
fn builtin_spelled_as(name: &str) -> Option<&'static str> {
    const SPELLINGS: &[(&str, &str)] =
        &[("sigma", "sigmoid"), ("logistic", "sigmoid"), ("sgn", "sign"), ("heaviside", "step"), ("th", "tanh")];
    let lower = name.to_lowercase();
    SPELLINGS
        .iter()
        .find(|(spelling, _)| *spelling == lower)
        .map(|(_, builtin)| *builtin)
        .or_else(|| builtin_names().into_iter().find(|b| *b == lower && *b != name))
}

/// The closest name within a small edit distance.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    // (A name of one letter is one edit from every other: only its other case is near it; `f`
    // was asked "did you mean `π`?", a student.)
    let one_letter = name.chars().count() == 1;
    candidates
        .filter(|c| *c != name)
        .filter(|c| !one_letter || c.to_lowercase() == name.to_lowercase())
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}
