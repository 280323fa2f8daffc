//! Properties over random well-formed expressions (proptest, fixed seed): an expression compared
//! with itself or with a sound rewriting of itself is never `wrong`; with a changed constant or a
//! dropped term it is never `proved`; no proof ever contradicts the numbers; and `fmt` gives back the
//! same syntax tree, idempotently.

use gradproof::check::{CheckOptions, StepResult, Verdict};
use gradproof::check_source;
use gradproof::syntax::print::{format_source, Spelling};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use crate::common;

/// A scalar expression over `var a, b` and `var p > 0`.
#[derive(Debug, Clone)]
enum E {
    Num(i64),
    Var(&'static str),
    Neg(Box<E>),
    Add(Box<E>, Box<E>),
    Sub(Box<E>, Box<E>),
    Mul(Box<E>, Box<E>),
    Div(Box<E>, Box<E>),
    Pow(Box<E>, u32),
    Call(&'static str, Box<E>),
}

use E::*;

fn bx(e: E) -> Box<E> {
    Box::new(e)
}

impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num(n) if *n < 0 => write!(f, "({n})"),
            Num(n) => write!(f, "{n}"),
            Var(v) => write!(f, "{v}"),
            Neg(a) => write!(f, "(-{a})"),
            Add(a, b) => write!(f, "({a} + {b})"),
            Sub(a, b) => write!(f, "({a} - {b})"),
            Mul(a, b) => write!(f, "({a} * {b})"),
            Div(a, b) => write!(f, "({a} / {b})"),
            // `^` is right-associative: `(x^3)^2` needs its brackets.
            Pow(a, n) if matches!(a.as_ref(), Num(_) | Var(_)) => write!(f, "{a}^{n}"),
            Pow(a, n) => write!(f, "({a})^{n}"),
            Call(g, a) => write!(f, "{g}({a})"),
        }
    }
}

fn expr() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![(1i64..=5).prop_map(Num), prop::sample::select(vec!["a", "b", "p"]).prop_map(Var)];
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| Neg(bx(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Add(bx(a), bx(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Sub(bx(a), bx(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Mul(bx(a), bx(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Div(bx(a), bx(b))),
            (inner.clone(), 2u32..=3).prop_map(|(a, n)| Pow(bx(a), n)),
            (prop::sample::select(vec!["exp", "sigmoid", "tanh", "sin", "cos", "softplus"]), inner)
                .prop_map(|(g, a)| Call(g, bx(a))),
        ]
    })
}

fn nodes(e: &E) -> usize {
    1 + match e {
        Num(_) | Var(_) => 0,
        Neg(a) | Pow(a, _) | Call(_, a) => nodes(a),
        Add(a, b) | Sub(a, b) | Mul(a, b) | Div(a, b) => nodes(a) + nodes(b),
    }
}

/// One rewriting that holds wherever both sides are defined and keeps the domain, at this node;
/// `x → x*1` where the chosen one does not apply.
fn rewrite_here(e: &E, rule: usize) -> E {
    let times_one = || Mul(bx(e.clone()), bx(Num(1)));
    match (rule % 6, e) {
        (0, Add(a, b)) => Add(b.clone(), a.clone()),
        (0, Mul(a, b)) => Mul(b.clone(), a.clone()),
        (1, Mul(a, c)) => match c.as_ref() {
            Add(x, y) => Add(bx(Mul(a.clone(), x.clone())), bx(Mul(a.clone(), y.clone()))),
            _ => times_one(),
        },
        (2, Call("exp", c)) => match c.as_ref() {
            Add(x, y) => Mul(bx(Call("exp", x.clone())), bx(Call("exp", y.clone()))),
            _ => times_one(),
        },
        (3, Sub(a, b)) => Add(a.clone(), bx(Mul(bx(Num(-1)), b.clone()))),
        (4, Pow(a, 2)) => Mul(a.clone(), a.clone()),
        (5, Neg(a)) => Mul(bx(Num(-1)), a.clone()),
        _ => times_one(),
    }
}

/// `e` with the node at preorder position `*at` rewritten.
fn rewrite_at(e: &E, at: &mut usize, rule: usize) -> E {
    if *at == 0 {
        *at = usize::MAX;
        return rewrite_here(e, rule);
    }
    *at -= 1;
    let mut go = |x: &E| bx(rewrite_at(x, at, rule));
    match e {
        Num(_) | Var(_) => e.clone(),
        Neg(a) => Neg(go(a)),
        Pow(a, n) => Pow(go(a), *n),
        Call(g, a) => Call(g, go(a)),
        Add(a, b) => Add(go(a), go(b)),
        Sub(a, b) => Sub(go(a), go(b)),
        Mul(a, b) => Mul(go(a), go(b)),
        Div(a, b) => Div(go(a), go(b)),
    }
}

/// The one step of `derive head = step`.
fn check_step(head: &E, step: &E) -> StepResult {
    let source = format!("var a, b\nvar p > 0\nderive {head}\n  = {step}\n");
    let report = check_source("property.deriv", source.as_bytes(), &CheckOptions::default());
    assert!(report.errors.is_empty(), "{source}\n{:?}", report.errors);
    let step = report.derivations[0].steps[0].clone();
    assert!(!step.internal_error, "a proof contradicts the numbers:\n{source}\n{}", step.detail);
    step
}

fn config() -> Config {
    Config { cases: 256, rng_seed: RngSeed::Fixed(0x6772_6164), failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_expression_equals_itself(e in expr()) {
        let step = check_step(&e, &e);
        prop_assert_ne!(step.verdict, Verdict::Wrong, "{} at {:?}", step.detail, step.counterexample);
    }

    #[test]
    fn a_sound_rewriting_is_never_wrong(e in expr(), moves in prop::collection::vec((0usize..64, 0usize..6), 1..4)) {
        let mut rewritten = e.clone();
        for (at, rule) in moves {
            let mut at = at % nodes(&rewritten);
            rewritten = rewrite_at(&rewritten, &mut at, rule);
        }
        let step = check_step(&e, &rewritten);
        prop_assert_ne!(step.verdict, Verdict::Wrong, "{} at {:?}", step.detail, step.counterexample);
    }

    #[test]
    fn a_changed_constant_is_never_proved(e in expr(), c in 1i64..=5) {
        let step = check_step(&Add(bx(Num(c)), bx(e.clone())), &Add(bx(Num(c + 1)), bx(e)));
        prop_assert_ne!(step.verdict, Verdict::Proved);
    }

    #[test]
    fn a_dropped_term_is_never_proved(e in expr(), dropped in expr()) {
        // `exp` is never 0, so dropping the term changes the value wherever it is defined.
        let step = check_step(&Add(bx(e.clone()), bx(Call("exp", bx(dropped)))), &e);
        prop_assert_ne!(step.verdict, Verdict::Proved);
    }

    #[test]
    fn fmt_round_trips(e in expr(), other in expr(), ascii in any::<bool>()) {
        let source = format!("var a, b\nvar p > 0\nderive {e}   # a note\n  = {other}\n  ≈ -({e})^2\n");
        let spelling = if ascii { Spelling::Ascii } else { Spelling::Canonical };
        let formatted = format_source(&source, spelling).expect("a well-formed file formats");
        prop_assert_eq!(common::tree(&formatted), common::tree(&source), "{}", formatted);
        let again = format_source(&formatted, spelling).expect("formatted text formats again");
        prop_assert_eq!(again, formatted);
    }
}
