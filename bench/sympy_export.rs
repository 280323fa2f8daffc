//! `cargo bench --bench sympy_export`: writes every step of the corpus as a pair of SymPy
//! expressions (after gradproof's own symbolic differentiation, since SymPy has no perturbation
//! semantics) to `target/sympy_pairs.txt`, for `python3 bench/sympy_compare.py`.

use std::fmt::Write as _;
use std::path::Path;

use gradproof::internals::normal_forms;
use gradproof::model::{resolve, Builtin, Expr, Ix, IxVar, Model};
use gradproof::syntax::ast::BigOp;
use gradproof::syntax::parse_file;

fn ix(model: &Model, x: &Ix) -> String {
    let mut text = x.constant.to_string();
    for (c, v) in &x.terms {
        let name = match v {
            IxVar::Free(i) => format!("Symbol('i_{}', integer=True)", model.indices[*i].name),
            IxVar::Bound(b) => format!("Symbol('b_{b}', integer=True)"),
            IxVar::Size(s) => format!("Symbol('n_{}', positive=True, integer=True)", model.sizes[*s]),
        };
        let _ = write!(text, " + ({c})*{name}");
    }
    text
}

fn sym(name: &str) -> String {
    format!("Symbol({name:?})")
}

fn sympy(model: &Model, e: &Expr) -> Option<String> {
    let s = |x: &Expr| sympy(model, x);
    Some(match e {
        Expr::Const(l) => format!("Rational({}, {})", l.value.numer(), l.value.denom()),
        Expr::Size(k) => format!("Symbol('n_{}', positive=True, integer=True)", model.sizes[*k]),
        Expr::Index(x) => ix(model, x),
        Expr::Entry(r) => {
            let args: Vec<String> = r.args.iter().map(|a| ix(model, a)).collect();
            if args.is_empty() {
                sym(&model.entries[r.entry].name)
            } else {
                format!("Indexed(IndexedBase({:?}), {})", model.entries[r.entry].name, args.join(", "))
            }
        }
        Expr::NodePartial(n, r) => {
            let args: Vec<String> = r.args.iter().map(|a| ix(model, a)).collect();
            format!(
                "Indexed(IndexedBase('d_{}_{}'), {})",
                model.entries[*n].name,
                model.entries[r.entry].name,
                if args.is_empty() { "0".into() } else { args.join(", ") }
            )
        }
        Expr::Neg(a) => format!("(-({}))", s(a)?),
        Expr::Add(a, b) => format!("({} + {})", s(a)?, s(b)?),
        Expr::Sub(a, b) => format!("({} - {})", s(a)?, s(b)?),
        Expr::Mul(a, b) => format!("({} * {})", s(a)?, s(b)?),
        Expr::Div(a, b) => format!("({} / {})", s(a)?, s(b)?),
        Expr::Pow(a, b) => format!("({} ** {})", s(a)?, s(b)?),
        Expr::Delta(a, b) => format!("KroneckerDelta({}, {})", ix(model, a), ix(model, b)),
        Expr::Big(op, b, body) => {
            let r = model.bounds.get(*b)?.range;
            let bound = |x: gradproof::model::Bound| match x.size {
                Some(k) => format!("Symbol('n_{}', positive=True, integer=True) + ({})", model.sizes[k], x.offset),
                None => x.offset.to_string(),
            };
            let word = if *op == BigOp::Sum { "Sum" } else { "Product" };
            format!("{word}({}, (Symbol('b_{b}', integer=True), {}, {}))", s(body)?, bound(r.lo), bound(r.hi))
        }
        Expr::Unknown(f, order, args) => {
            let args: Option<Vec<String>> = args.iter().map(s).collect();
            format!("Function('{}_{order}')({})", model.functions[*f].name, args?.join(", "))
        }
        Expr::Builtin(b, order, args) => {
            let x = s(args.first()?)?;
            match (b, order) {
                (Builtin::Exp, _) => format!("exp({x})"),
                (Builtin::Log, 0) => format!("log({x})"),
                (Builtin::Log, 1) => format!("(1/({x}))"),
                (Builtin::Sqrt, 0) => format!("sqrt({x})"),
                (Builtin::Sigmoid, 0) => format!("(1/(1 + exp(-({x}))))"),
                (Builtin::Sigmoid, 1) => format!("(exp(-({x}))/(1 + exp(-({x})))**2)"),
                (Builtin::Tanh, 0) => format!("tanh({x})"),
                (Builtin::Tanh, 1) => format!("(1 - tanh({x})**2)"),
                (Builtin::Softplus, 0) => format!("log(1 + exp({x}))"),
                (Builtin::Softplus, 1) => format!("(1/(1 + exp(-({x}))))"),
                (Builtin::Sin, 0) => format!("sin({x})"),
                (Builtin::Cos, 0) => format!("cos({x})"),
                (Builtin::Relu, 0) => format!("Max({x}, 0)"),
                (Builtin::Relu, 1) | (Builtin::Step, 0) => format!("Heaviside({x}, 1)"),
                (Builtin::Abs, 0) => format!("Abs({x})"),
                (Builtin::Abs, 1) | (Builtin::Sign, 0) => format!("sign({x})"),
                _ => return None,
            }
        }
        Expr::Local(_) | Expr::Apply(..) | Expr::Diff(..) | Expr::Select(..) | Expr::Det(_) | Expr::InvAt(..) => {
            return None
        }
    })
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::new();
    let (mut pairs, mut skipped) = (0, 0);
    let mut files: Vec<_> =
        std::fs::read_dir(root.join("derivations")).expect("corpus").map(|e| e.expect("entry").path()).collect();
    files.sort();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("readable");
        let (file, _) = parse_file(&source);
        let (model, _) = resolve(&file);
        for d in &model.derivations {
            let exprs: Vec<&Expr> = std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).collect();
            let forms = normal_forms(&model, &exprs, gradproof::check::CheckOptions::default().prove_budget);
            for k in 1..exprs.len() {
                let pair = forms.forms[k - 1]
                    .as_ref()
                    .zip(forms.forms[k].as_ref())
                    .and_then(|(a, b)| Some((sympy(&forms.model, &a.lowered)?, sympy(&forms.model, &b.lowered)?)));
                match pair {
                    Some((a, b)) => {
                        let _ = writeln!(
                            out,
                            "{}\t{}\t{a}\t{b}",
                            path.file_name().unwrap_or_default().to_string_lossy(),
                            k
                        );
                        pairs += 1;
                    }
                    None => skipped += 1,
                }
            }
        }
    }
    let target = root.join("target/sympy_pairs.txt");
    std::fs::write(&target, out).expect("writable target/");
    println!("{pairs} step pairs written to {} ({skipped} not expressible)", target.display());
}
