//! Suggestions: an unknown name is reported with the closest name it could mean within a small
//! edit distance (``unknown name `zetta` `` with the hint ``did you mean `zeta`?``), or with a hint
//! to declare it. For a name, the candidates are the global names, the function's parameters and the
//! `sum` indices in scope; for a function, the builtins, the array functions and the declared
//! functions.
//!
//! Whether a name is unknown is decided where it is resolved (`expr`, `refs`), not here.

use super::{builtin_names, Global, Resolver, Scope};
use crate::diagnostic::Diagnostic;
use crate::model::shape;
use crate::syntax::ast;

impl Resolver {
    /// Reports a name that is neither declared, a parameter nor a `sum` index in scope (once: not
    /// a name whose declaration failed).
    pub(super) fn unknown_name(&mut self, name: &ast::Ident, scope: &Scope) {
        if self.poisoned.contains(&name.name) {
            return;
        }
        let mut candidates: Vec<String> = self.globals.keys().cloned().collect();
        candidates.extend(scope.locals.iter().cloned());
        candidates.extend(scope.bound.iter().map(|(n, _)| n.clone()));
        let mut d = Diagnostic::error(name.span, format!("unknown name `{}`", name.name));
        // `dL` of `dL/dz`: the Leibniz notation of a derivative, written as a name.
        let differential = name.name.strip_prefix('d').filter(|rest| candidates.iter().any(|c| c == rest));
        if let Some(rest) = differential {
            d = d.with_hint(format!(
                "a derivative is written `∂{rest}/∂…` or `diff({rest}, …)`; `d{rest}` is read as one name"
            ));
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
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}
