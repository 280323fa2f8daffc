//! Builtins defined by a formula (`crate::builtin`, [`Definition::Formula`]), and the derivative
//! formulas of primitives (`erf`, `atan`): each formula resolved once into an expression over the
//! parameters (`subst_locals` puts arguments in). The engines expand such a builtin, or such a
//! derivative, where they meet it ([`expansion`]), as they inline a user function, so its values,
//! derivatives and domain are those of the formula.

use std::sync::OnceLock;

use crate::builtin::{Builtin, Definition};
use crate::syntax::parse_file;

use super::ir::Expr;
use super::resolve::resolve;

/// The parameters of a formula, in order.
const PARAMETERS: [&str; 3] = ["x", "y", "z"];

/// The formula of a builtin defined by one, as an expression over `Expr::Local(0)` (`x`),
/// `Expr::Local(1)` (`y`) and `Expr::Local(2)` (`z`). `None` for a primitive, and for a formula that does not resolve
/// (which `tests/builtins.rs` rules out for every entry of the table).
pub fn formula_body(b: Builtin) -> Option<&'static Expr> {
    let Definition::Formula(text) = b.spec().definition else { return None };
    static BODIES: OnceLock<Vec<OnceLock<Option<Expr>>>> = OnceLock::new();
    once_per_builtin(&BODIES, b, || resolve_formula(b, text))
}

/// The derivative formula of a primitive that has one ([`Builtin::derivative_formula`]), as an
/// expression over `Expr::Local(0)`.
pub fn derivative_body(b: Builtin) -> Option<&'static Expr> {
    let text = b.derivative_formula()?;
    static BODIES: OnceLock<Vec<OnceLock<Option<Expr>>>> = OnceLock::new();
    once_per_builtin(&BODIES, b, || resolve_formula(b, text))
}

/// The value that `make` gives for builtin `b`, made once per process and only for the builtins
/// asked about: a formula is parsed and resolved where it is first met (a process that meets none
/// resolves none; resolving them all took about 4.7 M instructions, as much as proving 30 small
/// steps).
fn once_per_builtin(
    table: &'static OnceLock<Vec<OnceLock<Option<Expr>>>>,
    b: Builtin,
    make: impl FnOnce() -> Option<Expr>,
) -> Option<&'static Expr> {
    let table = table.get_or_init(|| Builtin::ALL.iter().map(|_| OnceLock::new()).collect());
    let i = Builtin::ALL.iter().position(|&c| c == b)?;
    table.get(i)?.get_or_init(make).as_ref()
}

/// What the `order`-th derivative of a builtin expands to, if the engines expand it rather than
/// compute it with kernels of their own: the formula of a builtin defined by one with `order`
/// derivatives still to take, or for `order ≥ 1` the derivative formula of a primitive with
/// `order - 1`. `None` for a primitive's kernel.
pub fn expansion(b: Builtin, order: u32) -> Option<(&'static Expr, u32)> {
    match formula_body(b) {
        Some(body) => Some((body, order)),
        None if order > 0 => derivative_body(b).map(|body| (body, order - 1)),
        None => None,
    }
}

fn resolve_formula(b: Builtin, text: &str) -> Option<Expr> {
    let parameters = PARAMETERS.get(..b.arity())?.join(", ");
    let source = format!("let f({parameters}) = {text}\n");
    let (file, diagnostics) = parse_file(&source);
    if !diagnostics.is_empty() {
        return None;
    }
    let (model, diagnostics) = resolve(&file);
    if !diagnostics.is_empty() {
        return None;
    }
    model.user_functions.into_iter().next().map(|f| f.body)
}

/// `e` with every parameter `Expr::Local(i)` replaced by `args[i]`.
pub fn subst_locals(e: &Expr, args: &[Expr]) -> Expr {
    match e {
        Expr::Local(i) => args.get(*i).cloned().unwrap_or_else(|| e.clone()),
        _ => e.map_children(|c| subst_locals(c, args)),
    }
}
