//! Every span of a piece of syntax, mapped: a line parsed once at offset 0 is the same line at any
//! other offset, its spans moved (`LineMemo` keeps lines by text alone); a derivation's spans
//! counted from its start, or the declarations' left out, make keys that do not depend on where
//! they are written (`grade`'s memo of repairs).

use super::ast::*;
use super::parse::Statement;
use crate::diagnostic::{Diagnostic, Span};

/// Everything with spans in it: each span `s` becomes `f(s)`.
pub trait MapSpans {
    /// Every span `s` replaced by `f(s)`.
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span);

    /// Every span moved `by` bytes further.
    fn shift(&mut self, by: usize) {
        self.map_spans(&|s| Span::new(s.start + by, s.end + by));
    }
}

impl MapSpans for Span {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        *self = f(*self);
    }
}

impl<T: MapSpans> MapSpans for Vec<T> {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        self.iter_mut().for_each(|t| t.map_spans(f));
    }
}

impl<T: MapSpans> MapSpans for Option<T> {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        if let Some(t) = self {
            t.map_spans(f);
        }
    }
}

impl<T: MapSpans> MapSpans for Box<T> {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        (**self).map_spans(f);
    }
}

impl MapSpans for Diagnostic {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let Diagnostic { span, message: _, labels, hints: _, show_source: _ } = self;
        span.map_spans(f);
        labels.iter_mut().for_each(|(span, _)| span.map_spans(f));
    }
}

impl MapSpans for Statement {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        match self {
            Statement::Item(item) => item.map_spans(f),
            Statement::Derive(d) => d.map_spans(f),
            Statement::Step(_, e) => e.map_spans(f),
        }
    }
}

impl MapSpans for Ident {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        self.span.map_spans(f);
    }
}

impl MapSpans for Item {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        match self {
            Item::Title(_, span) => span.map_spans(f),
            Item::Latex { name, spellings: _, span } => {
                name.map_spans(f);
                span.map_spans(f);
            }
            Item::Index(decls) => decls.map_spans(f),
            Item::Var(items) => items.map_spans(f),
            Item::Unknown(items) => items.map_spans(f),
            Item::Let(defs) => defs.map_spans(f),
            Item::Assume(Assume { lhs, rhs, span }) => {
                lhs.map_spans(f);
                rhs.map_spans(f);
                span.map_spans(f);
            }
            Item::Tolerance(Tolerance { value: _, percent: _, span }) => span.map_spans(f),
            Item::Grading(Grading { shares, span }) => {
                shares.iter_mut().for_each(|(name, _, _)| name.map_spans(f));
                span.map_spans(f);
            }
            Item::Derivation(d) => d.map_spans(f),
        }
    }
}

impl MapSpans for IndexDecl {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let IndexDecl { name, range } = self;
        name.map_spans(f);
        range.map_spans(f);
    }
}

impl MapSpans for RangeExpr {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let RangeExpr { lo, hi } = self;
        lo.map_spans(f);
        hi.map_spans(f);
    }
}

impl MapSpans for VarRef {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let VarRef { name, subscripts, span } = self;
        name.map_spans(f);
        subscripts.map_spans(f);
        span.map_spans(f);
    }
}

impl MapSpans for IndexExpr {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let IndexExpr { terms, span } = self;
        terms.iter_mut().for_each(|(_, atom)| atom.map_spans(f));
        span.map_spans(f);
    }
}

impl MapSpans for IndexAtom {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        match self {
            IndexAtom::Int(_, span) => span.map_spans(f),
            IndexAtom::Name(name) => name.map_spans(f),
        }
    }
}

impl MapSpans for VarItem {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let VarItem { target, domain, shape } = self;
        target.map_spans(f);
        if let Some(DomainDecl { op: _, bound: _, range, span }) = domain {
            range.map_spans(f);
            span.map_spans(f);
        }
        if let Some(ShapeDecl { dims, span }) = shape {
            dims.map_spans(f);
            span.map_spans(f);
        }
    }
}

impl MapSpans for UnknownItem {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        match self {
            UnknownItem::Function { name, params } => {
                name.map_spans(f);
                params.map_spans(f);
            }
            UnknownItem::Node { name, deps } => {
                name.map_spans(f);
                deps.map_spans(f);
            }
        }
    }
}

impl MapSpans for Definition {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        match self {
            Definition::Node { target, body } => {
                target.map_spans(f);
                body.map_spans(f);
            }
            Definition::Function { name, params, body } => {
                name.map_spans(f);
                params.map_spans(f);
                body.map_spans(f);
            }
        }
    }
}

impl MapSpans for Derivation {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let Derivation { name: _, worth: _, head, steps, span, unread } = self;
        head.map_spans(f);
        steps.map_spans(f);
        span.map_spans(f);
        unread.map_spans(f);
    }
}

impl MapSpans for Step {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        let Step { relation: _, expr, note: _, span, restates: _ } = self;
        expr.map_spans(f);
        span.map_spans(f);
    }
}

impl MapSpans for Expr {
    fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        self.span.map_spans(f);
        match &mut self.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(name) => name.map_spans(f),
            ExprKind::Indexed(name, subscripts) => {
                name.map_spans(f);
                subscripts.map_spans(f);
            }
            ExprKind::Call { func, primes: _, args } => {
                func.map_spans(f);
                args.map_spans(f);
            }
            ExprKind::Neg(a) | ExprKind::Transpose(a) => a.map_spans(f),
            ExprKind::Binary(_, a, b, span) => {
                a.map_spans(f);
                b.map_spans(f);
                span.map_spans(f);
            }
            ExprKind::Array(items) => items.map_spans(f),
            ExprKind::Big { op: _, binder, range, body } => {
                binder.map_spans(f);
                range.map_spans(f);
                body.map_spans(f);
            }
            ExprKind::Diff { body, wrt } => {
                body.map_spans(f);
                wrt.map_spans(f);
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
