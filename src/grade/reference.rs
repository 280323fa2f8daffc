//! The reference solution: its model (authoritative for every submission), its derivations with
//! their points, the declarations a submission is compared with, and the student's template.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Signed;

use super::memo::GradeMemo;
use super::policy::{default_shares, derivatives_left_through_definitions, Points};
use crate::check::{check_model, CheckOptions, Verdict};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::{resolve, warnings, written_ref, GradingShares};
use crate::syntax::ast::{self, Definition, Item, UnknownItem};
use crate::syntax::{lines, parse_file};

/// The most points one derivation may be worth.
const MAX_WORTH: i64 = 1_000_000;

/// A reference solution, ready to grade submissions against.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The path as given.
    pub path: String,
    /// Its source text.
    pub source: String,
    /// The SHA-256 of its text, in lowercase hexadecimal (what `sha256sum` prints for a file
    /// without a byte-order mark): which reference a grade was made with.
    pub sha256: String,
    /// How each derivation's points are shared (the `grading` statement, or the default).
    pub shares: GradingShares,
    /// Its derivations, in file order.
    pub derivations: Vec<ReferenceDerivation>,
    /// Its warnings (a head that is identically 0 by the declarations, which would make every
    /// step that is 0 right): shown to the grader, they stop nothing.
    pub warnings: Vec<Diagnostic>,
    /// Its declarations, which a submission's are compared with.
    pub(super) declarations: Vec<Declaration>,
    /// Every name written in it outside comments: a submission may not declare one of these, as
    /// that could change what the reference's own lines mean (a label made an index, say).
    pub(super) words: HashSet<String>,
    /// Its logical lines (for the template).
    lines: Vec<Span>,
    /// The results of the checks made for its submissions, shared by all of them, so that a
    /// derivation that recurs in the same model is checked once; `None`: every check is made
    /// afresh. It changes no grade (docs/grading.md, "The memo").
    pub memo: Option<Arc<GradeMemo>>,
}

/// One derivation of the reference.
#[derive(Debug, Clone)]
pub struct ReferenceDerivation {
    /// Its quoted name, if any.
    pub written_name: Option<String>,
    /// The name reports use: the quoted name, else `derivation N`.
    pub name: String,
    /// Its points (`worth`, default 1).
    pub worth: BigRational,
    /// The same, rounded as scores are.
    pub max_score: Points,
    /// The head as written.
    pub head_text: String,
    /// Each step's expression as written (for hints).
    pub step_texts: Vec<String>,
    /// The derivatives its final answer leaves, and the heads of the derivations before it (a
    /// submission's final answer may leave these).
    pub(super) derivatives_left: BTreeMap<String, String>,
}

/// One declared thing (a variable, a definition, an assumption…), compared by its syntax tree
/// without spans, so that formatting and comments do not count as changes.
#[derive(Debug, Clone)]
pub(super) struct Declaration {
    /// What it declares, as the messages name it: `s[c,t]`, `f`, `c`.
    pub name: String,
    /// `definition`, `declaration`, `assumption`, …
    pub what: &'static str,
    /// Whether a submission may add it (it only introduces a new name).
    pub addable: bool,
    /// Whether it declares an index (which cannot stand for one of the reference's quantities).
    pub index: bool,
    /// Its syntax tree without spans.
    pub canonical: String,
    /// The logical line it is on.
    pub line: Span,
    /// Where its text starts (after the keyword or the comma before it).
    pub start: usize,
}

impl Reference {
    /// Parses, resolves and checks a reference. Any error in it, or a wrong step, is an error of
    /// the whole grading run.
    pub fn new(path: &str, source: &str, options: &CheckOptions) -> Result<Reference, Vec<Diagnostic>> {
        let (file, mut errors) = parse_file(source);
        let (model, resolve_errors) = resolve(&file);
        errors.extend(resolve_errors);
        errors.extend(crate::latex::unread_spellings(&file));
        if !errors.is_empty() {
            errors.sort_by_key(|d| d.span.start);
            return Err(errors);
        }
        let ast_derivations: Vec<&ast::Derivation> = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Derivation(d) => Some(d),
                _ => None,
            })
            .collect();
        if model.derivations.is_empty() {
            return Err(vec![Diagnostic::error(Span::default(), "the reference has no derivation")
                .without_source()
                .with_hint("write the solution as derivations: `derive \"name\" worth 10 HEAD` and its steps")]);
        }
        for (k, d) in ast_derivations.iter().enumerate() {
            let twice = d.name.is_some() && ast_derivations[..k].iter().any(|e| e.name == d.name);
            if twice {
                errors.push(
                    Diagnostic::error(d.span, "two derivations of the reference have this name")
                        .with_hint("submissions are matched by name: give every derivation its own"),
                );
            }
        }
        for result in check_model(&model, options) {
            for step in result.steps.iter().filter(|s| s.verdict == Verdict::Wrong) {
                let cause = step.cause.as_ref().map_or_else(String::new, |c| format!(" ({})", super::cause_text(c)));
                errors.push(
                    Diagnostic::error(step.span, format!("this step of the reference is wrong{cause}"))
                        .with_hint("fix the reference: submissions would be graded against a wrong solution"),
                );
            }
        }
        let mut derivations = Vec::new();
        for (k, (ast_d, d)) in ast_derivations.iter().zip(&model.derivations).enumerate() {
            let worth = d.worth.clone().unwrap_or_else(|| BigRational::from_integer(BigInt::from(1)));
            let worth_ok = ast_d.worth.is_none() || d.worth.is_some();
            if !worth_ok || worth.is_negative() || worth > BigRational::from_integer(BigInt::from(MAX_WORTH)) {
                errors.push(
                    Diagnostic::error(ast_d.span, "`worth` must be a number of points from 0 to 1000000")
                        .with_hint("write `derive \"name\" worth 10 HEAD`"),
                );
            }
            let final_expr = d.steps.last().map_or(&d.head, |s| &s.expr);
            // A final answer may be written with the result of an earlier part, by its head
            // (`diff(L, xhat[j])` after the part `diff(L, xhat[i])`, as the papers write batch
            // norm's backward pass): that derivative is worked out where the sheet asked for it.
            let mut derivatives_left = derivatives_left_through_definitions(&model, final_expr);
            // (Not one written as this part's own head: restating the question is no answer.)
            let own = super::policy::earlier_head_key(&crate::model::expr_text(&model, &d.head));
            // And what an earlier part's answer leaves (a given upstream gradient, `∂L/∂o[e]`) may
            // be left where that answer is put in for its head.
            let own_derivatives = derivatives_left_through_definitions(&model, &d.head);
            for earlier in &model.derivations[..k] {
                let answer = earlier.steps.last().map_or(&earlier.head, |s| &s.expr);
                for (key, text) in derivatives_left_through_definitions(&model, answer) {
                    if !own_derivatives.contains_key(&key) {
                        derivatives_left.entry(key).or_insert(text);
                    }
                }
                if !matches!(earlier.head, crate::model::Expr::Diff(..)) {
                    continue;
                }
                let text = crate::model::expr_text(&model, &earlier.head);
                let key = super::policy::earlier_head_key(&text);
                if key != own {
                    derivatives_left.insert(key, text);
                }
            }
            derivations.push(ReferenceDerivation {
                written_name: ast_d.name.clone(),
                name: ast_d.name.clone().unwrap_or_else(|| format!("derivation {}", k + 1)),
                max_score: Points::round(&worth),
                worth,
                head_text: written(source, ast_d.head.span.start, ast_d.span.end),
                step_texts: ast_d.steps.iter().map(|s| written(source, s.expr.span.start, s.span.end)).collect(),
                derivatives_left,
            });
        }
        if !errors.is_empty() {
            errors.sort_by_key(|d| d.span.start);
            return Err(errors);
        }
        let lines: Vec<Span> = lines::split(source).0.into_iter().map(|l| l.span).collect();
        Ok(Reference {
            path: path.to_string(),
            source: source.to_string(),
            sha256: sha256_hex(source.as_bytes()),
            shares: model.grading.clone().unwrap_or_else(default_shares),
            derivations,
            warnings: warnings(&model)
                .into_iter()
                .chain(model.derivations.iter().filter_map(precise_answer))
                .chain(model.derivations.iter().filter_map(rounded_answer_refused))
                .chain(model.derivations.iter().filter_map(|d| no_milestone(&model, d)))
                .chain(letter_declared(&model, source, &lines, "d"))
                .chain(letter_declared(&model, source, &lines, "e"))
                .collect(),
            declarations: declarations(&file, &lines),
            words: words(source),
            lines,
            memo: Some(Arc::new(GradeMemo::default())),
        })
    }

    /// The total of the points.
    pub fn max_score(&self) -> Points {
        self.derivations.iter().map(|d| d.max_score).sum()
    }

    /// The student's template: the reference without its steps (and without the comment lines
    /// among them), each `derive` line followed by a reminder where the steps go.
    pub fn template(&self) -> String {
        let mut out = String::new();
        let mut at = 0;
        let mut in_derivation = false;
        for line in &self.lines {
            let text = &self.source[line.range()];
            let trimmed = text.trim_start();
            let is_step = trimmed.starts_with('=') || trimmed.starts_with('≈') || trimmed.starts_with("~=");
            let is_comment = trimmed.starts_with('#');
            // Everything between two logical lines (blank lines) is kept as it is.
            out.push_str(&self.source[at..line.start]);
            at = line.end;
            if is_step || (in_derivation && is_comment) {
                // Drop the line and the newline after it.
                if self.source[at..].starts_with('\n') {
                    at += 1;
                }
                continue;
            }
            in_derivation = trimmed.starts_with("derive");
            out.push_str(text);
            if in_derivation {
                out.push_str("\n  # = … your steps, one per line");
            }
        }
        out.push_str(&self.source[at..]);
        // Removing steps leaves runs of blank lines; keep at most one.
        while out.contains("\n\n\n") {
            out = out.replace("\n\n\n", "\n\n");
        }
        out
    }
}

/// A warning for a derivation whose steps before its answer show no work the grading counts (a
/// step that only multiplies numbers up to cancel, `2 * (m1 - m2) / (2 * s2^2)` before `(m1 -
/// m2) / s2^2`): the answer alone then takes the whole part, which a TA caught only in the JSON.
fn no_milestone(model: &crate::model::Model, d: &crate::model::Derivation) -> Option<Diagnostic> {
    if d.steps.len() < 2 {
        return None;
    }
    let steps: Vec<super::milestones::ReferenceStep> = d
        .steps
        .iter()
        .map(|s| super::milestones::ReferenceStep {
            expr: &s.expr,
            note: s.note.as_deref(),
            written: None,
            approx: s.relation == crate::syntax::ast::Relation::Approx,
        })
        .collect();
    super::milestones::milestones(model, &d.head, &steps).is_empty().then(|| {
        Diagnostic::warning(d.span, "no step of this derivation before its answer counts as work: the answer alone takes the whole part")
            .with_hint("write a step the grading counts: one that leaves a derivative (a stage of the chain rule), or the derivatives worked out before the answer is simplified (docs/grading.md, \"Shown work\")")
    })
}

/// The SHA-256 of some bytes, in lowercase hexadecimal.
/// The most significant digits a reference's decimal final answer may have, under the rounding
/// rule, before the author is told what that asks of the students.
const PRECISE_DIGITS: i32 = 5;

/// A warning for a final answer that is a decimal number written with more than
/// [`PRECISE_DIGITS`] significant digits and no `tolerance` line: a student's `≈ 0.9761` for the
/// reference's `0.976144` is written less precisely than the reference's and loses the final
/// share (docs/grading.md, "Final answer") — as the author may not mean.
fn precise_answer(d: &crate::model::Derivation) -> Option<Diagnostic> {
    use num_traits::ToPrimitive;
    let last = d.steps.last()?;
    let l = super::policy::number_literal(&last.expr)?;
    let half = l.half_unit.as_ref().filter(|_| l.point && d.tolerance == crate::model::ToleranceRule::Rounding)?;
    let value = l.value.abs().to_f64()?;
    let digits = (value / (2.0 * half.to_f64()?)).log10().floor() as i32 + 1;
    // Half a unit of the last digit but one: an absolute tolerance that accepts the answer
    // rounded one digit further. (The hint said `tolerance 0.1%`: a TA found a relative tolerance
    // of a parameter after one small update, 1.1967, accepts a wrong update, 1.1964.)
    let one_less = 0.5 * 10f64.powi(value.log10().floor() as i32 - (digits - 2));
    (digits > PRECISE_DIGITS).then(|| {
        Diagnostic::warning(
            last.span,
            format!(
                "this final answer is written with {digits} significant digits: a student's answer written with `≈` \
                 and fewer digits does not take the final share"
            ),
        )
        .with_hint(format!(
            "to accept answers rounded one digit further, add a line `tolerance {one_less}` (an absolute tolerance: \
             keep it below what a mistake changes, as a relative one of a large value may not be), or write the \
             answer with the digits you ask for"
        ))
    })
}

/// A warning for an exact final answer that is no short decimal (`1/3`) under a `tolerance`
/// line that refuses it rounded to three digits (`≈ 0.333` under `tolerance 0.0001`): the line
/// holds for every part below it, and a TA's line written for an Adam step judged a Newton step's
/// answer so, without a word (docs/grading.md, "Final answer").
fn rounded_answer_refused(d: &crate::model::Derivation) -> Option<Diagnostic> {
    use crate::model::ToleranceRule;
    use num_traits::ToPrimitive;
    let last = d.steps.last()?;
    if last.relation != crate::syntax::ast::Relation::Equal {
        return None;
    }
    let value = crate::model::constant_value(&last.expr)?.to_f64()?;
    if value == 0.0 || !value.is_finite() {
        return None;
    }
    let place = value.abs().log10().floor() as i32 - 2;
    let rounded = (value / 10f64.powi(place)).round() * 10f64.powi(place);
    let off = (rounded - value).abs();
    let (refused, line) = match d.tolerance {
        ToleranceRule::Rounding => return None,
        ToleranceRule::Absolute(a) => (off > a, format!("tolerance {a}")),
        ToleranceRule::Relative(r) => (off > r * value.abs(), format!("tolerance {}%", r * 100.0)),
    };
    let shown = format!("{rounded:.prec$}", prec = (-place).max(0) as usize);
    // A looser line of the same kind: half a unit of the third digit (of the answer, relatively).
    let half = 0.5 * 10f64.powi(place);
    let looser = match d.tolerance {
        ToleranceRule::Relative(_) => format!("{}%", format_sig(100.0 * half / value.abs())),
        _ => format!("{half}"),
    };
    (refused && off > 0.0).then(|| {
        Diagnostic::warning(
            last.span,
            format!("under the `{line}` above, a student's `≈ {shown}` for this answer is wrong"),
        )
        .with_hint(format!(
            "a `tolerance` line holds for every part below it: if it was meant for another part, put this one above \
             it, or loosen it (`tolerance {looser}` accepts `≈ {shown}`)"
        ))
    })
}

/// A warning for a sheet that declares `d` or `e` (an index, a size, a variable): an answer in
/// LaTeX that writes a derivative with `d`, `\frac{dL}{dx}`, is refused as ambiguous (a
/// derivative, or `d L` over `d x`), and so is `e^{s_j}` (the exponential, or a power of the
/// sheet's `e`), and the chain is not graded — the author learned it from the students' refusals
/// (TAs' attention sheets, 5 and 6 December: fully right answers scored 0). A sheet that spells its
/// `e` otherwise (`latex e "\epsilon"`) leaves `e^{…}` to the exponential: no warning.
fn letter_declared(
    model: &crate::model::Model,
    source: &str,
    lines: &[crate::diagnostic::Span],
    letter: &str,
) -> Option<Diagnostic> {
    let declared = model.sizes.iter().any(|s| s == letter)
        || model.indices.iter().any(|i| !i.hidden && i.name == letter)
        || model.entries.iter().any(|e| e.name == letter)
        || model.user_functions.iter().any(|f| f.name == letter)
        || model.functions.iter().any(|f| f.name == letter);
    if !declared {
        return None;
    }
    let words = |l: &crate::diagnostic::Span| -> Vec<String> {
        let text = source.get(l.range()).unwrap_or_default().split('#').next().unwrap_or_default();
        text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).map(str::to_string).collect()
    };
    if letter == "e" && lines.iter().any(|l| matches!(words(l).as_slice(), [a, b, ..] if a == "latex" && b == "e")) {
        return None;
    }
    let statement = ["index", "var", "let", "unknown"];
    let line = lines.iter().find(|l| {
        let words = words(l);
        words.first().is_some_and(|w| statement.contains(&w.as_str())) && words[1..].iter().any(|w| w == letter)
    });
    let warning = if letter == "d" {
        Diagnostic::warning(
            line.copied().unwrap_or_default(),
            "the sheet declares `d`: an answer in LaTeX that writes a derivative with `d` (`\\frac{dL}{dx}`) is refused as ambiguous",
        )
        .with_hint("rename it (`k`, `dim`) so that students may write `\\frac{dL}{dx}`, or tell them to write `\\partial`")
    } else {
        Diagnostic::warning(
            line.copied().unwrap_or_default(),
            "the sheet declares `e`: an answer in LaTeX that writes the exponential as `e^{…}` is refused as ambiguous",
        )
        .with_hint("rename it (`k`, `m`) so that students may write `e^{s_j}`, or tell them to write `\\exp(…)`")
    };
    Some(if line.is_some() { warning } else { warning.without_source() })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The identifiers of a text, comments and quoted text left out: a name or a LaTeX spelling in
/// quotes (`latex zl "a"`, `derive "sq"`) is no name of the reference's lines (a TA: a student's
/// own `index a` was ignored beside `latex zl "a"`, and a right part scored 0).
fn words(source: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for line in source.lines() {
        let mut code = String::with_capacity(line.len());
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                '#' if !quoted => break,
                _ if quoted => {}
                _ => code.push(c),
            }
            if quoted || c == '"' {
                code.push(' ');
            }
        }
        out.extend(
            code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| w.chars().next().is_some_and(char::is_alphabetic))
                .map(str::to_string),
        );
    }
    out
}

/// An expression as written, from its start to the end of its line, without the note (the span
/// of a parenthesised expression covers its parentheses, so the text is the text as written).
fn written(source: &str, start: usize, end: usize) -> String {
    let text = source.get(start..end.max(start)).unwrap_or_default();
    text.split('#').next().unwrap_or_default().trim().to_string()
}

/// Every declared thing of a parsed file, with the logical line it is on.
pub(super) fn declarations(file: &ast::File, lines: &[Span]) -> Vec<Declaration> {
    let line_of =
        |span: Span| lines.iter().copied().find(|l| l.start <= span.start && span.start < l.end.max(l.start + 1));
    let mut out = Vec::new();
    let mut tolerances = 0;
    for item in &file.items {
        let mut push = |name: String, what: &'static str, addable: bool, tree: String, at: Span| {
            let canonical = format!("{what} {}", without_spans(&tree));
            let line = line_of(at).unwrap_or(at);
            out.push(Declaration {
                name,
                what,
                addable,
                index: tree.starts_with("IndexDecl"),
                canonical,
                line,
                start: at.start,
            });
        };
        match item {
            Item::Title(..) | Item::Latex { .. } | Item::Derivation(_) => {}
            Item::Index(decls) => {
                for d in decls {
                    push(d.name.name.clone(), "declaration", true, format!("{d:?}"), d.name.span);
                }
            }
            Item::Var(items) => {
                for v in items {
                    push(written_ref(&v.target), "declaration", true, format!("{v:?}"), v.target.span);
                }
            }
            Item::Unknown(items) => {
                for u in items {
                    let name = match u {
                        UnknownItem::Function { name, .. } | UnknownItem::Node { name, .. } => name,
                    };
                    push(name.name.clone(), "declaration", true, format!("{u:?}"), name.span);
                }
            }
            Item::Let(defs) => {
                for d in defs {
                    let (name, at) = match d {
                        Definition::Node { target, .. } => (written_ref(target), target.span),
                        Definition::Function { name, .. } => (name.name.clone(), name.span),
                    };
                    push(name, "definition", true, format!("{d:?}"), at);
                }
            }
            Item::Assume(a) => {
                let tree = without_spans(&format!("{a:?}"));
                push(tree.clone(), "assumption", false, tree, a.span);
            }
            Item::Tolerance(t) => {
                tolerances += 1;
                push(
                    format!("tolerance {tolerances}"),
                    "tolerance",
                    false,
                    format!("{} {}", t.value, t.percent),
                    t.span,
                );
            }
            Item::Grading(g) => push("grading".to_string(), "grading", false, format!("{g:?}"), g.span),
        }
    }
    out
}

/// A syntax tree's debug text with every span taken out, and the Unicode spellings of domains
/// made ASCII, so that two trees that differ only in layout compare equal.
fn without_spans(debug: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        match rest[at..].find('}') {
            Some(close) => rest = &rest[at + close + 1..],
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.replace('≥', ">=").replace('≠', "!=")
}

/// A positive number to two significant digits, rounded up (`0.15` for 0.1499): a tolerance that
/// accepts what it is computed for.
fn format_sig(v: f64) -> String {
    let place = v.log10().floor() as i32 - 1;
    let unit = 10f64.powi(place);
    let up = (v / unit).ceil() * unit;
    format!("{:.prec$}", up, prec = (-place).max(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(source: &str) -> Vec<Declaration> {
        let (file, errors) = parse_file(source);
        assert!(errors.is_empty(), "{errors:?}");
        let lines: Vec<Span> = lines::split(source).0.into_iter().map(|l| l.span).collect();
        declarations(&file, &lines)
    }

    #[test]
    fn the_hash_is_sha256() {
        // `printf abc | sha256sum`, and the empty text (FIPS 180-2's examples).
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn a_step_is_quoted_with_its_opening_parentheses() {
        let source = "derive \"p\" worth 2 ((x + 1))^2 # head\n  = (2*x + x^2)*exp(x)   # note\n  =x\n";
        let (file, _) = crate::syntax::parse_file(source);
        let ast::Item::Derivation(d) = &file.items[0] else { panic!("a derivation") };
        let step = |k: usize| written(source, d.steps[k].expr.span.start, d.steps[k].span.end);
        assert_eq!(written(source, d.head.span.start, d.span.end), "((x + 1))^2");
        assert_eq!(step(0), "(2*x + x^2)*exp(x)");
        assert_eq!(step(1), "x");
    }

    #[test]
    fn layout_and_comments_do_not_change_a_declaration() {
        let a = decls("var x, W[j,k] > 0\nlet y = x * W[1,2] # a note\n");
        let b = decls("# the model\nvar x,   W[ j , k ]>0\n\nlet y = (x) · W[1,2]\n");
        assert_eq!(a.len(), 3);
        for (p, q) in a.iter().zip(&b) {
            assert_eq!((&p.name, &p.canonical), (&q.name, &q.canonical));
        }
        let c = decls("var x, W[j,k] > 0\nlet y = x + W[1,2]\n");
        assert_ne!(a[2].canonical, c[2].canonical);
        assert_eq!(c[2].name, "y");
    }
}
