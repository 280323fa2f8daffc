//! Localising the mistake of a wrong step: the smallest change of the step, among those typical
//! mistakes call for, that makes it follow from the step before — "replacing `s[c,t]` by
//! `s[c,t-1]` makes this step follow from the one before". The changes are made on the syntax
//! tree (`candidates`), so that they are said in the student's own notation, and every change is
//! checked by the checker itself: a repair is only ever reported with the verdict `proved` or
//! `checked` that `check` gives the changed step, with the same options and seed.
//!
//! The search runs after the check and changes no verdict. It has a budget of work of its own,
//! so it is deterministic and bounded; where it finds nothing that verifies, the step has no
//! repair and the report says so.
//!
//! How: for every wrong step of a derivation (each derivation's are searched apart from the
//! others', so that what is found depends on the declarations and that derivation alone), the
//! candidates become derivations `derive BEFORE = CHANGED` of one file with the original
//! declarations, resolved once (a candidate that does not resolve,
//! e.g. a transpose of the wrong shape, drops out). The numbers screen them all at once: per wrong
//! step, one derivation whose head is the step before and whose steps are the candidates, where a
//! step that `holds` equals the step before at every sample. The survivors are then checked one by
//! one, in the order of their rank, as `derive BEFORE = CHANGED` with the full options, until one
//! is `proved` or `checked`.

mod candidates;

use std::collections::HashMap;

use crate::check::{
    check_model, screen_against_head, screened, Cause, CheckOptions, Constant, DerivationResult, Fraction, Repair,
    RepairKind, Verdict,
};
use crate::model::{resolve, Derivation, Model};
use crate::syntax::ast::{self, Item};
use crate::syntax::print::{expr_to_string, Spelling};
use crate::syntax::shift::MapSpans;
use crate::work::{self, Budget};
use candidates::{candidates, chain_factors, nodes_of, Candidate, Hints, Known};

/// The budget of work of the search in one derivation, for the screening and for each round of
/// verification: past it, what is not yet verified is not reported.
pub const LOCALISE_WORK: u64 = 40_000_000;

/// The budget of work of the screen of one wrong step's candidates (a scalar step of the course
/// corpus takes about 0.1 million units; a step with matrix derivatives can take a hundred times
/// more): past it, the candidates not yet evaluated, the last in rank, are not tried.
const SCREEN_WORK: u64 = 1_000_000;

/// How many screens (each at another seed, of the survivors of the one before) a candidate must
/// pass before it is checked in full.
const SCREENS: u64 = 3;

/// How many of a step's screened candidates are checked in full, in the order of their rank,
/// before the search gives up on the step.
const MAX_VERIFIED: usize = 3;

/// A wrong step and the changes tried on it.
struct Wrong<'a> {
    /// Which result and step.
    derivation: usize,
    step: usize,
    before: &'a ast::Expr,
    candidates: Vec<Candidate>,
    /// The resolved derivation `derive BEFORE = CHANGED` of each candidate that resolved, by
    /// candidate.
    resolved: Vec<Option<usize>>,
    /// The step before, resolved, and its shape: the head of every candidate's derivation (kept
    /// here once, not copied into each).
    head: Option<(crate::model::Expr, crate::model::Shape)>,
    /// The builtin calls differentiated, with their derivatives (see [`Hints`]).
    derivatives: Vec<(ast::Expr, ast::Expr)>,
    /// Where the screens draw their samples: from the step and the step before as written, so
    /// that the wrong steps of one file (of one derivation, or of several, each searched alone)
    /// are screened at draws of their own, and one unlucky draw (where `step(-x)` is 0, every
    /// change of its factors agrees) does not repeat in all of them.
    draws: usize,
}

/// Searches a repair for every wrong step of `results` (the check of `model`, resolved from
/// `file`, the syntax tree of `source`) and records it in the step.
pub fn localise(
    source: &str,
    file: &ast::File,
    model: &Model,
    results: &mut [DerivationResult],
    options: &CheckOptions,
) {
    localise_only(source, file, model, results, options, |_| true);
}

/// [`localise`] for the derivations `only` accepts (by their index in `results`). Each
/// derivation's wrong steps are searched on their own, with a budget of their own: what is found
/// for one depends on the file's declarations and that derivation alone, never on the others
/// (`grade` keeps it by derivation).
pub fn localise_only(
    source: &str,
    file: &ast::File,
    model: &Model,
    results: &mut [DerivationResult],
    options: &CheckOptions,
    only: impl Fn(usize) -> bool,
) {
    let known = known(file);
    let declarations = declarations_digest(file);
    let numbers_free = std::sync::OnceLock::new();
    let syntax: HashMap<_, &ast::Derivation> = file
        .items
        .iter()
        .filter_map(|item| if let Item::Derivation(d) = item { Some((d.span, d)) } else { None })
        .collect();
    let definitions: Vec<&ast::Expr> = file
        .items
        .iter()
        .filter_map(|item| if let Item::Let(defs) = item { Some(defs) } else { None })
        .flatten()
        .map(|d| match d {
            ast::Definition::Node { body, .. } | ast::Definition::Function { body, .. } => body,
        })
        .collect();
    // One search per derivation, independent of the others': the threads share them out, each
    // taking the next derivation with a wrong step (its candidates made and searched there), and
    // what each finds is recorded in the order of the derivations.
    let todo: Vec<usize> = (0..results.len())
        .filter(|&di| only(di) && results[di].steps.iter().any(|s| s.verdict == Verdict::Wrong))
        .collect();
    // Searches side by side check their candidates on their own thread each: a search on a
    // helper that shared its checks with the helpers again would, while it waits for them, take
    // up another search on the same stack (the number of threads changes no result).
    let side_by_side = options.jobs > 1 && todo.len() > 1;
    let inner = if side_by_side { CheckOptions { jobs: 1, ..options.clone() } } else { options.clone() };
    let stop = work::StopFlag::here();
    let found = crate::threads::map_each(&todo, options.jobs, |&di| {
        stop.clone().run(|| {
            let Some(m) = model.derivations.get(di) else { return Vec::new() };
            let Some(d) = syntax.get(&m.span) else { return Vec::new() };
            // A derivation of numbers alone (`diff(L, theta1)` where L is a number of the sheet) is
            // checked at one point, whatever else the file declares.
            let exprs: Vec<&crate::model::Expr> =
                std::iter::once(&m.head).chain(m.steps.iter().map(|s| &s.expr)).collect();
            let numbers_only = !reads_input(model, &exprs);
            let mut wrong = wrong_steps(file, &declarations, &definitions, &known, numbers_only, di, d, &results[di]);
            if wrong.is_empty() {
                return Vec::new();
            }
            if !numbers_only && known.inputs {
                return search(source, file, &syntax, model, &inner, &mut wrong);
            }
            // In numbers alone, a change that holds only because the sheet's numbers agree (`yy`
            // where `x1` is needed, where yy = 2 x1; a factor `theta0` that is 0.5) explains
            // nothing. The changes are searched first with the sheet's numbers set free, where what
            // holds holds for a reason (and so at the sheet's numbers too); where none does, a change
            // of numbers and signs alone (the step's names kept: `0.8` put in `0.5 * (2 + 4)`, a
            // sign of `- 0.94 / sqrt(284.36)`) at the sheet's numbers, where what is put in is made
            // of the numbers the step before reads (`0.8` is `mo`'s; a factor `4` that no number of
            // the sheet is, is a coincidence). A factor of the whole step is not one: the likely
            // cause says so already.
            let free = numbers_free.get_or_init(|| numbers_set_free(file, model));
            let mut found = search(source, free, &syntax, model, &inner, &mut wrong);
            let mut numbers: Vec<Wrong> = wrong
                .into_iter()
                .zip(&found)
                .filter(|(_, f)| f.repair.is_none())
                .filter_map(|(mut w, _)| {
                    let names = names_of(&d.steps[w.step].expr);
                    let sheet = numbers_read(file, w.before);
                    // A function the step before applies may come back (`sqrt(0.08)` where the root
                    // of `sqrt(G0 + g0^2)` was dropped).
                    let applied: Vec<String> = nodes_of(w.before)
                        .into_iter()
                        .filter_map(|n| match &n.kind {
                            ast::ExprKind::Call { func, primes: 0, .. } => Some(func.name.clone()),
                            _ => None,
                        })
                        .collect();
                    let unapplied = |names: &[String]| -> Vec<String> {
                        names.iter().filter(|n| !applied.contains(n)).cloned().collect()
                    };
                    let had = unapplied(&names);
                    let same_names = |c: &Candidate| {
                        let changed = names_of(&c.step);
                        if c.kind == RepairKind::Function && changed.len() > names.len() {
                            return unapplied(&changed) == had;
                        }
                        changed == names
                    };
                    w.candidates.retain(|c| {
                        let added = matches!(
                            c.kind,
                            RepairKind::MissingFactor | RepairKind::ConstantFactor | RepairKind::MissingTerm
                        );
                        !(c.kind == RepairKind::ConstantFactor && c.culprit.is_none())
                            && same_names(c)
                            && (!added || numbers_in_text(&c.replacement).iter().all(|v| sheet.contains(&v.to_bits())))
                    });
                    (!w.candidates.is_empty()).then_some(w)
                })
                .collect();
            if !numbers.is_empty() {
                for more in search(source, file, &syntax, model, &inner, &mut numbers) {
                    if let Some(f) = found.iter_mut().find(|f| (f.derivation, f.step) == (more.derivation, more.step)) {
                        f.repair = more.repair;
                    }
                }
            }
            found
        })
    });
    for f in found.into_iter().flatten() {
        let step = &mut results[f.derivation].steps[f.step];
        step.repairs_tried = f.tried;
        if f.repair.is_some() {
            step.repair = f.repair;
        }
        if step.repair.as_ref().is_some_and(|r| cause_says_less(model, r, step)) {
            step.cause = None;
        }
    }
}

/// Whether a verified repair of another kind says what the mistake is better than the step's
/// likely cause: "differs only when K ≥ 2 (an index or sum mistake, …)" or "not defined for the
/// same inputs" at sizes of 1 would be read first, and mislead (`(R + b)` for `(R - b)`, `ε/(K -
/// 1)` for `ε/K`: a student tester's F05, F06). Not where the change is of an index, a sum or a
/// name, or puts in or takes out a size or an index (`1/N` of a mean, `delta(i, j)` for `1`,
/// which vanish or agree at size 1).
fn cause_says_less(model: &Model, repair: &Repair, step: &crate::check::StepResult) -> bool {
    // A derivative by a node that what it differentiates does not read may be a right 0 (a chain
    // rule over every node has such terms): where a change makes the step follow, that change is
    // the mistake (a second reviewer: the cause blamed `diff(r^2, q)`, the repair `w` for `x`).
    if matches!(step.cause, Some(Cause::NotComputedFrom { .. })) {
        return true;
    }
    let sized = match &step.cause {
        Some(Cause::LargerSizes { .. }) => true,
        Some(Cause::DomainMismatch) => {
            step.counterexample.as_ref().is_some_and(|c| !c.sizes.is_empty() && c.sizes.values().all(|&v| v == 1))
        }
        _ => false,
    };
    let of_indices = matches!(
        repair.kind,
        RepairKind::Index | RepairKind::MissingSum | RepairKind::ExtraSum | RepairKind::Name | RepairKind::Transpose
    );
    // (A change of a term's sign, a derivative or a power changes neither a size nor an index,
    // whatever the term it quotes holds: a layer norm's term `y[j] * sum(i, …) / n` with its sign
    // slipped was told "differs only when n ≥ 2 (an index or sum mistake …)", a student tester.)
    let keeps_sizes = matches!(
        repair.kind,
        RepairKind::Sign | RepairKind::Derivative | RepairKind::WrongDerivative | RepairKind::Power
    );
    let names_a_size_or_index = !keeps_sizes
        && [&repair.replacement, &repair.culprit_text]
            .into_iter()
            .flat_map(|text| text.split(|c: char| !(c.is_alphanumeric() || c == '_')))
            .any(|w| {
                w == "delta"
                    || model.sizes.iter().any(|s| s == w)
                    || model.indices.iter().any(|i| !i.hidden && i.name == w)
            });
    sized && !of_indices && !names_a_size_or_index
}

/// The wrong steps of derivation `di` (`d` as written, `result` its check) that have candidate
/// changes, with those candidates. Of the check's results, only each step's verdict, cause,
/// `internal_error` and whether it is known to equal the head are read (the key of `grade`'s
/// memo of repairs holds exactly these). `numbers_only`: the derivation reads no input.
#[allow(clippy::too_many_arguments)]
fn wrong_steps<'a>(
    file: &ast::File,
    declarations: &[u8; 32],
    definitions: &[&ast::Expr],
    known: &Known,
    numbers_only: bool,
    di: usize,
    d: &'a ast::Derivation,
    result: &DerivationResult,
) -> Vec<Wrong<'a>> {
    // The forms `derive` works expressions out to, by text (see [`Worked`]).
    let mut worked = Worked { file, declarations, by_text: HashMap::new() };
    let mut wrong = Vec::new();
    for (k, step) in result.steps.iter().enumerate() {
        if step.verdict != Verdict::Wrong || step.internal_error || d.steps.len() != result.steps.len() {
            continue;
        }
        // A step that equals the head again after a wrong one is right where the mistake is
        // earlier: a change that made it follow would carry that mistake on (`s(x) - s(x)^2`
        // after `s(x) (1 + s(x))` is no `+ s(x)^2` away from the answer).
        if step.holds && step.holds_known {
            continue;
        }
        // A `≈` step's literals are rounded: a change that lands within their rounding by
        // coincidence (`-7.39 + 7.39 + 418.2` for `7.39 + 7.39 + 403.4`) would mislead.
        if d.steps[k].relation == ast::Relation::Approx {
            continue;
        }
        let before = d.expr_before(k + 1);
        let hints = hints(definitions, &known.definitions, &d.head, before, &mut worked);
        let mut candidates = candidates(before, &d.steps[k].expr, known, &hints);
        // A part to add that is the whole step before says nothing: "the factor `A - A` is
        // missing" from `0`, or `sum(k in 2..K, y[k])` from `1`, makes the step the one before;
        // nor does a constant factor that is it in numbers alone ("a constant factor
        // `sigmoid(20)` is missing" from `sigmoid(20) = 1`: a student tester; `N` missing from
        // `1` after `N` names the size that was dropped).
        let before_text = crate::syntax::print::expr_to_string(before, crate::syntax::print::Spelling::Canonical);
        // Nor is the head itself put in a part of the step ("`max(…)` where `inew` is needed",
        // `inew` the quantity asked for): true of any wrong step whose other factors are 1, it
        // tells the student to write the answer there (a TA: an ISTA step that dropped a factor
        // was told so). The whole step for the head (`sigmoid(0)` where `sigmoid'(0)` is needed)
        // says what was written instead, and stays.
        let head_text = crate::syntax::print::expr_to_string(&d.head, crate::syntax::print::Spelling::Canonical);
        let whole_step = d.steps[k].expr.span;
        candidates.retain(|c| c.replacement != head_text || c.culprit.is_none_or(|at| at == whole_step));
        // Nor is a derivative of the step before put back as it stands: "the chain-rule factor
        // `diff(max(…), x2)` is missing" from `5` after `5 * diff(max(…), x2)` says the step was
        // to leave it unworked (a student tester's F01, 5 December). Nor a factor put on a step
        // that is 0: `0 * log(y + p)` only takes the domain of the factor, which the cause (the
        // sides defined for other inputs) says already.
        let zero = matches!(&d.steps[k].expr.kind, ast::ExprKind::Number(n) if n.parse::<f64>() == Ok(0.0));
        candidates.retain(|c| !(zero && matches!(c.kind, RepairKind::MissingFactor | RepairKind::MissingChainFactor)));
        candidates.retain(|c| {
            let adds =
                matches!(c.kind, RepairKind::MissingFactor | RepairKind::MissingChainFactor | RepairKind::MissingTerm);
            let whole = c.replacement == before_text;
            let derivative_kept = c.replacement.contains("diff(") && before_text.contains(c.replacement.as_str());
            let constant_whole = c.kind == RepairKind::ConstantFactor && whole && numbers_only;
            // A factor 0 makes any step the 0 before it: "a constant factor `0` is missing" from
            // `1` after a head that is 0 says nothing (a student tester).
            let factor_zero = matches!(c.kind, RepairKind::ConstantFactor | RepairKind::MissingFactor)
                && c.replacement.trim().parse::<f64>() == Ok(0.0);
            !(adds && (whole || derivative_kept)) && !constant_whole && !factor_zero
        });
        // In numbers alone (no input in the model, or none read by this derivation) a change is
        // verified at one point, where many agree by coincidence
        // (`yhat` for `L` where L = 1 turns `2*(2 - yhat)*2` into its negation; a chain-rule
        // factor that is -1): where the cause is a sign or a term, only a change of that kind
        // may say more than the cause does.
        if !known.inputs || numbers_only {
            match step.cause {
                Some(Cause::Sign) => candidates.retain(|c| c.kind == RepairKind::Sign),
                Some(Cause::Offset(_) | Cause::ZeroStep) => {
                    candidates.retain(|c| matches!(c.kind, RepairKind::MissingTerm | RepairKind::ExtraTerm))
                }
                _ => {}
            }
        }
        // A constant factor of the whole step is the likely cause already: the one factor it
        // names is put back first (`1/2` for a step off by a factor of 2), no other.
        if matches!(step.cause, Some(Cause::Factor(_) | Cause::SignAndFactor(_))) {
            candidates.retain(|c| !(c.kind == RepairKind::ConstantFactor && c.culprit.is_none()));
            if let Some(Cause::Factor(Constant::Fraction(f))) = &step.cause {
                // Last in rank: a change that names the factor (a chain-rule factor, an extra `2`
                // written in the step) says more.
                candidates.push(reciprocal_factor(f, &d.steps[k].expr));
            }
        }
        // A constant term of the whole step is the likely cause: that term put back.
        if let Some(Cause::Offset(Constant::Fraction(f))) = &step.cause {
            candidates.push(offset_term(f, &d.steps[k].expr));
        }
        if !candidates.is_empty() {
            let derivatives = hints.derivatives;
            let draws = draws_of(before, &d.steps[k].expr);
            wrong.push(Wrong {
                derivation: di,
                step: k,
                before,
                candidates,
                resolved: Vec::new(),
                head: None,
                derivatives,
                draws,
            });
        }
    }
    wrong
}

/// Whether any of `exprs` reads an input or an unknown (function or node), through the
/// definitions and functions of the model: otherwise each is a number.
pub(crate) fn reads_input(model: &Model, exprs: &[&crate::model::Expr]) -> bool {
    use crate::model::{EntryKind, Expr};
    let mut stack: Vec<&Expr> = exprs.to_vec();
    let mut seen_entries = std::collections::HashSet::new();
    let mut seen_functions = std::collections::HashSet::new();
    while let Some(e) = stack.pop() {
        match e {
            Expr::Unknown(..) | Expr::NodePartial(..) => return true,
            Expr::Entry(r) => match &model.entries[r.entry].kind {
                EntryKind::Input(_) | EntryKind::Unknown(_) => return true,
                EntryKind::Defined(body) => {
                    if seen_entries.insert(r.entry) {
                        stack.push(body);
                    }
                }
            },
            Expr::Apply(f, _, _) if seen_functions.insert(*f) => stack.push(&model.user_functions[*f].body),
            _ => {}
        }
        e.for_each_child(|c| stack.push(c));
    }
    false
}

/// What the search found for one wrong step: how many changes it tried, and the repair that
/// verified, if one did.
struct Found {
    derivation: usize,
    step: usize,
    tried: usize,
    repair: Option<Repair>,
}

/// The search for the repairs of `wrong`, the wrong steps of one derivation: their candidates
/// resolved in one file with the declarations, screened, and the survivors checked in full.
fn search(
    source: &str,
    file: &ast::File,
    syntax: &HashMap<crate::diagnostic::Span, &ast::Derivation>,
    model: &Model,
    options: &CheckOptions,
    wrong: &mut [Wrong],
) -> Vec<Found> {
    let Some(mut tried) = resolve_candidates(file, wrong) else { return Vec::new() };
    // The candidates' derivations, taken out of the model: each screen and round of verification
    // puts its own derivations in their place, and the rest of the model is not copied.
    let mut resolved = std::mem::take(&mut tried.derivations);
    let budget = Budget { work: LOCALISE_WORK, time: options.file_budget.time };
    // Screened at several draws: at one draw alone, a kink or a zero can make many changes agree by
    // coincidence (where `step(w1 * x)` is 0, every change of its other factors does), and
    // those would take the places of the right one among the few checked in full.
    let mut survivors = screen(&mut tried, &mut resolved, wrong, model, options, budget, None);
    for more in 1..SCREENS {
        let again = CheckOptions { seed: options.seed.wrapping_add(more), ..options.clone() };
        survivors = screen(&mut tried, &mut resolved, wrong, model, &again, budget, Some(&survivors));
    }
    let verified = verify(&mut tried, &resolved, wrong, &survivors, model, options, budget);
    let mut out = Vec::with_capacity(wrong.len());
    for (w, found) in wrong.iter().zip(verified) {
        let mut f = Found { derivation: w.derivation, step: w.step, tried: w.candidates.len(), repair: None };
        let Some((i, verdict)) = found else {
            out.push(f);
            continue;
        };
        let c = &w.candidates[i];
        let step = &syntax[&model.derivations[w.derivation].span].steps[w.step].expr;
        // (Only where the step before has a derivative to take: `sigmoid(z) * (1 - sigmoid(z)^2)`
        // after `sigmoid(z) - sigmoid(z)^2` is a slip of algebra, not of the derivative.)
        let takes_derivative = nodes_of(w.before)
            .into_iter()
            .any(|n| matches!(n.kind, ast::ExprKind::Diff { .. } | ast::ExprKind::Call { primes: 1.., .. }));
        let made = if takes_derivative { derivative_made(c, step, &w.derivatives) } else { None };
        let (kind, of) = match made {
            Some(of) => (RepairKind::WrongDerivative, Some(of)),
            None => (c.kind, c.of.clone()),
        };
        let culprit = c.culprit.map(|s| without_parentheses(source, s));
        let culprit_text = culprit.and_then(|s| source.get(s.range())).unwrap_or_default().to_string();
        // A part the answer writes nowhere as such (what a LaTeX `cases` is read into): no repair
        // can say what to change in the text.
        if culprit.is_some() && culprit_text.is_empty() {
            out.push(f);
            continue;
        }
        // Which of the places the step writes that text, where it writes it more than once.
        let occurrence = culprit.filter(|_| !culprit_text.is_empty()).and_then(|at| {
            let written = source.get(step.span.range())?;
            // (As a whole: the `x` of `exp(x)` is one place, not two.)
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            let starts: Vec<usize> = written
                .match_indices(culprit_text.as_str())
                .filter(|(k, t)| {
                    let (before, after) = (written[..*k].chars().next_back(), written[k + t.len()..].chars().next());
                    let inside = word(before) && word(t.chars().next()) || word(after) && word(t.chars().next_back());
                    !inside
                })
                .map(|(k, _)| step.span.start + k)
                .collect();
            let n = starts.iter().position(|&k| k == at.start)?;
            (starts.len() > 1).then_some((n + 1, starts.len()))
        });
        f.repair = Some(Repair {
            kind,
            culprit,
            culprit_text,
            occurrence,
            replacement: c.replacement.clone(),
            step: expr_to_string(&c.step, Spelling::Canonical),
            verdict,
            of,
        });
        out.push(f);
    }
    out
}

/// The declarations of `file` with each of its numbers set free: every `let NAME = NUMBER` (a
/// scalar whose definition is a number, written as digits and operators, other than 0) made an
/// input of that number's sign (`> 0`, or `!= 0` for a negative one). A change that holds there
/// holds for a reason, not by the coincidence of the sheet's numbers, and holds at the sheet's
/// numbers too (each is a value of its input).
fn numbers_set_free(file: &ast::File, model: &Model) -> ast::File {
    use num_traits::{Signed, Zero};
    // The value of each scalar the model defines by numbers and arithmetic alone.
    let value_of = |name: &str| {
        model.entries.iter().find(|e| e.name == name && e.slots.is_empty()).and_then(|e| match &e.kind {
            crate::model::EntryKind::Defined(body) => crate::model::constant_value(body),
            _ => None,
        })
    };
    let mut items = Vec::with_capacity(file.items.len());
    for item in &file.items {
        let Item::Let(defs) = item else {
            if !matches!(item, Item::Derivation(_)) {
                items.push(item.clone());
            }
            continue;
        };
        let mut kept = Vec::new();
        for def in defs {
            let value = match def {
                ast::Definition::Node { target, .. } if target.subscripts.is_empty() => {
                    value_of(&target.name.name).filter(|v| !v.is_zero()).map(|v| (target, v))
                }
                _ => None,
            };
            let Some((target, v)) = value else {
                kept.push(def.clone());
                continue;
            };
            let domain = ast::DomainDecl {
                op: if v.is_positive() { ">" } else { "!=" }.to_string(),
                bound: "0".to_string(),
                range: None,
                span: target.span,
            };
            items.push(Item::Var(vec![ast::VarItem { target: target.clone(), domain: Some(domain), shape: None }]));
        }
        if !kept.is_empty() {
            items.push(Item::Let(kept));
        }
    }
    ast::File { items, unfilled: Vec::new() }
}

/// The names an expression reads (inputs, nodes, functions, the variables of its derivatives),
/// each as often as it is written, in order: two expressions with the same differ in numbers,
/// signs and operators alone.
fn names_of(e: &ast::Expr) -> Vec<String> {
    let mut names: Vec<String> = nodes_of(e)
        .into_iter()
        .flat_map(|n| match &n.kind {
            ast::ExprKind::Name(_) | ast::ExprKind::Indexed(..) => vec![text_of(n)],
            ast::ExprKind::Call { func, primes, .. } => vec![format!("{}{}", func.name, "'".repeat(*primes as usize))],
            ast::ExprKind::Diff { wrt, .. } => wrt.iter().map(|v| format!("∂{}", v.name.name)).collect(),
            _ => Vec::new(),
        })
        .collect();
    names.sort();
    names
}

/// The numbers `e` reads, written in it or in the definitions it reads (through them), as the
/// bits of their values.
fn numbers_read(file: &ast::File, e: &ast::Expr) -> std::collections::HashSet<u64> {
    let mut bodies: HashMap<&str, Vec<&ast::Expr>> = HashMap::new();
    for item in &file.items {
        if let Item::Let(defs) = item {
            for def in defs {
                match def {
                    ast::Definition::Node { target, body } => {
                        bodies.entry(target.name.name.as_str()).or_default().push(body)
                    }
                    ast::Definition::Function { name, body, .. } => {
                        bodies.entry(name.name.as_str()).or_default().push(body)
                    }
                }
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        for n in nodes_of(e) {
            let name = match &n.kind {
                ast::ExprKind::Number(text) => {
                    if let Ok(v) = text.parse::<f64>() {
                        out.insert(v.to_bits());
                    }
                    continue;
                }
                ast::ExprKind::Name(id) | ast::ExprKind::Indexed(id, _) => id.name.as_str(),
                ast::ExprKind::Call { func, .. } => func.name.as_str(),
                _ => continue,
            };
            if seen.insert(name) {
                stack.extend(bodies.get(name).into_iter().flatten().copied());
            }
        }
    }
    out
}

/// The numbers written in a text (`0.9 * 0.5`: 0.9 and 0.5).
fn numbers_in_text(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_name = false;
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !current.is_empty()) {
            if !in_name {
                current.push(c);
            }
        } else {
            if let Ok(v) = current.parse::<f64>() {
                out.push(v);
            }
            current.clear();
            in_name = c.is_alphanumeric() || c == '_';
        }
    }
    out
}

/// The position whose draws the screens of the step `step` after `before` use (see
/// [`Wrong::draws`]): from a digest of the two as written.
fn draws_of(before: &ast::Expr, step: &ast::Expr) -> usize {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(text_of(before)).chain_update("\n").chain_update(text_of(step)).finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // (Kept below 2^32, so that it is the same position on every platform.)
    (u64::from_le_bytes(first) >> 32) as usize
}

/// The step times the reciprocal of `f`, the factor it is off by: a constant factor of the whole
/// step put back (`1/2`, `2`, `3/2`).
fn reciprocal_factor(f: &Fraction, step: &ast::Expr) -> Candidate {
    let (numer, denom) = (f.denom * f.numer.signum(), f.numer.abs());
    let number = |n: i64| ast::Expr { kind: ast::ExprKind::Number(n.to_string()), span: step.span };
    let factor = if denom == 1 {
        number(numer)
    } else {
        let span = step.span;
        ast::Expr {
            kind: ast::ExprKind::Binary(ast::BinOp::Div, Box::new(number(numer)), Box::new(number(denom)), span),
            span,
        }
    };
    let span = step.span;
    let changed = ast::Expr {
        kind: ast::ExprKind::Binary(ast::BinOp::Mul, Box::new(factor.clone()), Box::new(step.clone()), span),
        span,
    };
    Candidate {
        kind: RepairKind::ConstantFactor,
        culprit: None,
        replacement: text_of(&factor),
        step: changed,
        of: None,
    }
}

/// The step minus `f`, the constant it is off by: a constant term put back (`- 1/2`).
fn offset_term(f: &Fraction, step: &ast::Expr) -> Candidate {
    let span = step.span;
    let number = |n: i64| ast::Expr { kind: ast::ExprKind::Number(n.to_string()), span };
    let size = if f.denom == 1 {
        number(f.numer.abs())
    } else {
        ast::Expr {
            kind: ast::ExprKind::Binary(
                ast::BinOp::Div,
                Box::new(number(f.numer.abs())),
                Box::new(number(f.denom)),
                span,
            ),
            span,
        }
    };
    // The step is the step before plus f: the term -f is missing.
    let (op, shown) =
        if f.numer > 0 { (ast::BinOp::Sub, format!("-{}", text_of(&size))) } else { (ast::BinOp::Add, text_of(&size)) };
    let changed = ast::Expr { kind: ast::ExprKind::Binary(op, Box::new(step.clone()), Box::new(size), span), span };
    Candidate { kind: RepairKind::MissingTerm, culprit: None, replacement: shown, step: changed, of: None }
}

/// The builtin call whose derivative a verified small change (a sign, a power, a factor)
/// completes: the changed step has every factor of the derivative and the step did not
/// (`sigmoid(z) * (1 + sigmoid(z))` made `sigmoid(z) * (1 - sigmoid(z))`). The call and its
/// derivative.
fn derivative_made(
    c: &Candidate,
    step: &ast::Expr,
    derivatives: &[(ast::Expr, ast::Expr)],
) -> Option<(String, String)> {
    if !matches!(c.kind, RepairKind::Sign | RepairKind::Power | RepairKind::WrongFactor | RepairKind::Function) {
        return None;
    }
    // (Not a part that holds a sum: its index is its own, and the change takes out a sum that
    // should not be there, which is no derivative of a builtin. A sum over the negatives of
    // word2vec was told a wrong `sigmoid'(-sn[k])`: a student tester.)
    let replaced = nodes_of(step).into_iter().find(|n| Some(n.span) == c.culprit);
    if replaced.is_some_and(|n| nodes_of(n).iter().any(|m| matches!(m.kind, ast::ExprKind::Big { .. }))) {
        return None;
    }
    // The factors of each term, a few levels down: the derivative's factors must sit in one term.
    let texts = |e: &ast::Expr| -> Vec<Vec<String>> {
        let terms = e.terms().into_iter().map(|(_, t)| t);
        // Element-wise products too: `h ⊙ (1 - h)`.
        terms
            .map(|t| {
                candidates::deep_factors(&t).iter().flat_map(|f| hadamard_factors(f)).map(|f| text_of(&f)).collect()
            })
            .collect()
    };
    let (after, before) = (texts(&c.step), texts(step));
    derivatives.iter().find_map(|(call, d)| {
        // The derivative's factors that are not numbers (none for `1 / u`: nothing to tell by).
        // (Not where the derivative is the call itself, `exp(u)`: having it says nothing of a
        // derivative taken, and `exp(-x)` for `-exp(-x)` may be the sign of a quotient rule.)
        let wanted: Vec<_> =
            candidates::factors_of(d).into_iter().filter(|f| !matches!(f.kind, ast::ExprKind::Number(_))).collect();
        (!wanted.iter().all(|f| text_of(f) == text_of(call))).then_some(())?;
        let has = |terms: &[Vec<String>]| terms.iter().any(|have| wanted.iter().all(|f| have.contains(&text_of(f))));
        (!wanted.is_empty()).then_some(())?;
        // A factor put in is one of the derivative's, or the derivative itself (not a product
        // with more in it).
        let put = &c.replacement;
        let own = wanted.iter().any(|f| text_of(f) == *put) || text_of(d) == *put;
        (own || matches!(c.kind, RepairKind::Sign | RepairKind::Power)).then_some(())?;
        (has(&after) && !has(&before)).then(|| (candidates::primed_text(call), text_of(d)))
    })
}

/// A culprit's span without the parentheses around it: `1 + sigmoid(z)` of `(1 + sigmoid(z))`.
fn without_parentheses(source: &str, mut span: crate::diagnostic::Span) -> crate::diagnostic::Span {
    while let Some(inner) = source.get(span.range()).and_then(|t| t.strip_prefix('(')?.strip_suffix(')')) {
        // Only where the two parentheses match each other (not `(a) * (b)`).
        let mut depth = 0i64;
        if inner.chars().any(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth < 0
        }) {
            break;
        }
        span = crate::diagnostic::Span::new(span.start + 1, span.end - 1);
        // The size command of LaTeX's closing bracket, `\Big)` of `\Big(y - x\Big)`, is not the
        // culprit's (its opening one stands before the bracket): it was quoted, and the repair
        // applied as told left `\Big(x - y` unbalanced (a second adversarial tester).
        let inner = source.get(span.range()).unwrap_or_default();
        let kept = inner.trim_end();
        let kept = ["\\biggr", "\\Biggr", "\\bigg", "\\Bigg", "\\bigr", "\\Bigr", "\\big", "\\Big"]
            .iter()
            .find_map(|size| kept.strip_suffix(size))
            .map_or(inner, str::trim_end);
        span = crate::diagnostic::Span::new(span.start, span.start + kept.len());
    }
    span
}

/// The factors of an element-wise product (`a ⊙ b ⊙ c`), or the expression itself.
fn hadamard_factors(e: &ast::Expr) -> Vec<ast::Expr> {
    match &e.kind {
        ast::ExprKind::Binary(ast::BinOp::Hadamard, a, b, _) => {
            let mut out = hadamard_factors(a);
            out.extend(hadamard_factors(b));
            out
        }
        _ => vec![e.clone()],
    }
}

/// Where the parts a wrong step lacks are looked for: the chain-rule factors of the model, the
/// forms `derive` works the head and the step before out to (`worked` caches them by text), and
/// the builtin calls differentiated there or in the definitions with their derivatives.
fn hints(
    definitions: &[&ast::Expr],
    defined: &[(ast::VarRef, ast::Expr)],
    head: &ast::Expr,
    before: &ast::Expr,
    worked: &mut Worked,
) -> Hints {
    let chain = chain_factors(definitions, &[head, before]);
    let mut forms = Vec::new();
    for e in [head, before] {
        if !nodes_of(e).into_iter().any(is_diff) {
            continue;
        }
        forms.extend(worked.forms(e).iter().cloned());
    }
    // The calls differentiated: inside the derivatives of the head and the step before, in the
    // definitions, and (primed: their derivatives) in the worked forms.
    let mut differentiated: Vec<&ast::Expr> = Vec::new();
    for e in [head, before] {
        for d in nodes_of(e).into_iter().filter(|n| is_diff(n)) {
            differentiated.extend(nodes_of(d));
        }
    }
    for e in definitions.iter().copied().chain(&forms) {
        differentiated.extend(nodes_of(e));
    }
    let mut derivatives: Vec<(ast::Expr, ast::Expr)> = Vec::new();
    for n in differentiated {
        let ast::ExprKind::Call { func, primes, args } = &n.kind else { continue };
        let [u] = args.as_slice() else { continue };
        let call =
            ast::Expr { kind: ast::ExprKind::Call { func: func.clone(), primes: 0, args: args.clone() }, ..n.clone() };
        if *primes > 1 || derivatives.iter().any(|(c, _)| text_of(c) == text_of(&call)) {
            continue;
        }
        if let Some(d) = crate::derive::builtin_derivative(&func.name, u) {
            // In the spelling the student wrote the call in (`σ(z) * (1 - σ(z))`).
            let d = match crate::builtin::Builtin::from_name(&func.name) {
                Some(b) if b.name() != func.name => candidates::respelled(&d, b.name(), &func.name),
                _ => d,
            };
            derivatives.push((call, d));
        }
    }
    // A node defined as a builtin call (`h = sigmoid(z1)`): its derivative in the node's name
    // too (`h * (1 - h)`), as students write it.
    for (target, body) in defined {
        let Some((call, d)) = derivatives.iter().find(|(c, _)| text_of(c) == text_of(body)).cloned() else { continue };
        let name = ast::Expr {
            kind: if target.subscripts.is_empty() {
                ast::ExprKind::Name(target.name.clone())
            } else {
                ast::ExprKind::Indexed(target.name.clone(), target.subscripts.clone())
            },
            span: call.span,
        };
        derivatives.push((call.clone(), candidates::substituted(&d, &text_of(&call), &name)));
    }
    // What the derivatives among the factors of the step before and the head work out to.
    let mut values = Vec::new();
    for e in [before, head] {
        for f in candidates::factors_of(e).into_iter().filter(|f| is_diff(f)) {
            values.extend(worked.forms(&f).last().cloned());
        }
    }
    let head_free = head.free_name_uses().into_iter().map(|(n, _)| n).collect();
    let carried = [head, before].iter().flat_map(|e| candidates::carried_factors(e, defined)).collect();
    let said = chain.iter().filter_map(|f| Some((text_of(f), worked_out(f, worked)?))).collect();
    let head_has_diff = candidates::takes_a_derivative(head);
    Hints { chain, worked: forms, values, head_free, head_has_diff, derivatives, carried, said }
}

/// What a chain-rule factor is said as, where that is shorter to read: a derivative by the
/// value `derive` works it out to (`2` for `diff(2 * z, z)`, `2 * q` for `diff(q^2, q)`: a
/// tutor says "the inner derivative 2 is missing"), a builtin's derivative where it is a call or
/// a quotient as small as the primed call (`exp(x)` for `exp'(x)`, `1 / q` for `log'(q)`,
/// `sigmoid(x)` for `softplus'(x)`). None where the value still has a derivative in it or is long.
fn worked_out(f: &ast::Expr, worked: &mut Worked) -> Option<ast::Expr> {
    let value = match &f.kind {
        ast::ExprKind::Diff { .. } => worked.forms(f).last().cloned()?,
        ast::ExprKind::Call { func, primes: 1, args } => {
            let [u] = args.as_slice() else { return None };
            let d = crate::derive::builtin_derivative(&func.name, u)?;
            let d = match crate::builtin::Builtin::from_name(&func.name) {
                Some(b) if b.name() != func.name => candidates::respelled(&d, b.name(), &func.name),
                _ => d,
            };
            (nodes_of(&d).len() <= nodes_of(f).len() + 1).then_some(d)?
        }
        _ => return None,
    };
    let derivative =
        |n: &ast::Expr| matches!(n.kind, ast::ExprKind::Diff { .. } | ast::ExprKind::Call { primes: 1.., .. });
    let short = text_of(&value).chars().count() <= candidates::MAX_SAID;
    (short && !nodes_of(&value).into_iter().any(derivative) && text_of(&value) != text_of(f)).then_some(value)
}

/// The forms `derive` works expressions out to in the declarations of `file` (what
/// `derive::worked_forms` reads of it), by text, without spans: they depend on the declarations
/// and the expression alone, not on where either is written. Remembered for the derivation
/// (`by_text`) and for the process ([`WORKED`], by a digest of the declarations and the text):
/// the submissions of one exercise work out the same heads in the same declarations.
struct Worked<'f> {
    file: &'f ast::File,
    /// The digest of the declarations, spans left out ([`declarations_digest`]).
    declarations: &'f [u8; 32],
    by_text: HashMap<String, Vec<ast::Expr>>,
}

/// The worked forms remembered for the process, by the digest of the declarations and the text
/// of the expression; emptied when it holds [`WORKED_ENTRIES`] (what it holds changes no result;
/// a batch of one exercise needs a few, and a long-lived `serve` must not grow with every edit).
static WORKED: std::sync::Mutex<Option<rustc_hash::FxHashMap<[u8; 32], Vec<ast::Expr>>>> = std::sync::Mutex::new(None);
const WORKED_ENTRIES: usize = 256;

impl Worked<'_> {
    fn forms(&mut self, e: &ast::Expr) -> &Vec<ast::Expr> {
        let text = text_of(e);
        let (file, declarations) = (self.file, self.declarations);
        self.by_text.entry(text).or_insert_with_key(|text| {
            use sha2::{Digest, Sha256};
            let key: [u8; 32] = Sha256::new().chain_update(declarations).chain_update(text).finalize().into();
            let remembered = WORKED.lock().ok().and_then(|memo| memo.as_ref()?.get(&key).cloned());
            if let Some(forms) = remembered {
                return forms;
            }
            let mut forms = crate::derive::worked_forms(file, e);
            forms.map_spans(&|_| crate::diagnostic::Span::default());
            if let Ok(mut memo) = WORKED.lock() {
                let memo = memo.get_or_insert_with(Default::default);
                if memo.len() >= WORKED_ENTRIES {
                    memo.clear();
                }
                memo.insert(key, forms.clone());
            }
            forms
        })
    }
}

/// A digest of a file's declarations (every item but its derivations), spans left out.
fn declarations_digest(file: &ast::File) -> [u8; 32] {
    use sha2::Digest;
    let mut h = crate::check::Hashing(sha2::Sha256::new());
    h.0.update("gradproof worked 1|");
    h.declarations(file);
    h.0.finalize().into()
}

fn text_of(e: &ast::Expr) -> String {
    expr_to_string(e, Spelling::Canonical)
}

fn is_diff(e: &ast::Expr) -> bool {
    matches!(e.kind, ast::ExprKind::Diff { .. })
}

/// The names a file declares, as the candidates use them.
fn known(file: &ast::File) -> Known {
    let mut known = Known::default();
    for item in &file.items {
        match item {
            Item::Index(decls) => {
                known.indices.extend(decls.iter().map(|d| d.name.name.clone()));
                for d in decls {
                    for ix in [&d.range.lo, &d.range.hi] {
                        for (_, atom) in &ix.terms {
                            if let ast::IndexAtom::Name(size) = atom {
                                known.sizes.push(size.name.clone());
                            }
                        }
                    }
                }
            }
            Item::Var(items) => {
                known.inputs |= !items.is_empty();
                known.scalars.extend(
                    items
                        .iter()
                        .filter(|v| v.shape.is_none() && v.target.subscripts.is_empty())
                        .map(|v| v.target.name.name.clone()),
                );
                known.families.extend(items.iter().map(|v| (v.target.name.name.clone(), v.target.subscripts.len())));
                known.vars.extend(items.iter().map(|v| v.target.name.name.clone()))
            }
            Item::Unknown(items) => {
                known.inputs |= !items.is_empty();
                known.families.extend(items.iter().filter_map(|u| match u {
                    ast::UnknownItem::Node { name, .. } => Some((name.name.clone(), 0)),
                    ast::UnknownItem::Function { .. } => None,
                }))
            }
            Item::Let(defs) => {
                for d in defs {
                    match d {
                        ast::Definition::Node { target, body } => {
                            known.families.push((target.name.name.clone(), target.subscripts.len()));
                            known.definitions.push((target.clone(), body.clone()));
                        }
                        ast::Definition::Function { name, params, body } => known.functions.push((
                            name.name.clone(),
                            params.iter().map(|p| p.name.clone()).collect(),
                            body.clone(),
                        )),
                    }
                }
            }
            _ => {}
        }
    }
    let mut seen = rustc_hash::FxHashSet::default();
    known.families.retain(|f| seen.insert(f.clone()));
    known
}

/// Resolves every candidate as `derive BEFORE = CHANGED` in one file with the original
/// declarations; records in each `Wrong` which resolved derivation each candidate became. The
/// step before is resolved once per wrong step (as `derive BEFORE = 0`) into `Wrong::head`, and
/// each candidate as `derive 0 = CHANGED`, whose head the screens and the verification take from
/// there: the head is neither resolved again nor copied with every candidate.
fn resolve_candidates(file: &ast::File, wrong: &mut [Wrong]) -> Option<Model> {
    let mut items: Vec<Item> = file.items.iter().filter(|item| !matches!(item, Item::Derivation(_))).cloned().collect();
    let zero = |span| ast::Expr { kind: ast::ExprKind::Number("0".to_string()), span };
    let derivation = |name: String, head: ast::Expr, step: ast::Expr, span| {
        Item::Derivation(ast::Derivation {
            name: Some(name),
            worth: None,
            head,
            steps: vec![ast::Step {
                relation: ast::Relation::Equal,
                span: step.span,
                expr: step,
                note: None,
                restates: false,
            }],
            span,
            unread: Vec::new(),
        })
    };
    // (The candidates' steps are lent to the file, not copied: they are put back below.)
    let lent = items.len();
    for (w, wr) in wrong.iter_mut().enumerate() {
        let span = wr.before.span;
        items.push(derivation(w.to_string(), wr.before.clone(), zero(span), span));
        for (i, c) in wr.candidates.iter_mut().enumerate() {
            items.push(derivation(format!("{w}/{i}"), zero(span), std::mem::replace(&mut c.step, zero(span)), span));
        }
    }
    let file = ast::File { items, unfilled: Vec::new() };
    let (model, _) = resolve(&file);
    let mut lent = file.items.into_iter().skip(lent);
    for wr in wrong.iter_mut() {
        lent.next();
        for c in &mut wr.candidates {
            if let Some(Item::Derivation(mut d)) = lent.next() {
                c.step = d.steps.swap_remove(0).expr;
            }
        }
    }
    if model.declarations_failed {
        return None;
    }
    let mut heads = vec![None; wrong.len()];
    for d in &model.derivations {
        if let Some(w) = d.name.as_deref().and_then(|n| n.parse::<usize>().ok()) {
            if let Some(slot) = heads.get_mut(w) {
                *slot = Some((d.head.clone(), d.shape.clone()));
            }
        }
    }
    for wr in wrong.iter_mut() {
        wr.resolved = vec![None; wr.candidates.len()];
    }
    for (at, d) in model.derivations.iter().enumerate() {
        let Some((w, i)) = d.name.as_deref().and_then(|n| n.split_once('/')) else { continue };
        let (Ok(w), Ok(i)) = (w.parse::<usize>(), i.parse::<usize>()) else { continue };
        // (A step before that does not resolve leaves its candidates unresolved.)
        let Some(Some(_)) = heads.get(w) else { continue };
        if let Some(slot) = wrong.get_mut(w).and_then(|wr| wr.resolved.get_mut(i)) {
            *slot = Some(at);
        }
    }
    for (wr, head) in wrong.iter_mut().zip(heads) {
        wr.head = head;
    }
    Some(model)
}

/// `tried` with `derivations` as its derivations (it has none of its own: see [`localise`]) for
/// the time of `f`.
fn with_derivations<R>(tried: &mut Model, derivations: Vec<Derivation>, f: impl FnOnce(&Model) -> R) -> R {
    with_derivations_back(tried, derivations, f).0
}

/// [`with_derivations`], giving the derivations back.
fn with_derivations_back<R>(
    tried: &mut Model,
    derivations: Vec<Derivation>,
    f: impl FnOnce(&Model) -> R,
) -> (R, Vec<Derivation>) {
    tried.derivations = derivations;
    let out = f(tried);
    (out, std::mem::take(&mut tried.derivations))
}

/// The candidates of each wrong step (of those in `only`, if given) that equal the step before at
/// every sample of the numbers (no proofs), in the order of their rank. `tried` is the model of
/// the candidates without its derivations, `resolved` those derivations.
fn screen(
    tried: &mut Model,
    resolved_derivations: &mut [Derivation],
    wrong: &[Wrong],
    model: &Model,
    options: &CheckOptions,
    budget: Budget,
    only: Option<&[Vec<usize>]>,
) -> Vec<Vec<usize>> {
    // Per wrong step: one derivation whose head is the step before and whose steps are the
    // candidates that resolved (and, with `only`, passed an earlier screen).
    let mut merged = Vec::new();
    let mut owners = Vec::new();
    let mut draws = Vec::new();
    // The candidates' steps are lent to the merged derivations, not copied, and put back below:
    // where each came from, and the vector it leaves (empty, kept to hold it again).
    let mut lent: Vec<(usize, Vec<crate::model::Step>)> = Vec::new();
    for (w, wr) in wrong.iter().enumerate() {
        let resolved: Vec<(usize, usize)> = wr
            .resolved
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|at| (i, at)))
            .filter(|(i, _)| only.is_none_or(|only| only[w].contains(i)))
            .collect();
        let (Some(&(_, first)), Some((head_expr, shape))) = (resolved.first(), &wr.head) else { continue };
        let (head_expr, span, shape) = (head_expr.clone(), resolved_derivations[first].span, shape.clone());
        // Only the candidates the screen evaluates (of the head's shape, no new free index): the
        // others cannot pass, and the screen would copy the derivation to leave them out. (The
        // survivors of a screen are all such.)
        let mut resolved = resolved;
        if only.is_none() {
            let mut head_free = Vec::new();
            crate::model::free_indices(&head_expr, &mut head_free);
            resolved.retain(|&(_, at)| {
                let step = resolved_derivations[at].steps.last().expect("a candidate's derivation has one step");
                screened(tried, &head_free, &shape, step)
            });
        }
        let steps = resolved
            .iter()
            .map(|&(_, at)| {
                let mut shell = std::mem::take(&mut resolved_derivations[at].steps);
                let step = shell.pop().expect("a candidate's derivation has one step");
                lent.push((at, shell));
                step
            })
            .collect();
        merged.push(Derivation {
            name: None,
            worth: None,
            head: head_expr,
            steps,
            span,
            tolerance: model.derivations[wr.derivation].tolerance,
            shape,
            unread: Vec::new(),
        });
        owners.push((w, resolved.into_iter().map(|(i, _)| i).collect::<Vec<_>>()));
        draws.push(wr.draws);
    }
    let screening = CheckOptions { file_budget: budget, ..options.clone() };
    let (passed, merged) =
        with_derivations_back(tried, merged, |m| screen_against_head(m, &screening, SCREEN_WORK, &draws));
    let mut lent = lent.into_iter();
    for step in merged.into_iter().flat_map(|d| d.steps) {
        let (at, mut shell) = lent.next().expect("every lent step comes back");
        shell.push(step);
        resolved_derivations[at].steps = shell;
    }
    let mut out = vec![Vec::new(); wrong.len()];
    for (passed, (w, candidates)) in passed.iter().zip(owners) {
        out[w] = passed.iter().zip(candidates).filter(|(p, _)| **p).map(|(_, i)| i).collect();
    }
    out
}

/// For each wrong step, the first of its survivors (at most [`MAX_VERIFIED`] tried) that the
/// checker, with the options of the original check, finds `proved` or `checked`, and that verdict.
fn verify(
    tried: &mut Model,
    resolved: &[Derivation],
    wrong: &[Wrong],
    survivors: &[Vec<usize>],
    model: &Model,
    options: &CheckOptions,
    budget: Budget,
) -> Vec<Option<(usize, Verdict)>> {
    let mut found = vec![None; wrong.len()];
    let verifying = CheckOptions { explain: false, file_budget: budget, ..options.clone() };
    for round in 0..MAX_VERIFIED {
        let mut derivations = Vec::new();
        let mut owners = Vec::new();
        for (w, wr) in wrong.iter().enumerate() {
            let Some(&i) = survivors[w].get(round).filter(|_| found[w].is_none()) else { continue };
            let Some(at) = wr.resolved[i] else { continue };
            let (Some((head, shape)), d) = (&wr.head, &resolved[at]) else { continue };
            derivations.push(Derivation {
                head: head.clone(),
                shape: shape.clone(),
                tolerance: model.derivations[wr.derivation].tolerance,
                ..d.clone()
            });
            owners.push((w, i));
        }
        if derivations.is_empty() {
            break;
        }
        let results = with_derivations(tried, derivations, |m| check_model(m, &verifying));
        for (result, (w, i)) in results.iter().zip(owners) {
            let verdict = result.steps.first().map(|s| s.verdict);
            if let Some(v @ (Verdict::Proved | Verdict::Checked)) = verdict {
                found[w] = Some((i, v));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(source: &str) -> ast::File {
        let (file, errors) = crate::syntax::parse_file(source);
        assert!(errors.is_empty(), "{errors:?}");
        file
    }

    fn head(file: &ast::File) -> &ast::Expr {
        file.items.iter().find_map(|item| if let Item::Derivation(d) = item { Some(&d.head) } else { None }).unwrap()
    }

    /// The worked forms depend on the declarations and the expression, not on where they are
    /// written nor on which file was searched first: the forms of the process's memo are those
    /// worked out afresh, without spans.
    #[test]
    fn worked_forms_remembered_are_those_worked_out_afresh() {
        let model = "var x, w\nlet h = sigmoid(w * x)\n";
        let first = parsed(&format!("{model}derive diff(h^2, w)\n  = 0\n"));
        let moved = parsed(&format!("# another file\n\n{model}derive \"moved\" diff(h^2, w)\n  = 1\n"));
        assert_eq!(declarations_digest(&first), declarations_digest(&moved));
        let other = parsed(&format!("{model}var b\nderive diff(h^2, w)\n  = 0\n"));
        assert_ne!(declarations_digest(&first), declarations_digest(&other));

        let mut fresh = crate::derive::worked_forms(&moved, head(&moved));
        assert!(!fresh.is_empty(), "the head has forms to work out");
        fresh.map_spans(&|_| crate::diagnostic::Span::default());
        let digest = declarations_digest(&first);
        let mut one = Worked { file: &first, declarations: &digest, by_text: HashMap::new() };
        let from_first = one.forms(head(&first)).clone();
        let digest = declarations_digest(&moved);
        let mut two = Worked { file: &moved, declarations: &digest, by_text: HashMap::new() };
        // (The syntax tree has no `==`: its `Debug` text, spans and all, says the same.)
        let debug = |forms: &Vec<ast::Expr>| format!("{forms:?}");
        assert_eq!(debug(two.forms(head(&moved))), debug(&from_first));
        assert_eq!(debug(&from_first), debug(&fresh));
    }
}
