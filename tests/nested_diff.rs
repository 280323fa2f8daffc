//! The prover against the numbers on random models with nested derivatives (proptest, fixed seed).
//!
//! Each case is a small model — inputs, unknown functions, `let` nodes defined through earlier
//! nodes and through `diff` — and a head `diff(B, t)` (or a second derivative) whose body has
//! derivatives inside it (in half of the cases the first of them reads the outer target). The
//! step is the head with one occurrence of a node replaced by its definition, inside a nested
//! `diff` where there is one. Under §3.3 that is right except where the node is cut from its
//! definition: under `diff(·, n)`, and inside a `diff` nested in one (and in nodes defined through
//! such a `diff`). So many steps are right and many wrong, exactly where a rule that copies a value
//! out of its cut goes astray. The numbers implement the semantics directly (a child evaluator
//! overrides the target and recomputes the rest); the prover must never prove a step that the
//! numbers find wrong.

use gradproof::check::{CheckOptions, StepResult, Verdict};
use gradproof::check_source;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

/// An expression over the inputs, the nodes defined so far and two unknown functions.
#[derive(Debug, Clone)]
enum E {
    Num(i64),
    Name(String),
    Add(Box<E>, Box<E>),
    Sub(Box<E>, Box<E>),
    Mul(Box<E>, Box<E>),
    /// `a / (1 + b^2)`: a quotient that is defined everywhere.
    Div(Box<E>, Box<E>),
    Pow(Box<E>, u32),
    Call(&'static str, Box<E>),
    Diff(Box<E>, String),
}

use E::*;

fn bx(e: E) -> Box<E> {
    Box::new(e)
}

impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num(n) => write!(f, "{n}"),
            Name(n) => write!(f, "{n}"),
            Add(a, b) => write!(f, "({a} + {b})"),
            Sub(a, b) => write!(f, "({a} - {b})"),
            Mul(a, b) => write!(f, "({a} * {b})"),
            Div(a, b) => write!(f, "({a} / (1 + ({b})^2))"),
            Pow(a, n) => write!(f, "({a})^{n}"),
            Call(g, a) => write!(f, "{g}({a})"),
            Diff(a, t) => write!(f, "diff({a}, {t})"),
        }
    }
}

const INPUTS: [&str; 2] = ["u", "v"];

/// An expression over `names` (inputs and nodes), with at most `diffs` derivatives nested in it,
/// each by one of `inner_targets`.
fn expr(names: Vec<String>, inner_targets: Vec<String>, diffs: u32) -> BoxedStrategy<E> {
    let leaf = prop_oneof![
        1 => (1i64..=3).prop_map(Num),
        6 => prop::sample::select(names.clone()).prop_map(Name),
    ];
    let plain = leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Add(bx(a), bx(b))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Sub(bx(a), bx(b))),
            3 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Mul(bx(a), bx(b))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Div(bx(a), bx(b))),
            1 => (inner.clone(), 2u32..=3).prop_map(|(a, n)| Pow(bx(a), n)),
            2 => (prop::sample::select(vec!["f", "g", "sin", "sigmoid", "exp"]), inner).prop_map(|(g, a)| Call(g, bx(a))),
        ]
    });
    if diffs == 0 || inner_targets.is_empty() {
        return plain.boxed();
    }
    let nested = (expr(names.clone(), inner_targets.clone(), diffs - 1), prop::sample::select(inner_targets))
        .prop_map(|(body, target)| Diff(bx(body), target));
    let plain_again = plain.clone();
    prop_oneof![
        1 => plain,
        // A derivative combined with the rest by one of the rules that copy values.
        4 => (nested, plain_again, 0usize..6).prop_map(|(d, other, how)| match how {
            0 => Mul(bx(other), bx(d)),
            1 => Div(bx(other), bx(d)),
            2 => Call("g", bx(Add(bx(other), bx(d)))),
            3 => Pow(bx(Add(bx(other), bx(d))), 2),
            4 => Call("exp", bx(Mul(bx(other), bx(d)))),
            _ => Div(bx(d), bx(other)),
        }),
    ]
    .boxed()
}

/// A model: two or three nodes, each defined through the inputs and the nodes before it, some
/// through a `diff`.
#[derive(Debug, Clone)]
struct Case {
    lets: Vec<(String, E)>,
    body: E,
    targets: Vec<String>,
    /// Which occurrence of a node in the body is replaced by its definition.
    unfold: usize,
}

/// `e` with its first `diff(a, w)` made `diff(a * t, w)`: the derivative's body then reads the
/// outer target `t`, whose cut changes its value.
fn mention(e: &E, t: &str, done: &mut bool) -> E {
    if let Diff(a, w) = e {
        if !*done {
            *done = true;
            return Diff(bx(Mul(a.clone(), bx(Name(t.to_string())))), w.clone());
        }
    }
    let mut go = |x: &E| bx(mention(x, t, done));
    match e {
        Num(_) | Name(_) => e.clone(),
        Add(a, b) => Add(go(a), go(b)),
        Sub(a, b) => Sub(go(a), go(b)),
        Mul(a, b) => Mul(go(a), go(b)),
        Div(a, b) => Div(go(a), go(b)),
        Pow(a, n) => Pow(go(a), *n),
        Call(g, a) => Call(g, go(a)),
        Diff(a, w) => Diff(go(a), w.clone()),
    }
}

fn names_upto(k: usize) -> Vec<String> {
    INPUTS.iter().map(|s| s.to_string()).chain((1..=k).map(|i| format!("n{i}"))).collect()
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..=3)
        .prop_flat_map(|n| {
            // A node may be defined through a `diff` by an input or an earlier node.
            let lets: Vec<BoxedStrategy<E>> =
                (0..n).map(|k| expr(names_upto(k), names_upto(k.saturating_sub(1)), u32::from(k > 0))).collect();
            let all = names_upto(n);
            // The outer derivative mostly by a node (whose cut changes the inner ones), the inner
            // ones mostly by what the nodes depend on.
            let nodes: Vec<String> = all[INPUTS.len()..].to_vec();
            let outer = prop_oneof![3 => prop::sample::select(nodes), 1 => prop::sample::select(all.clone())];
            let targets = prop::collection::vec(outer, 1..=2);
            (lets, expr(all, names_upto(1), 1), targets, 0usize..64, any::<bool>())
        })
        .prop_map(|(defs, body, targets, unfold, mentioned)| Case {
            lets: defs.into_iter().enumerate().map(|(k, e)| (format!("n{}", k + 1), e)).collect(),
            body: if mentioned { mention(&body, &targets[0], &mut false) } else { body },
            targets,
            unfold,
        })
}

/// The occurrences of nodes in an expression (not a derivative's target, which names a node); with
/// `inner`, only those inside a `diff`.
fn node_occurrences(e: &E, inner: bool) -> usize {
    match e {
        Num(_) => 0,
        Name(n) => usize::from(n.starts_with('n') && !inner),
        Add(a, b) | Sub(a, b) | Mul(a, b) | Div(a, b) => node_occurrences(a, inner) + node_occurrences(b, inner),
        Pow(a, _) | Call(_, a) => node_occurrences(a, inner),
        Diff(a, _) => node_occurrences(a, false),
    }
}

/// `e` with its `at`-th occurrence of a node (with `inner`, inside a `diff`) replaced by the
/// node's definition.
fn unfold(e: &E, at: &mut usize, inner: bool, lets: &[(String, E)]) -> E {
    let go = |x: &E, at: &mut usize| bx(unfold(x, at, inner, lets));
    match e {
        Name(n) if n.starts_with('n') && !inner => {
            if *at == 0 {
                *at = usize::MAX;
                let (_, def) = lets.iter().find(|(m, _)| m == n).expect("a node of the model");
                return def.clone();
            }
            *at = at.wrapping_sub(1);
            e.clone()
        }
        Num(_) | Name(_) => e.clone(),
        Add(a, b) => Add(go(a, at), go(b, at)),
        Sub(a, b) => Sub(go(a, at), go(b, at)),
        Mul(a, b) => Mul(go(a, at), go(b, at)),
        Div(a, b) => Div(go(a, at), go(b, at)),
        Pow(a, n) => Pow(go(a, at), *n),
        Call(g, a) => Call(g, go(a, at)),
        Diff(a, t) => Diff(bx(unfold(a, at, false, lets)), t.clone()),
    }
}

fn source(case: &Case, head: &E, step: &E) -> String {
    let mut s = String::from("var u, v\nunknown f(x), g(x)\n");
    for (n, def) in &case.lets {
        s += &format!("let {n} = {def}\n");
    }
    s + &format!("derive {head}\n  = {step}\n")
}

fn step_of(source: &str, options: &CheckOptions) -> StepResult {
    let report = check_source("nested.deriv", source.as_bytes(), options);
    assert!(report.errors.is_empty(), "{source}\n{:?}", report.errors);
    report.derivations[0].steps[0].clone()
}

#[derive(Default, Debug)]
struct Tally {
    proved: usize,
    numbers_wrong: usize,
    numbers_checked: usize,
}

#[test]
fn the_prover_never_proves_what_the_numbers_find_wrong() {
    let config =
        Config { cases: 48, rng_seed: RngSeed::Fixed(0x6e65_7374), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let tally = std::cell::RefCell::new(Tally::default());
    let result = runner.run(&case(), |case| {
        // A node inside a nested `diff` of the body where there is one: there the cut of the
        // outer target decides whether unfolding it is right.
        let inner = node_occurrences(&case.body, true) > 0;
        let occurrences = node_occurrences(&case.body, inner);
        if occurrences == 0 {
            return Ok(());
        }
        let body = unfold(&case.body, &mut (case.unfold % occurrences), inner, &case.lets);
        let wrap = |b: &E| case.targets.iter().fold(b.clone(), |b, t| Diff(bx(b), t.clone()));
        let (head, step) = (wrap(&case.body), wrap(&body));
        let source = source(&case, &head, &step);
        let proof = step_of(&source, &CheckOptions { numeric: false, ..CheckOptions::default() });
        let numbers = step_of(&source, &CheckOptions { prove: false, ..CheckOptions::default() });
        let mut t = tally.borrow_mut();
        t.proved += usize::from(proof.verdict == Verdict::Proved);
        t.numbers_wrong += usize::from(numbers.verdict == Verdict::Wrong);
        t.numbers_checked += usize::from(numbers.verdict == Verdict::Checked);
        if proof.verdict == Verdict::Proved && numbers.verdict == Verdict::Wrong {
            return Err(TestCaseError::fail(format!(
                "proved, but the numbers find it wrong ({}):\n{source}",
                numbers.detail
            )));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The cases must exercise both sides: proofs, and unfoldings the numbers find wrong.
    let t = tally.into_inner();
    assert!(t.proved >= 16 && t.numbers_wrong >= 6 && t.numbers_checked >= 16, "{t:?}");
}

/// Nested derivatives whose value under the cut was worked out by hand (with `let y = f(u)`,
/// `diff(y, u)` is 0 where `y` is cut), each with the value a copy taken outside the cut gives:
/// the numbers alone, and the prover alone, tell them apart.
#[test]
fn the_numbers_and_the_prover_take_nested_derivatives_under_the_cut() {
    let model = "var u, s\nunknown f(v), g(v)\nlet y = f(u)\nlet d = diff(y, u)\nlet z = diff(y*u, u)\n";
    let cases = [
        ("diff(y * diff(y, u), y)", "0", "f'(u)"),
        ("diff(y * d, y)", "0", "d"),
        ("diff(z * y, y)", "2*f(u)", "f'(u)*u + 2*f(u)"),
        ("diff(exp(diff(g(y), u)) * y, y)", "1", "exp(g'(f(u))*f'(u))"),
        ("diff(y * diff(y, u) * s, y, s)", "0", "f'(u)"),
        ("diff(g(y + diff(y, u)), y)", "g'(f(u))", "g'(f(u) + f'(u))"),
    ];
    let numbers = CheckOptions { prove: false, ..CheckOptions::default() };
    let proof = CheckOptions { numeric: false, ..CheckOptions::default() };
    for (head, right, wrong) in cases {
        let right = format!("{model}derive {head}\n  = {right}\n");
        let wrong = format!("{model}derive {head}\n  = {wrong}\n");
        assert_eq!(step_of(&right, &numbers).verdict, Verdict::Checked, "{right}");
        assert_eq!(step_of(&wrong, &numbers).verdict, Verdict::Wrong, "{wrong}");
        assert_eq!(step_of(&right, &proof).verdict, Verdict::Proved, "{right}");
        assert_ne!(step_of(&wrong, &proof).verdict, Verdict::Proved, "{wrong}");
    }
}
