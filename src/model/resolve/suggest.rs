//! Suggestions: an unknown name is reported with the closest declared name within a small edit
//! distance (`unknown name `zetta`` with the hint ``did you mean `zeta`?``), or a hint to declare it.
//!
//! The hint for an unknown *function* (builtins and declared functions as candidates) is given
//! where the call is resolved (`expr`), with [`closest`] from here.

use super::{Resolver, Scope};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast;

impl Resolver {
    pub(super) fn unknown_name(&mut self, name: &ast::Ident, scope: &Scope) {
        if self.poisoned.contains(&name.name) {
            return;
        }
        let mut candidates: Vec<String> = self.globals.keys().cloned().collect();
        candidates.extend(scope.locals.iter().cloned());
        candidates.extend(scope.bound.iter().map(|(n, _)| n.clone()));
        let mut d = Diagnostic::error(name.span, format!("unknown name `{}`", name.name));
        if let Some(best) = closest(&name.name, candidates.iter().map(String::as_str)) {
            d = d.with_hint(format!("did you mean `{best}`?"));
        } else {
            d = d.with_hint(format!("declare it first, for example `var {}`", name.name));
        }
        self.error(d);
    }
}

/// The closest name within a small edit distance.
pub(super) fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}
