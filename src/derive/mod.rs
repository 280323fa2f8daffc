//! Reference derivations: `gradproof derive FILE --goal "∂E/∂net_phi[t]"` writes the steps a
//! teacher would — the chain rule one layer of the definitions DAG at a time, the local
//! derivatives, simplification, the file's abbreviations — and keeps only what `check` proves.
//!
//! Built on `check`'s public API and the syntax tree: the generator proposes steps as syntax
//! trees (`rules` differentiates, `simplify` tidies), prints them with the canonical printer, and
//! checks the whole derivation with the unchanged checker. A step that is not `proved` is dropped
//! (its neighbours then have to be proved equal directly); if the answer itself cannot be proved,
//! nothing is written.

mod extract;
mod matrix;
mod rules;
mod simplify;
mod tree;

use std::collections::{BTreeSet, HashMap};

use crate::check::{CheckOptions, Verdict};
use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast::{Expr, ExprKind, Item};
use crate::syntax::print::{expr_to_string, format_source, Spelling};
use crate::syntax::{parse_file, parse_lines, Statement};
use rules::{Deriver, Families, Fresh, Kind, Target};
use simplify::{abbreviate, special_forms, Simplifier};
use tree::*;

/// The most layers of the definitions DAG the chain rule is taken through.
const MAX_LAYERS: usize = 40;

/// A generated derivation.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The `.deriv` text: the model and the new derivation, in canonical form.
    pub text: String,
    /// How many steps it has.
    pub steps: usize,
}

/// Why no derivation was written.
#[derive(Debug, Clone)]
pub enum DeriveError {
    /// The file or the goal has errors: the text they refer to, and the diagnostics.
    Input(String, Vec<Diagnostic>),
    /// The goal cannot be derived: why.
    Failed(String),
}

/// One thing to derive: the goal (an expression such as `∂E/∂net_phi[t]`) and, optionally, the
/// derivation's name.
#[derive(Debug, Clone)]
pub struct Goal<'a> {
    /// The expression to derive.
    pub expr: &'a str,
    /// The derivation's name (default: the goal as written canonically).
    pub name: Option<&'a str>,
}

/// Derives `goal` from the model of `source`.
pub fn derive(source: &str, goal: &str, name: Option<&str>, options: &CheckOptions) -> Result<Derived, DeriveError> {
    derive_all(source, &[Goal { expr: goal, name }], options)
}

/// Derives each goal from the model of `source`: one file with the model and a derivation per goal,
/// or the first goal's failure.
pub fn derive_all(source: &str, goals: &[Goal], options: &CheckOptions) -> Result<Derived, DeriveError> {
    let outcome = derive_each(source, goals, options)?;
    if let Some(failure) = outcome.failures.into_iter().next() {
        return Err(failure);
    }
    outcome.derived.ok_or_else(|| DeriveError::Failed("nothing was derived".into()))
}

/// What [`derive_each`] wrote, and the goals it could not derive.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The model and a derivation for each goal derived, in the order of the goals; none when no
    /// goal was derived.
    pub derived: Option<Derived>,
    /// Why each other goal was not derived, in the order of the goals.
    pub failures: Vec<DeriveError>,
}

/// Derives each goal from the model of `source` on its own: one goal that cannot be derived (or
/// has an error) does not stop the others. An error of the file itself is the only `Err`.
pub fn derive_each(source: &str, goals: &[Goal], options: &CheckOptions) -> Result<Outcome, DeriveError> {
    let (file, errors) = parse_file(source);
    if !errors.is_empty() {
        return Err(DeriveError::Input(source.to_string(), errors));
    }
    // The model's errors (a product whose shapes do not fit, an unknown name) are reported at
    // their place, as `check` reports them, before anything is generated from it.
    let (_, errors) = crate::model::model_of(&without_derivations(source));
    if !errors.is_empty() {
        return Err(DeriveError::Input(source.to_string(), errors));
    }
    let model_text = model_lines(source);
    let model = Families::of(&file);
    let mut blocks = String::new();
    let mut steps = 0;
    let mut failures = Vec::new();
    for goal in goals {
        match derive_one(&model_text, &model, goal, options) {
            Ok((block, n)) => {
                blocks.push_str(&block);
                steps += n;
            }
            Err(DeriveError::Failed(why)) => {
                failures.push(DeriveError::Failed(format!("`{}`: {why}", goal.expr.trim())))
            }
            Err(input) => failures.push(input),
        }
    }
    if blocks.is_empty() && !failures.is_empty() {
        return Ok(Outcome { derived: None, failures });
    }
    let text = format!("{model_text}{blocks}");
    let text = format_source(&text, Spelling::Canonical)
        .map_err(|e| DeriveError::Failed(format!("the generated text does not parse: {e:?}")))?;
    Ok(Outcome { derived: Some(Derived { text, steps }), failures })
}

/// The derivation of one goal, as text after the model, and its number of steps.
fn derive_one(
    model_text: &str,
    model: &Families,
    goal: &Goal,
    options: &CheckOptions,
) -> Result<(String, usize), DeriveError> {
    let goal_text = goal.expr.trim();
    if goal_text.is_empty() {
        let empty = Diagnostic::error(Span::new(0, 0), "the goal is empty")
            .with_hint("write what to derive, such as `diff(L, w)` or `∂E/∂net_phi[t]`");
        return Err(DeriveError::Input(String::new(), vec![empty]));
    }
    let probe = format!("{model_text}\nderive {goal_text}\n  = 0\n");
    let (probe_file, mut errors) = parse_file(&probe);
    let offset = model_text.len() + 1 + "derive ".len();
    if errors.is_empty() {
        // Names in the goal are resolved in the model, so an unknown one is reported with a hint.
        let (_, resolve_errors) = crate::model::model_of(&probe);
        errors.extend(resolve_errors.into_iter().filter(|d| d.span.start >= offset));
    }
    let head = probe_file.items.iter().rev().find_map(|item| match item {
        Item::Derivation(d) => Some(d.head.clone()),
        _ => None,
    });
    let Some(head) = head.filter(|_| errors.is_empty()) else {
        let errors = if errors.is_empty() {
            vec![Diagnostic::error(Span::new(0, goal_text.len()), "the goal is not an expression")]
        } else {
            errors.into_iter().map(|d| shift(d, offset, goal_text.len())).collect()
        };
        return Err(DeriveError::Input(goal_text.to_string(), errors));
    };
    let mut fresh = Fresh { taken: model.names.clone() };
    let mut names = BTreeSet::new();
    tree::names(&head, &mut names);
    fresh.taken.extend(names);
    // A goal whose derivative is in a definition (`w1` of `let g = diff(L, w)`, `let w1 = w - lr *
    // g`: an optimiser's step as a sheet writes it) is that definition written out first (an
    // instructor was told "the goal has no derivative to work out").
    let unfolded = through_definitions(model, &head);
    // A family defined by a derivative (`let g[k] = diff(L, w[k])`) is not written out: said so,
    // where it was "the goal has no derivative to work out", or a goal that read it was "derived"
    // in one step that left it as it was (an instructor).
    if unfolded.is_none() && !head.has_diff() {
        if let Some(name) = family_defined_by_a_derivative(model, &head) {
            return Err(DeriveError::Failed(format!(
                "`{name}` is a family whose definition reaches a derivative, and only the definitions of \
                 single names are written out (docs/derive.md): write that derivative in the goal, or define \
                 `{name}` without subscripts"
            )));
        }
    }
    let start = unfolded.as_ref().map_or(&head, |(e, _)| e);
    // A derivative by or through a whole vector or matrix is written in matrix notation.
    let engine = matrix::applies(model, start).then(|| matrix::Engine::new(model));
    let mut candidates = match &engine {
        Some(engine) => engine.propose(start),
        None => propose(model, start, &mut fresh, Purpose::Derive),
    }
    .map_err(DeriveError::Failed)?;
    if let Some((e, used)) = unfolded {
        let word = if used.len() == 1 { "definition" } else { "definitions" };
        candidates.insert(0, Proposal { expr: e, note: format!("{word} of {}", used.join(", ")) });
    }
    // On a model of numbers (an SGD step), the answer's value as the last step.
    let value = candidates.last().and_then(|last| match &engine {
        Some(engine) => engine.numeric_value(model_text, &last.expr),
        None => numeric_value(model_text, &last.expr),
    });
    if let Some(value) = value {
        candidates.push(Proposal { expr: value, note: "the numbers".to_string() });
    }
    let title = goal.name.map_or_else(|| expr_to_string(&head, Spelling::Canonical), str::to_string);
    let (steps, after) = verify(model_text, &title, &head, candidates, options)?;
    // An answer is free of derivatives but those of unknown nodes by their dependencies: a form
    // the prover stopped at halfway is no answer, whatever was proved of it.
    if let Some(answer) = steps.last() {
        if let Some(left) = leftover_derivative(model, &answer.expr) {
            return Err(DeriveError::Failed(unfinished(model, &answer.expr, &left, &after)));
        }
    }
    Ok((assemble("", &title, &head, &steps), steps.len()))
}

/// `e` without a derivative, with the definitions that lead to one written out (those of single
/// names: `w1`, then `g` of `let g = diff(L, w)`, until none is left), and the names written out;
/// `None` where `e` has a derivative already or no definition leads to one.
/// A family with subscripts that `e` reads whose definition reaches a derivative (through other
/// such families), if any.
fn family_defined_by_a_derivative(model: &Families, e: &Expr) -> Option<String> {
    let bodies: Vec<(&str, &Expr)> = model
        .fams
        .iter()
        .filter_map(|f| match &f.kind {
            Kind::Defined(body) if !f.slots.is_empty() => Some((f.name.as_str(), body)),
            _ => None,
        })
        .collect();
    let mut leading: BTreeSet<&str> = BTreeSet::new();
    loop {
        let before = leading.len();
        for (name, body) in &bodies {
            if body.has_diff() || leading.iter().any(|l| tree::mentions(body, l)) {
                leading.insert(name);
            }
        }
        if leading.len() == before {
            break;
        }
    }
    leading.into_iter().find(|name| tree::mentions(e, name)).map(str::to_string)
}

fn through_definitions(model: &Families, e: &Expr) -> Option<(Expr, Vec<String>)> {
    if e.has_diff() {
        return None;
    }
    let bodies: HashMap<String, Expr> = model
        .fams
        .iter()
        .filter_map(|f| match &f.kind {
            Kind::Defined(body) if f.slots.is_empty() => Some((f.name.clone(), body.clone())),
            _ => None,
        })
        .collect();
    // The names whose definitions reach a derivative, through other such names.
    let mut leading: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = leading.len();
        for (name, body) in &bodies {
            if body.has_diff() || leading.iter().any(|l| tree::mentions(body, l)) {
                leading.insert(name.clone());
            }
        }
        if leading.len() == before {
            break;
        }
    }
    let values: HashMap<String, Expr> = bodies.into_iter().filter(|(name, _)| leading.contains(name)).collect();
    let mut used = Vec::new();
    let mut current = e.clone();
    // Every such name written out (`w1 + g` has `g` and `w1`, a reviewer found `w1` left).
    for _ in 0..8 {
        if !leading.iter().any(|name| tree::mentions(&current, name)) {
            break;
        }
        for name in &leading {
            if tree::mentions(&current, name) && !used.contains(name) {
                used.push(name.clone());
            }
        }
        current = write_out(&current, &values);
    }
    current.has_diff().then_some((current, used))
}

/// `e` with the names of `values` written out as their definitions, except a derivative's
/// variable inside it: in `diff(L1, w1)` with `let L1 = (w1*x - y)^2` and `let w1 = w0 - …`, `L1`
/// is written out and `w1` stays (written out too, the derivative was of a constant: an
/// instructor's second Adam step was "a wrong step … please report this model").
fn write_out(e: &Expr, values: &HashMap<String, Expr>) -> Expr {
    match &e.kind {
        ExprKind::Diff { body, wrt } => {
            let mut inner = values.clone();
            for w in wrt {
                inner.remove(&w.name.name);
            }
            let body = Box::new(write_out(body, &inner));
            Expr { kind: ExprKind::Diff { body, wrt: wrt.clone() }, span: e.span }
        }
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => tree::subst_with(e, &HashMap::new(), values),
        _ => simplify::map_children(e, &mut |c| write_out(c, values)),
    }
}

/// The first derivative in `e` that is not one of an unknown node by one of its own dependencies:
/// a derivative the answer should have worked out (docs/derive.md promises no other is left).
fn leftover_derivative(model: &Families, e: &Expr) -> Option<Expr> {
    if let ExprKind::Diff { body, wrt } = &e.kind {
        let by_dependency = match (model.family_read(body).map(|f| &model.fams[f].kind), wrt.as_slice()) {
            (Some(Kind::Unknown(deps)), [x]) => {
                let fam_x = model.family_of(&x.name.name, &x.subscripts);
                fam_x.is_some() && deps.iter().any(|d| model.family_of(&d.name.name, &d.subscripts) == fam_x)
            }
            _ => false,
        };
        return (!by_dependency).then(|| e.clone());
    }
    let mut found = None;
    simplify::map_children(e, &mut |c| {
        if found.is_none() {
            found = leftover_derivative(model, c);
        }
        c.clone()
    });
    found
}

/// Why an answer that still holds the derivative `left` is no answer: what it is a derivative of,
/// and the generator's own answer when the checker found it equal in numbers but did not prove it.
fn unfinished(model: &Families, answer: &Expr, left: &Expr, after: &Dropped) -> String {
    let of = match &left.kind {
        ExprKind::Diff { body, .. } => match model.family_read(body).map(|f| &model.fams[f].kind) {
            Some(Kind::Defined(_)) => format!(" (a derivative of the defined node `{}`)", text(body)),
            Some(Kind::Unknown(_)) => {
                format!(" (a derivative of `{}` by what it does not depend on directly)", text(body))
            }
            _ => String::new(),
        },
        _ => String::new(),
    };
    let mut why = format!(
        "the prover proves no form past `{}`, which still holds `{}`{of}",
        expr_to_string(answer, Spelling::Canonical),
        expr_to_string(left, Spelling::Canonical),
    );
    if let Some((next, verdict)) = after.iter().rev().find(|(_, v)| *v == Verdict::Checked) {
        why.push_str(&format!(
            "; the generator's answer `{}` is only {} (equal at every sample, not proved)",
            expr_to_string(&next.expr, Spelling::Canonical),
            verdict.name()
        ));
    }
    why
}

/// The forms `derive` would write for `head` in the model of `file`, unchecked and without the
/// final search for the shortest form: each layer of the chain rule, the special forms, the
/// abbreviated and simplified answer (the last). Empty when `head` has no derivative to work out
/// or the generator cannot go through it. `localise` takes the factors and terms a wrong step may
/// lack from them (every change it proposes is checked before it is shown).
pub fn worked_forms(file: &crate::syntax::ast::File, head: &Expr) -> Vec<Expr> {
    let model = Families::of(file);
    let mut fresh = Fresh { taken: model.names.clone() };
    let mut names = BTreeSet::new();
    tree::names(head, &mut names);
    fresh.taken.extend(names);
    let steps = if matrix::applies(&model, head) {
        matrix::Engine::new(&model).propose(head)
    } else {
        propose(&model, head, &mut fresh, Purpose::Localise)
    };
    steps.map(|steps| steps.into_iter().map(|p| p.expr).collect()).unwrap_or_default()
}

/// The derivative of the builtin function `name` at `u`, spelled out as a course writes it:
/// `sigmoid(u) * (1 - sigmoid(u))`, `1 - tanh(u)^2`, `step(u)` for `relu`, `sigmoid(u)` for
/// `softplus`; none for a name that is not a builtin with a rule, or whose derivative the rules
/// only write with a prime.
pub fn builtin_derivative(name: &str, u: &Expr) -> Option<Expr> {
    let d = rules::local_derivative(name, 0, u.clone())?;
    let spelled = special_forms(&d, &mut BTreeSet::new());
    let primed = |e: &Expr| matches!(&e.kind, ExprKind::Call { primes, .. } if *primes > 0);
    (!primed(&spelled)).then_some(spelled)
}

/// The exact value of `e` when the model gives every name in it a number (no inputs, sizes, free
/// indices or unknown functions): a terminating decimal, or a fraction.
fn numeric_value(model_text: &str, e: &Expr) -> Option<Expr> {
    if constant(e).is_some() {
        return None;
    }
    let probe = format!("{model_text}\nderive {}\n  = 0\n", text(e));
    let (resolved, errors) = crate::model::model_of(&probe);
    if !errors.is_empty() {
        return None;
    }
    let value = crate::check::exact_value(&resolved, &resolved.derivations.last()?.head)?;
    Some(decimal(&value).unwrap_or_else(|| number(&value)))
}

/// A number as an exact decimal literal (`5.912`), when its denominator has no prime factor but 2
/// and 5 (and it is not too long).
fn decimal(v: &num_rational::BigRational) -> Option<Expr> {
    use num_traits::{Signed, Zero};
    let ten = num_bigint::BigInt::from(10);
    let mut scaled = v.abs();
    let mut places = 0usize;
    while !scaled.is_integer() {
        if places >= 30 {
            return None;
        }
        scaled *= num_rational::BigRational::from_integer(ten.clone());
        places += 1;
    }
    let digits = scaled.to_integer().to_string();
    let text = if places == 0 {
        digits
    } else {
        let padded = format!("{digits:0>width$}", width = places + 1);
        let (int, frac) = padded.split_at(padded.len() - places);
        format!("{int}.{frac}")
    };
    let literal = mk(ExprKind::Number(text));
    Some(if v.is_negative() && !v.is_zero() { neg(literal) } else { literal })
}

fn shift(mut d: Diagnostic, offset: usize, len: usize) -> Diagnostic {
    let at = |x: usize| x.saturating_sub(offset).min(len);
    d.span = Span::new(at(d.span.start), at(d.span.end));
    d.labels.clear();
    d
}

/// The check of a generated text: its derivations' results, or why it could not be checked. As
/// `check` runs it, on a thread with the checker's stack, without the search of repairs (a
/// generated step that is wrong is a bug, never an answer).
fn checked(text: &str, options: &CheckOptions) -> Result<Vec<crate::check::DerivationResult>, String> {
    let (model, errors) = crate::model::model_of(text);
    if !errors.is_empty() {
        let messages: Vec<String> = errors.iter().map(|d| d.message.clone()).collect();
        return Err(format!("the generated derivation has errors: {}", messages.join("; ")));
    }
    let options = CheckOptions { repair: false, ..options.clone() };
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(crate::check::CHECK_STACK_BYTES)
            .spawn_scoped(scope, || crate::check::check_model(&model, &options));
        worker.ok().and_then(|h| h.join().ok())
    })
    .ok_or_else(|| "internal error while checking the generated derivation".to_string())
}

/// The model of a file: its declarations and the comments before its first derivation.
fn model_lines(source: &str) -> String {
    let (lines, _) = parse_lines(source);
    let mut out = String::new();
    let mut seen_derivation = false;
    let mut last_end: Option<usize> = None;
    for line in lines {
        match &line.statement {
            Some(Statement::Derive(_)) | Some(Statement::Step(..)) => {
                seen_derivation = true;
                continue;
            }
            None if seen_derivation => continue,
            _ => {}
        }
        if let Some(end) = last_end {
            if source[end..line.span.start].matches('\n').count() > 1 {
                out.push('\n');
            }
        }
        out.push_str(&source[line.span.range()]);
        out.push('\n');
        last_end = Some(line.span.end);
    }
    out
}

/// `source` with the lines of its derivations blanked to spaces (every offset kept): the model
/// `derive` reads, resolved with the places of the file.
fn without_derivations(source: &str) -> String {
    let (lines, _) = parse_lines(source);
    let mut bytes = source.as_bytes().to_vec();
    for line in lines {
        if let Some(Statement::Derive(_) | Statement::Step(..)) = line.statement {
            for b in &mut bytes[line.span.range()] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
    }
    // Whole characters were blanked, so the text is still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| source.to_string())
}

/// Whom the steps are proposed for: `derive`, which checks them and searches for the shortest
/// answer, or `localise`, which takes factors from the unchecked forms (`worked_forms`) and whose
/// repairs of a builtin with a parameter (`smooth_l1(x, b)`) stay those of its own rules: it gets
/// no forms through such a builtin's formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Derive,
    Localise,
}

/// Proposed steps that the checker did not prove, each with its verdict.
type Dropped = Vec<(Proposal, Verdict)>;

/// One proposed step: the expression and its note.
struct Proposal {
    expr: Expr,
    note: String,
}

/// The steps a teacher would write, before they are checked.
fn propose(model: &Families, head: &Expr, fresh: &mut Fresh, purpose: Purpose) -> Result<Vec<Proposal>, String> {
    let mut steps: Vec<Proposal> = Vec::new();
    let mut current = head.clone();
    for _ in 0..MAX_LAYERS {
        let mut notes = BTreeSet::new();
        let next = resolve_layer(model, &current, fresh, &mut notes, &tree::free_names(&current), purpose)?;
        if text(&next) == text(&current) {
            break;
        }
        let mut tidy = Simplifier::light(model);
        let next = tidy.simplify(&next);
        notes.extend(tidy.rules.iter().map(|r| r.to_string()));
        let note = note_text(notes);
        current = next.clone();
        steps.push(Proposal { expr: next, note });
    }
    if has_resolvable(model, &current, purpose) {
        return Err("the chain rule does not end (more layers than the generator follows)".into());
    }
    let mut rules = BTreeSet::new();
    let special = special_forms(&current, &mut rules);
    let mut tidy = Simplifier::light(model);
    let special = tidy.simplify(&special);
    push_if_new(&mut steps, &current, special.clone(), &rules.iter().map(|r| r.to_string()).collect());
    // The file's definitions folded in and the result simplified, until nothing changes.
    let mut e = special;
    for _ in 0..4 {
        let mut used = BTreeSet::new();
        let abbreviated = abbreviate(&e, model, head, &mut used);
        let mut simplifier = Simplifier::new(model);
        let next = simplifier.simplify(&abbreviated);
        if text(&next) == text(&e) {
            break;
        }
        let mut note: BTreeSet<String> = simplifier.rules.iter().map(|r| r.to_string()).collect();
        note_definitions(used, &mut note);
        push_if_new(&mut steps, &e, next.clone(), &note);
        e = next;
    }
    if purpose == Purpose::Localise {
        return Ok(steps);
    }
    // The shortest form by equality saturation: common factors pulled out of the terms; or, if
    // shorter, the answer multiplied out with like terms collected (and factors pulled out again).
    let short = extract::shortest(&e);
    let (best, rule) = match (short, extract::expanded(&e)) {
        (Some(s), Some(x)) if extract::written_length(&x) < extract::written_length(&s) => {
            (Some(x), "multiplied out; like terms collected")
        }
        (None, Some(x)) => (Some(x), "multiplied out; like terms collected"),
        (s, _) => (s, "common factors pulled out"),
    };
    if let Some(best) = best {
        push_if_new(&mut steps, &e, best, &BTreeSet::from([rule.to_string()]));
    }
    if steps.is_empty() {
        return Err("nothing to derive: the goal has no derivative to work out".into());
    }
    Ok(steps)
}

/// Adds to a step's note the definitions folded in (`used`), and the assumption if it was used.
fn note_definitions(mut used: BTreeSet<String>, note: &mut BTreeSet<String>) {
    if used.remove("the assumption") {
        note.insert("the assumption".to_string());
    }
    if !used.is_empty() {
        note.insert(format!("definitions of {}", used.into_iter().collect::<Vec<_>>().join(", ")));
    }
}

/// A step's note: the definitions used first, then the rules.
fn note_text(rules: BTreeSet<String>) -> String {
    let (mut first, rest): (Vec<String>, Vec<String>) =
        rules.into_iter().partition(|r| r.starts_with("definition") || r.starts_with("chain rule:"));
    first.extend(rest);
    first.join("; ")
}

fn push_if_new(steps: &mut Vec<Proposal>, before: &Expr, after: Expr, rules: &BTreeSet<String>) {
    let last = steps.last().map_or_else(|| text(before), |s| text(&s.expr));
    if text(&after) != last {
        let note = note_text(rules.clone());
        steps.push(Proposal { expr: after, note });
    }
}

/// Whether a derivative in `e` can still be worked out.
fn has_resolvable(model: &Families, e: &Expr, purpose: Purpose) -> bool {
    let mut fresh = Fresh::default();
    let mut notes = BTreeSet::new();
    resolve_layer(model, e, &mut fresh, &mut notes, &tree::free_names(e), purpose)
        .is_ok_and(|next| text(&next) != text(e))
}

/// Why a derivative by several variables (`diff(f, x, x)`, `diff(f, x, y)`) is not worked out:
/// the generator takes first derivatives, one variable at a time.
fn several_variables(wrt: &[crate::syntax::ast::VarRef]) -> String {
    let names: Vec<String> = wrt.iter().map(|r| text(&tree::reference(r))).collect();
    if names.windows(2).all(|w| w[0] == w[1]) {
        format!(
            "a derivative of order {} (by `{}` {} times): derive works out first derivatives only; derive \
             `diff(…, {})` and then the derivative of its answer",
            names.len(),
            names[0],
            names.len(),
            names[0]
        )
    } else {
        format!(
            "a mixed derivative (by `{}`): derive works out derivatives by one variable at a time; derive by `{}` \
             and then the derivative of its answer by the next",
            names.join("`, `"),
            names[0]
        )
    }
}

/// Why a name with the subscripts it was written with is no family of the model: an element of a
/// whole array (`W[j,k]` for `var W: m x n`), which the generator works with only as a whole, or
/// a name the model does not have (or has with other subscripts).
fn not_a_family(model: &Families, name: &str) -> String {
    match model.declared_shapes.get(name) {
        Some(dims) => format!(
            "`{name}` is a whole array ({}): derive works with it as a whole — ask for the gradient in \
             matrix form (`diff(L, {name})`), whose element (j, k) is the derivative by `{name}[j,k]`, or \
             write the model in index notation (`var {name}[…]`) to derive one element",
            dims.join(" x ")
        ),
        None => match model.fams.iter().find(|f| f.name == name) {
            // A family written without its subscripts (`w` for `var w[i]`), or with others.
            // A node defined whole (`let Z = X * Wᵀ`) asked for by an element: its gradient is
            // the whole array (an instructor read "`Z` is declared `Z`: write it with its
            // subscripts (`Z`)").
            Some(family) if family.slots.is_empty() => format!(
                "`{name}` is defined as a whole array: derive works with it as a whole — ask for the gradient in \
                 matrix form (`diff(L, {name})`), whose element (j, k) is the derivative by `{name}[j,k]`, or \
                 define it in index notation (`let {name}[…] = …`) to derive one element"
            ),
            Some(family) => {
                let slots: Vec<&str> = family
                    .slots
                    .iter()
                    .map(|slot| match slot {
                        rules::SlotPat::Range(index) | rules::SlotPat::Label(index) => index.as_str(),
                    })
                    .collect();
                let declared = if slots.is_empty() { name.to_string() } else { format!("{name}[{}]", slots.join(",")) };
                format!(
                    "`{name}` is declared `{declared}`: write it with its subscripts (`{declared}`), one entry at \
                     a time, or declare it with a shape (`var {name}: n`) to derive by the whole vector"
                )
            }
            None => format!("`{name}` is not a variable or node of the model (with these subscripts)"),
        },
    }
}

/// Every derivative in `e` worked out one layer: through a node's definition (with the chain rule
/// through the nodes it reads), or through the dependencies of an unknown node. A derivative of an
/// unknown node by one of its own dependencies is where it stops.
///
/// `avoid` holds the names free in the whole step and the indices bound around `e`: a definition's
/// body put in renames its own bound indices away from them, so that no `sum(i, …)` stands beside
/// a free `i` or inside another `sum(i, …)`.
fn resolve_layer(
    model: &Families,
    e: &Expr,
    fresh: &mut Fresh,
    notes: &mut BTreeSet<String>,
    avoid: &BTreeSet<String>,
    purpose: Purpose,
) -> Result<Expr, String> {
    let ExprKind::Diff { body, wrt } = &e.kind else {
        let inner;
        let avoid = match &e.kind {
            ExprKind::Big { binder, .. } if !avoid.contains(&binder.name) => {
                inner = avoid.iter().cloned().chain([binder.name.clone()]).collect::<BTreeSet<_>>();
                &inner
            }
            _ => avoid,
        };
        let mut failure = None;
        let out = simplify::map_children(e, &mut |c| match resolve_layer(model, c, fresh, notes, avoid, purpose) {
            Ok(x) => x,
            Err(why) => {
                failure.get_or_insert(why);
                c.clone()
            }
        });
        return match failure {
            Some(why) => Err(why),
            None => Ok(out),
        };
    };
    let [x] = wrt.as_slice() else { return Err(several_variables(wrt)) };
    let fam_x = model.family_of(&x.name.name, &x.subscripts).ok_or_else(|| not_a_family(model, &x.name.name))?;
    let target = Target { r: x.clone(), fam: fam_x };
    let reference = match &body.kind {
        ExprKind::Name(n) => Some((n.clone(), Vec::new())),
        ExprKind::Indexed(n, subs) => Some((n.clone(), subs.clone())),
        _ => None,
    };
    let formulas = purpose == Purpose::Derive;
    let mut deriver = Deriver { model, target, fresh, rules: BTreeSet::new(), formulas };
    let Some((name, subs)) = reference else {
        let out = deriver.d(body)?;
        notes.extend(deriver.rules);
        return Ok(out);
    };
    let Some(fam) = model.family_of(&name.name, &subs) else { return Err(not_a_family(model, &name.name)) };
    let written = text(body);
    match &model.fams[fam].kind {
        _ if fam == fam_x => Ok(deriver.d(body)?),
        Kind::Input => Ok(integer(0)),
        Kind::Defined(_) => {
            let instance =
                model.instantiate(fam, &subs, avoid, deriver.fresh).ok_or("a definition could not be used")?;
            let out = deriver.d(&instance)?;
            notes.insert(format!("definition of {written}"));
            notes.extend(deriver.rules);
            Ok(out)
        }
        Kind::Unknown(deps) => {
            let direct = deps.iter().any(|d| model.family_of(&d.name.name, &d.subscripts) == Some(fam_x));
            if direct || !model.reach[fam][fam_x] {
                return Ok(if model.reach[fam][fam_x] { e.clone() } else { integer(0) });
            }
            // The chain rule through every dependency that depends on the target: a sum over the
            // dependency's range indices where the node reads a whole family. A dependency computed
            // from another that depends on the target (`h[j,t]` from `c[j,t]`, both read by `E`)
            // is left out where the target reaches it only through that one: `∂E/∂c[j,t]` moves
            // `h[j,t]` too (§3.3), so the path through both would count twice (a tester's finding:
            // every LSTM gate but the output gate failed, "please report this model").
            let on_target: Vec<usize> = deps
                .iter()
                .filter_map(|d| model.family_of(&d.name.name, &d.subscripts))
                .filter(|&f| model.reach[f][fam_x])
                .collect();
            let mut out = integer(0);
            for dep in deps {
                let Some(fam_d) = model.family_of(&dep.name.name, &dep.subscripts) else { continue };
                if !model.reach[fam_d][fam_x] {
                    continue;
                }
                let upstream: Vec<usize> =
                    on_target.iter().copied().filter(|&g| g != fam_d && model.reach[fam_d][g]).collect();
                if !upstream.is_empty() {
                    // (Only where the node reads the upstream families whole, at range indices:
                    // `∂E/∂c[1]` moves the part of `h` that reads `c[1]`, not what it reads of
                    // `c[2]`; an adversarial tester's finding.)
                    let whole = deps
                        .iter()
                        .filter(|d| model.family_of(&d.name.name, &d.subscripts).is_some_and(|f| upstream.contains(&f)))
                        .all(|d| {
                            let Some(f) = model.family_of(&d.name.name, &d.subscripts) else { return false };
                            // Each range slot at an index of its own range, no index twice (a
                            // reviewer: `c[m]` over another range, `c[k,k]`).
                            let range = |n: &str| {
                                model.indices.get(n).map(|r| format!("{}..{}", r.lo.written(), r.hi.written()))
                            };
                            let mut used: Vec<&str> = Vec::new();
                            model.fams[f].slots.iter().zip(&d.subscripts).all(|(slot, sub)| match slot {
                                rules::SlotPat::Range(declared) => single_name(sub).is_some_and(|n| {
                                    let fresh = !used.contains(&n);
                                    used.push(n);
                                    fresh && range(n).is_some() && range(n) == range(declared)
                                }),
                                _ => true,
                            })
                        });
                    if whole && !model.reaches_avoiding(fam_d, fam_x, &upstream) {
                        continue;
                    }
                    let names: Vec<String> = deps
                        .iter()
                        .filter(|d| model.family_of(&d.name.name, &d.subscripts).is_some_and(|f| upstream.contains(&f)))
                        .map(|d| format!("`{}`", text(&tree::reference(d))))
                        .collect();
                    return Err(format!(
                        "{written} depends on `{d}` and on {up}, and `{d}` is computed from {up}; the goal reaches `{d}` also \
                         otherwise, so the chain rule through these dependencies would count the path through {up} \
                         twice: declare `{e}` with dependencies none of which is computed from another",
                        d = text(&tree::reference(dep)),
                        up = names.join(", "),
                        e = name.name
                    ));
                }
                let mut subs = dep.subscripts.clone();
                let mut binders = Vec::new();
                for (slot, sub) in model.fams[fam_d].slots.iter().zip(subs.iter_mut()) {
                    let rules::SlotPat::Range(_) = slot else { continue };
                    let Some(index) = single_name(sub).filter(|n| model.indices.contains_key(*n)).map(str::to_string)
                    else {
                        continue;
                    };
                    let clash = x.subscripts.iter().any(|s| index_mentions(s, &index)) || mentions(e, &index);
                    let (binder, range) = if clash {
                        (deriver.fresh.name(&index), Some(model.indices[&index].clone()))
                    } else {
                        (index.clone(), None)
                    };
                    *sub = index_name(&binder);
                    binders.push((binder, range));
                }
                let dep_ref = var_ref(&dep.name.name, subs);
                let mut term =
                    mul(diff(body.as_ref().clone(), dep_ref.clone()), diff(tree::reference(&dep_ref), x.clone()));
                for (binder, range) in binders.into_iter().rev() {
                    term = sum(&binder, range.map(Box::new), term);
                }
                notes.insert(format!("chain rule: {written} depends on {}", text(&tree::reference(&dep_ref))));
                out = add(out, term);
            }
            Ok(out)
        }
    }
}

/// Checks the proposed steps with the unchanged checker and keeps the ones it proves: a step that
/// is not proved is dropped, until every step left is proved. The last step (the answer) must be.
/// Also returns the steps dropped after the last one kept, with their verdicts, in order.
fn verify(
    model_text: &str,
    title: &str,
    head: &Expr,
    mut steps: Vec<Proposal>,
    options: &CheckOptions,
) -> Result<(Vec<Proposal>, Dropped), DeriveError> {
    // Each step's place among the proposals, so that the steps dropped after the answer are known.
    let mut places: Vec<usize> = (0..steps.len()).collect();
    let mut dropped: Vec<(usize, Proposal, Verdict)> = Vec::new();
    loop {
        let text = assemble(model_text, title, head, &steps);
        let results = checked(&text, options).map_err(DeriveError::Failed)?;
        let Some(result) = results.last() else {
            return Err(DeriveError::Failed("the generated derivation was not checked".into()));
        };
        let Some(bad) = result.steps.iter().position(|s| s.verdict != Verdict::Proved) else {
            let last = places.last().copied().unwrap_or(0);
            dropped.retain(|(place, ..)| *place > last);
            dropped.sort_by_key(|(place, ..)| *place);
            return Ok((steps, dropped.into_iter().map(|(_, p, v)| (p, v)).collect()));
        };
        let step = &result.steps[bad];
        // (The first step: the value undefined is the goal's, not a generated step's.)
        if bad == 0
            && step.verdict == Verdict::Wrong
            && step.cause == Some(crate::check::Cause::DomainMismatch)
            && step.counterexample.as_ref().is_some_and(|c| c.left.is_none())
        {
            // The model itself is undefined at some inputs its declarations allow (an
            // instructor: `log(rho / rh)` with `rh` unrestricted was "please report this model").
            let at = step.counterexample.as_ref().map_or_else(String::new, |c| {
                let mut parts = c.place();
                parts.extend(c.inputs.iter().map(|(k, v)| format!("{k} = {}", crate::check::significant(*v, 6))));
                format!("at {}", parts.join(", "))
            });
            return Err(DeriveError::Failed(format!(
                "the goal is undefined at some inputs the model allows ({at}): a `log`, a root or a division of a \
                 value that may be negative or 0; declare the inputs' domains (`var p in (0, 1)`, `var s > 0`)"
            )));
        }
        if !result.steps[bad].holds && result.steps[bad].verdict == Verdict::Wrong {
            // A generated step that is wrong is a bug of the generator, never an answer.
            return Err(DeriveError::Failed(format!(
                "the generator proposed a wrong step `{}` ({}); please report this model",
                expr_to_string(&steps[bad].expr, Spelling::Canonical),
                result.steps[bad].detail
            )));
        }
        if steps.len() == 1 {
            // What an instructor can do about it (an instructor: "no step could be proved" said
            // neither what was missing nor what to try).
            let why = match result.steps[0].verdict {
                // (`--prove-work` only where the prover met that limit: docs/derive.md.)
                Verdict::Checked if result.steps[0].prover_out_of_work => {
                    "the numbers agree with it at every sample, but the prover gave up before it showed it equal \
                     to the goal: raise `--prove-work`, or write the derivation by hand from this answer and \
                     `check` it"
                }
                // (A kink first where the answer has one: an instructor's hinge GAN and maxout were
                // told of sums and powers they did not have.)
                // (A call's name is a whole word: `softmax(` holds no `max(`, a reviewer.)
                Verdict::Checked
                    if expr_to_string(&steps[0].expr, Spelling::Canonical)
                        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '('))
                        .any(|w| {
                            ["relu(", "abs(", "step(", "sign(", "max(", "min(", "hardtanh(", "clamp("]
                                .iter()
                                .any(|k| w.starts_with(k))
                        }) =>
                {
                    "the numbers agree with it at every sample, but the prover has no rule that shows it equal \
                     to the goal: most likely a kink (`relu`, `abs`, `max`, `step`) whose derivative it states \
                     only where it can show the kink's argument is 0 at isolated inputs alone (a polynomial of \
                     the inputs, or an analytic function of one; docs/language.md, \"What it does not know\"); \
                     write the derivation by hand from this answer and `check` it"
                }
                Verdict::Checked => {
                    // (Said as what it may be, not as what it is: a two-step GRU was told of sums
                    // and powers it did not have, Gumbel noise to declare the domain it had: an
                    // instructor.)
                    "the numbers agree with it at every sample, but the prover has no rule that shows it equal \
                     to the goal (docs/language.md, \"What it does not know\", lists what it lacks, such as \
                     products of two sums over one index and signs it cannot show); write the derivation by \
                     hand from this answer and `check` it, or, where an input's domain is narrower than the \
                     model declares, declare it (`var p in (0, 1)` for a probability, `var x > 0` for the base \
                     of a power)"
                }
                // Why the check could not decide, where it says (an instructor: a derivative at a
                // kink at the model's numbers was told "raise `--prove-work`", which cannot help).
                _ => {
                    let detail = &result.steps[0].detail;
                    let limit = ["work", "limit", "budget"].iter().any(|w| detail.contains(w));
                    return Err(DeriveError::Failed(format!(
                        "no step could be proved: `{}` is {} ({detail}); {}",
                        expr_to_string(&steps[0].expr, Spelling::Canonical),
                        result.steps[0].verdict.name(),
                        if limit || detail.is_empty() {
                            "raise `--prove-work`, or write the derivation by hand and `check` it"
                        } else {
                            "write the derivation by hand and `check` it"
                        }
                    )));
                }
            };
            return Err(DeriveError::Failed(format!(
                "no step could be proved: `{}` is {}; {why}",
                expr_to_string(&steps[0].expr, Spelling::Canonical),
                result.steps[0].verdict.name()
            )));
        }
        // Drop the unproved step: its neighbours then have to be proved equal directly. An
        // unproved answer is dropped too, so the answer is the last form that is proved.
        let drop = bad;
        let removed = steps.remove(drop);
        if let Some(next) = steps.get_mut(drop) {
            if next.note.is_empty() {
                next.note = removed.note.clone();
            } else if !removed.note.is_empty() && !next.note.contains(&removed.note) {
                next.note = format!("{}; {}", removed.note, next.note);
            }
        }
        dropped.push((places.remove(drop), removed, result.steps[bad].verdict));
    }
}

/// The `.deriv` text of the model and the derivation.
fn assemble(model_text: &str, title: &str, head: &Expr, steps: &[Proposal]) -> String {
    let mut out = model_text.to_string();
    out.push_str(&format!("\nderive \"{}\" {}\n", title.replace('"', "'"), expr_to_string(head, Spelling::Canonical)));
    for step in steps {
        out.push_str("  = ");
        out.push_str(&expr_to_string(&step.expr, Spelling::Canonical));
        if !step.note.is_empty() {
            out.push_str("  # ");
            out.push_str(&step.note.replace('\n', " "));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model of `source` and the head of its derivation.
    fn model_and_head(source: &str) -> (Families, Expr) {
        let (file, errors) = parse_file(source);
        assert!(errors.is_empty(), "{errors:?}");
        let head =
            file.items.iter().find_map(|i| if let Item::Derivation(d) = i { Some(d.head.clone()) } else { None });
        (Families::of(&file), head.expect("a derivation"))
    }

    fn leftover(source: &str) -> Option<String> {
        let (model, head) = model_and_head(source);
        leftover_derivative(&model, &head).map(|e| text(&e))
    }

    #[test]
    fn only_derivatives_of_unknown_nodes_by_their_dependencies_are_answers() {
        let model = "var W: m x d, x: d, h: m\nlet z1 = W * x\nlet L = dot(z1, z1)\nunknown E depends on h\n";
        assert_eq!(leftover(&format!("{model}derive ∂L/∂z1 * x^T + ∂E/∂h\n  = 0\n")).as_deref(), Some("∂L/∂z1"));
        assert_eq!(leftover(&format!("{model}derive 2 * ∂E/∂h\n  = 0\n")), None);
        // An unknown node by what it reaches only through others can be worked out further.
        let model = "index c in 1..D\nvar x, s[c]\nlet u = x * s[1]\nunknown E depends on u\n";
        assert_eq!(leftover(&format!("{model}derive ∂E/∂u * s[1]\n  = 0\n")), None);
        assert_eq!(leftover(&format!("{model}derive ∂E/∂x\n  = 0\n")).as_deref(), Some("∂E/∂x"));
        assert_eq!(
            leftover(&format!("{model}derive diff(sigmoid(x), x)\n  = 0\n")).as_deref(),
            Some("diff(sigmoid(x), x)")
        );
    }

    /// A `sum` in `e` whose bound index is free in the step (`free`) or bound around it.
    fn shadowing(e: &Expr, bound: &mut Vec<String>, free: &BTreeSet<String>) -> Option<String> {
        if let ExprKind::Big { binder, body, .. } = &e.kind {
            if free.contains(&binder.name) || bound.contains(&binder.name) {
                return Some(text(e));
            }
            bound.push(binder.name.clone());
            let found = shadowing(body, bound, free);
            bound.pop();
            return found;
        }
        let mut found = None;
        simplify::map_children(e, &mut |c| {
            if found.is_none() {
                found = shadowing(c, bound, free);
            }
            c.clone()
        });
        found
    }

    #[test]
    fn no_step_binds_an_index_that_is_free_in_it_or_bound_around_it() {
        // The bodies of `mu`, `v` and `f[j]` bind `i` and `l`, which the goals have free.
        for (source, goals) in [
            (include_str!("../../tests/derive/layer_norm.deriv"), &["diff(xh[i], x[j])", "diff(E, x[j])"][..]),
            (include_str!("../../tests/derive/lstm_cell.deriv"), &["diff(E, Uf[j,l])", "diff(E, Wi[j,k])"][..]),
        ] {
            for goal in goals {
                let derived = derive(source, goal, None, &CheckOptions::default()).expect("derived");
                let (file, errors) = parse_file(&derived.text);
                assert!(errors.is_empty(), "{errors:?}");
                let Some(Item::Derivation(d)) = file.items.last() else { panic!("no derivation") };
                for step in &d.steps {
                    let mut free = tree::free_names(&step.expr);
                    free.extend(tree::free_names(&d.head));
                    let clash = shadowing(&step.expr, &mut Vec::new(), &free);
                    assert!(clash.is_none(), "{goal}: `{}` in\n{}", clash.unwrap_or_default(), derived.text);
                }
            }
        }
    }
}
