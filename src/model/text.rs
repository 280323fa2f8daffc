//! Resolved expressions written back in the derivation language, for explanations and messages.

use super::ir::*;
use super::resolve::label_text;
use crate::syntax::ast::BigOp;

/// An expression in the derivation language (fully parenthesised where precedence needs it).
pub fn expr_text(model: &Model, e: &Expr) -> String {
    write(model, e, 0)
}

/// Precedence levels: 0 sum, 1 product, 2 unary minus, 3 power, 4 atom.
fn write(model: &Model, e: &Expr, context: u8) -> String {
    let (text, level) = match e {
        Expr::Const(l) => {
            let v = &l.value;
            let text = if v.is_integer() { v.numer().to_string() } else { format!("{}/{}", v.numer(), v.denom()) };
            let level = if v.is_integer() && *v.numer() >= 0.into() { 4 } else { 1 };
            (text, level)
        }
        Expr::Size(s) => (model.sizes[*s].clone(), 4),
        Expr::Index(ix) => (ix_text(model, ix), if ix.terms.len() + usize::from(ix.constant != 0) > 1 { 0 } else { 4 }),
        Expr::Entry(r) => (entry_text(model, r), 4),
        Expr::Local(i) => (format!("#{i}"), 4),
        Expr::Neg(a) => (format!("-{}", write(model, a, 3)), 2),
        Expr::Add(a, b) => (format!("{} + {}", write(model, a, 0), write(model, b, 1)), 0),
        Expr::Sub(a, b) => (format!("{} - {}", write(model, a, 0), write(model, b, 1)), 0),
        Expr::Mul(a, b) => (format!("{}*{}", write(model, a, 1), write(model, b, 2)), 1),
        Expr::Div(a, b) => (format!("{}/{}", write(model, a, 1), write(model, b, 2)), 1),
        Expr::Pow(a, b) => (format!("{}^{}", write(model, a, 4), write(model, b, 3)), 3),
        // A constant (`pi`) is written without parentheses.
        Expr::Builtin(b, _, args) if args.is_empty() => (b.name().to_string(), 4),
        Expr::Builtin(b, order, args) => (call(model, b.name(), *order, args), 4),
        Expr::Unknown(f, order, args) => (call(model, &model.functions[*f].name, *order, args), 4),
        Expr::Apply(f, order, args) => (call(model, &model.user_functions[*f].name, *order, args), 4),
        Expr::Big(op, b, body) => {
            let word = if *op == BigOp::Sum { "sum" } else { "prod" };
            (format!("{word}({}, {})", model.bounds.get(*b).map_or("?", |x| x.name.as_str()), write(model, body, 0)), 4)
        }
        Expr::Delta(a, b) => (format!("delta({}, {})", ix_text(model, a), ix_text(model, b)), 4),
        Expr::Diff(body, r) => (format!("diff({}, {})", write(model, body, 0), entry_text(model, r)), 4),
        // (Bracketed as a power's base: `∂u/∂x^2` is refused as ambiguous.)
        Expr::NodePartial(n, r) => (format!("∂{}/∂{}", model.entries[*n].name, entry_text(model, r)), 3),
        Expr::Select(ix, items) => {
            let items: Vec<String> = items.iter().map(|x| write(model, x, 0)).collect();
            (format!("[{}][{}]", items.join(", "), ix_text(model, ix)), 4)
        }
        Expr::Det(m) => (format!("det({})", square_text(model, m)), 4),
        Expr::InvAt(m, r, c) => {
            (format!("inv({})[{}, {}]", square_text(model, m), ix_text(model, r), ix_text(model, c)), 4)
        }
    };
    if level < context {
        format!("({text})")
    } else {
        text
    }
}

/// A square matrix in index form: `[body for row, col in 1..n]`.
fn square_text(model: &Model, m: &Square) -> String {
    let name = |b: BoundId| model.bounds.get(b).map_or("?", |x| x.name.as_str()).to_string();
    let n = super::shape::dim_text(&m.size, &model.sizes);
    format!("[{} for {}, {} in 1..{n}]", write(model, &m.body, 0), name(m.row), name(m.col))
}

fn call(model: &Model, name: &str, order: u32, args: &[Expr]) -> String {
    let args: Vec<String> = args.iter().map(|a| write(model, a, 0)).collect();
    format!("{name}{}({})", "'".repeat(order as usize), args.join(", "))
}

/// `s[c,t-1]`
pub fn entry_text(model: &Model, r: &EntryRef) -> String {
    let entry = &model.entries[r.entry];
    if entry.slots.is_empty() {
        return entry.name.clone();
    }
    let mut args = r.args.iter();
    let subs: Vec<String> = entry
        .slots
        .iter()
        .map(|s| match s {
            Slot::Range(_) => args.next().map_or_else(String::new, |ix| ix_text(model, ix)),
            Slot::Label(l, o) => label_text(l, *o),
        })
        .collect();
    format!("{}[{}]", entry.name, subs.join(","))
}

/// An entry as written, or its family's name where the reference is at an array's hidden
/// positions (`W` for `diff(L, W)`, not its element).
pub fn whole_entry_text(model: &Model, r: &EntryRef) -> String {
    let hidden =
        r.args.iter().flat_map(|ix| &ix.terms).any(|(_, v)| matches!(v, IxVar::Free(i) if model.indices[*i].hidden));
    if hidden {
        model.entries[r.entry].name.clone()
    } else {
        entry_text(model, r)
    }
}

/// `i+a-1`
pub fn ix_text(model: &Model, ix: &Ix) -> String {
    let mut text = String::new();
    for (k, (coef, var)) in ix.terms.iter().enumerate() {
        let name = match var {
            IxVar::Free(i) => model.indices[*i].name.clone(),
            IxVar::Bound(b) => model.bounds.get(*b).map_or_else(|| "?".to_string(), |x| x.name.clone()),
            IxVar::Size(s) => model.sizes[*s].clone(),
        };
        // A multiple as the language writes it, `i+i` (an index expression has no `*`: `2*i`
        // made a derivation of `derive` that its own parser refused, an instructor's finding).
        for n in 0..coef.unsigned_abs().max(1) {
            let sign = if *coef < 0 {
                "-"
            } else if k > 0 || n > 0 {
                "+"
            } else {
                ""
            };
            text.push_str(&format!("{sign}{name}"));
        }
    }
    match ix.constant.cmp(&0) {
        std::cmp::Ordering::Equal if !text.is_empty() => {}
        std::cmp::Ordering::Less if !text.is_empty() => text.push_str(&ix.constant.to_string()),
        _ if text.is_empty() => text = ix.constant.to_string(),
        _ => text.push_str(&format!("+{}", ix.constant)),
    }
    text
}
