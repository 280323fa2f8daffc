//! Moving every span of a parsed line by an offset: a line parsed once at offset 0 is the same
//! line at any other offset, its spans moved (`LineMemo` keeps lines by text alone).

use super::ast::*;
use super::parse::Statement;
use crate::diagnostic::{Diagnostic, Span};

/// Everything with spans in it: each moved by `by` bytes.
pub(super) trait Shift {
    fn shift(&mut self, by: usize);
}

impl Shift for Span {
    fn shift(&mut self, by: usize) {
        *self = Span::new(self.start + by, self.end + by);
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: usize) {
        self.iter_mut().for_each(|t| t.shift(by));
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: usize) {
        if let Some(t) = self {
            t.shift(by);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, by: usize) {
        (**self).shift(by);
    }
}

impl Shift for Diagnostic {
    fn shift(&mut self, by: usize) {
        let Diagnostic { span, message: _, labels, hints: _, show_source: _ } = self;
        span.shift(by);
        labels.iter_mut().for_each(|(span, _)| span.shift(by));
    }
}

impl Shift for Statement {
    fn shift(&mut self, by: usize) {
        match self {
            Statement::Item(item) => item.shift(by),
            Statement::Derive(d) => d.shift(by),
            Statement::Step(_, e) => e.shift(by),
        }
    }
}

impl Shift for Ident {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Shift for Item {
    fn shift(&mut self, by: usize) {
        match self {
            Item::Title(_, span) => span.shift(by),
            Item::Latex { name, spellings: _, span } => {
                name.shift(by);
                span.shift(by);
            }
            Item::Index(decls) => decls.shift(by),
            Item::Var(items) => items.shift(by),
            Item::Unknown(items) => items.shift(by),
            Item::Let(defs) => defs.shift(by),
            Item::Assume(Assume { lhs, rhs, span }) => {
                lhs.shift(by);
                rhs.shift(by);
                span.shift(by);
            }
            Item::Tolerance(Tolerance { value: _, percent: _, span }) => span.shift(by),
            Item::Grading(Grading { shares, span }) => {
                shares.iter_mut().for_each(|(name, _, _)| name.shift(by));
                span.shift(by);
            }
            Item::Derivation(d) => d.shift(by),
        }
    }
}

impl Shift for IndexDecl {
    fn shift(&mut self, by: usize) {
        let IndexDecl { name, range } = self;
        name.shift(by);
        range.shift(by);
    }
}

impl Shift for RangeExpr {
    fn shift(&mut self, by: usize) {
        let RangeExpr { lo, hi } = self;
        lo.shift(by);
        hi.shift(by);
    }
}

impl Shift for VarRef {
    fn shift(&mut self, by: usize) {
        let VarRef { name, subscripts, span } = self;
        name.shift(by);
        subscripts.shift(by);
        span.shift(by);
    }
}

impl Shift for IndexExpr {
    fn shift(&mut self, by: usize) {
        let IndexExpr { terms, span } = self;
        terms.iter_mut().for_each(|(_, atom)| atom.shift(by));
        span.shift(by);
    }
}

impl Shift for IndexAtom {
    fn shift(&mut self, by: usize) {
        match self {
            IndexAtom::Int(_, span) => span.shift(by),
            IndexAtom::Name(name) => name.shift(by),
        }
    }
}

impl Shift for VarItem {
    fn shift(&mut self, by: usize) {
        let VarItem { target, domain, shape } = self;
        target.shift(by);
        if let Some(DomainDecl { op: _, bound: _, range, span }) = domain {
            range.shift(by);
            span.shift(by);
        }
        if let Some(ShapeDecl { dims, span }) = shape {
            dims.shift(by);
            span.shift(by);
        }
    }
}

impl Shift for UnknownItem {
    fn shift(&mut self, by: usize) {
        match self {
            UnknownItem::Function { name, params } => {
                name.shift(by);
                params.shift(by);
            }
            UnknownItem::Node { name, deps } => {
                name.shift(by);
                deps.shift(by);
            }
        }
    }
}

impl Shift for Definition {
    fn shift(&mut self, by: usize) {
        match self {
            Definition::Node { target, body } => {
                target.shift(by);
                body.shift(by);
            }
            Definition::Function { name, params, body } => {
                name.shift(by);
                params.shift(by);
                body.shift(by);
            }
        }
    }
}

impl Shift for Derivation {
    fn shift(&mut self, by: usize) {
        let Derivation { name: _, worth: _, head, steps, span, broken: _ } = self;
        head.shift(by);
        steps.shift(by);
        span.shift(by);
    }
}

impl Shift for Step {
    fn shift(&mut self, by: usize) {
        let Step { relation: _, expr, note: _, span } = self;
        expr.shift(by);
        span.shift(by);
    }
}

impl Shift for Expr {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        match &mut self.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(name) => name.shift(by),
            ExprKind::Indexed(name, subscripts) => {
                name.shift(by);
                subscripts.shift(by);
            }
            ExprKind::Call { func, primes: _, args } => {
                func.shift(by);
                args.shift(by);
            }
            ExprKind::Neg(a) | ExprKind::Transpose(a) => a.shift(by),
            ExprKind::Binary(_, a, b, span) => {
                a.shift(by);
                b.shift(by);
                span.shift(by);
            }
            ExprKind::Array(items) => items.shift(by),
            ExprKind::Big { op: _, binder, range, body } => {
                binder.shift(by);
                range.shift(by);
                body.shift(by);
            }
            ExprKind::Diff { body, wrt } => {
                body.shift(by);
                wrt.shift(by);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::{parse_file, parse_file_remembering, LineMemo};

    /// Every file of the corpus, the tests' data and the course examples (errors among them),
    /// parsed through one memo after the same lines were seen at other offsets: the same tree and
    /// problems, to the byte of every span, as parsing it afresh.
    #[test]
    fn a_line_seen_at_another_offset_parses_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in [
            "derivations",
            "derivations/generated",
            "tests/data",
            "tests/egg_math",
            "tests/grade",
            "tests/grade/submissions",
            "examples",
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|x| x == "deriv") {
                    sources.push(std::fs::read_to_string(&path).expect("readable"));
                }
            }
        }
        assert!(sources.len() > 90, "the corpus is found ({} files)", sources.len());
        // Lines that fail to parse, with hints and labels, at the start and further in.
        for bad in [
            "derive f'(x)\n  = 2x + (y\nlet z = x [1]\n  = f (x) # note\n",
            "var x\nderive x^2\n  = 2x\n",
            "var x, y\nderive (x + y\n  = x + y\n",
            "var x\nderive diff(x^2, x)\n  = x[\n  = f(x,)\n",
            "var x\n# a comment\nderive x \\\n  # inside\n  + )\n",
            "var W_{ij}\nderive W^{T}\n  = sum(i in 1..n x)\n",
            "let y = sigmoid(x\nderive y\n  = y\n",
            "title \"t\nvar x: [n\nderive x\n",
        ] {
            sources.push(bad.to_string());
        }
        let memo = LineMemo::default();
        let mut with_errors = 0;
        for source in &sources {
            let fresh = format!("{:?}", parse_file(source));
            // The same lines, first seen two bytes later (and, after the first file, earlier).
            let _ = parse_file_remembering(&format!("#\n{source}"), &memo);
            let remembered = format!("{:?}", parse_file_remembering(source, &memo));
            assert_eq!(fresh, remembered);
            with_errors += usize::from(!parse_file(source).1.is_empty());
        }
        assert!(with_errors >= 10, "files with problems are among them ({with_errors})");
    }
}
