//! Math blocks → derivations: rows, chains of `=` and `\approx`, and expressions with the names
//! of the model. What cannot be read is refused with its span and a hint, never guessed.

use std::ops::Range;

use super::macros::Macros;
use super::names::{greek_command, name_word, script_key, subscript_word, Entry, Kind, Names};
use super::tree::{parse_math, Node, ROW_ENVIRONMENTS, THREE_COLUMN_ARRAY};
use crate::builtin::{latex_word, Builtin, ARRAY_FUNCTIONS};
use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast::*;
use crate::syntax::lines::{MAX_LINE_BYTES, MAX_OPERATORS};
use crate::syntax::print::{expr_to_string, Spelling};

type R<T> = Result<T, Diagnostic>;

/// Every derivation of the blocks at `ranges` of `text`, and what could not be read.
pub fn read_blocks(text: &str, ranges: &[Range<usize>], names: &Names) -> (Vec<Derivation>, Vec<Diagnostic>) {
    let (derivations, errors, _) = read_blocks_after(text, ranges, names, None);
    (derivations, errors)
}

/// [`read_blocks`] after `above`, the derivation the text before these blocks ended with (a
/// notebook's cell above): a first block that starts with a relation goes on with it, and it is
/// the first derivation returned. Also whether the blocks end with a derivation.
pub fn read_blocks_after(
    text: &str,
    ranges: &[Range<usize>],
    names: &Names,
    above: Option<Derivation>,
) -> (Vec<Derivation>, Vec<Diagnostic>, bool) {
    // Whether the last chain read was a derivation (one a block starting with `=` goes on from).
    let mut ended_with_derivation = above.is_some();
    let mut derivations: Vec<Derivation> = above.into_iter().collect();
    let mut errors = Vec::new();
    let macros = Macros::of(text);
    for range in ranges {
        // The parser's tree costs the square of the depth of unbraced nesting (`p^p^p…`), which
        // no count of brackets sees: a block is limited as a logical line of a model is.
        if range.len() > MAX_LINE_BYTES {
            let at = Span::new(range.start, range.start);
            errors.push(
                Diagnostic::error(at, format!("this math block is too long ({} bytes)", range.len())).with_hint(format!(
                    "a block may have at most {MAX_LINE_BYTES} bytes, as a logical line of a model may; split it into blocks"
                )),
            );
            continue;
        }
        let nodes = match parse_math(&text[range.clone()], range.start) {
            Ok(mut nodes) => {
                macros.apply(&mut nodes);
                drop_inner_comments(&mut nodes);
                nodes
            }
            Err(e) => {
                errors.push(e);
                ended_with_derivation = false;
                continue;
            }
        };
        // The head of the derivation read just before in this block, if it is the last read.
        let mut head_above: Option<String> = None;
        for chain in chains(text, nodes, names, &mut errors) {
            if chain.above {
                // A block that starts with `=`: its steps go on from the derivation the block
                // above ended with, if it ended with one.
                let first = chain.parts.get(1).and_then(|p| p.relation).map_or(Span::default(), |r| r.1);
                ended_with_derivation =
                    match (chain.read(names, text), derivations.last_mut().filter(|_| ended_with_derivation)) {
                        (Ok(Some(d)), Some(above)) => {
                            above.steps.extend(d.steps);
                            true
                        }
                        (Ok(_), _) => {
                            errors.push(no_left_side(first));
                            false
                        }
                        (Err(e), _) => {
                            errors.push(e);
                            false
                        }
                    };
                head_above = None;
                continue;
            }
            let read = chain.read(names, text);
            ended_with_derivation = matches!(read, Ok(Some(_)));
            match read {
                Ok(Some(d)) => {
                    // A row that writes the left side of the chain above it again (seed 004's
                    // `&\frac{∂L}{∂W} = … \\ &\frac{∂L}{∂W} = …`, `\hat y = 0.498 + … \\ \hat y =
                    // 5.478`) goes on with that chain: the same head, more steps. Its first step
                    // is a claim about that head, as written, and is compared with it.
                    let head = expr_to_string(&d.head, Spelling::Canonical);
                    match derivations.last_mut() {
                        Some(above) if head_above.as_ref() == Some(&head) => {
                            let mut steps = d.steps;
                            steps[0].restates = true;
                            above.steps.extend(steps)
                        }
                        _ => {
                            head_above = Some(head);
                            derivations.push(d);
                        }
                    }
                }
                Ok(None) => head_above = None,
                Err(e) => {
                    head_above = None;
                    errors.push(e);
                }
            }
        }
    }
    (derivations, errors, ended_with_derivation)
}

/// How a row relates its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    Step(Relation),
    /// `=_{\text{def}}`, `:=`, `\coloneqq`, `\equiv`: a definition, not a step.
    Definition,
    /// `=:`, `\eqqcolon`: the name after it is defined as what is before it (`\sigma(1-\sigma)
    /// \eqqcolon s`); the chain goes on from what is before it.
    Named,
    /// `\in`: a declaration (`W \in \mathbb{R}^{m \times n}`) when it is a row's first relation,
    /// skipped as a definition is; after a step, not a step of a derivation.
    Membership,
    /// `<`, `\le`, `\Rightarrow`, …: not a step of a derivation.
    Other,
    /// `\overset{!}{=}`, `\overset{\text{set}}{=}`: a condition imposed ("must equal"), not a step.
    Condition,
}

/// One side of a relation.
#[derive(Debug, Clone)]
struct Part {
    relation: Option<(Relation, Span)>,
    nodes: Vec<Node>,
    note: Option<String>,
}

#[derive(Debug, Default)]
struct Chain {
    parts: Vec<Part>,
    /// A relation that makes the chain no derivation, with its span.
    refused: Option<Diagnostic>,
    /// Its head is the right side of a definition (`\theta_j := \theta_j - \alpha g_j = …`): a
    /// chain only if steps follow it.
    defined: bool,
    /// It starts its block with a relation (`$$ = 0.484176 $$` after prose): its steps go on from
    /// the derivation the block above ended with.
    above: bool,
}

/// One row of a block as its equations: each pair of `align` columns is one (`A &= B, & C &= D`
/// holds two), and so is a pair that goes on with a relation (`alignat`'s `A &= B &&= C`).
type Row = Vec<Vec<Node>>;

/// The `%` comments inside braces, brackets, a command's arguments or scripts (`\frac{4x % four
/// x` and a new line, `}{2}`): TeX never sees them, and neither does the reader (they were
/// "cannot read this here", and in a sum's index "a sum without an index": a LaTeX tester). A
/// comment of a row itself, or of the rows of an environment, is the note it may be.
fn drop_inner_comments(nodes: &mut [Node]) {
    fn inner(nodes: &mut Vec<Node>) {
        nodes.retain(|n| !matches!(n, Node::Comment(..)));
        drop_inner_comments(nodes);
    }
    for node in nodes.iter_mut() {
        match node {
            Node::Group(nodes, _) | Node::Paren(_, nodes, _, _) => inner(nodes),
            Node::Cmd(_, args, _) => args.iter_mut().for_each(inner),
            Node::Attach { base, sub, sup, .. } => {
                drop_inner_comments(std::slice::from_mut(&mut **base));
                [sub, sup].into_iter().flatten().for_each(inner);
            }
            Node::Env(_, body, _) => drop_inner_comments(body),
            _ => {}
        }
    }
}

/// The rows of a block. A `%` comment stays in its row as a node; one that starts a row on the
/// line where the previous row ended belongs to that row. A pair of columns after the first
/// that holds no relation is the notes column: its `\text{…}` is the note of the step before it,
/// the rest is ignored.
fn rows(text: &str, nodes: Vec<Node>, names: &Names, errors: &mut Vec<Diagnostic>) -> Vec<Row> {
    let mut flat = Vec::new();
    flatten(nodes, &mut flat);
    if !has_relation(&flat) {
        if let Some((k, command)) = hidden_step_at(&flat) {
            errors.push(hidden_step(&flat[k], command));
        }
    }
    // A step in text going on with the chain, `&\text{$= 3y$}`: it prints under the chain, and
    // was passed over as a remark (a LaTeX tester).
    // (Only where the text starts its row, after the row's one `&`: in the notes column, `&&
    // \text{$= x \cdot 2$ too}`, it is a remark; a reviewer.)
    let starts_row = |k: usize| {
        let before: Vec<&Node> =
            flat[..k].iter().rev().take_while(|n| !matches!(n, Node::Row(_))).filter(|n| is_written(n)).collect();
        matches!(before.as_slice(), [] | [Node::Amp(_)])
    };
    for n in flat.iter().enumerate().filter(|&(k, n)| is_text(n) && starts_row(k)).map(|(_, n)| n) {
        let Node::Cmd(c, args, span) = n else { continue };
        // (The reader's tree drops the `$` of math in text: the text says where it is.)
        let dollar = text.get(span.start..span.end).is_some_and(|t| t.contains('$'));
        let math: Vec<Node> =
            args[0].iter().filter(|m| is_written(m) && !matches!(m, Node::Sym('$', _))).cloned().collect();
        if dollar && math.len() > 1 && matches!(relation_of(&math, 0), Some(Found { rel: Rel::Step(_), .. })) {
            errors.push(hidden_step(n, Some(c.as_str())));
        }
    }
    let flat = merge_relation_columns(flat);
    let mut rows: Vec<Row> = vec![vec![Vec::new()]];
    let mut amps: Vec<usize> = vec![0];
    let mut last_end: Option<usize> = None;
    let mut nodes = flat.into_iter().peekable();
    while let Some(node) = nodes.next() {
        match node {
            Node::Row(span) => {
                rows.push(vec![Vec::new()]);
                amps.push(0);
                skip_line_break_argument(span, &mut nodes, errors, false);
            }
            Node::Comment(c, span) => {
                let k = rows.len() - 1;
                let target = match last_end {
                    Some(end)
                        if rows[k].iter().all(Vec::is_empty)
                            && k > 0
                            && text.get(end..span.start).is_some_and(|t| !t.contains('\n')) =>
                    {
                        k - 1
                    }
                    _ => k,
                };
                last_group(&mut rows[target]).push(Node::Comment(c, span));
            }
            Node::Amp(span) => {
                let k = rows.len() - 1;
                amps[k] += 1;
                if amps[k].is_multiple_of(2) {
                    rows[k].push(Vec::new());
                } else {
                    // The `&` inside a pair stays until the pair is classified.
                    last_group(&mut rows[k]).push(Node::Amp(span));
                }
            }
            other => {
                last_end = Some(other.span().end);
                last_group(rows.last_mut().expect("one row")).push(other);
            }
        }
    }
    let rows = continued_rows(rows);
    rows.into_iter()
        .map(|row| equations_of_row(row, names, text))
        .filter(|row| row.iter().flatten().any(|x| !matches!(x, Node::Comment(..))))
        .collect()
}

/// Where a block with no relation of its own holds a step's relation (`=`, `\approx`) inside a
/// command that draws around it, sets it in another style or as text (`\underbrace{x + x =
/// 3x}_{…}`, `\mbox{$…$}`, `\colorbox{yellow}{$…$}`, `\llap{$…$}`; the parser gives some of them
/// no arguments, so that the groups they take follow them), in braces beside other things, or
/// inside brackets that are all the block is (`\left( x + x = 3x \right)`, `\left. … \right\}`):
/// the node and the wrapper's name (`{` for braces, none for brackets). Not in a script
/// (`\sum_{i=1}`), nor in brackets among other things (`P(y = 1 \mid x)`, `\Pr(y = 1)`: a
/// reviewer), nor in commands whose arguments are numbers of their own (`\binom{n}{k=2}`).
fn hidden_step_at(flat: &[Node]) -> Option<(usize, Option<&str>)> {
    fn step(nodes: &[Node]) -> bool {
        (0..nodes.len()).any(|i| matches!(relation_of(nodes, i), Some(Found { rel: Rel::Step(_), .. })))
            || nodes.iter().any(|n| matches!(n, Node::Group(inner, _) if step(inner)))
    }
    // A step anywhere inside, through braces, brackets that are all there is, and the arguments of
    // any command but those whose arguments are numbers of their own (`\binom{n}{k=2}`): the
    // command draws, sets or boxes it somehow (`\text{$…$}`, `\ensuremath`, `\llap`,
    // `\underline`, `\operatorname`, MathJax's `\enclose`, `\href`; a LaTeX tester found 30 such
    // passed over without a word after the list of wrappers above was refused).
    fn deep(nodes: &[Node]) -> bool {
        let written: Vec<&Node> = nodes.iter().filter(|n| is_written(n)).collect();
        step(nodes)
            || written.iter().any(|n| match n {
                Node::Group(inner, _) => deep(inner),
                Node::Cmd(c, args, _) => !NUMBERS_OF_THEIR_OWN.contains(&c.as_str()) && args.iter().any(|a| deep(a)),
                Node::Attach { base, .. } => deep(std::slice::from_ref(&**base)),
                Node::Paren(_, inner, _, _) => written.len() == 1 && deep(inner),
                _ => false,
            })
    }
    let written: Vec<usize> = (0..flat.len()).filter(|&k| is_written(&flat[k])).collect();
    // (Brackets are all the block holds beside punctuation and remarks: `( x + x = 3x ).`, a
    // second tester.)
    let alone = written.iter().filter(|&&k| !is_aside(&flat[k])).count() == 1;
    written.iter().find_map(|&k| {
        let base = match &flat[k] {
            Node::Attach { base, .. } => &**base,
            n => n,
        };
        match base {
            Node::Cmd(c, args, _) if !NUMBERS_OF_THEIR_OWN.contains(&c.as_str()) && args.iter().any(|a| deep(a)) => {
                Some((k, Some(c.as_str())))
            }
            Node::Group(inner, _) if deep(inner) => {
                let before = flat[..k].iter().rev().find(|n| !matches!(n, Node::Group(..) | Node::Paren('[', ..)));
                match before {
                    Some(Node::Cmd(c, args, _)) if args.is_empty() && NUMBERS_OF_THEIR_OWN.contains(&c.as_str()) => {
                        None
                    }
                    Some(Node::Cmd(c, args, _)) if args.is_empty() => Some((k, Some(c.as_str()))),
                    _ => Some((k, Some("{"))),
                }
            }
            Node::Paren(_, inner, _, _) if alone && deep(inner) => Some((k, None)),
            _ => None,
        }
    })
}

/// Commands whose arguments are numbers or conditions of their own, never an equation drawn in
/// some way: `\binom{n}{k=2}`, a sum's `\substack{i=1}`.
const NUMBERS_OF_THEIR_OWN: [&str; 5] = ["binom", "tbinom", "dbinom", "substack", "sideset"];

/// A block whose only equation is inside a command or a bracket that draws something around it:
/// refused, never passed over without a word (a LaTeX tester: `\underbrace{x + x =
/// 3x}_{\text{answer}}`, `\mbox{$…$}`, `\left( … \right)` left a false step unchecked and the
/// report clean).
fn hidden_step(wrapper: &Node, command: Option<&str>) -> Diagnostic {
    let what = match command {
        Some("{") => "braces".to_string(),
        Some(c) => format!("`\\{c}{{…}}`"),
        None => "brackets".to_string(),
    };
    Diagnostic::error(wrapper.span(), format!("the equation inside {what} is not read"))
        .with_hint("write the steps outside it: an equation in a box (`\\boxed{…}`) is read, and so is one braced or coloured whole, the block nothing else; under a brace, in brackets, in text, `\\mbox`, a style or a coloured box it is not")
}

/// An operator a broken expression goes on with at the start of a row or before its break: `+`,
/// `-`, `±`, `\cdot`, `\times`, `\pm`, `\mp`.
fn is_binary_operator(n: &Node) -> bool {
    matches!(n, Node::Sym('+' | '-' | '±' | '∓', _))
        || matches!(n, Node::Cmd(c, args, _) if args.is_empty() && ["cdot", "times", "pm", "mp"].contains(&c.as_str()))
}

/// Rows that go on with the expression of the row before and then hold a relation of their own
/// (`&= x^2 + 2xy + y^2 \\ &\quad - x^2 + 2xy - y^2 = 4xy`), joined to that row: an empty first
/// column and a binary operator first say that the expression is not finished. (Without a
/// relation such a row continues the expression already, in [`add_group`].)
fn continued_rows(rows: Vec<Row>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        let goes_on = |row: &Row| {
            let Some(first) = row.first() else { return false };
            let written: Vec<&Node> = first.iter().filter(|n| is_written(n)).collect();
            matches!(written.as_slice(), [Node::Amp(_), op, ..] if is_binary_operator(op)) && has_relation(first)
        };
        // The row above has a left side before its `&` (`(x+y)^2 &= …`) or goes on with a
        // relation there (`&= …`): the `&` of this row sits at the relation, and what follows it
        // is the right side going on. Where the row above starts with `&` and then its own
        // equation (`& \log\sigma(x) = … \\ & -\log\sigma(x) = …`), the `&` only aligns rows
        // on the left: each row is an equation of its own.
        let aligned_at_relation = |row: &Row| {
            let Some(first) = row.first() else { return false };
            let written: Vec<Node> = first.iter().filter(|n| is_written(n)).cloned().collect();
            match written.as_slice() {
                [Node::Amp(_), rest @ ..] => !rest.is_empty() && relation_of(rest, 0).is_some(),
                [_, ..] => written.iter().any(|n| matches!(n, Node::Amp(_))),
                [] => false,
            }
        };
        match out.last_mut() {
            Some(before) if before.len() == 1 && row.len() == 1 && aligned_at_relation(before) && goes_on(&row) => {
                let mut nodes = row.into_iter().next().expect("one group");
                nodes.retain(|n| !matches!(n, Node::Amp(_)));
                // (The quad that indents it, `\\ &\quad - x^2 …`, is no cut between equations.)
                let indent = nodes.iter().take_while(|n| is_layout(n) || matches!(n, Node::Comment(..))).count();
                before[0]
                    .extend(nodes.into_iter().enumerate().filter(|(k, n)| *k >= indent || !is_quad(n)).map(|(_, n)| n));
            }
            _ => out.push(row),
        }
    }
    out
}

fn last_group(row: &mut Row) -> &mut Vec<Node> {
    if row.is_empty() {
        row.push(Vec::new());
    }
    row.last_mut().expect("one group")
}

/// The equations of a row: each pair of columns cleaned; a pair after the first that is no
/// equation gives its notes to the pair before it; empty pairs go. A later pair is an equation
/// when it has a left side of its own (`& C &= D`) or goes on with a relation (`&&= C`); else it
/// is the notes column (`&& \text{by (3)}`, and `&& G_2 = 784`, which `render` writes for a note).
fn equations_of_row(row: Row, names: &Names, text: &str) -> Row {
    let mut out: Row = Vec::new();
    // The math of the notes pair just before, which is the left side of a pair that starts with a
    // relation (`A &= B && C &= D`: `C` sits in a pair of its own, `= D` in the next).
    let mut left_over: Vec<Node> = Vec::new();
    for (k, group) in row.into_iter().map(|g| gaps_as_quads(g, text)).flat_map(split_at_quads).enumerate() {
        let mut group = clean_row(group, names, text);
        let starts_with_relation = {
            let written: Vec<Node> =
                group.iter().filter(|n| !matches!(n, Node::Comment(..) | Node::Amp(_))).cloned().collect();
            !written.is_empty() && relation_of(&written, 0).is_some()
        };
        if k > 0 && starts_with_relation && !left_over.is_empty() {
            group.splice(0..0, std::mem::take(&mut left_over));
        }
        left_over.clear();
        let (left, right) = match group.iter().position(|n| matches!(n, Node::Amp(_))) {
            Some(at) => (&group[..at], &group[at + 1..]),
            None => (&group[..], &group[..0]),
        };
        let written = |nodes: &[Node]| -> Vec<Node> {
            nodes.iter().filter(|n| !matches!(n, Node::Comment(..) | Node::Amp(_))).cloned().collect()
        };
        let (left, right) = (written(left), written(right));
        let equation =
            (!left.is_empty() && has_relation(&group)) || (!right.is_empty() && relation_of(&right, 0).is_some());
        let group: Vec<Node> = group.into_iter().filter(|n| !matches!(n, Node::Amp(_))).collect();
        // A later pair that starts with a binary operator goes on with the equation before it
        // (`alignat`'s `x(1+y) &= x + xy &&+ x`, which prints `x(1+y) = x + xy + x`): never a
        // note. (Dropped as one, a false step was proved and a true one `wrong`: a LaTeX tester.)
        // (Math after the operator: `&\qquad& -\text{ expanded}` is a note, a reviewer.)
        let written: Vec<&Node> = group.iter().filter(|n| is_written(n)).collect();
        let goes_on =
            written.first().is_some_and(|n| is_binary_operator(n)) && written[1..].iter().any(|n| !is_text(n));
        if k > 0 && !equation && goes_on && out.last().is_some_and(|before| has_relation(before)) {
            out.last_mut().expect("an equation before").extend(group);
            continue;
        }
        // A row of text alone (`&\text{hence} \\` between two equations) is prose: notes.
        let prose =
            !group.is_empty() && group.iter().all(|n| is_text(n) || matches!(n, Node::Comment(..) | Node::Amp(_)));
        if (k > 0 && !equation) || prose {
            left_over = group
                .iter()
                .filter(|n| !matches!(n, Node::Comment(..) | Node::Amp(_)) && !is_text(n))
                .cloned()
                .collect();
            let notes = group.into_iter().filter_map(|n| match n {
                Node::Comment(..) => Some(n),
                Node::Cmd(name, args, span) if name == "text" && args.len() == 1 => {
                    Some(Node::Comment(text_of(&args[0]), span))
                }
                _ => None,
            });
            last_group(&mut out).extend(notes);
            continue;
        }
        out.push(trailing_text_as_note(group, names));
    }
    out.retain(|g| !g.is_empty());
    out
}

/// An equation whose last nodes are `\text{…}` (`&= 2x \quad \text{(power rule)}`, the spacing
/// gone by now), with those as notes, as a notes column's are: text is never a value, and at
/// the end of an equation it says what the step did. Text elsewhere stays what it was (an error
/// where the step is read).
fn is_text(n: &Node) -> bool {
    matches!(n, Node::Cmd(name, args, _) if ["text", "textrm"].contains(&name.as_str()) && args.len() == 1)
}

fn trailing_text_as_note(mut group: Vec<Node>, names: &Names) -> Vec<Node> {
    let start = group.iter().rposition(|n| !is_text(n) && !matches!(n, Node::Comment(..))).map_or(0, |k| k + 1);
    // (Not a group of text alone: that is no equation.)
    if start == 0 || !has_relation(&group[..start]) {
        return group;
    }
    // One word in text right after the math that the model declares, `w \, \text{net}`, is a
    // name written as the docs spell one, a factor of the step, never dropped as a note (`= w \,
    // \text{net}` was proved read as `= w`: an adversarial tester). Behind a quad, or a word the
    // model does not declare (`\text{trivially}`), it is a note.
    let one_word = |n: &Node| match n {
        Node::Cmd(_, args, _) => {
            let t = text_of(&args[0]);
            !t.is_empty() && t == t.trim() && names.declares(&t)
        }
        _ => false,
    };
    let quad_before = group[..start].iter().rev().find(|n| !matches!(n, Node::Comment(..))).is_some_and(is_quad);
    if group[start..].iter().filter(|n| is_text(n)).count() == 1 && one_word(&group[start]) && !quad_before {
        return group;
    }
    for n in &mut group[start..] {
        if let Node::Cmd(_, args, span) = n {
            *n = Node::Comment(text_of(&args[0]), *span);
        }
    }
    group
}

/// Whether a node is written math: not a comment, not layout (`\label`, `\quad`, …).
fn is_written(n: &Node) -> bool {
    !matches!(n, Node::Comment(..)) && !is_layout(n)
}

/// Whether `nodes` are row environments (`aligned`, …) and nothing else but layout.
fn only_rows(nodes: &[Node]) -> bool {
    let mut written = nodes.iter().filter(|n| is_written(n)).peekable();
    written.peek().is_some()
        && written.all(|n| matches!(n, Node::Env(name, ..) if ROW_ENVIRONMENTS.contains(&name.as_str())))
}

fn has_relation(nodes: &[Node]) -> bool {
    (0..nodes.len()).any(|i| relation_of(nodes, i).is_some())
}

/// Punctuation, or a remark in text: beside a wrapped equation, no operand of it.
fn is_aside(n: &Node) -> bool {
    matches!(n, Node::Sym('.' | ',' | ';', _)) || is_text(n)
}

/// A relation of `nodes`, or of the one thing they hold (beside punctuation and remarks) where
/// that is braced or boxed, layer under layer: `\textcolor{red}{\boxed{x + x = 3x}}`, `{{…}}`
/// (passed over without a word: a LaTeX tester).
fn has_wrapped_relation(nodes: &[Node]) -> bool {
    if has_relation(nodes) {
        return true;
    }
    let written: Vec<&Node> = nodes.iter().filter(|n| is_written(n) && !is_aside(n)).collect();
    match written.as_slice() {
        [Node::Group(inner, _)] => has_wrapped_relation(inner),
        [Node::Cmd(c, args, _)] if c == "boxed" && args.len() == 1 => has_wrapped_relation(&args[0]),
        _ => false,
    }
}

/// `eqnarray`'s three columns, `A &=& B`: the relation's own column does not start another pair
/// of columns, so the `&` after it is dropped.
fn merge_relation_columns(flat: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(flat.len());
    for node in flat {
        if matches!(node, Node::Amp(_)) {
            let last_break = out.iter().rposition(|x| matches!(x, Node::Amp(_) | Node::Row(_)));
            if let Some(k) = last_break.filter(|k| matches!(out[*k], Node::Amp(_))) {
                let between: Vec<Node> = out[k + 1..].iter().filter(|x| !is_layout(x)).cloned().collect();
                if !between.is_empty() && relation_of(&between, 0).is_some_and(|r| r.width == between.len()) {
                    continue;
                }
            }
        }
        out.push(node);
    }
    out
}

/// The rows of a three-column layout (`eqnarray`) as `align`'s two: the `&` that ends each row's
/// middle column is dropped (`A &=& B` is `A &= B`, `&& + x` is `& + x`). A `&` inside a nested
/// environment or group is no column of these rows.
fn relation_column_dropped(body: Vec<Node>) -> Vec<Node> {
    let mut amps = 0;
    body.into_iter()
        .filter(|n| match n {
            Node::Row(_) => {
                amps = 0;
                true
            }
            Node::Amp(_) => {
                amps += 1;
                amps != 2
            }
            _ => true,
        })
        .collect()
}

/// The optional argument of a line break, `\\[2pt]` or `\\*[1ex]`: amsmath reads a `[` right after
/// `\\` as a length, so it is never math. A `[…]` there that is not a length is an error (LaTeX
/// would stop on it too). In the cells of a matrix or `cases` (`adjacent`), a bracket after a
/// space, `\\ [y]`, is math: there `\\` does not look past spaces (it was refused as a length
/// inside a `pmatrix`: a reviewer, with pdflatex).
fn skip_line_break_argument(
    row: Span,
    nodes: &mut std::iter::Peekable<impl Iterator<Item = Node>>,
    errors: &mut Vec<Diagnostic>,
    adjacent: bool,
) {
    let mut end = row.end;
    if let Some(Node::Sym('*', star)) = nodes.peek() {
        end = star.end;
        nodes.next();
    }
    if adjacent && nodes.peek().is_some_and(|n| n.span().start != end) {
        return;
    }
    match nodes.peek() {
        Some(Node::Paren('[', inner, ']', span)) => {
            if !is_length(inner) {
                errors.push(
                    Diagnostic::error(join(row, *span), "a `[` right after `\\\\` is a spacing length, not math")
                        .with_hint("write a length (`\\\\[2pt]`), or put the bracket in braces: `\\\\ {[a+b]}`"),
                );
            }
            nodes.next();
        }
        Some(Node::Sym('[', span)) => {
            errors.push(
                Diagnostic::error(join(row, *span), "a `[` right after `\\\\` is a spacing length, not math")
                    .with_hint("close the length, `\\\\[2pt]`, or put the bracket in braces: `\\\\ {[a+b]}`"),
            );
        }
        _ => {}
    }
}

/// TeX's units of length.
const UNITS: [&str; 12] = ["pt", "mm", "cm", "in", "ex", "em", "bp", "pc", "dd", "cc", "sp", "mu"];

/// Whether the inside of `[…]` is a length: a signed number with a unit (`2pt`, `-0.5ex`), or a
/// length command with an optional factor (`\jot`, `0.5\baselineskip`).
fn is_length(nodes: &[Node]) -> bool {
    let nodes = match nodes {
        [Node::Sym('-' | '+', _), rest @ ..] => rest,
        _ => nodes,
    };
    match nodes {
        [Node::Num(..), Node::Word(unit, _)] => UNITS.contains(&unit.as_str()),
        [Node::Num(..), Node::Cmd(_, args, _)] | [Node::Cmd(_, args, _)] => args.is_empty(),
        _ => false,
    }
}

/// The text of a node inside `\text{…}` or over a relation (`\overset{\text{alg.}}{=}`).
fn plain_text(n: &Node) -> String {
    match n {
        Node::Word(w, _) | Node::Num(w, _) => w.clone(),
        Node::Sym(c, _) => c.to_string(),
        Node::Group(inner, _) => text_of(inner),
        Node::Paren(open, inner, close, _) => format!("{open}{}{close}", text_of(inner)),
        Node::Cmd(name, args, _) if args.is_empty() => format!("\\{name}"),
        Node::Cmd(_, args, _) => args.iter().map(|a| text_of(a)).collect::<Vec<_>>().join(" "),
        Node::Attach { base, sub, sup, .. } => {
            let script = |s: &Option<Vec<Node>>, mark: char| match s {
                Some(s) => format!("{mark}{{{}}}", text_of(s)),
                None => String::new(),
            };
            format!("{}{}{}", plain_text(base), script(sub, '_'), script(sup, '^'))
        }
        _ => String::new(),
    }
}

/// The text of nodes: words apart, punctuation and brackets against what they follow (the
/// spaces of the source are not in the tree).
fn text_of(nodes: &[Node]) -> String {
    let mut out = String::new();
    for n in nodes {
        let piece = plain_text(n);
        let joins = matches!(n, Node::Sym('.' | ',' | ';' | ':' | ')' | ']', _)) || out.ends_with(['(', '[']);
        if !out.is_empty() && !joins && !piece.is_empty() {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    out
}

/// Row environments nested in a block (`aligned` in `$$`) are read as its rows.
fn flatten(nodes: Vec<Node>, out: &mut Vec<Node>) {
    // A wrapper (braces, `\left. … \right\}`, an `array` of equations) is unwrapped only where
    // it is all there is, beside labels and comments: `\begin{array}{c} a+b=a+b \end{array}
    // \cdot 2 = 2a+2b` is a product, not rows (a reviewer).
    // (A full stop or comma after it, a remark in text beside it, are no operand: `\boxed{x + x =
    // 3x}.` and `\text{Answer: } \boxed{…}` were passed over without a word, and a wrong boxed
    // answer graded right: a LaTeX tester.)
    let written: Vec<usize> = (0..nodes.len()).filter(|&k| is_written(&nodes[k]) && !is_aside(&nodes[k])).collect();
    let whole = written.len() == 1;
    // A box stands alone where nothing it could be an operand of is beside it: what stands before
    // it is a relation, a `&` or a row's start, and after it a `&` or the row's end (`-\boxed{a =
    // -a}` and `\boxed{a = a + b} - b` were read as `-a = -a` and `a = a + b - b`: a second tester).
    let apart = |at: usize| {
        let k = written.iter().position(|&w| w == at);
        let before = k.and_then(|k| k.checked_sub(1)).map(|j| written[j]);
        let after = k.and_then(|k| written.get(k + 1)).copied();
        before.is_none_or(|b| matches!(nodes[b], Node::Amp(_) | Node::Row(_)) || relation_of(&nodes, b).is_some())
            && after.is_none_or(|a| matches!(nodes[a], Node::Amp(_) | Node::Row(_)))
    };
    let standalone: Vec<bool> = (0..nodes.len()).map(apart).collect();
    // Row environments side by side (`\begin{aligned} … \end{aligned} \qquad \begin{aligned} …
    // \end{aligned}`, only layout between): two boxes of rows, each read as rows of its own (their
    // rows were joined pairwise, `x + x = 2` and `x = x` read as `x + x = 2x = x`, a false step
    // proved: a LaTeX tester).
    let row_env = |n: &Node| matches!(n, Node::Env(name, ..) if ROW_ENVIRONMENTS.contains(&name.as_str()));
    let beside_rows: Vec<bool> = (0..nodes.len())
        .map(|at| row_env(&nodes[at]) && written.iter().rev().find(|&&w| w < at).is_some_and(|&w| row_env(&nodes[w])))
        .collect();
    for (at, node) in nodes.into_iter().enumerate() {
        if beside_rows[at] {
            let start = node.span().start;
            out.push(Node::Row(Span::new(start, start)));
        }
        match node {
            // The rows of `multline` are one equation broken where the page ends: a break beside
            // an operator (`… + y^2 \\ - x^2 …`) goes on with the expression; two equations
            // written in rows of it stay two rows.
            Node::Env(name, body, _) if name.starts_with("multline") => {
                let operator = |n: Option<&Node>| n.is_some_and(is_binary_operator);
                let written: Vec<&Node> = body.iter().filter(|n| is_written(n)).collect();
                let joined: Vec<usize> = written
                    .iter()
                    .enumerate()
                    .filter(|(k, n)| {
                        matches!(n, Node::Row(_))
                            && (operator(k.checked_sub(1).map(|j| written[j])) || operator(written.get(k + 1).copied()))
                    })
                    .map(|(_, n)| n.span().start)
                    .collect();
                let body =
                    body.into_iter().filter(|n| !(matches!(n, Node::Row(s) if joined.contains(&s.start)))).collect();
                flatten(body, out)
            }
            // `eqnarray`'s three columns, and an `array` of three laid out as its rows: the middle
            // one is the relation's, the third the right side, also where the first two are empty
            // (`&& + x` goes on with the right side above it; read as `align`'s notes column, a
            // false step was proved: a LaTeX tester, with pdflatex).
            Node::Env(name, body, _)
                if name.starts_with("eqnarray") || whole && name == THREE_COLUMN_ARRAY && has_relation(&body) =>
            {
                flatten(relation_column_dropped(body), out)
            }
            Node::Env(name, body, _) if ROW_ENVIRONMENTS.contains(&name.as_str()) => flatten(body, out),
            // A box drawn around a whole equation, or around its last steps: the box is no math.
            // Rows boxed whole only where the box is all there is (`-\boxed{\begin{aligned} a &=
            // -a …}` was read as `-a = -a` and proved: a second tester).
            Node::Cmd(name, mut args, _)
                if name == "boxed"
                    && args.len() == 1
                    && standalone[at]
                    && (has_wrapped_relation(&args[0]) || whole && only_rows(&args[0])) =>
            {
                flatten(args.remove(0), out)
            }
            // Rows wrapped whole, `{\begin{aligned}…\end{aligned}}`, `\left.\begin{aligned}…
            // \end{aligned}\right\}` (a brace drawn beside them): the rows (such a block was
            // passed over without a word, its false step unchecked: a LaTeX tester).
            // (Not `\left\{ … \right.`: a system of equations, no chain.)
            // So is an equation braced whole, `{x + x = 3x}`, coloured (`\textcolor{red}{…}`,
            // `{\color{red} …}`) or set in display style (`\displaystyle{…}`): it prints as it
            // stands (such a block was passed over without a word: a LaTeX tester).
            Node::Group(inner, _) if whole && (only_rows(&inner) || has_wrapped_relation(&inner)) => {
                flatten(inner, out)
            }
            // An `array` laid out as rows of equations (`\begin{array}{rcl} a &=& b \\ &=& c`),
            // which was read as a matrix with no relation and passed over: its rows.
            Node::Env(name, body, _) if whole && name == "array" && has_relation(&body) => flatten(body, out),
            Node::Paren('.', inner, _, _) if whole && only_rows(&inner) => flatten(inner, out),
            other => out.push(other),
        }
    }
}

/// Commands that only number a row, size its delimiters, or put prose between rows
/// (`\intertext{so}`; spacing is dropped by `tree`).
const LAYOUT: [&str; 12] = [
    "tag",
    "label",
    "nonumber",
    "notag",
    "quad",
    "qquad",
    GAP,
    "hspace",
    "left",
    "right",
    "intertext",
    "shortintertext",
];

/// The name of a gap as wide as a quad that the source writes with other spacing (`\enspace`,
/// `\;\;`, `~~`), which the reader's tree drops: put back as a node ([`gaps_as_quads`]), it cuts
/// two equations and marks a label as a quad does; between two operands it is spacing, as
/// before (`\sin x \enspace y` is `sin(x) y`). (No command is spelled so.)
const GAP: &str = " gap";

/// A row's group with a [`GAP`] node wherever the source writes a wide gap between two written
/// nodes that are not a column's `&` (a LaTeX tester: `x \cdot 0 = 1 \enspace y \cdot 0 = 0` was
/// read as one chain through the product `1 y`, both steps proved, and `&= 0.25 \enspace (2)` as
/// `0.25 · 2`).
fn gaps_as_quads(group: Vec<Node>, text: &str) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(group.len());
    for n in group {
        if let Some(before) = out.last() {
            let plain = |n: &Node| !matches!(n, Node::Amp(_) | Node::Comment(..)) && !is_quad(n);
            let (from, to) = (before.span().end, n.span().start);
            // (Not across a row's end or a column: rows joined, `\\ &\quad - x^2`, go on.)
            let gap = text.get(from..to).filter(|t| !t.contains("\\\\") && !t.contains('&'));
            if plain(before) && plain(&n) && from < to && gap.is_some_and(half_quad_gap) {
                out.push(Node::Cmd(GAP.to_string(), Vec::new(), Span::new(from, to)));
            }
        }
        out.push(n);
    }
    out
}

/// A pair of columns cut where a quad (`\quad`, `\qquad`, `\hspace{…}`) stands between two
/// equations, `x \cdot 0 = 1 \qquad y \cdot 0 = 0`: the second has a left side of its own, and is
/// an equation of its own as it would be after `&`. (The quad was dropped as spacing and the row
/// read as one chain, `x·0 = 1·y·0 = 0`, both steps proved: an adversarial tester.) A quad before
/// a relation (`= a \quad = b`) goes on with the chain.
///
/// Text first after the quad is prose. Where a relation follows it (`\qquad \text{(chain rule)}
/// \qquad = G (y - x)`), the text is the next step's note and the chain goes on; where a word that
/// joins two claims (`\text{and}`, `so`, `hence`, `thus`, `i.e.`) comes before an equation, it cuts
/// there. Other text is left where it is: alone at the end it is the step's note, and before
/// more math (`\quad \text{where } a = \sigma(z)`) it is refused as prose in a step, never
/// dropped with the math after it (a second tester: a wrong last step behind a remark was taken
/// into the note, and the row proved).
fn split_at_quads(group: Vec<Node>) -> Vec<Vec<Node>> {
    let mut out = Vec::new();
    let mut rest = group;
    let mut from = 0;
    loop {
        let Some(q) = (from..rest.len()).find(|&q| is_quad(&rest[q]) && has_relation(&rest[..q])) else {
            out.push(rest);
            return out;
        };
        let after: Vec<Node> = rest[q + 1..].iter().filter(|n| is_written(n)).cloned().collect();
        let leading_text = after.iter().take_while(|n| is_text(n)).count();
        let first_step = (0..after.len()).find_map(|i| relation_of(&after, i).map(|f| (i, f.rel)));
        let claim = matches!(first_step, Some((i, Rel::Step(_))) if i > leading_text);
        let goes_on = leading_text < after.len() && relation_of(&after[leading_text..], 0).is_some();
        let joins = leading_text > 0 && joining_word(&after[0]);
        // The text between the quad and what follows, as notes.
        let noted = |tail: &mut [Node]| {
            for n in tail.iter_mut().filter(|n| is_text(n)).take(leading_text) {
                if let Node::Cmd(_, args, span) = n {
                    *n = Node::Comment(text_of(&args[0]), *span);
                }
            }
        };
        // Prose alone between this quad and the one before it, not a word that joins two claims
        // (`x y = 0 \quad \text{if} \quad x = 0`): a condition on what follows, refused below as
        // prose in a step, as it is behind one quad (cut here, the condition was checked as a
        // claim of its own, and a true row was `wrong` twice: a tester).
        let between: Vec<&Node> = {
            let last_quad = rest[..q].iter().rposition(is_quad).map_or(0, |p| p + 1);
            rest[last_quad..q].iter().filter(|n| is_written(n)).collect()
        };
        let condition = !between.is_empty() && between.iter().all(|n| is_text(n)) && !joining_word(between[0]);
        if condition && leading_text == 0 {
            from = q + 1;
        } else if leading_text > 0 && goes_on {
            noted(&mut rest[q + 1..]);
            from = q + 1;
        } else if claim && (leading_text == 0 || joins) {
            let mut tail = rest.split_off(q + 1);
            rest.pop();
            noted(&mut tail);
            out.push(std::mem::replace(&mut rest, tail));
            from = 0;
        } else {
            from = q + 1;
        }
    }
}

/// Whether text is a word that joins two claims (`\text{and}`, `\text{i.e.}`, `\text{hence,}`).
fn joining_word(n: &Node) -> bool {
    let Node::Cmd(_, args, _) = n else { return false };
    let text = text_of(&args[0]).to_lowercase();
    let first = text.split_whitespace().next().unwrap_or_default().trim_end_matches([',', '.', ':', ';']);
    let letters: String = text.chars().filter(|c| c.is_alphabetic()).collect();
    CONNECTIVES.contains(&first) || letters == "ie"
}

/// Words that start prose, not a name, in `\text{…}` inside a step.
const PROSE: [&str; 22] = [
    "for",
    "if",
    "when",
    "where",
    "with",
    "since",
    "because",
    "by",
    "using",
    "as",
    "at",
    "and",
    "so",
    "hence",
    "thus",
    "therefore",
    "then",
    "or",
    "given",
    "assuming",
    "provided",
    "whenever",
];

/// What to write for an expectation, which is not read.
const EXPECTATION_HINT: &str = "an expectation is not read: write what it is for the case at hand (the average \
     `\\frac{1}{n} \\sum_{i=1}^{n} …`, or `p \\cdot a + (1 - p) \\cdot b` for two outcomes)";

/// Words in text after a quad that join two claims (`x = 1 \quad \text{and} \quad y = 2`).
const CONNECTIVES: [&str; 9] = ["and", "so", "hence", "thus", "therefore", "then", "ie", "or", "also"];

fn is_quad(n: &Node) -> bool {
    matches!(n, Node::Cmd(c, args, _) if (args.is_empty() && (c == "quad" || c == "qquad" || c == GAP)) || (c == "hspace" && args.len() == 1))
}

fn is_layout(n: &Node) -> bool {
    matches!(n, Node::Cmd(c, _, _) if LAYOUT.contains(&c.as_str()))
}

/// Whether a node is a bracketed decimal number, `(0.5)`.
fn decimal(n: &Node) -> bool {
    matches!(n, Node::Paren(_, inner, _, _) if matches!(inner.as_slice(), [Node::Num(n, _)] if n.contains('.')))
}

fn clean_row(nodes: Vec<Node>, names: &Names, text: &str) -> Vec<Node> {
    let mut out = nodes;
    // The last node that is not a comment: an equation label right after `\quad` (not the
    // argument of `\exp \quad (x)`: the label is the last thing and the quad just before it), or
    // punctuation, goes.
    while let Some(last) = out.iter().rposition(|n| !matches!(n, Node::Comment(..))) {
        let before = out[..last].iter().rposition(|n| !matches!(n, Node::Comment(..)));
        // (A label labels something: a row of a quad and `(x)` alone, `\\ &\quad (x) \\`, goes on
        // with the expression above, a factor; read as a label, a false step was proved: a
        // LaTeX tester.)
        let labels_something = |b: usize| out[..b].iter().any(|n| is_written(n) && !matches!(n, Node::Amp(_)));
        // (After a gap written otherwise than as a quad, not a name of the model: `3 \;\; (x)`
        // may be the product, and dropped as a label a false step was proved; a reviewer.)
        let synthetic = |b: usize| matches!(&out[b], Node::Cmd(c, _, _) if c == GAP);
        let label = before.is_some_and(|b| is_quad(&out[b]) && labels_something(b))
            && matches!(&out[last], Node::Paren('(', inner, ')', _) if is_label(inner)
                && !(before.is_some_and(synthetic) && inner.iter().any(|n| matches!(n, Node::Word(w, _) if names.declares(w)))));
        if label || matches!(out[last], Node::Sym('.' | ',' | ';', _)) {
            out.remove(last);
        } else {
            break;
        }
    }
    // A hand-written label at the start of a row, before a quad: `(2)\qquad y + y = 2y` prints
    // "(2)", a gap, then the equation (it was read `2y + y`: a true step `wrong`, and `(2)\quad
    // y = 2y` proved: a LaTeX tester, with pdflatex).
    // (Also before a gap the reader's tree drops, written in the source: `\enspace`,
    // `\phantom{xx}`, four `\;`; in square brackets, `[2]`, and as text, `(\mathrm{a})`: a
    // second tester found 298 false steps proved among 13,440 such rows.)
    let first = out.iter().position(|n| !matches!(n, Node::Comment(..) | Node::Amp(_)));
    if let Some(f) = first {
        let next = out[f + 1..].iter().position(|n| !matches!(n, Node::Comment(..))).map(|k| f + 1 + k);
        // (Not a name of the model, `(x)\quad y + y = 2y`: a factor or a label, it cannot be told,
        // and the quad is refused below; a reviewer.)
        let label = matches!(&out[f], Node::Paren('(' | '[', inner, ')' | ']', _)
            if is_label(&label_text(inner)) && !inner.iter().any(|n| matches!(n, Node::Word(w, _) if names.declares(w))));
        let gap = next
            .filter(|&q| is_quad(&out[q]) || text.get(out[f].span().end..out[q].span().start).is_some_and(wide_gap));
        if let (true, Some(q)) = (label, gap) {
            if has_relation(&out[q..]) {
                if is_quad(&out[q]) {
                    out.remove(q);
                }
                out.remove(f);
            }
        } else if let (true, Some(q)) =
            (label && !decimal(&out[f]), next.filter(|&q| !matches!(out[q], Node::Paren(..))))
        {
            // One thin space, `(2)\; y + y = 2y`: a label or a factor `2`, it cannot be told (it
            // was read `2y + y`, a true step `wrong`: a LaTeX tester). The brackets and the space
            // stay as the space, to be refused where the expression is read. (Not a decimal,
            // `(0.5)\; x`, nor before a bracket, `(2)\,(x + 1)`: products; a reviewer.)
            let (from, to) = (out[f].span().end, out[q].span().start);
            let thin = text
                .get(from..to)
                .and_then(|between| THIN_SPACES.iter().filter_map(|t| between.find(t).map(|at| (at, *t))).min());
            if let Some((at, t)) = thin.filter(|_| has_relation(&out[q..])) {
                let span = Span::new(out[f].span().start, from + at + t.len());
                out[f] = Node::Cmd(t.trim_start_matches('\\').to_string(), Vec::new(), span);
            }
        }
    }
    // A quad between two operands before the row's first relation (`2 \quad y = 2y`, `(a)
    // \quad`…): TeX prints a gap there, never a product; it stays, and is refused where the
    // expression is read, rather than dropped as spacing.
    let relation = (0..out.len()).find(|&i| relation_of(&out, i).is_some());
    let inside: Vec<bool> = (0..out.len())
        .map(|q| {
            matches!(&out[q], Node::Cmd(c, args, _) if args.is_empty() && (c == "quad" || c == "qquad"))
                && relation.is_some_and(|r| q < r && out[q + 1..r].iter().any(is_written))
                && !out[q + 1..].iter().find(|n| is_written(n)).is_some_and(is_binary_operator)
                && out[..q].iter().rev().find(|n| !matches!(n, Node::Comment(..))).is_some_and(|n| {
                    // (Not after an operator waiting for its argument, `\exp \quad x`.)
                    is_written(n)
                        && !is_text(n)
                        && !is_binary_operator(n)
                        && !matches!(n, Node::Amp(_) | Node::Cmd(_, _, _))
                })
        })
        .collect();
    out.into_iter().zip(inside).filter(|(n, inside)| *inside || !is_layout(n)).map(|(n, _)| n).collect()
}

/// The inside of a label's brackets with a text or roman command taken off: `(\mathrm{a})` is
/// `(a)`.
fn label_text(inner: &[Node]) -> Vec<Node> {
    match inner {
        [Node::Cmd(c, args, _)]
            if ["mathrm", "text", "textrm", "mathit", "textit", "textbf", "mathbf"].contains(&c.as_str())
                && args.len() == 1 =>
        {
            args[0].clone()
        }
        _ => inner.to_vec(),
    }
}

/// The thin spaces a row is written with, as the source spells them.
const THIN_SPACES: [&str; 5] = ["\\;", "\\,", "\\:", "\\ ", "~"];

/// Whether source text between two nodes writes a gap as wide as a label's (the reader's tree
/// drops spacing): a quad, `\enspace`, `\hspace`, `\hskip`, `\kern`, a phantom, or two thin
/// spaces or more (`\;\;`, `~~`).
fn wide_gap(between: &str) -> bool {
    let thin: usize = THIN_SPACES.iter().map(|t| between.matches(t).count()).sum();
    wide_command(between) || thin >= 2
}

/// Whether source text between two nodes writes a gap of at least half a quad: a wide command
/// ([`wide_gap`]'s), or thin spaces of 9mu or more together (`\;\;`, `~~`, `\,\,\,`; not `\,\,`,
/// a third of a quad, which sets a product apart).
fn half_quad_gap(between: &str) -> bool {
    // The widths in mu (a quad is 18): `\;` 5, `\,` 3, `\:` 4, and an interword space about 6.
    const MU: [u32; 5] = [5, 3, 4, 6, 6];
    let mu: u32 = THIN_SPACES.iter().zip(MU).map(|(t, w)| between.matches(t).count() as u32 * w).sum();
    wide_command(between) || mu >= 9
}

/// Whether source text holds a command that sets a gap as wide as a label's.
fn wide_command(between: &str) -> bool {
    let wide = [
        "\\quad",
        "\\qquad",
        "\\enspace",
        "\\enskip",
        "\\hspace",
        "\\hskip",
        "\\kern",
        "\\phantom",
        "\\hphantom",
        "\\hfill",
    ];
    wide.iter().any(|w| between.contains(w))
}

/// Whether the inside of `(…)` written after `\quad` at the end of a row is a hand-written
/// equation label: `(3)`, `(1a)`, `(b)`, `(iv)`, `(*)`, `(A.2)`. Nobody writes a product there
/// behind a space of a quad.
fn is_label(inner: &[Node]) -> bool {
    let short_word = |w: &str| w.chars().count() <= 4 && w.chars().all(|c| c.is_ascii_alphabetic());
    match inner {
        [Node::Num(..)] | [Node::Sym('*', _)] => true,
        [Node::Num(..), Node::Word(w, _)] | [Node::Word(w, _), Node::Num(..)] => short_word(w),
        [Node::Word(w, _)] => short_word(w),
        [Node::Word(w, _), Node::Sym('.', _), Node::Num(..)] => short_word(w),
        _ => false,
    }
}

/// A relation found in a row: what it is, how many nodes it takes, and the note written on it
/// (`\overset{\text{algebra}}{=}`, `=_{(1)}`).
struct Found {
    rel: Rel,
    width: usize,
    note: Option<String>,
}

fn relation_of(nodes: &[Node], i: usize) -> Option<Found> {
    let plain = |rel| Some(Found { rel, width: 1, note: None });
    match &nodes[i] {
        Node::Sym(':', _) if matches!(nodes.get(i + 1), Some(Node::Sym('=', _))) => {
            Some(Found { rel: Rel::Definition, width: 2, note: None })
        }
        Node::Sym('=', _) if matches!(nodes.get(i + 1), Some(Node::Sym(':', _))) => {
            Some(Found { rel: Rel::Named, width: 2, note: None })
        }
        // `=_{(1)}`, `=^{\text{alg.}}`: an `=` with a note.
        Node::Attach { base, sub, sup, primes: 0, .. } => {
            let annotation: Vec<Node> = sub.iter().chain(sup).flatten().cloned().collect();
            annotated(base, &annotation)
        }
        Node::Cmd(c, args, _) if ["overset", "underset", "stackrel"].contains(&c.as_str()) => match args.as_slice() {
            [annotation, rel] => match rel.as_slice() {
                [rel] => annotated(rel, annotation),
                _ => plain(Rel::Other),
            },
            // Without its two arguments it says nothing a step could be read from.
            _ => plain(Rel::Other),
        },
        n => plain(bare_relation(n)?),
    }
}

/// A relation written alone: `=`, `\approx`, `<`, `\in`, `\coloneqq`, ….
fn bare_relation(n: &Node) -> Option<Rel> {
    Some(match n {
        // Braced, `&{=}`, or made a relation or upright, `\mathrel{=}`, `\mathrm{=}`: it prints
        // the relation (a block of such steps was passed over without a word: a LaTeX tester).
        Node::Group(inner, _) if inner.len() == 1 => return bare_relation(&inner[0]),
        Node::Cmd(c, args, _)
            if ["mathrel", "mathrm"].contains(&c.as_str()) && args.len() == 1 && args[0].len() == 1 =>
        {
            return bare_relation(&args[0][0])
        }
        Node::Sym('=', _) => Rel::Step(Relation::Equal),
        Node::Sym('≈', _) => Rel::Step(Relation::Approx),
        Node::Cmd(c, _, _) if c == "approx" => Rel::Step(Relation::Approx),
        Node::Sym('≡' | '≜' | '≝', _) => Rel::Definition,
        Node::Cmd(c, _, _) if ["coloneqq", "equiv", "triangleq", "doteq", "defeq"].contains(&c.as_str()) => {
            Rel::Definition
        }
        // (Read as `:=`, `\eqqcolon` made its name the head, and a true step `wrong`: a LaTeX
        // tester. Not mathtools' `\eqcolon`, which prints `−:`: a reviewer.)
        Node::Cmd(c, _, _) if c == "eqqcolon" => Rel::Named,
        Node::Sym(
            '<' | '>' | '≤' | '≥' | '≠' | '⇒' | '→' | '≃' | '≅' | '∼' | '∝' | '≊' | '≒' | '≓' | '≍' | '≲' | '≳' | '≪'
            | '≫' | '⇔' | '⟹' | '⟶' | '↦',
            _,
        ) => Rel::Other,
        Node::Cmd(c, _, _)
            if [
                "le",
                "leq",
                "ge",
                "geq",
                "neq",
                "ne",
                "lt",
                "gt",
                "Rightarrow",
                "implies",
                "to",
                "iff",
                "Leftrightarrow",
                "propto",
                "sim",
                "simeq",
                "cong",
                "leftarrow",
                "rightarrow",
                "mapsto",
                // Relations of being near or alike that are not `\approx` (each block of one
                // was passed over without a word: a LaTeX tester), and mathtools' `\coloneq`
                // (`:−`).
                "approxeq",
                "thickapprox",
                "thicksim",
                "fallingdotseq",
                "risingdotseq",
                "doteqdot",
                "Doteq",
                "eqsim",
                "backsim",
                "backsimeq",
                "asymp",
                "bumpeq",
                "Bumpeq",
                "eqcirc",
                "circeq",
                "lesssim",
                "gtrsim",
                "ll",
                "gg",
                "coloneq",
                "eqcolon",
            ]
            .contains(&c.as_str()) =>
        {
            Rel::Other
        }
        Node::Cmd(c, _, _) if c == "in" => Rel::Membership,
        Node::Sym('∈', _) => Rel::Membership,
        _ => return None,
    })
}

/// A relation with something written over or under it. Over `=` or `\approx`, a note (`algebra`,
/// `(1)`) makes a step with that note; `def`, `\triangle` or `:` make a definition. A relation
/// that is not a step stays what it is.
fn annotated(rel: &Node, annotation: &[Node]) -> Option<Found> {
    let rel = bare_relation(rel)?;
    let text = text_of(annotation);
    let letters: String = text.chars().filter(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
    let defines = ["def", "defn", "df", "definition"].contains(&letters.as_str())
        || ["\\triangle", "\\vartriangle", "\\Delta", ":", "\\triangleq"].contains(&text.trim());
    // (A condition was checked as an identity, and a student's right gradient told `wrong`, "a
    // term is missing": a LaTeX tester.)
    let imposed = text.trim() == "!"
        || ["set", "must", "mustbe", "setto", "require", "required", "want"].contains(&letters.as_str());
    let rel = match rel {
        Rel::Step(_) if defines => Rel::Definition,
        Rel::Step(Relation::Equal) if imposed => Rel::Condition,
        other => other,
    };
    let note = Some(text.trim().to_string()).filter(|t| !t.is_empty());
    Some(Found { rel, width: 1, note })
}

/// A part's note with `said` added after what it says already.
fn add_note(note: &mut Option<String>, said: &str) {
    *note = Some(match note.take() {
        Some(n) => format!("{n}; {said}"),
        None => said.to_string(),
    });
}

/// What a group of a row did to the chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Added {
    /// It started a chain (it has a left side).
    Started,
    /// It went on with the chain above it.
    Continued,
    /// It ended the chain above it (a definition, a declaration, a refused relation), or was
    /// refused.
    Ended,
}

/// The chains of a block: a row with a left side starts one, a row starting with a relation
/// continues it, a row without a relation continues the expression of the row before. A row
/// that holds two equations starts two chains; a row that would go on from such a row is
/// refused, since it cannot be told which of the two it continues.
fn chains(text: &str, nodes: Vec<Node>, names: &Names, errors: &mut Vec<Diagnostic>) -> Vec<Chain> {
    let mut chains: Vec<Chain> = Vec::new();
    // The last row that started chains started two or more.
    let mut two_equations = false;
    for row in rows(text, nodes, names, errors) {
        if two_equations && row.first().is_some_and(|group| continues(group)) {
            let at = row.iter().flatten().find(|n| !matches!(n, Node::Comment(..))).map_or(Span::default(), Node::span);
            errors.push(Diagnostic::error(at, "this row goes on from a row that holds two equations").with_hint(
                "it cannot be told which of the two it continues: write each equation's chain in rows of its own",
            ));
            continue;
        }
        let mut started = 0;
        for group in row {
            match add_group(&mut chains, group, errors) {
                Added::Started => started += 1,
                Added::Continued => {}
                Added::Ended => two_equations = false,
            }
        }
        if started > 0 {
            two_equations = started > 1;
        }
    }
    chains
}

/// Whether a group goes on from the row before it: it starts with a relation, or has none.
fn continues(group: &[Node]) -> bool {
    let nodes: Vec<Node> = group.iter().filter(|n| !matches!(n, Node::Comment(..))).cloned().collect();
    nodes.is_empty() || relation_of(&nodes, 0).is_some() || !has_relation(&nodes)
}

/// Adds one equation of a row to the chains.
fn add_group(chains: &mut Vec<Chain>, row: Vec<Node>, errors: &mut Vec<Diagnostic>) -> Added {
    // Split at the relations of the row's top level.
    let mut parts: Vec<Part> = vec![Part { relation: None, nodes: Vec::new(), note: None }];
    let mut definition = false;
    let mut declaration = false;
    let mut defined_after = false;
    let mut named = false;
    let mut other: Option<Span> = None;
    let mut imposed = false;
    let mut i = 0;
    while i < row.len() {
        match relation_of(&row, i) {
            Some(Found { rel: Rel::Step(r), width, note }) => {
                parts.push(Part { relation: Some((r, row[i].span())), nodes: Vec::new(), note });
                i += width;
            }
            // `A &= B \equiv C`: the steps before the definition are steps; it ends the chain.
            Some(Found { rel: Rel::Definition, .. }) if parts.len() > 1 => {
                defined_after = true;
                break;
            }
            // `\theta_j := \theta_j - \alpha g_j = …` (CS229's update): what is defined is the
            // model's business; its right side is the head of the steps that follow it.
            Some(Found { rel: Rel::Definition, width, .. }) => {
                definition = true;
                parts = vec![Part { relation: None, nodes: Vec::new(), note: None }];
                i += width;
            }
            // `A =: s = C`: `s` names `A`, and the chain goes on from `A` (`A = C`).
            Some(Found { rel: Rel::Named, width, .. }) => {
                named = true;
                i += width;
                while i < row.len() && relation_of(&row, i).is_none() {
                    i += 1;
                }
            }
            Some(Found { rel: Rel::Membership, .. }) if parts.len() == 1 => {
                declaration = true;
                break;
            }
            // A condition imposed after a step ends the row there, said in the note of the part
            // before it (the steps before it are checked).
            Some(Found { rel: Rel::Condition, .. }) if parts.len() > 1 && parts.iter().any(|p| !p.nodes.is_empty()) => {
                let k = parts.iter().rposition(|p| !p.nodes.is_empty()).expect("a part");
                add_note(
                    &mut parts[k].note,
                    "a condition imposed after this (\"must equal\"), and what follows it in the row, is not checked",
                );
                break;
            }
            Some(Found { rel: rel @ (Rel::Other | Rel::Membership | Rel::Condition), .. }) => {
                other = Some(row[i].span());
                imposed = rel == Rel::Condition;
                break;
            }
            None => {
                if let Node::Comment(c, _) = &row[i] {
                    // The note of the part written before it (of the chain's last part when
                    // the row has none yet).
                    let k = parts.iter().rposition(|p| !p.nodes.is_empty());
                    let target = match k {
                        Some(k) => Some(&mut parts[k].note),
                        None => chains.last_mut().and_then(|ch| ch.parts.last_mut()).map(|p| &mut p.note),
                    };
                    if let Some(note) = target {
                        if !c.is_empty() {
                            *note = Some(match note.take() {
                                Some(n) => format!("{n} {c}"),
                                None => c.clone(),
                            });
                        }
                    }
                } else {
                    parts.last_mut().expect("one part").nodes.push(row[i].clone());
                }
                i += 1;
            }
        }
    }
    if declaration {
        // A declaration (`W \in \mathbb{R}^{m \times n}`) is the model's business; the row is not a
        // step and ends any chain.
        chains.push(Chain::default());
        return Added::Ended;
    }
    if definition {
        // The definition ends any chain above it; its right side starts one, which the steps
        // after it (in this row or the rows below) make a derivation.
        let empty = parts[0].nodes.is_empty();
        chains.push(if empty { Chain::default() } else { Chain { parts, refused: None, defined: true, above: false } });
        return if empty { Added::Ended } else { Added::Started };
    }
    // A condition imposed on a row of its own after a chain (`&\overset{!}{=} 0`) ends the chain,
    // said in the note of its last step: the steps above are checked (it refused the whole chain
    // above, the true gradient's step with it; a reviewer).
    if let (Some(_), true, true) = (other, imposed, parts[0].nodes.is_empty()) {
        if let Some(last) = chains.last_mut().filter(|c| c.parts.len() > 1).and_then(|c| c.parts.last_mut()) {
            add_note(&mut last.note, "a condition imposed after this (\"must equal\") is not checked");
            chains.push(Chain::default());
            return Added::Ended;
        }
    }
    if let Some(span) = other {
        let d = if imposed {
            Diagnostic::error(span, "a condition imposed (\"must equal\") is not a step of a derivation")
                .with_hint("only steps that hold for every value are checked: write the condition and its solution outside the math blocks")
        } else {
            Diagnostic::error(span, "this relation is not a step of a derivation")
                .with_hint("only `=` and `\\approx` make steps; write other relations outside the math blocks, or in a block of their own")
        };
        match chains.last_mut() {
            Some(chain) if parts[0].nodes.is_empty() && !chain.parts.is_empty() => chain.refused = Some(d),
            _ => errors.push(d),
        }
        chains.push(Chain::default());
        return Added::Ended;
    }
    let first_empty = parts[0].nodes.is_empty();
    // `x(1 - x) &\eqqcolon s \\ &= x - x^2`: a named left side alone starts a chain, which the
    // rows below make a derivation (it went on with the expression above: a second tester).
    if parts.len() == 1 && named && !first_empty {
        chains.push(Chain { parts, refused: None, defined: true, above: false });
        return Added::Started;
    }
    if parts.len() == 1 {
        // A long left side alone on the first row, the chain in the rows below (`x + x + x \\ &=
        // 3x`, as amsmath's guide breaks a long equation; the LaTeX tester was told "this step
        // has no left side"): it starts a chain, which is a derivation only where steps follow.
        if !first_empty && chains.last().is_none_or(|c| c.parts.is_empty()) {
            chains.push(Chain { parts, refused: None, defined: true, above: false });
            return Added::Started;
        }
        // No relation: the expression of the previous part goes on (`&\quad + b`).
        if let Some(last) = chains.last_mut().and_then(|c| c.parts.last_mut()) {
            let part = parts.remove(0);
            last.nodes.extend(part.nodes);
            if let Some(n) = part.note {
                last.note = Some(match last.note.take() {
                    Some(m) => format!("{m} {n}"),
                    None => n,
                });
            }
        }
        return Added::Continued;
    }
    let added = if first_empty {
        match chains.last_mut() {
            Some(chain) if !chain.parts.is_empty() => {
                chain.parts.extend(parts.into_iter().skip(1));
                Added::Continued
            }
            // The first row of a block: it goes on from the block above, if that ended with a
            // derivation (`read_blocks`).
            None => {
                chains.push(Chain { parts, refused: None, defined: false, above: true });
                Added::Started
            }
            _ => {
                errors.push(no_left_side(parts[1].relation.map_or(Span::default(), |r| r.1)));
                Added::Ended
            }
        }
    } else {
        chains.push(Chain { parts, refused: None, defined: false, above: false });
        Added::Started
    };
    if defined_after {
        chains.push(Chain::default());
        return Added::Ended;
    }
    added
}

/// The error of a step written where no chain is open.
fn no_left_side(at: Span) -> Diagnostic {
    Diagnostic::error(at, "this step has no left side").with_hint(
        "begin the chain with its left side: `LHS &= A \\\\ &= B` (a block that starts with `=` goes on from a derivation the block above ends with)",
    )
}

impl Chain {
    fn read(self, names: &Names, text: &str) -> R<Option<Derivation>> {
        if let Some(d) = self.refused {
            return Err(d);
        }
        if self.defined && self.parts.len() < 2 {
            return Ok(None);
        }
        let mut parts = self.parts.into_iter();
        let Some(head) = parts.next() else { return Ok(None) };
        // (A chain that goes on from the block above has no head of its own: its steps are read.)
        let head_expr = match self.above {
            true => Expr { kind: ExprKind::Number("0".to_string()), span: Span::default() },
            false => limited(parse(&head.nodes, names, text)?)?,
        };
        let mut steps = Vec::new();
        for part in parts {
            let (relation, rel_span) = part.relation.expect("a step has its relation");
            if part.nodes.is_empty() {
                return Err(Diagnostic::error(rel_span, "nothing after the relation")
                    .with_hint("write the step's expression after `=`"));
            }
            let expr = limited(parse(&part.nodes, names, text)?)?;
            let span = rel_span.join(expr.span);
            steps.push(Step { relation, expr, note: part.note, span, restates: false });
        }
        if steps.is_empty() {
            return Ok(None);
        }
        let span = head_expr.span;
        Ok(Some(Derivation { name: None, worth: None, head: head_expr, steps, span, unread: Vec::new() }))
    }
}

/// Whether the nodes of a group are one piece as TeX prints them, which a power or a factor
/// beside takes whole: one bracket, fraction, root or name with its scripts (not a word of several
/// letters, `xy`, which prints as letters side by side).
fn one_printed_piece(inner: &[&Node]) -> bool {
    match inner {
        [Node::Word(w, _)] => w.chars().count() == 1,
        [Node::Attach { base, .. }] => !matches!(&**base, Node::Word(w, _) if w.chars().count() > 1),
        [Node::Paren(..) | Node::Num(..) | Node::Cmd(..) | Node::Env(..)] => true,
        _ => false,
    }
}

/// An expression of no more operators than a `.deriv` statement may have
/// (`syntax::lines::MAX_OPERATORS`), so that an answer cannot ask the checker for more than a
/// model file can.
fn limited(e: Expr) -> R<Expr> {
    // Counted without recursion: a long sum is as deep as it is long.
    let mut operators = 0;
    let mut stack = vec![&e];
    while let Some(x) = stack.pop() {
        match &x.kind {
            ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => {}
            ExprKind::Call { args, .. } | ExprKind::Array(args) => stack.extend(args),
            ExprKind::Neg(inner) | ExprKind::Transpose(inner) => {
                operators += 1;
                stack.push(inner);
            }
            ExprKind::Binary(_, a, b, _) => {
                operators += 1;
                stack.push(a);
                stack.push(b);
            }
            ExprKind::Big { body, .. } | ExprKind::Diff { body, .. } => stack.push(body),
        }
    }
    if operators > MAX_OPERATORS {
        return Err(Diagnostic::error(e.span, format!("this expression is too large ({operators} operators)"))
            .with_hint(format!("an expression may have at most {MAX_OPERATORS} operators, as a statement of a model may; split it into steps")));
    }
    Ok(e)
}

/// An expression from its nodes (all of them).
fn parse(nodes: &[Node], names: &Names, text: &str) -> R<Expr> {
    parse_within(nodes, names, text, &[], Span::default())
}

/// An expression from nodes written inside `around` (a fraction, a group, a script), where an
/// error about nodes that are missing points when there are none.
fn parse_within(nodes: &[Node], names: &Names, text: &str, bound: &[String], around: Span) -> R<Expr> {
    // `(1 + e^{-z})^-2`: TeX raises the `-` alone (the superscript is one token).
    if let [Node::Sym(c @ ('-' | '+'), at)] = nodes {
        return Err(Diagnostic::error(*at, format!("a `{c}` alone: in `x^{c}2` TeX raises only the `{c}`"))
            .with_hint(format!("brace the exponent: `x^{{{c}2}}`")));
    }
    if let Some(d) = nodes.iter().find_map(|n| first_digit_script(n, text)) {
        return Err(d);
    }
    if let Some(at) = nodes.iter().find_map(evaluation_bar) {
        return Err(Diagnostic::error(at, "a value at a point, `|_{x=0}`, is not read").with_hint(
            "write the derivative at the point as a function's derivative (`\\sigma'(0)`), or put the value in (`\\sigma(0)(1 - \\sigma(0))`)",
        ));
    }
    let mut p = P { nodes: nodes.to_vec(), pos: 0, names, text, bound: bound.to_vec(), around, variable: false };
    let e = p.expr()?;
    match p.nodes.get(p.pos) {
        None => Ok(e),
        Some(n) => Err(unexpected(n)),
    }
}

fn unexpected(n: &Node) -> Diagnostic {
    if let Node::Sym(c @ ('^' | '_'), span) = n {
        let (which, example) =
            if *c == '^' { ("superscript", "`e^{x^2}` or `{e^x}^2`") } else { ("subscript", "`W_{i_1}` or `W_{ij}`") };
        return Diagnostic::error(*span, format!("a double {which}: one base has two"))
            .with_hint(format!("brace what the {which} belongs to: {example}"));
    }
    if let Node::Sym(c @ ('|' | '‖'), span) = n {
        return unpaired_bar(&c.to_string(), *span);
    }
    // `x⁻¹`, `x²` pasted into LaTeX: the `.deriv` language reads them, LaTeX writes `^`.
    if let Node::Sym(c @ ('⁻' | '⁰' | '¹' | '²' | '³' | '⁴' | '⁵' | '⁶' | '⁷' | '⁸' | '⁹'), span) = n
    {
        return Diagnostic::error(*span, format!("cannot read `{c}` here"))
            .with_hint("a power in LaTeX is written with `^`: `x^{-1}`, `x^{2}`");
    }
    // `\log y!` of the Poisson likelihood (a student was sent to the docs).
    if let Node::Sym('!', span) = n {
        return Diagnostic::error(*span, "a factorial, `!`, is not read").with_hint(
            "a term that does not depend on what is differentiated (`\\log y!` by `\\lambda`) may be left out of the \
             step; a number's factorial is written as its value",
        );
    }
    if let Node::Sym(',', span) = n {
        // `A = B, \qquad C = D` on one row (a student: "cannot read `,`" said no more).
        return Diagnostic::error(*span, "cannot read `,` here").with_hint(
            "two equations on one row are read where `&` comes before the second, `A &= B, & C &= D`, or each \
             on a row of its own (`\\\\`)",
        );
    }
    // A bracket that is never closed, or closes nothing (a student was told "cannot read `(`
    // here", where a brace that is never closed is named as such).
    if let Node::Sym(c @ ('(' | '['), span) = n {
        let close = if *c == '(' { ')' } else { ']' };
        return Diagnostic::error(*span, format!("this `{c}` is never closed"))
            .with_hint(format!("add the `{close}` where what it holds ends"));
    }
    if let Node::Sym(c @ (')' | ']'), span) = n {
        return Diagnostic::error(*span, format!("this `{c}` closes nothing"))
            .with_hint("remove it, or add the bracket it closes where what it holds starts");
    }
    // Signs that look like arithmetic pasted from a word processor (a LaTeX tester: "cannot read
    // `–` here" said no more).
    if let Node::Sym(c @ ('–' | '—' | '‒' | '―'), span) = n {
        return Diagnostic::error(*span, format!("`{c}` is a dash, not a minus sign"))
            .with_hint("write a minus as `-`");
    }
    if let Node::Sym(c @ ('÷' | '∕' | '⁄'), span) = n {
        return Diagnostic::error(*span, format!("cannot read `{c}` here"))
            .with_hint("write a quotient as `a / b` or `\\frac{a}{b}`");
    }
    // `\left( x \right. \\ \left. + 1 \right)`: a bracket broken across rows (a LaTeX tester was
    // told "cannot read this here").
    if let Node::Row(span) = n {
        return Diagnostic::error(*span, "a row break inside a bracket or a group (`\\bigl( … \\\\ … \\bigr)`) is not read")
            .with_hint("write what the bracket holds on one row, or break the row outside the bracket (`3x + 3 &= 3x \\\\ &\\quad + 3`)");
    }
    if let Node::Paren(open, _, close, span) = n {
        if *open == '.' || *close == '.' {
            return Diagnostic::error(*span, "a bracket broken across rows (`\\left( … \\right.`, then `\\left. … \\right)`) is not read")
                .with_hint("write what the bracket holds on one row, or break the row outside the bracket (`3x + 3 &= 3x \\\\ &\\quad + 3`)");
        }
    }
    if let Node::Paren('{', ..) = n {
        return Diagnostic::error(n.span(), "a set or a condition in braces, `\\{…\\}`, is not read")
            .with_hint("an indicator is written `\\mathbb{1}[y = k]` (the Kronecker delta `\\delta_{yk}`); group with `\\left( … \\right)`");
    }
    let what = match n {
        Node::Sym(c, _) => format!("`{c}`"),
        Node::Cmd(c, _, _) => format!("`\\{c}`"),
        Node::Env(name, _, _) => format!("the environment `{name}`"),
        _ => "this".to_string(),
    };
    let hint = match n {
        Node::Cmd(c, _, _) => command_hint(c),
        _ => None,
    };
    Diagnostic::error(n.span(), format!("cannot read {what} here"))
        .with_hint(hint.unwrap_or("see docs/latex.md for what an answer may write"))
}

/// What to write instead of a command a course writes that is not read (a LaTeX tester: each was
/// "see docs/latex.md").
fn command_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "partial" => "a derivative is written as a fraction: `\\frac{\\partial L}{\\partial w}`, a second one `\\frac{\\partial^2 L}{\\partial w^2}`",
        "langle" | "rangle" => "an inner product is written `u^\\top v` (or `\\sum_i u_i v_i`)",
        "{" | "}" | "lbrace" | "rbrace" | "lbrack" | "rbrack" => {
            "group with `(…)` or `\\left( … \\right)`; an indicator is `\\mathbb{1}[y = k]`"
        }
        "mbox" | "textbf" | "fbox" | "textit" | "textsf" => {
            "a remark at the end of a step is written `\\text{…}` (or goes in the notes column, `&& \\text{…}`)"
        }
        "not" => "only `=` and `\\approx` make steps: write other relations outside the math blocks",
        "mkern" | "mskip" | "kern" | "hskip" => "write a space as `\\,`, `\\;` or `\\quad`",
        "cdots" | "ldots" | "dots" | "dotsb" | "dotsc" | "vdots" | "ddots" => {
            "an ellipsis is not read: write the sum or product whole, `\\sum_{i=1}^{n} x_i`, over the model's index"
        }
        "binom" | "choose" | "tbinom" | "dbinom" => "a binomial coefficient is not read: write its value as a number",
        ";" | "," | ":" | " " | "~" => {
            "write a label as `\\tag{2}` or after `\\quad`, `(2)\\quad y = …`; a factor without its brackets, `2 y`"
        }
        "quad" | "qquad" | "hspace" => {
            "a wide space stands between equations or after a label, never inside an expression: write the product without it, or a label as `\\tag{…}`"
        }
        "over" | "atop" => "write a fraction as `\\frac{a}{b}`",
        "underbrace" | "overbrace" => {
            "a brace's note goes below `\\underbrace{…}_{…}` (above `\\overbrace{…}^{…}`); the other script is set as a limit, not a power: write a power outside, `\\left(\\underbrace{…}_{…}\\right)^2`"
        }
        "otimes" | "oplus" | "circledast" => {
            "a Kronecker or outer product is not read: write its elements in index notation, `a_i b_j` (an elementwise product is `\\odot`)"
        }
        "Pr" => "a probability is read as a name of the model: write the model's name for it (`p_1`, `\\hat{y}`), as the model file spells it",
        "because" | "therefore" => {
            "a reason is not read inside an equation: put it in the notes column (`&& \\text{…}`) or in the text between displays"
        }
        "lfloor" | "rfloor" | "lceil" | "rceil" => {
            "floor and ceiling are not read: write the whole number they give (an output size as its value)"
        }
        "substack" => "a sum that skips a value is written `\\sum_{i \\ne k}` (over the declared range of `i`); with bounds, `\\sum_{i=1}^{n}` and the skipped term taken away",
        _ => return None,
    })
}

/// The norm a subscript of `\|…\|` names: `2` (Euclidean) or `F` (Frobenius), braced or not,
/// `\text{F}` and `\mathrm{F}` too.
fn norm_subscript(sub: &[Node]) -> Option<char> {
    match sub {
        [Node::Num(n, _)] if n == "2" => Some('2'),
        [Node::Word(w, _)] if w == "F" => Some('F'),
        [Node::Group(inner, _)] => norm_subscript(inner),
        [Node::Cmd(c, args, _)] if ["text", "mathrm", "mathit", "operatorname"].contains(&c.as_str()) => {
            match args.as_slice() {
                [a] => norm_subscript(a),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The bar of a value at a point, `\Big|_{x=0}` or `\left. … \right|_{z=0}`: a bar, or a bracket
/// closed by one, with a subscript that holds `=`.
fn evaluation_bar(n: &Node) -> Option<Span> {
    let Node::Attach { base, sub: Some(sub), span, .. } = n else { return None };
    let barred = match &**base {
        Node::Sym('|', _) => true,
        Node::Cmd(c, args, _) => {
            args.is_empty() && ["vert", "rvert", "Big", "big", "bigg", "Bigg"].contains(&c.as_str())
        }
        Node::Paren(_, _, '|', _) => true,
        _ => false,
    };
    let equals = |nodes: &[Node]| nodes.iter().any(|n| matches!(n, Node::Sym('=', _)));
    let holds = equals(sub) || matches!(sub.as_slice(), [Node::Group(g, _)] if equals(g));
    (barred && holds).then_some(*span)
}

/// A script of one digit written without braces and followed by more digits, anywhere in `n`:
/// TeX raises (lowers) only the first digit of `x^12` (`x_12`), which prints x¹2, and the reading
/// as TeX typesets it, `x^1·2`, is never what was meant (`x^12 = 2x` was proved, `2^10 = 1024`
/// `wrong`: an adversarial tester); so is `x^0.5`, x⁰ times .5 (`x^0.5 = \sqrt{x}` was `wrong`).
/// Refused, as `x^-2` is.
fn first_digit_script(n: &Node, text: &str) -> Option<Diagnostic> {
    let nested = |nodes: &[Node]| nodes.iter().find_map(|m| first_digit_script(m, text));
    match n {
        Node::Attach { base, sub, sup, .. } => {
            for (script, mark) in [(sub, '_'), (sup, '^')] {
                let Some(script) = script else { continue };
                if let [Node::Num(digit, at)] = script.as_slice() {
                    let unbraced = text.get(..at.start).is_some_and(|t| t.trim_end().ends_with(mark));
                    // (Digits, or a decimal point and digits: `x^0.5` prints x⁰.5, read `x^0 · 0.5`.)
                    let after = text.get(at.end..).unwrap_or_default();
                    let more: String = after
                        .char_indices()
                        .take_while(|&(i, c)| {
                            c.is_ascii_digit() || (c == '.' && after[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
                        })
                        .map(|(_, c)| c)
                        .collect();
                    if digit.len() == 1 && unbraced && !more.is_empty() {
                        let (verb, what) = if mark == '^' { ("raises", "exponent") } else { ("lowers", "subscript") };
                        return Some(
                            Diagnostic::error(
                                Span::new(at.start, at.end + more.len()),
                                format!("TeX {verb} only the first digit of `{mark}{digit}{more}`"),
                            )
                            .with_hint(format!("brace the {what}: `{mark}{{{digit}{more}}}`")),
                        );
                    }
                }
                if let Some(d) = nested(script) {
                    return Some(d);
                }
            }
            first_digit_script(base, text)
        }
        Node::Group(inner, _) | Node::Paren(_, inner, _, _) | Node::Env(_, inner, _) => nested(inner),
        Node::Cmd(_, args, _) => args.iter().find_map(|a| nested(a)),
        _ => None,
    }
}

/// The bound index of a sum or product that ends an additive term (its last factor, the body
/// running to the term's end), with the sum: `\sum_i x_i` of `2 \sum_i x_i - …`. (Not one in a
/// fraction or an exponent, which braces close.)
fn last_factor_binder(e: &Expr) -> Option<(&Ident, &Expr)> {
    match &e.kind {
        ExprKind::Big { binder, .. } => Some((binder, e)),
        ExprKind::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Hadamard, _, right, _) => {
            last_factor_binder(right)
        }
        ExprKind::Neg(inner) => last_factor_binder(inner),
        _ => None,
    }
}

/// Whether an expression reads `name` where it is free: as a name, a subscript, or a
/// derivative's target's subscript (not inside a sum that binds it again).
fn reads_name(e: &Expr, name: &str) -> bool {
    let in_subscripts = |subs: &[IndexExpr]| {
        subs.iter().any(|s| s.terms.iter().any(|(_, a)| matches!(a, IndexAtom::Name(n) if n.name == name)))
    };
    match &e.kind {
        ExprKind::Number(_) => false,
        ExprKind::Name(n) => n.name == name,
        ExprKind::Indexed(n, subs) => n.name == name || in_subscripts(subs),
        ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter().any(|a| reads_name(a, name)),
        ExprKind::Neg(a) | ExprKind::Transpose(a) => reads_name(a, name),
        ExprKind::Binary(_, a, b, _) => reads_name(a, name) || reads_name(b, name),
        ExprKind::Big { binder, body, .. } => binder.name != name && reads_name(body, name),
        ExprKind::Diff { body, wrt } => reads_name(body, name) || wrt.iter().any(|w| in_subscripts(&w.subscripts)),
    }
}

/// A bar left unpaired (docs/latex.md): it pairs with no other bar, or in more than one way.
fn unpaired_bar(written: &str, span: Span) -> Diagnostic {
    Diagnostic::error(span, format!("this `{written}` pairs with no other bar, or with more than one"))
        .with_hint("write `\\left| x \\right|` for an absolute value and `\\left\\| x \\right\\|` for a norm; a conditional `p(x \\mid z)` is not read")
}

fn join(a: Span, b: Span) -> Span {
    Span::new(a.start.min(b.start), a.end.max(b.end))
}

fn ident(name: &str, span: Span) -> Ident {
    Ident { name: name.to_string(), span }
}

/// A function of the language by the word or command an answer writes it with: a builtin by any
/// of its names or by the word of its LaTeX spelling (`\sigma`, `\arctan`,
/// `\operatorname{gelu\_exact}`: `crate::builtin`'s table), an array function
/// (`\operatorname{tr}`, `\det`), `sum` and `prod` of an array (`\operatorname{sum}`, as `render`
/// writes them), and the variants students write (`\mathrm{ReLU}`, `\operatorname{sgn}`).
/// Constants (`\pi`) are names, not functions.
fn builtin(word: &str) -> Option<&'static str> {
    // (`\operatorname{Tr}`, `\mathrm{trace}`: the trace as many texts write it; refused as no name
    // of the model: a LaTeX tester.)
    // (`\operatorname{clip}`: PPO's own notation for `clamp`, refused as no name of the model: a
    // student.)
    const VARIANTS: [(&str, &str); 5] =
        [("ReLU", "relu"), ("sgn", "sign"), ("Tr", "tr"), ("trace", "tr"), ("clip", "clamp")];
    let table = Builtin::ALL.iter().filter(|b| b.arity() > 0).flat_map(|b| b.spec().names.iter());
    for (name, latex) in table {
        if *name == word || latex_word(latex) == word {
            return Some(name);
        }
    }
    let arrays = ARRAY_FUNCTIONS.iter().chain(&["sum", "prod"]).find(|f| **f == word).copied();
    arrays.or_else(|| VARIANTS.iter().find(|(v, _)| *v == word).map(|(_, name)| *name)).or_else(|| {
        // The papers' and PyTorch's capitals, `\operatorname{GELU}`, `\mathrm{LeakyReLU}`,
        // `\operatorname{Softplus}`: the builtin whose name they spell but for case and `_` (they
        // were "not a name of the model", though `ReLU` was read; a LaTeX tester).
        let folded = |w: &str| w.chars().filter(|&c| c != '_').flat_map(char::to_lowercase).collect::<String>();
        let wanted = folded(word);
        let names = Builtin::ALL.iter().filter(|b| b.arity() > 0).flat_map(|b| b.spec().names.iter().map(|(n, _)| *n));
        names.chain(ARRAY_FUNCTIONS.iter().copied()).find(|name| folded(name) == wanted)
    })
}

/// Environments of matrix literals.
const MATRIX_ENVIRONMENTS: [&str; 2] = ["bmatrix", "pmatrix"];

const MUL_OPS: [&str; 3] = ["cdot", "times", "ast"];
const HADAMARD_OPS: [&str; 2] = ["odot", "circ"];

/// A command the document defines (`macros`), where it is read.
fn defined_macro(name: &str, line: usize, span: Span) -> Diagnostic {
    Diagnostic::error(span, format!("`\\{name}` is a macro this document defines (line {line})"))
        .with_hint(format!("macros of a document are not expanded: write out what `\\{name}` stands for in the math"))
}

struct P<'a> {
    nodes: Vec<Node>,
    pos: usize,
    names: &'a Names,
    /// The text of the answer file, which the nodes' spans index (for the spaces left out of them).
    text: &'a str,
    /// The bound indices of the sums being read whose names end in digits (`c2`, written `c_{2}`).
    bound: Vec<String>,
    /// Where these nodes were written, for an error when there are none.
    around: Span,
    /// They are what a derivative is taken by (`\partial \sigma^2` below the bar): a name, never
    /// a power.
    variable: bool,
}

/// Where a name was written: the whole, and where the base and its subscript end.
#[derive(Debug, Clone, Copy)]
struct Written {
    span: Span,
    name_end: usize,
}

/// What a superscript on a name means.
enum Sup {
    Transpose,
    Power(Expr),
    /// `^{-T}`, `^{-\top}`: the transpose of the inverse, the power `-1` given.
    InverseTranspose(Expr),
    /// The superscript held indices (they are in the name's subscripts).
    Indices,
}

impl<'a> P<'a> {
    fn peek(&self) -> Option<&Node> {
        self.nodes.get(self.pos)
    }

    fn end_span(&self) -> Span {
        self.nodes.last().map_or(self.around, |n| Span::new(n.span().end, n.span().end))
    }

    /// The expression of nodes inside the node read last (`\frac{}{p}`'s empty group is an error
    /// at the fraction).
    fn sub(&self, nodes: &[Node]) -> R<Expr> {
        let around = self.pos.checked_sub(1).and_then(|at| self.nodes.get(at)).map_or(self.end_span(), Node::span);
        parse_within(nodes, self.names, self.text, &self.bound, around)
    }

    /// [`Self::sub`] for what a derivative is taken by.
    fn variable(&self, nodes: &[Node]) -> R<Expr> {
        let mut p = P { nodes: nodes.to_vec(), pos: 0, variable: true, bound: self.bound.clone(), ..*self };
        let e = p.expr()?;
        match p.nodes.get(p.pos) {
            None => Ok(e),
            Some(n) => Err(unexpected(n)),
        }
    }

    fn expr(&mut self) -> R<Expr> {
        let mut lhs = match self.peek() {
            Some(Node::Sym('-', s)) => {
                let s = *s;
                self.pos += 1;
                let t = self.term()?;
                let span = join(s, t.span);
                Expr { kind: ExprKind::Neg(Box::new(t)), span }
            }
            Some(Node::Sym('+', _)) => {
                self.pos += 1;
                self.term()?
            }
            _ => self.term()?,
        };
        loop {
            let op = match self.peek() {
                Some(Node::Sym('+', s)) => (BinOp::Add, *s),
                Some(Node::Sym('-', s)) => (BinOp::Sub, *s),
                Some(Node::Cmd(c, _, s)) if c == "pm" || c == "mp" => {
                    return Err(Diagnostic::error(*s, "`\\pm` is two expressions, not one")
                        .with_hint("write each sign in its own step"))
                }
                _ => return Ok(lhs),
            };
            self.pos += 1;
            let rhs = self.term()?;
            // `\sum_{i=1}^{n} x_i \log x_i - x_i`: the sum ends at the `-`, and the term after it
            // reads the sum's index as a free one, which nobody means (a true step was `wrong`
            // with a free `i`: an adversarial tester). Refused: bracket the body.
            // (Not a sum closed by a bracket, `\left(\sum_i x_i\right) - x_i`: the tree forgets
            // brackets, the text between the sum's end and the sign does not; a reviewer.)
            let closed = |sum: &Expr| {
                let opened = self
                    .text
                    .get(sum.span.range())
                    .is_some_and(|t| !["\\sum", "\\prod", "∑", "∏"].iter().any(|big| t.trim_start().starts_with(big)));
                opened || self.text.get(sum.span.end..op.1.start).is_some_and(|t| !t.trim().is_empty())
            };
            if let Some((binder, _)) = last_factor_binder(&lhs).filter(|(_, sum)| !closed(sum)) {
                if reads_name(&rhs, &binder.name) {
                    let sign = if op.0 == BinOp::Add { '+' } else { '-' };
                    return Err(Diagnostic::error(
                        join(op.1, rhs.span),
                        format!("the sum over `{}` ends at this `{sign}`, and what follows reads `{}` outside it", binder.name, binder.name),
                    )
                    .with_hint(format!(
                        "bracket what is summed, `\\sum_{{{0}}} \\left( … {sign} … \\right)`; a term meant outside the sum is written with another index than `{0}`",
                        binder.name
                    )));
                }
            }
            let span = join(lhs.span, rhs.span);
            lhs = Expr { kind: ExprKind::Binary(op.0, Box::new(lhs), Box::new(rhs), op.1), span };
        }
    }

    fn starts_factor(n: &Node) -> bool {
        match n {
            // (A command the document defines, wherever it stands, to be refused by name.)
            Node::Word(..)
            | Node::Num(..)
            | Node::Group(..)
            | Node::Paren(..)
            | Node::Attach { .. }
            | Node::Defined(..) => true,
            // (A `cases` after a factor multiplies it, as a `\cdot` before it would: a student's
            // `\frac{\partial E}{\partial z} \begin{cases}…` was refused with a generic hint.)
            Node::Env(name, _, _) => MATRIX_ENVIRONMENTS.contains(&name.as_str()) || name == "cases",
            Node::Cmd(c, _, _) => !MUL_OPS.contains(&c.as_str()) && !HADAMARD_OPS.contains(&c.as_str()),
            _ => false,
        }
    }

    fn term(&mut self) -> R<Expr> {
        let mut lhs = self.factor()?;
        loop {
            let (op, op_span, explicit) = match self.peek() {
                Some(Node::Cmd(c, _, s)) if MUL_OPS.contains(&c.as_str()) => (BinOp::Mul, *s, true),
                Some(Node::Cmd(c, _, s)) if HADAMARD_OPS.contains(&c.as_str()) => (BinOp::Hadamard, *s, true),
                Some(Node::Sym('*' | '·' | '×', s)) => (BinOp::Mul, *s, true),
                Some(Node::Sym('⊙', s)) => (BinOp::Hadamard, *s, true),
                Some(Node::Sym('/', s)) => (BinOp::Div, *s, true),
                Some(n) if Self::starts_factor(n) => (BinOp::Mul, Span::new(lhs.span.end, n.span().start), false),
                _ => return Ok(lhs),
            };
            // `1/2x`, `x/yz`: below the slash or beside it? Readers differ (a calculator reads
            // `(1/2) x`, a textbook `1/(2x)`).
            if !explicit {
                if let ExprKind::Binary(BinOp::Div, _, _, slash) = &lhs.kind {
                    // (Not where a bracket closes between the slash and the product: `(x/y)\,y`
                    // was refused, though the bracket ends the quotient: a LaTeX tester.)
                    let between = self.text.get(slash.end..op_span.end).unwrap_or_default();
                    // (Braces print nothing: `{x/y}\,y` looks as `x/y\,y` does, and is refused.)
                    let closed = between.chars().filter(|c| matches!(c, ')' | ']')).count()
                        > between.chars().filter(|c| matches!(c, '(' | '[')).count();
                    if self.text.get(slash.range()) == Some("/") && !closed {
                        return Err(Diagnostic::error(
                            join(*slash, op_span),
                            "a product right after a `/`: is it below the slash or beside it?",
                        )
                        .with_hint("write `\\frac{1}{2x}`, or `\\frac{1}{2} x`, or brackets: `1/(2x)`"));
                    }
                }
            }
            if explicit {
                self.pos += 1;
            }
            let mut rhs = self.factor()?;
            // What is written side by side after `\odot` is one operand, as the eye reads it:
            // `f'(a) \odot W^\top \delta` is f'(a) ⊙ (Wᵀδ), not (f'(a) ⊙ Wᵀ) δ.
            if op == BinOp::Hadamard {
                while let Some(n) = self.peek().filter(|n| Self::starts_factor(n)) {
                    let at = Span::new(rhs.span.end, n.span().start);
                    let next = self.factor()?;
                    let span = join(rhs.span, next.span);
                    rhs = Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(rhs), Box::new(next), at), span };
                }
            }
            let span = join(lhs.span, rhs.span);
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs), op_span), span };
        }
    }

    fn factor(&mut self) -> R<Expr> {
        if let Some(Node::Sym('-', s)) = self.peek() {
            let s = *s;
            self.pos += 1;
            let inner = self.factor()?;
            let span = join(s, inner.span);
            return Ok(Expr { kind: ExprKind::Neg(Box::new(inner)), span });
        }
        self.primary()
    }

    fn next(&mut self) -> R<Node> {
        match self.nodes.get(self.pos) {
            Some(n) => {
                self.pos += 1;
                Ok(n.clone())
            }
            None => Err(Diagnostic::error(self.end_span(), "an expression is missing here")
                .with_hint("write the expression, or remove the operator before it")),
        }
    }

    /// A number, with the groups of three digits that follow it behind a thin space
    /// (`10\,000`, `1\,000\,000`). Two numbers side by side otherwise are refused: TeX prints
    /// `2 3` as 23, and no reader can tell a product from a number written in pieces; nor can a
    /// comma in braces (`1{,}5`, a decimal comma or a thousands separator) be told.
    fn number(&mut self, digits: String, span: Span) -> R<Expr> {
        let mut text = digits;
        let mut span = span;
        loop {
            let next = match self.peek() {
                Some(Node::Attach { base, .. }) => &**base,
                Some(n) => n,
                None => break,
            };
            let gap = self.text.get(span.end..next.span().start).unwrap_or_default().trim();
            match next {
                Node::Num(more, more_span) => {
                    let group = more.len() == 3 && more.chars().all(|c| c.is_ascii_digit());
                    let whole = text.chars().all(|c| c.is_ascii_digit());
                    let thin = ["\\,", "\\", "~", "\\thinspace"].contains(&gap);
                    if group && whole && thin {
                        if matches!(self.peek(), Some(Node::Attach { .. })) {
                            // `10\,000^2`: the power is the whole number's, as it is printed.
                            let Some(Node::Attach { sup, primes, sub, span: attach_span, name_end, .. }) =
                                self.peek().cloned()
                            else {
                                break;
                            };
                            text.push_str(more);
                            let number = Node::Num(text.clone(), join(span, *more_span));
                            self.nodes[self.pos] = Node::Attach {
                                base: Box::new(number),
                                sub,
                                sup,
                                primes,
                                span: join(span, attach_span),
                                name_end,
                            };
                            return self.primary();
                        }
                        text.push_str(more);
                        span = join(span, *more_span);
                        self.pos += 1;
                        continue;
                    }
                    let hint = if gap.is_empty() {
                        format!("TeX prints `{text} {more}` as {text}{more}: write the number in one piece, or `{text} \\cdot {more}` for a product")
                    } else {
                        format!("a number in pieces or a product cannot be told: write `{text}{more}` (groups of digits after `\\,` only), or `{text} \\cdot {more}`")
                    };
                    return Err(Diagnostic::error(join(span, *more_span), "two numbers side by side").with_hint(hint));
                }
                Node::Group(inner, group_span) if matches!(inner.as_slice(), [Node::Sym(',', _)]) => {
                    return Err(Diagnostic::error(join(span, *group_span), "a comma inside a number")
                        .with_hint("write a decimal point (`1.5`) or the number without separators (`10000`)"));
                }
                _ => break,
            }
        }
        // Scientific notation, `5 \times 10^{-5}`: one number, rounded at its mantissa's last digit
        // as `5e-5` is in a derivation file (a whole mantissa was exact, and `e^{-10} \approx 5
        // \times 10^{-5}` `wrong`: a tester).
        if let (
            Some(Node::Cmd(times, args, _)),
            Some(Node::Attach { base, sub: None, sup: Some(sup), primes: 0, span: at, .. }),
        ) = (self.nodes.get(self.pos), self.nodes.get(self.pos + 1))
        {
            let ten = matches!(&**base, Node::Num(n, _) if n == "10");
            let exponent = match sup.as_slice() {
                [Node::Num(e, _)] => Some(e.clone()),
                [Node::Sym('-', _), Node::Num(e, _)] => Some(format!("-{e}")),
                [Node::Sym('+', _), Node::Num(e, _)] => Some(e.clone()),
                _ => None,
            };
            if let (true, true, Some(e)) =
                (["times", "cdot"].contains(&times.as_str()) && args.is_empty(), ten, exponent)
            {
                if e.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) && !text.contains(['e', 'E']) {
                    let at = *at;
                    self.pos += 2;
                    return Ok(Expr { kind: ExprKind::Number(format!("{text}e{e}")), span: join(span, at) });
                }
            }
        }
        Ok(Expr { kind: ExprKind::Number(text), span })
    }

    fn primary(&mut self) -> R<Expr> {
        let node = self.next()?;
        let span = node.span();
        match node {
            // CS229's indicator `1\{y = k\}`.
            Node::Num(n, _)
                if n == "1"
                    && matches!(self.peek(), Some(Node::Paren('{', ..)))
                    && self.condition_after().is_some() =>
            {
                let (inner, at, taken) = self.condition_after().expect("checked");
                self.pos += taken;
                self.indicator(&inner, join(span, at))
            }
            Node::Num(n, _) => self.number(n, span),
            // Iverson's bracket `[k = y]` (Knuth's *Concrete Mathematics*), the indicator: a
            // bracket can hold no condition otherwise (a student was told "cannot read `=`").
            Node::Paren('[', ref inner, ']', _) if condition(&node).is_some() => self.indicator(inner, span),
            Node::Paren('[', ref inner, ']', _) if matches!(comparison(inner), Some(Condition::Compare(..))) => {
                match comparison(inner) {
                    Some(Condition::Compare(u, rel, v)) => {
                        let (u, v) = (self.sub(&u)?, self.sub(&v)?);
                        Ok(Expr { span, ..step_indicator(u, rel, v, span) })
                    }
                    _ => self.sub(inner),
                }
            }
            Node::Paren('(' | '[', inner, _, _) => {
                let mut e = self.sub(&inner)?;
                e.span = span;
                Ok(e)
            }
            Node::Group(inner, _) => {
                let mut e = self.sub(&inner)?;
                e.span = span;
                self.braces_print_nothing(&e, &inner, span)?;
                Ok(e)
            }
            Node::Paren(bar @ ('|' | '‖'), inner, close, _) if close == bar => {
                let arg = self.sub(&inner)?;
                // `|A|` of a matrix is its determinant to most readers, `|u|` of a vector its
                // norm: not read as the absolute value of each element.
                if bar == '|' {
                    if let ExprKind::Name(id) = &arg.kind {
                        if self.names.is_array(&id.name) {
                            return Err(Diagnostic::error(span, "bars around a vector or a matrix: a determinant, a norm, or each element's absolute value?")
                                .with_hint("write `\\det A`, `\\|u\\|`, or `\\operatorname{abs}(u)` for each element"));
                        }
                    }
                }
                let func = if bar == '|' { "abs" } else { "norm" };
                Ok(Expr { kind: ExprKind::Call { func: ident(func, span), primes: 0, args: vec![arg] }, span })
            }
            // The indicator `\mathbb{1}[y = k]`, `\mathbf{1}\{y = k\}`: the Kronecker delta.
            Node::Cmd(ref name, ref args, _) if self.indicator_one(name, args) => match self.condition_after() {
                Some((inner, at, taken)) => {
                    self.pos += taken;
                    self.indicator(&inner, join(span, at))
                }
                None => match self.peek() {
                    // An inequality, `\mathbb{1}[z > 0]` (ReLU's derivative): a step, read exactly
                    // as `cases` reads it (a student tester's finding: "a vector of ones").
                    Some(Node::Paren('[' | '{' | '(', inner, _, at)) => match comparison(inner) {
                        _ if self.unequal_indicator(inner, span).is_some() => {
                            let (inner, at) = (inner.clone(), *at);
                            self.pos += 1;
                            let unequal = self.unequal_indicator(&inner, join(span, at)).expect("an indicator");
                            unequal.map(|e| Expr { span: join(span, at), ..e })
                        }
                        Some(Condition::Compare(u, rel, v)) => {
                            let at = *at;
                            self.pos += 1;
                            let (u, v) = (self.sub(&u)?, self.sub(&v)?);
                            Ok(Expr { span: join(span, at), ..step_indicator(u, rel, v, join(span, at)) })
                        }
                        // Two comparisons or more, `\mathbb{1}[x > 0 > -1]` (a student tester
                        // was told "a vector of ones is not read").
                        _ if inner.iter().filter(|n| comparison_of(n).is_some()).count() > 1 => {
                            Err(Diagnostic::error(join(span, *at), "an indicator holds one comparison").with_hint(
                                "write one indicator for each, multiplied: `\\mathbb{1}[x > 0] \\, \\mathbb{1}[x < 1]`",
                            ))
                        }
                        _ => self.name(&node, None, None, 0, Written { span, name_end: span.end }),
                    },
                    _ => self.name(&node, None, None, 0, Written { span, name_end: span.end }),
                },
            },
            Node::Cmd(ref name, ref args, _) if is_name_command(name, args) => {
                self.name(&node, None, None, 0, Written { span, name_end: span.end })
            }
            Node::Cmd(name, args, _) => self.command(&name, &args, None, None, 0, span),
            Node::Defined(name, line, _) => Err(defined_macro(&name, line, span)),
            Node::Word(..) => self.name(&node, None, None, 0, Written { span, name_end: span.end }),
            Node::Attach { base, sub, sup, primes, span, name_end } => match *base {
                Node::Paren(..) | Node::Group(..) | Node::Num(..) | Node::Env(..) => {
                    // `\|W\|_F`, the Frobenius norm, is `norm`; `\|u\|_2`, the Euclidean norm of a
                    // vector, is `sqrt(dot(u, u))`, which no matrix has (its 2-norm, the largest
                    // singular value, is not read: `dot` of a matrix is refused).
                    let which = match (&*base, sub.as_deref()) {
                        (Node::Paren('‖', ..), Some(s)) => norm_subscript(s),
                        _ => None,
                    };
                    let sub = if which.is_some() { None } else { sub };
                    if let (Some('2'), Node::Paren(_, inner, _, bars)) = (which, &*base) {
                        let arg = self.sub(inner)?;
                        let dot = Expr {
                            kind: ExprKind::Call { func: ident("dot", *bars), primes: 0, args: vec![arg.clone(), arg] },
                            span: *bars,
                        };
                        let e = Expr {
                            kind: ExprKind::Call { func: ident("sqrt", *bars), primes: 0, args: vec![dot] },
                            span: *bars,
                        };
                        return match sup {
                            Some(sup) => self.apply_sup(e, &sup, span),
                            None => Ok(e),
                        };
                    }
                    if let Some(s) = &sub {
                        // `\operatorname{softmax}(z)_y`: an element of a bracket or of a function's
                        // value (a student was told only that subscripts belong to names).
                        // (A norm's other subscripts, `\|u\|_1`, `_\infty`, were told of a softmax's
                        // element; a LaTeX tester.)
                        let hint = if matches!(*base, Node::Paren('‖' | '|', ..)) {
                            "only the Euclidean norm (`\\|u\\|`, `\\|u\\|_2`) and the Frobenius norm (`\\|W\\|_F`) are read: write an L1 norm as `\\sum_i |u_i|`, a largest entry with `\\max`"
                        } else if matches!(*base, Node::Paren(..)) {
                            "an element of a bracket or of a function's value is not read: name the vector in the model (`let p[k] = exp(z[k]) / sum(j, exp(z[j]))`) and write its element, `p_y`"
                        } else {
                            "subscripts belong to names: `s_c`"
                        };
                        return Err(
                            Diagnostic::error(join_all(s, span), "a subscript on this cannot be read").with_hint(hint)
                        );
                    }
                    if primes > 0 {
                        return Err(Diagnostic::error(span, "a prime on this cannot be read")
                            .with_hint("primes belong to function names: `f'(x)`"));
                    }
                    // `{x + y}^2`, `{xy}^2`: TeX prints the power after the last symbol, as on it
                    // alone (the LaTeX tester's `{x + y}^2 = x^2 + 2xy + y^2` was `proved`).
                    // (Not a call closed by its bracket, `{\sigma(z)}^2`, which prints as
                    // `\sigma(z)^2`: a reviewer; nor one piece, `{(x + y)}^2`.)
                    let braced = match (&*base, &sup) {
                        (Node::Group(inner, group), Some(_)) => {
                            let inner: Vec<&Node> = inner.iter().filter(|n| !matches!(n, Node::Comment(..))).collect();
                            let bracketed = matches!(inner.last(), Some(Node::Paren('(' | '[', ..)));
                            Some((*group, !one_printed_piece(&inner), bracketed))
                        }
                        _ => None,
                    };
                    let e = match *base {
                        // The power is this number's alone: what follows it is another factor.
                        Node::Num(n, s) => Expr { kind: ExprKind::Number(n), span: s },
                        base => {
                            self.pos -= 1;
                            self.nodes[self.pos] = base;
                            self.primary()?
                        }
                    };
                    if let Some((group, several, bracketed)) = braced {
                        let call = matches!(e.kind, ExprKind::Call { .. }) && bracketed;
                        if several && !call {
                            return Err(Diagnostic::error(group, "braces print nothing: TeX shows this power on the last symbol only")
                                .with_hint("write `\\left( … \\right)^2` (or `( … )^2`) for a power of the whole, or drop the braces for the last symbol's"));
                        }
                    }
                    match sup {
                        Some(sup) => self.apply_sup(e, &sup, span),
                        None => Ok(e),
                    }
                }
                Node::Cmd(ref name, ref args, _) if !is_name_command(name, args) => {
                    self.command(name, args, sub.as_deref(), sup.as_deref(), primes, span)
                }
                base => self.name(&base, sub.as_deref(), sup.as_deref(), primes, Written { span, name_end }),
            },
            Node::Env(name, body, span) if MATRIX_ENVIRONMENTS.contains(&name.as_str()) => self.matrix(&body, span),
            Node::Env(name, body, span) if name == "cases" => self.cases(&body, span),
            Node::Env(..) | Node::Sym(..) | Node::Paren(..) | Node::Amp(_) | Node::Row(_) | Node::Comment(..) => {
                Err(unexpected(&node))
            }
        }
    }

    /// A matrix literal (`\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}`): rows of cells, each an
    /// expression. A single column is a vector, as `render` writes one.
    fn matrix(&self, body: &[Node], span: Span) -> R<Expr> {
        let rows = cells(body)?;
        let width = rows[0].len();
        if rows.iter().any(|r| r.len() != width) {
            return Err(Diagnostic::error(span, "the rows of this matrix have different lengths")
                .with_hint("write the same number of cells, separated by `&`, in every row"));
        }
        let cell = |nodes: &[Node]| {
            if nodes.is_empty() {
                return Err(Diagnostic::error(span, "a cell of this matrix is empty").with_hint("write every cell"));
            }
            self.sub(nodes)
        };
        let items = if width == 1 {
            rows.iter().map(|r| cell(&r[0])).collect::<R<Vec<Expr>>>()?
        } else {
            let mut items = Vec::new();
            for r in &rows {
                let cells = r.iter().map(|c| cell(c)).collect::<R<Vec<Expr>>>()?;
                items.push(Expr { kind: ExprKind::Array(cells), span });
            }
            items
        };
        Ok(Expr { kind: ExprKind::Array(items), span })
    }

    /// `\begin{cases} a & \text{if } u > v \\ b & \text{otherwise} \end{cases}`: two values split by
    /// one comparison (relu' written out), as `step` writes it (`step(x)` is 1 for x ≥ 0): `u ≥ v`
    /// is `step(u - v)`, `u > v` is `1 - step(v - u)`, and the value `a·I + b·(1 - I)`. The second
    /// row is `otherwise` or the first row's condition turned round; anything else is refused.
    fn cases(&self, body: &[Node], span: Span) -> R<Expr> {
        let refuse = || {
            Diagnostic::error(span, "these cases cannot be read").with_hint(
                "two rows, a value and a comparison each: `a & \\text{if } x > 0 \\\\ b & \\text{otherwise}`; or write `\\operatorname{step}(x)` (1 for x ≥ 0, else 0)",
            )
        };
        let mut rows = cells(body)?;
        // Spacing before a condition, `x &\quad x \ge 0` (it was "`\quad` cannot be read here": a
        // LaTeX tester).
        for cell in rows.iter_mut().flatten() {
            cell.retain(|n| !is_quad(n));
        }
        // The textbooks' punctuation, `a, & a > 0 \\ 0, & \text{otherwise.}`: a comma or a full
        // stop ending a cell is no math (`a,` was refused: a LaTeX tester).
        for cell in rows.iter_mut().flatten() {
            let last = cell.iter().rposition(|n| !matches!(n, Node::Comment(..)));
            if let Some(k) = last.filter(|&k| matches!(cell[k], Node::Sym(',' | '.', _))) {
                cell.remove(k);
            }
        }
        let [first, second] = rows.as_slice() else { return Err(refuse()) };
        let ([a, c1], [b, c2]) = (first.as_slice(), second.as_slice()) else { return Err(refuse()) };
        let (Some(c1), Some(c2)) = (comparison(c1), comparison(c2)) else { return Err(refuse()) };
        let Condition::Compare(u, rel, v) = c1 else { return Err(refuse()) };
        if let Condition::Compare(u2, rel2, v2) = c2 {
            let written = |x: &[Node]| x.iter().map(|n| self.written(n.span())).collect::<String>();
            let complement = written(&u) == written(&u2) && written(&v) == written(&v2) && rel.complement() == rel2;
            if !complement {
                return Err(refuse());
            }
        }
        let (u, v, a, b) = (self.sub(&u)?, self.sub(&v)?, self.sub(a)?, self.sub(b)?);
        let bin =
            |op: BinOp, x: Expr, y: Expr| Expr { kind: ExprKind::Binary(op, Box::new(x), Box::new(y), span), span };
        // The indicator and its complement are written nowhere as such: no place of the text (a
        // repair that turned the comparison round was printed as replacing the whole `cases` by
        // `x_{i+i-1} - x_{i+i}`: a student tester). A repair of `u` or `v` names them.
        let nowhere = Span::new(span.start, span.start);
        let unwritten = |op: BinOp, x: Expr, y: Expr| Expr {
            kind: ExprKind::Binary(op, Box::new(x), Box::new(y), nowhere),
            span: nowhere,
        };
        let one = || Expr { kind: ExprKind::Number("1".to_string()), span: nowhere };
        let indicator = step_indicator(u, rel, v, nowhere);
        // Each branch's term at its value's place, so that a repair of one branch names that
        // branch (`\delta` missing from `\operatorname{sign}(r)`, not from the whole `cases`,
        // which a student multiplied through: a student tester's finding).
        let term = |value: Expr, factor: Expr| {
            let at = value.span;
            Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(value), Box::new(factor), span), span: at }
        };
        let first = term(a, indicator.clone());
        let second = term(b, unwritten(BinOp::Sub, one(), indicator));
        Ok(bin(BinOp::Add, first, second))
    }

    /// `x^…` on an expression that is not a name: a transpose or a power.
    fn apply_sup(&self, e: Expr, sup: &[Node], span: Span) -> R<Expr> {
        if self.is_transpose(sup)? {
            return Ok(Expr { kind: ExprKind::Transpose(Box::new(e)), span });
        }
        if let Some(minus_one) = self.minus_transpose(sup)? {
            let op_span = Span::new(e.span.end, minus_one.span.start.max(e.span.end));
            let inverse = Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(e), Box::new(minus_one), op_span), span };
            return Ok(Expr { kind: ExprKind::Transpose(Box::new(inverse)), span });
        }
        let power = self.sub(sup)?;
        let op_span = Span::new(e.span.end, power.span.start);
        Ok(Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(e), Box::new(power), op_span), span })
    }

    /// `^{-T}`, `^{-\top}` (the Matrix Cookbook's transpose of the inverse): the power `-1`, as
    /// written at the superscript's place. (It was "`T` is not a name of the model": an
    /// adversarial tester.)
    fn minus_transpose(&self, sup: &[Node]) -> R<Option<Expr>> {
        let [Node::Sym('-', minus), rest @ ..] = sup else { return Ok(None) };
        if rest.is_empty() || !self.is_transpose(rest)? {
            return Ok(None);
        }
        let one = Span::new(minus.end, join_all(rest, *minus).end);
        self.sub(&[Node::Sym('-', *minus), Node::Num("1".to_string(), one)]).map(Some)
    }

    /// `^\top`, `^T`, `^{\mathsf T}`. A `T` that the model declares is refused as ambiguous.
    fn is_transpose(&self, sup: &[Node]) -> R<bool> {
        Ok(match sup {
            [Node::Cmd(c, args, _)] if args.is_empty() && (c == "top" || c == "intercal" || c == "mathsf") => true,
            [Node::Cmd(c, args, _)] if ["mathsf", "mathrm", "text", "mathbf"].contains(&c.as_str()) => {
                matches!(args.as_slice(), [a] if matches!(a.as_slice(), [Node::Word(w, _)] if w == "T"))
            }
            // An italic `T` as the model's `T` prints it (`^{\mathit T}`, `^{\boldsymbol T}`): as
            // `^T` (it was read as a power where `^T` is refused: a LaTeX tester).
            [Node::Cmd(c, args, s)]
                if ["mathit", "boldsymbol", "bm", "mathnormal"].contains(&c.as_str())
                    && matches!(args.as_slice(), [a] if matches!(a.as_slice(), [Node::Word(w, _)] if w == "T")) =>
            {
                return self.is_transpose(&[Node::Word("T".into(), *s)]);
            }
            [Node::Word(w, s)] if w == "T" => {
                if let Some(entry) = self.names.with_base("T").first() {
                    // (The other reading is the model's own: a power by a quantity, an index.)
                    let hint = match entry.kind {
                        Kind::Index => "write `^\\top` for the transpose, or `^{(T)}` for the index `T`".to_string(),
                        _ if entry.name != "T" => format!(
                            "write `^\\top` for the transpose; `^T` is also a power by the model's `{}`, written `T`",
                            entry.name
                        ),
                        _ => "write `^\\top` for the transpose; `^T` is also a power by the model's `T`".to_string(),
                    };
                    return Err(Diagnostic::error(*s, "`^T` is ambiguous: the model declares `T`").with_hint(hint));
                }
                true
            }
            _ => false,
        })
    }

    /// A command that is not a name: fractions, sums, derivatives, builtin functions.
    fn command(
        &mut self,
        name: &str,
        args: &[Vec<Node>],
        sub: Option<&[Node]>,
        sup: Option<&[Node]>,
        primes: u32,
        span: Span,
    ) -> R<Expr> {
        match name {
            "frac" | "dfrac" | "tfrac" | "cfrac" if args.len() == 2 && sub.is_none() && primes == 0 => {
                let e = self.frac(&args[0], &args[1], span)?;
                match sup {
                    Some(sup) => self.apply_sup(e, sup, span),
                    None => Ok(e),
                }
            }
            "sum" | "prod" if primes == 0 => {
                let op = if name == "sum" { BigOp::Sum } else { BigOp::Prod };
                self.big(op, sub, sup, span)
            }
            "partial" if sub.is_none() && sup.is_none() && primes == 0 => {
                // `\partial E / \partial x`
                let body = self.primary()?;
                match (self.next()?, self.next()?) {
                    (Node::Sym('/', _), Node::Cmd(p, a, _)) if p == "partial" && a.is_empty() => {}
                    (n, _) => {
                        return Err(Diagnostic::error(n.span(), "a `\\partial` without its `/ \\partial x`")
                            .with_hint("write `\\partial E / \\partial x` or `\\frac{\\partial E}{\\partial x}`"))
                    }
                }
                let wrt = self.primary()?;
                let wrt = var_ref(wrt)?;
                let span = join(span, wrt.span);
                Ok(Expr { kind: ExprKind::Diff { body: Box::new(body), wrt: vec![wrt] }, span })
            }
            // `\nabla_w L`, the gradient by `w`: `\frac{\partial}{\partial w}` in other words, taking
            // the product that follows (of the shape of `w` where it is an array, as `diff` is).
            // `\partial_\theta J` (the shorthand of many notes) is `\nabla_\theta J`: a student was
            // told only that `\partial` could not be read here.
            "nabla" | "partial"
                if args.is_empty() && sup.is_none() && primes == 0 && (name == "nabla" || sub.is_some()) =>
            {
                let Some(sub) = sub else {
                    return Err(Diagnostic::error(span, "a gradient without its variable")
                        .with_hint("write the variable below the `\\nabla`: `\\nabla_w L`"));
                };
                let den: Vec<Node> = std::iter::once(Node::Cmd("partial".to_string(), Vec::new(), span))
                    .chain(sub.iter().cloned())
                    .collect();
                self.derivative(Mark::Partial, 1, &[], &den, span)
            }
            // A brace under or over a part, with a note (`\underbrace{y - y}_{=0}`, `\overbrace{…}^{\text{mean}}`):
            // the part; the note is a remark (it was refused with a generic hint, a LaTeX tester).
            // (The other script is set on the other side of the brace, as a limit: refused.)
            "underbrace" | "overbrace"
                if args.len() == 1 && primes == 0 && (if name == "underbrace" { sup.is_none() } else { sub.is_none() }) =>
            {
                let mut e = self.sub(&args[0])?;
                e.span = span;
                Ok(e)
            }
            // A box drawn around a result changes nothing.
            "boxed" if args.len() == 1 && sub.is_none() && sup.is_none() && primes == 0 => {
                let mut e = self.sub(&args[0])?;
                e.span = span;
                Ok(e)
            }
            // `\sqrt{x}^2`: the power of the root, as for a fraction.
            "sqrt" if args.len() == 1 && sub.is_none() && primes == 0 => {
                // `\sqrt[3]{x}`: the degree in brackets (the parser takes `[` for the argument).
                // `\sqrt[2]{x}` is the square root (it was "a root of another degree": a student).
                // (With a power after it, `\sqrt[2]{x}^2`, the group carries the power.)
                if let ([Node::Sym('[', _)], [Node::Num(two, _), Node::Sym(']', _), radicand, ..]) =
                    (args[0].as_slice(), self.nodes.get(self.pos..).unwrap_or_default())
                {
                    let (inner, power) = match radicand {
                        Node::Group(inner, _) => (Some(inner), None),
                        Node::Attach { base, sub: None, sup: Some(power), primes: 0, .. } => match &**base {
                            Node::Group(inner, _) => (Some(inner), Some(power)),
                            _ => (None, None),
                        },
                        _ => (None, None),
                    };
                    if let (Some(inner), true) = (inner, two == "2" && sup.is_none()) {
                        let (inner, power, span) = (inner.clone(), power.cloned(), join(span, radicand.span()));
                        self.pos += 3;
                        let arg = self.sub(&inner)?;
                        let root =
                            Expr { kind: ExprKind::Call { func: ident("sqrt", span), primes: 0, args: vec![arg] }, span };
                        return match power {
                            Some(power) => self.apply_sup(root, &power, span),
                            None => Ok(root),
                        };
                    }
                }
                if let Some(bracket @ (Node::Sym('[', _) | Node::Paren('[', ..))) = args[0].first() {
                    return Err(Diagnostic::error(bracket.span(), "a root of another degree than 2 is not read")
                        .with_hint("write it as a power: `\\sqrt[3]{x}` is `x^{1/3}`"));
                }
                // `\sqrt 16`: TeX takes one digit, √1 then 6, as it does for `x^12`; nobody
                // means that, so it is refused as `x^12` is (it was read as typeset: a LaTeX tester).
                if let ([Node::Num(d, at)], Some(Node::Num(rest, next))) = (args[0].as_slice(), self.peek()) {
                    if d.len() == 1 && next.start == at.end {
                        return Err(Diagnostic::error(
                            join(span, *next),
                            "`\\sqrt` without braces takes one digit: TeX prints this as √ of the first digit, then the rest",
                        )
                        .with_hint(format!("write the root in braces: `\\sqrt{{{d}{rest}}}`")));
                    }
                }
                let arg = self.sub(&args[0])?;
                let root =
                    Expr { kind: ExprKind::Call { func: ident("sqrt", span), primes: 0, args: vec![arg] }, span };
                match sup {
                    Some(sup) => self.apply_sup(root, sup, span),
                    None => Ok(root),
                }
            }
            // `\log_2 x`, `\log_{10}(x)`: a logarithm to a base that is a number.
            "log" if args.is_empty() && primes == 0 && sub.is_some() => {
                let sub = sub.expect("checked");
                // `\log_e x`: the natural logarithm, where the model declares no `e` (it was told
                // "the base must be a positive number", which `e` is: a LaTeX tester).
                if matches!(sub, [Node::Word(w, _)] if w == "e") && !self.names.declares("e") {
                    return self.call_to_base(ident("log", span), 0, sup, true, None, span);
                }
                let Some(base) = log_base(sub) else {
                    return Err(Diagnostic::error(
                        join_all(sub, span),
                        "the base of a logarithm must be a positive number other than 1",
                    )
                    .with_hint("write `\\log_2 x` or `\\log_{10} x`; `\\log x` and `\\ln x` are natural"));
                };
                self.call_to_base(ident("log", span), 0, sup, true, Some(base), span)
            }
            "lg" | "lb" if args.is_empty() => Err(Diagnostic::error(
                span,
                format!("`\\{name}` is a logarithm to base 10 or to base 2: it is ambiguous"),
            )
            .with_hint("write the base: `\\log_{10} x` or `\\log_2 x`")),
            // The accent, `\dot{x}` (a time derivative), was taken for the dot product and told
            // "`dot` takes 2 arguments" (a LaTeX tester).
            "dot" | "ddot" => Err(Diagnostic::error(
                span,
                format!("`\\{name}` is an accent (a time derivative), not the dot product"),
            )
            .with_hint("for the dot product write `u^\\top v`; a quantity written with the accent is not read: write the name the model gives it")),
            // A pasted `√`: the root of the one piece after it, a bracket, a digit, a letter or
            // a braced group, as a person reads it (`√p p` was read as the root of `p p`, as for
            // `\log`, and `√p p = p` proved: a LaTeX tester). A piece with a power (`√x²`),
            // several letters, several digits or a decimal is refused: the bar's end is not seen.
            "sqrt" if args.is_empty() && sub.is_none() && sup.is_none() && primes == 0 => {
                // (A letter with its subscript or an accent, `√d_k`, `√\hat{v}`, is one piece too:
                // a reviewer; with a power, `√\sigma^2`, the bar's end is not seen.)
                let letter = |n: &Node| match n {
                    Node::Word(w, _) => w.chars().count() == 1,
                    Node::Cmd(..) => super::names::name_word(n).is_some(),
                    _ => false,
                };
                // (Not a number of several digits or a decimal, `√1.21`: TeX takes one digit, as
                // for `\sqrt 16`, and a reader may take the whole; a second tester.)
                let one = match self.peek() {
                    Some(Node::Paren('(' | '[', ..)) => true,
                    Some(Node::Num(n, _)) => n.len() == 1,
                    Some(Node::Group(inner, _)) => !inner.is_empty(),
                    Some(Node::Attach { base, sub: Some(_), sup: None, primes: 0, .. }) => letter(base),
                    Some(n) => letter(n),
                    None => false,
                };
                if !one {
                    return Err(Diagnostic::error(span, "what `√` is the root of is not clear")
                        .with_hint("write the root with braces: `\\sqrt{x y}` for the root of the product, `\\sqrt{x}\\, y` for the root times `y`"));
                }
                let piece = self.next()?;
                let arg = match piece {
                    Node::Group(inner, _) => inner,
                    piece => vec![piece],
                };
                let at = join(span, arg.last().map_or(span, Node::span));
                self.command("sqrt", &[arg], None, None, 0, at)
            }
            _ if args.is_empty() && sub.is_none() && builtin(name).is_some() => {
                let func = builtin(name).expect("checked");
                self.call(ident(func, span), primes, sup, true, span)
            }
            "|" | "Vert" | "lVert" | "rVert" | "vert" | "lvert" | "rvert" => {
                Err(unpaired_bar(&format!("\\{name}"), span))
            }
            // `\uppi` (upgreek), the number π even where the model spells a name `\pi`.
            "uppi" if args.is_empty() && sub.is_none() && primes == 0 => {
                let e = Expr { kind: ExprKind::Name(ident("pi", span)), span };
                match sup {
                    Some(sup) => self.apply_sup(e, sup, span),
                    None => Ok(e),
                }
            }
            "mid" => Err(Diagnostic::error(span, "a conditional (`\\mid`) is not read").with_hint(CONDITIONAL_HINT)),
            // (Only as [`clean_row`] keeps it: the reader's tree drops spacing.)
            ";" | "," | ":" | " " | "~" => Err(Diagnostic::error(
                span,
                "brackets and a thin space start this row: an equation label or a factor, which cannot be told",
            )
            .with_hint(command_hint(name).unwrap_or_default())),
            _ => Err(match unread_function(name) {
                // `\sec x`, `\coth x`: LaTeX's own commands for functions gradproof does not read.
                Some((f, instead)) => Diagnostic::error(span, format!("`{f}` is not a function gradproof reads"))
                    .with_hint(format!("write {instead}")),
                None => Diagnostic::error(span, format!("`\\{name}` cannot be read here"))
                    .with_hint(command_hint(name).unwrap_or("see docs/latex.md for the commands an answer may use")),
            }),
        }
    }

    /// Whether a node is an upright `d` (`\mathrm{d}`, `\operatorname{d}`, `\text{d}`) that the
    /// model does not spell a name with: a differential's, never the model's `d`.
    fn upright_d(&self, n: &Node) -> bool {
        let upright = matches!(n, Node::Cmd(c, a, _)
            if ["mathrm", "operatorname", "text", "textrm"].contains(&c.as_str())
                && matches!(a.as_slice(), [x] if matches!(x.as_slice(), [Node::Word(w, _)] if w == "d")));
        upright && !self.names.with_base("d").iter().any(|e| e.spelling.replace(' ', "") == "\\mathrm{d}")
    }

    /// `\frac{a}{b}`, a derivative: `\frac{\partial E}{\partial x}`, `\frac{\partial}{\partial x} f`,
    /// `\frac{dE}{dx}`, `\frac{d}{dx} f`, `\frac{\partial^2 E}{\partial x \partial y}`,
    /// `\frac{d^2 E}{dx^2}`.
    fn frac(&mut self, num: &[Node], den: &[Node], span: Span) -> R<Expr> {
        // `\frac{dz}{dw}` where the model names both words and what follows their `d`s
        // (deeplearning.ai's `dz`, `dw` for the gradients): the model's quotient, or the
        // derivative of `z` by `w`? (Read as the quotient, the true `= x` was `wrong` and a false
        // `= \frac{1}{x}` `checked`: a tester.)
        let named_d = |nodes: &[Node]| match nodes {
            [Node::Word(w, _)] => {
                w.len() > 1 && w.starts_with('d') && self.names.declares(w) && self.names.declares(&w[1..])
            }
            _ => false,
        };
        // (Below a `d` that marks a derivative above, such a word is the variable's `d` and the
        // variable: `\frac{d}{dw} z`, `\frac{dJ}{dW}` where the model names `dW` but not `dJ`.)
        if let (Some((Mark::D, order, rest)), [Node::Word(w, at)]) = (self.mark(num)?, den) {
            if named_d(den) {
                let below = [
                    Node::Word("d".to_string(), Span::new(at.start, at.start + 1)),
                    Node::Word(w[1..].to_string(), Span::new(at.start + 1, at.end)),
                ];
                return self.derivative(Mark::D, order, &rest, &below, span);
            }
        }
        if named_d(num) && named_d(den) {
            let (a, b) = (text_of(num), text_of(den));
            return Err(Diagnostic::error(span, "this fraction is ambiguous: a derivative written with `d`, or a quotient of the model's names")
                .with_hint(format!("the model declares `{a}` and `{b}`: write `\\frac{{\\partial {}}}{{\\partial {}}}` for the derivative, or `{a} / {b}` for the quotient", &a[1..], &b[1..])));
        }
        let upright_d = |nodes: &[Node]| nodes.first().is_some_and(|n| self.upright_d(n));
        match (self.mark(num)?, self.mark(den)?) {
            (Some((Mark::Partial, order, rest)), _) => self.derivative(Mark::Partial, order, &rest, den, span),
            // (Not an upright `\mathrm{d}` above and below: a differential, never the model's `d`,
            // unless the model spells its `d` so.)
            (Some((Mark::D, _, _)), Some((Mark::D, _, _))) if self.names.declares("d") && !(upright_d(num) && upright_d(den)) => Err(Diagnostic::error(
                span,
                "this fraction is ambiguous: a derivative written with `d`, or a quotient",
            )
            .with_hint("the model declares `d`: write `\\frac{\\partial L}{\\partial w}` for the derivative, or `d \\cdot L` over `d \\cdot w` for a quotient")),
            (Some((Mark::D, order, rest)), Some((Mark::D, _, _))) => self.derivative(Mark::D, order, &rest, den, span),
            _ => {
                let a = self.sub(num)?;
                let b = self.sub(den)?;
                Ok(Expr { kind: ExprKind::Binary(BinOp::Div, Box::new(a), Box::new(b), span), span })
            }
        }
    }

    /// A derivative of order `order` whose numerator after its mark is `body` (empty: the
    /// operator, which takes the product that follows, as `\sum` does; docs/latex.md) and whose
    /// denominator `den` is one or more marks, each with its variable and, in a higher
    /// derivative, a count (`\partial x^2`, `dx^2`). `\frac{\partial^2 E}{\partial x \partial y}`
    /// is `diff(E, y, x)`: the variable written last is taken first.
    fn derivative(&mut self, mark: Mark, order: u32, body: &[Node], den: &[Node], span: Span) -> R<Expr> {
        let (symbol, example) = match mark {
            Mark::Partial => ("\\partial", "\\frac{\\partial E}{\\partial x}"),
            Mark::D => ("d", "\\frac{dE}{dx}"),
        };
        let below = |message: String| {
            Diagnostic::error(join_all(den, span), message)
                .with_hint(format!("write `{example}` with one variable of the model below"))
        };
        // The denominator's groups: each mark with what follows it up to the next mark.
        let mut groups: Vec<Vec<Node>> = Vec::new();
        for (at, node) in den.iter().enumerate() {
            match self.mark(&den[at..at + 1])? {
                Some((m, 1, rest)) if m == mark => groups.push(rest),
                Some((m, _, _)) if m == mark => {
                    return Err(below(format!("the order of a derivative is written above: `{symbol}^2 E`")))
                }
                _ => match groups.last_mut() {
                    Some(group) => group.push(node.clone()),
                    None => return Err(below(format!("the denominator of a derivative must be `{symbol} x`"))),
                },
            }
        }
        let mut wrt = Vec::new();
        for group in groups.iter().rev() {
            let (nodes, count) = match group.split_last() {
                // In a higher derivative, `x^2` below is `x` twice.
                Some((Node::Attach { base, sub, sup: Some(sup), primes: 0, span: s, name_end }, before))
                    if order > 1 =>
                {
                    match sup.as_slice() {
                        [Node::Num(n, _)] if n.parse::<u32>().is_ok_and(|n| (1..=order).contains(&n)) => {
                            let var = match sub {
                                Some(_) => Node::Attach {
                                    base: base.clone(),
                                    sub: sub.clone(),
                                    sup: None,
                                    primes: 0,
                                    span: Span::new(s.start, *name_end),
                                    name_end: *name_end,
                                },
                                None => (**base).clone(),
                            };
                            let mut nodes = before.to_vec();
                            nodes.push(var);
                            (nodes, n.parse::<u32>().expect("checked"))
                        }
                        _ => (group.clone(), 1),
                    }
                }
                _ => (group.clone(), 1),
            };
            if nodes.is_empty() {
                return Err(below(format!("`{symbol}` without its variable")));
            }
            let var = var_ref(self.variable(&nodes)?)?;
            wrt.extend(std::iter::repeat_n(var, count as usize));
        }
        if wrt.len() != order as usize {
            return Err(below(format!(
                "a derivative of order {order} above and {} below: the orders must agree",
                wrt.len()
            )));
        }
        let bracket = |n: &Node| match n {
            Node::Paren('(' | '[', ..) => true,
            Node::Attach { base, .. } => matches!(**base, Node::Paren('(' | '[', ..)),
            _ => false,
        };
        if body.is_empty() {
            // `\frac{\partial}{\partial w}(wx - y) \cdot (wx - y)`: of the bracket, or of the
            // product? Readers differ; the answer is refused rather than read one way.
            let after = self.nodes.get(self.pos + 1);
            // (So is a quotient: `\frac{d}{da}(a^2)/a`, `(a^2) \div a`.)
            let divides = |n: &Node| {
                matches!(n, Node::Sym('/' | '÷', _))
                    || matches!(n, Node::Cmd(c, args, _) if args.is_empty() && c == "div")
            };
            if self.peek().is_some_and(bracket)
                && after.is_some_and(|n| Self::starts_factor(n) || is_explicit_product(n) || divides(n))
            {
                let at = join(span, after.map_or(span, Node::span));
                let hint = if after.is_some_and(divides) {
                    "a bracket after the operator, then a division: write the whole in one bracket, `\\frac{d}{dx}\\left[(a)/b\\right]`, or the derivative of the bracket as a fraction, `\\frac{1}{b} \\cdot \\frac{d (a)}{dx}`"
                } else {
                    "a bracket after the operator, then more factors: write the whole in one bracket, `\\frac{\\partial}{\\partial w}\\left[(a)(b)\\right]`, or the derivative of the bracket as a fraction, `\\frac{\\partial (a)}{\\partial w} \\cdot (b)`"
                };
                return Err(Diagnostic::error(at, "where does what this derivative takes end?").with_hint(hint));
            }
        } else if let Some(Node::Paren('(', inner, ')', at)) = self.peek() {
            // `\frac{\partial L}{\partial w}(0)`: the value at a point, or a product?
            if matches!(inner.as_slice(), [Node::Num(..)] | [Node::Word(..)] | [Node::Cmd(..)])
                || inner.iter().any(|n| matches!(n, Node::Sym('=', _)))
            {
                return Err(Diagnostic::error(*at, "a derivative followed by `(…)`: its value at a point, or a product?")
                    .with_hint("a derivative at a point is not read: write its value; for a product, write `\\cdot` before the bracket"));
            }
        }
        // (A bracket after the operator is what it takes: `\nabla_a \left(L\, x\right)`.)
        let operator = body.is_empty();
        let bracketed = self.peek().is_some_and(bracket);
        let start = self.pos;
        let body = if operator { self.term()? } else { self.sub(body)? };
        // `\frac{d}{dx} x^2 / x`: the derivative of the quotient, or the derivative divided by
        // `x`? Readers differ (a right step was `wrong` read the first way): refused.
        if operator && !bracketed {
            if let Some(slash) = self.nodes[start..self.pos].iter().find(|n| matches!(n, Node::Sym('/' | '÷', _))) {
                return Err(Diagnostic::error(join(span, slash.span()), "where does what this derivative takes end?")
                    .with_hint("a division after the operator: bracket what it takes, `\\frac{d}{dx}\\left(x^2 / x\\right)`, or write the derivative as a fraction, `\\frac{1}{x} \\cdot \\frac{d (x^2)}{dx}`"));
            }
        }
        // `\frac{\partial}{\partial r} h(r) \cdot \frac{\partial r}{\partial w}`: a derivative of
        // the operator's own variable among the factors after the first is the chain rule's next
        // factor, never part of what the operator takes (a TA tester's right step was `wrong`,
        // read as the derivative of the whole product): the operator takes the factors before it.
        // (Any other derivative there stays inside: `\frac{d}{dw} w \frac{dL}{dw}` is the
        // product rule's, a reviewer.)
        let (body, chained) = match wrt.as_slice() {
            [var] if operator && !bracketed => split_at_chain_factor(body, var),
            _ => (body, None),
        };
        if operator && !bracketed {
            self.one_quantity_then_factors(&body, &wrt)?;
        }
        let span = join(span, body.span);
        let derivative = Expr { kind: ExprKind::Diff { body: Box::new(body), wrt }, span };
        Ok(match chained {
            Some((at, rest)) => {
                let span = join(span, rest.span);
                Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(derivative), Box::new(rest), at), span }
            }
            None => derivative,
        })
    }

    /// `\nabla_a L \; a(1-a)\, x`: the operator takes the product that follows, but a product
    /// that starts with a quantity computed from the variable (the loss) and goes on is almost
    /// always the gradient of that quantity times the rest, as in the row above it. Read either
    /// way, one of the two readings is a wrong step, so it is refused with both ways to write it.
    /// A product starting with the variable itself (`\frac{\partial}{\partial w} w x`) means the
    /// same read either way, and one starting with a constant (`\nabla_w \lambda \lVert w\rVert^2`)
    /// or a function call is the derivative of the product.
    fn one_quantity_then_factors(&self, body: &Expr, wrt: &[VarRef]) -> R<()> {
        let mut first = body;
        let mut products = 0;
        while let ExprKind::Binary(BinOp::Mul, a, _, _) = &first.kind {
            first = a;
            products += 1;
        }
        let computed = match &first.kind {
            ExprKind::Name(n) | ExprKind::Indexed(n, _) => {
                wrt.iter().any(|w| w.name.name != n.name && self.names.depends_on(&n.name, &w.name.name))
            }
            // A function of the variable or a power of it, `\frac{d}{dx}\sigma(x) \cdot x`, is such
            // a quantity too (read as the derivative of the whole product, a right `σ'(x)·x` was
            // `wrong`: an adversarial tester).
            // So is a fraction of it, `\frac{d}{dx} \frac{x^2}{2} \cdot x` (a tester: read as the
            // derivative of the whole product).
            ExprKind::Call { .. } | ExprKind::Binary(BinOp::Pow | BinOp::Div, ..) => {
                wrt.iter().any(|w| self.computed_from(first, &w.name.name))
            }
            _ => return Ok(()),
        };
        if products == 0 || !computed {
            return Ok(());
        }
        let written = |sp: Span| self.written(sp).trim().to_string();
        let (quantity, rest) = (written(first.span), written(Span::new(first.span.end, body.span.end)));
        let variable = written(wrt[0].span);
        Err(Diagnostic::error(body.span, format!("does the derivative take `{quantity}` alone, or the whole product after it?"))
            .with_hint(format!(
                "for the derivative of `{quantity}` times the rest, write `\\frac{{\\partial {quantity}}}{{\\partial {variable}}} {rest}`; for the derivative of the whole product, bracket it: `\\left({quantity} {rest}\\right)`"
            )))
    }

    /// Whether an expression reads `var` or a node computed from it.
    fn computed_from(&self, e: &Expr, var: &str) -> bool {
        match &e.kind {
            ExprKind::Number(_) => false,
            ExprKind::Name(n) | ExprKind::Indexed(n, _) => n.name == var || self.names.depends_on(&n.name, var),
            ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter().any(|a| self.computed_from(a, var)),
            ExprKind::Neg(a) | ExprKind::Transpose(a) => self.computed_from(a, var),
            ExprKind::Binary(_, a, b, _) => self.computed_from(a, var) || self.computed_from(b, var),
            ExprKind::Big { body, .. } | ExprKind::Diff { body, .. } => self.computed_from(body, var),
        }
    }

    /// The mark of a derivative at the start of a fraction's part — `\partial`, `\partial^2`, `d`,
    /// `d^2`, `\mathrm{d}`, the `d` of `dL` — with its order and what follows it. A word the
    /// model declares whole (`dW`) is a name, not a `d`, and so is `d` in `d \cdot L` (a product
    /// written so).
    fn mark(&self, nodes: &[Node]) -> R<Option<(Mark, u32, Vec<Node>)>> {
        let Some(first) = nodes.first() else { return Ok(None) };
        let rest = &nodes[1..];
        let after = |head: Option<Node>| head.into_iter().chain(rest.iter().cloned()).collect::<Vec<_>>();
        let is_d = |n: &Node| match n {
            Node::Word(w, _) => w == "d",
            Node::Cmd(c, args, _) if ["mathrm", "text", "operatorname", "mathit"].contains(&c.as_str()) => {
                matches!(args.as_slice(), [a] if matches!(a.as_slice(), [Node::Word(w, _)] if w == "d"))
            }
            _ => false,
        };
        let partial = |n: &Node| matches!(n, Node::Cmd(c, a, _) if c == "partial" && a.is_empty());
        // The `d` of a word `dX` and the word `X` after it.
        let d_word = |n: &Node| match n {
            Node::Word(w, s) if w.len() > 1 && w.starts_with('d') && !self.names.declares(w) => {
                Some(Node::Word(w[1..].to_string(), Span::new(s.start + 1, s.end)))
            }
            _ => None,
        };
        let order = |sup: &[Node], s: Span| match sup {
            [Node::Num(n, _)] => match n.parse::<u32>() {
                Ok(n @ 1..=9) => Ok(n),
                _ => Err(Diagnostic::error(s, "the order of a derivative is a whole number from 1 to 9")),
            },
            _ => Err(Diagnostic::error(s, "the order of a derivative is a number: `\\partial^2`")),
        };
        Ok(match first {
            n if partial(n) => Some((Mark::Partial, 1, rest.to_vec())),
            n if is_d(n) => (!rest.first().is_some_and(is_explicit_product)).then(|| (Mark::D, 1, rest.to_vec())),
            n if d_word(n).is_some() => Some((Mark::D, 1, after(d_word(n)))),
            Node::Attach { base, sub: None, sup: Some(sup), primes: 0, span, .. } if partial(base) => {
                Some((Mark::Partial, order(sup, *span)?, rest.to_vec()))
            }
            // (`d^n` with an order that is no number is a power of a `d` the model declares.)
            Node::Attach { base, sub: None, sup: Some(sup), primes: 0, span, .. } if is_d(base) => {
                order(sup, *span).ok().map(|n| (Mark::D, n, rest.to_vec()))
            }
            Node::Attach { base, sub, sup, primes, span, name_end } => d_word(base).map(|word| {
                let attached = Node::Attach {
                    base: Box::new(word),
                    sub: sub.clone(),
                    sup: sup.clone(),
                    primes: *primes,
                    span: Span::new(span.start + 1, span.end),
                    name_end: *name_end,
                };
                (Mark::D, 1, after(Some(attached)))
            }),
            _ => None,
        })
    }

    /// `\sum_{c=1}^{D} body` or `\sum_c body`: the body is the product that follows.
    fn big(&mut self, op: BigOp, sub: Option<&[Node]>, sup: Option<&[Node]>, span: Span) -> R<Expr> {
        let hint = "write the index of the sum: `\\sum_{c=1}^{D}`, or `\\sum_c` with an index the model declares";
        let Some(sub) = sub else {
            return Err(
                Diagnostic::error(span, "a sum without an index (implied summation is not read)").with_hint(hint)
            );
        };
        // `\sum_{\substack{i=1 \\ i \ne k}}`: the sum has an index, the stack is what is not read.
        if let Some(stack) = sub.iter().find(|n| matches!(n, Node::Cmd(c, ..) if c == "substack")) {
            return Err(unexpected(stack));
        }
        // `\sum_{j \ne y}`: every value of the range of `j` but `y`.
        let (sub, skip) = match sub.iter().position(is_not_equal) {
            Some(at) => (&sub[..at], Some(&sub[at + 1..])),
            None => (sub, None),
        };
        let (binder_nodes, lo) = match sub.iter().position(|n| matches!(n, Node::Sym('=', _))) {
            Some(at) => (&sub[..at], Some(&sub[at + 1..])),
            None => (sub, None),
        };
        // (A product that skips a value is not read, as in a `.deriv` file: a student was told
        // to write the `\prod_{s \ne k}` they had written.)
        if skip.is_some() && op == BigOp::Prod {
            return Err(Diagnostic::error(span, "only a sum skips a value: a product over all but one is not read")
                .with_hint("divide the full product by the skipped factor, `\\prod_{s=1}^{T} (1 - \\beta_s) / (1 - \\beta_k)`, or write the sum of logs"));
        }
        if skip.is_some() && (lo.is_some() || sup.is_some()) {
            return Err(Diagnostic::error(span, "a sum that skips a value is written `\\sum_{j \\ne y}`")
                .with_hint("write the index of the sum, `\\ne` and the skipped value, without bounds"));
        }
        // `\sum_{i,j}` (also `\sum_{ij}`): over each of the declared indices, the body read once.
        if lo.is_none() && sup.is_none() && skip.is_none() {
            if let Some(binders) = self.several_indices(binder_nodes) {
                if self.peek().is_none() {
                    return Err(
                        Diagnostic::error(span, "the sum has no body").with_hint("write what is summed after `\\sum`")
                    );
                }
                let body = self.term()?;
                let span = join(span, body.span);
                let whole = binders.into_iter().rev().fold(body, |body, binder| Expr {
                    kind: ExprKind::Big { op, binder, range: None, body: Box::new(body) },
                    span,
                });
                return Ok(whole);
            }
        }
        let binder_word = match binder_nodes {
            [n] => name_word(n)
                .filter(|(w, d)| d.is_none() && w.chars().all(char::is_alphabetic))
                .or_else(|| numbered_word(n).map(|w| (w, None))),
            // `\sum_{i2}` over the model's `i2`.
            [Node::Word(w, _), Node::Num(d, _)] if self.names.index_named(&format!("{w}{d}")).is_some() => {
                Some((format!("{w}{d}"), None))
            }
            _ => None,
        };
        let Some((word, _)) = binder_word else {
            // `\sum_{k'=1}^{p}`: an index with a prime (a student was told the sum has none).
            if let [Node::Attach { base, sub: None, sup: None, primes: 1.., .. }] = binder_nodes {
                if let Node::Word(letter, _) = &**base {
                    return Err(Diagnostic::error(join_all(binder_nodes, span), format!("a primed index, `{letter}'`, is not read"))
                        .with_hint(format!("write the sum's index with a letter of its own (`\\sum_{{m=1}}^{{…}}` and `s_m`), not `{letter}'`")));
                }
            }
            return Err(Diagnostic::error(join_all(sub, span), "a sum without an index").with_hint(hint));
        };
        // (`\sum_{i_2}` over the model's `i2`: "`i2` is not an index of the model", a TA's sheet.)
        let declared =
            self.names.index_or_size(&word).filter(|e| e.kind == Kind::Index).or_else(|| self.names.index_named(&word));
        let binder_span = join_all(binder_nodes, span);
        let binder = ident(declared.map_or(word.as_str(), |e| e.name.as_str()), binder_span);
        let skip = match skip {
            Some(nodes) => Some(Expr::of_index(&self.index_expr(nodes, span)?)),
            None => None,
        };
        let range = match (lo, sup) {
            (Some(lo), Some(hi)) => Some(RangeExpr { lo: self.index_expr(lo, span)?, hi: self.index_expr(hi, span)? }),
            (None, None) if declared.is_some() => None,
            (None, None) => {
                // (The model's own indices named: a student was shown `\sum_{k=1}^{K}` beside a
                // model of `d in 1..D` alone.)
                let declared = self.names.declared_indices();
                let hint = if declared.is_empty() {
                    format!("write the bounds, `\\sum_{{{word}=1}}^{{N}}`, or declare the index in the model")
                } else {
                    format!(
                        "write the bounds, `\\sum_{{{word}=1}}^{{N}}`, or sum over an index the model declares ({})",
                        declared.iter().take(4).cloned().collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(
                    Diagnostic::error(binder_span, format!("`{word}` is not an index of the model")).with_hint(hint)
                );
            }
            _ => {
                return Err(Diagnostic::error(span, "the bounds of the sum are incomplete")
                    .with_hint("write both bounds with the index: `\\sum_{c=1}^{D}`"))
            }
        };
        // The declared range written out is the declared range (`render` writes it so).
        let range = range.filter(|r| !self.names.is_declared_range(&binder.name, r));
        if self.peek().is_none() {
            return Err(Diagnostic::error(span, "the sum has no body").with_hint("write what is summed after `\\sum`"));
        }
        self.bound.push(binder.name.clone());
        let body = self.term();
        self.bound.pop();
        let body = body?;
        let span = join(span, body.span);
        let body = match skip {
            Some(skip) => Expr::skip_body(&binder, skip, body, binder_span),
            None => body,
        };
        Ok(Expr { kind: ExprKind::Big { op, binder, range: range.map(Box::new), body: Box::new(body) }, span })
    }

    /// The indices of a sum over several (`\sum_{i,j}`, `\sum_{ij}`, `\sum_{i j}`), each declared
    /// in the model; `None` for one index, or where any is not declared.
    fn several_indices(&self, nodes: &[Node]) -> Option<Vec<Ident>> {
        let items = self.index_items(nodes, &[]);
        if items.len() < 2 {
            return None;
        }
        items
            .iter()
            .map(|item| match item.as_slice() {
                [n] => {
                    let (word, decoration) = name_word(n)?;
                    let entry =
                        self.names.index_or_size(&word).filter(|e| e.kind == Kind::Index && decoration.is_none())?;
                    Some(ident(&entry.name, n.span()))
                }
                _ => None,
            })
            .collect()
    }

    /// A function applied: its arguments in parentheses after it (for builtins, also a bare
    /// factor: `\log x`).
    fn call(&mut self, func: Ident, primes: u32, sup: Option<&[Node]>, builtin: bool, span: Span) -> R<Expr> {
        self.call_to_base(func, primes, sup, builtin, None, span)
    }

    /// A call; for a logarithm to a base (`\log_2 x`), `log(x) / log(2)`, the power written on
    /// its parentheses (`\log_2(x)^2`) taken of that quotient.
    fn call_to_base(
        &mut self,
        func: Ident,
        primes: u32,
        sup: Option<&[Node]>,
        builtin: bool,
        log_base: Option<Expr>,
        span: Span,
    ) -> R<Expr> {
        // `\tanh^2(x)`, `\sin^2 x`, `\log^2 x`: a power of the value, as every textbook writes it
        // (a student tester's `\tanh^2(x)` was refused). Only a whole number from 2 to 9 on one
        // of these functions: `\sin^{-1}` is the inverse for some readers.
        let mut outer: Option<Vec<Node>> = None;
        if let Some(sup) = sup {
            let whole = matches!(sup, [Node::Num(n, _)] if n.parse::<u32>().is_ok_and(|n| (2..=9).contains(&n)));
            if !(builtin && whole && POWER_ON_NAME.contains(&func.name.as_str())) {
                return Err(Diagnostic::error(join_all(sup, span), "a superscript on a function name cannot be read")
                    .with_hint("write a power of the value, `\\left(\\tanh(x)\\right)^2`, and primes as `f'(x)`"));
            }
            outer = Some(sup.to_vec());
        }
        // `f(x)^2`: the parentheses carry the power of the value.
        let mut power: Option<(Vec<Node>, Span)> = None;
        // (So do a builtin's brackets and braces: `\log[x]^2` was read as `log(x^2)`, and `\log[x]^2
        // = \log(x^2)` proved; a reviewer.)
        if let Some(Node::Attach { base, sub: None, sup: Some(sup), primes: 0, span, .. }) = self.peek() {
            // (Also a bracket in braces, `\exp{(x)}^2`, which prints as `\exp(x)^2`: it was read
            // `exp(x^2)`, and `\exp{(x)}^2 = \exp(x^2)` proved; a LaTeX tester.)
            let base = match &**base {
                Node::Group(inner, _) => {
                    match inner.iter().filter(|n| !matches!(n, Node::Comment(..))).collect::<Vec<_>>()[..] {
                        [only @ Node::Paren(..)] => only,
                        _ => &**base,
                    }
                }
                base => base,
            };
            let bracket = match base {
                Node::Paren('(', _, ')', _) => true,
                Node::Paren('[', _, ']', _) | Node::Paren('{', _, '}', _) => builtin,
                _ => false,
            };
            if bracket {
                power = Some((sup.clone(), *span));
                self.nodes[self.pos] = base.clone();
            }
        }
        let mut closed = None;
        // (A builtin's argument in braces or brackets, `\exp\{-\frac{(x-\mu)^2}{2\sigma^2}\}`,
        // `\exp\left\{…\right\}`, `\log[1 + x]`: its argument, as in many a textbook's Gaussian;
        // it was refused as "a set or a condition": a student tester.)
        let braced = |open: char, close: char| {
            matches!((open, close), ('(', ')')) || (builtin && matches!((open, close), ('{', '}') | ('[', ']')))
        };
        let args = match self.peek() {
            Some(Node::Paren(open, inner, close, paren)) if braced(*open, *close) => {
                let inner = inner.clone();
                closed = Some(*paren);
                self.pos += 1;
                let mut args = Vec::new();
                for part in inner.split(|n| matches!(n, Node::Sym(',', _))) {
                    args.push(self.sub(part)?);
                }
                args
            }
            Some(_) if builtin => vec![self.bare_argument(&func.name, span)?],
            _ => {
                return Err(Diagnostic::error(span, format!("`{}` is a function: its argument is missing", func.name))
                    .with_hint("write its arguments in parentheses: `f(x)`"))
            }
        };
        // The call ends with its closing parenthesis, where it has one.
        let end = closed.or_else(|| args.last().map(|a| a.span)).unwrap_or(span);
        let span = join(span, end);
        let mut call = Expr { kind: ExprKind::Call { func, primes, args }, span };
        if let Some(base) = log_base {
            let log_base =
                Expr { kind: ExprKind::Call { func: ident("log", base.span), primes: 0, args: vec![base] }, span };
            call = Expr { kind: ExprKind::Binary(BinOp::Div, Box::new(call), Box::new(log_base), span), span };
        }
        match (power, outer) {
            (Some((_, end)), Some(_)) => Err(Diagnostic::error(join(span, end), "two powers of one function's value")
                .with_hint("write one power, `\\left(\\tanh(x)\\right)^4`")),
            (Some((sup, end)), None) => self.apply_sup(call, &sup, join(span, end)),
            (None, Some(sup)) => self.apply_sup(call, &sup, span),
            (None, None) => Ok(call),
        }
    }

    /// Refuses a braced group whose reading as a bracket differs from what TeX prints (no
    /// brackets): a sum, a difference, a negation or a quotient next to a factor, a function or a
    /// minus (`2{x + 1}` prints 2x + 1, `\exp{x + y}` prints exp x + y, `{x}/{y + 1}` prints
    /// `x/y + 1`; the LaTeX tester's `2{x + 1} = 2x + 2` was `proved`). Where nothing binds it more than
    /// its own operators do (a side, or a term between `+` and `+`/`-`), the braces change
    /// nothing and are read.
    fn braces_print_nothing(&self, e: &Expr, inner: &[Node], span: Span) -> R<()> {
        // A number in braces beside a number prints as one number: `{2}{3}` is 23.
        let number = |n: &Node| match n {
            Node::Num(..) => true,
            Node::Group(inner, _) => matches!(inner.as_slice(), [Node::Num(..)]),
            _ => false,
        };
        if matches!(e.kind, ExprKind::Number(_)) {
            // (Spaces are nothing in math: `2 {3}` prints 23 too, a reviewer.)
            let before =
                self.pos.checked_sub(2).and_then(|at| self.nodes.get(at)).filter(|n| !self.spaced_before(n, span));
            let after = self
                .nodes
                .get(self.pos)
                .filter(|n| self.text.get(span.end..n.span().start).is_some_and(|gap| gap.trim().is_empty()));
            if let Some(other) = before.filter(|n| number(n)).or(after.filter(|n| number(n))) {
                return Err(Diagnostic::error(join(span, other.span()), "two numbers side by side").with_hint(
                    "braces print nothing: TeX shows the two as one number; write `2 \\cdot 3` for a product",
                ));
            }
        }
        // What TeX prints as one piece needs no brackets (`{(x + 1)}`, `{\frac{x}{y}}`: a second
        // tester); a sign in front is no piece of it (`z{+x}` prints z+x, the same tester).
        let inner: Vec<&Node> = inner.iter().filter(|n| !matches!(n, Node::Comment(..))).collect();
        let signed = matches!(inner.first(), Some(Node::Sym('+' | '-', _)));
        let one_piece = !signed && one_printed_piece(&inner);
        let before = self.pos.checked_sub(2).and_then(|at| self.nodes.get(at));
        // After a `/`, a product is no piece either: `z/{x y}` prints z/xy, which is refused as
        // it stands (the same tester).
        let after_slash = matches!(before, Some(Node::Sym('/', _))) && matches!(e.kind, ExprKind::Binary(..));
        let loose =
            signed || matches!(e.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub | BinOp::Div, ..) | ExprKind::Neg(_));
        if one_piece || !(loose || after_slash) {
            return Ok(());
        }
        let after = self.nodes.get(self.pos);
        let free_before = before.is_none_or(|n| matches!(n, Node::Sym('+', _)));
        let free_after = after.is_none_or(|n| matches!(n, Node::Sym('+' | '-', _)));
        if free_before && free_after {
            return Ok(());
        }
        let shown = self.text.get(span.start..span.end).unwrap_or_default();
        let inner = shown.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(shown).trim();
        Err(Diagnostic::error(span, format!("braces print nothing: TeX shows `{inner}` here without brackets"))
            .with_hint(format!(
                "write `\\left( {inner} \\right)` (or `( {inner} )`) where a bracket is meant, or drop the braces"
            )))
    }

    /// The argument of a builtin written without parentheses (`\log x`). A run of simple factors
    /// (numbers, names, their powers) is the argument whole, as every reader reads `\log 2p` and
    /// `\log 2\pi\sigma^2`; a function after it ends it (`\sin x \cos y` is a product of two).
    /// Anything else juxtaposed after the argument (a bracket, a fraction, a sum) leaves its end
    /// unclear and is refused.
    fn bare_argument(&mut self, func: &str, func_span: Span) -> R<Expr> {
        let simple_start = self.peek().is_some_and(|n| self.is_simple_node(n));
        let mut arg = self.factor()?;
        while simple_start && self.peek().is_some_and(|n| self.is_simple_node(n) && !self.spaced(arg.span, n)) {
            let next = self.factor()?;
            let op_span = Span::new(arg.span.end, next.span.start.max(arg.span.end));
            let span = join(arg.span, next.span);
            arg = Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(arg), Box::new(next), op_span), span };
        }
        match self.peek() {
            // `\log 1/x`, `\exp x/2`: log(1)/x or log(1/x)? (It was read the first way, and
            // `\log 1/x = 0` proved: a LaTeX tester.)
            // (Not before a function, `\sin x / \cos x`, `\log x / \log 2`: one reading; a reviewer.)
            Some(n @ Node::Sym('/', _))
                if !self.spaced(arg.span, n)
                    && !self.nodes.get(self.pos + 1).is_some_and(|after| self.is_function_node(after)) =>
            {
                Err(Diagnostic::error(join(func_span, n.span()), format!("where does the argument of `{func}` end?"))
                    .with_hint(format!(
                        "put the argument in parentheses, `(… / …)`, for `{func}` of the quotient; for a quotient of its value, write `\\frac{{…}}{{…}}`"
                    )))
            }
            // `\log \pi(a|s)`: the conditional is what cannot be read (a student was first told
            // to put the argument in parentheses, and only then of the `|`).
            Some(Node::Paren('(', inner, _, _))
                if inner
                    .iter()
                    .any(|m| matches!(m, Node::Sym('|', _)) || matches!(m, Node::Cmd(c, _, _) if c == "mid")) =>
            {
                Err(Diagnostic::error(self.peek().map_or(func_span, Node::span), "a conditional (`|`) is not read")
                    .with_hint(CONDITIONAL_HINT))
            }
            Some(n) if Self::starts_factor(n) && !self.is_function_node(n) && !self.spaced(arg.span, n) => {
                Err(Diagnostic::error(join(func_span, n.span()), format!("where does the argument of `{func}` end?"))
                    .with_hint(format!(
                        "write the argument in parentheses: `{func}(…)`, and what multiplies the value after them"
                    )))
            }
            _ => Ok(arg),
        }
    }

    /// Whether anything is written between a node and a span after it (a space, a command).
    fn spaced_before(&self, node: &Node, span: Span) -> bool {
        !self.text.get(node.span().end..span.start).is_some_and(|gap| gap.trim().is_empty())
    }

    /// Whether a space is written between what was read and the node after it (`\log x \, y`):
    /// a thin space or wider ends the argument of a builtin there, as it does to the eye.
    fn spaced(&self, read: Span, next: &Node) -> bool {
        let gap = self.text.get(read.end..next.span().start).unwrap_or_default();
        // (`\thinspace` is `\,`; the others are wider: the LaTeX tester's `\sin x\medspace y =
        // \sin(xy)` was `proved`.)
        [
            "\\,",
            "\\;",
            "\\:",
            "\\>",
            "\\ ",
            "\\quad",
            "\\qquad",
            "~",
            "\\thinspace",
            "\\medspace",
            "\\thickspace",
            "\\enspace",
            "\\enskip",
            "\\hspace",
        ]
        .iter()
        .any(|space| gap.contains(space))
    }

    /// Whether a node is a function that is applied (a builtin not declared as a name, or a
    /// function of the model), which ends the bare argument of a builtin before it.
    fn is_function_node(&self, n: &Node) -> bool {
        let base = match n {
            Node::Attach { base, .. } => &**base,
            n => n,
        };
        let word = match base {
            Node::Cmd(c, args, _) if args.is_empty() && greek_command(c).is_none() => c.clone(),
            n => match name_word(n) {
                Some((w, None)) => w,
                _ => return false,
            },
        };
        let declared = self.names.with_base(&word);
        declared.iter().any(|e| e.kind == Kind::Function) || (declared.is_empty() && builtin(&word).is_some())
    }

    /// Whether a node is a simple factor of a bare argument: a number, or a name (perhaps with its
    /// scripts), and not a function.
    fn is_simple_node(&self, n: &Node) -> bool {
        let base = match n {
            Node::Attach { base, .. } => &**base,
            n => n,
        };
        let named = match base {
            Node::Num(..) | Node::Word(..) => true,
            // (`\uppi`, the number π, as `\log 2\uppi\sigma^2`.)
            Node::Cmd(c, args, _) => is_name_command(c, args) || (c == "uppi" && args.is_empty()),
            _ => false,
        };
        named && !self.is_function_node(n)
    }

    /// A name with its scripts and primes, read with the model's names.
    fn name(&mut self, base: &Node, sub: Option<&[Node]>, sup: Option<&[Node]>, primes: u32, at: Written) -> R<Expr> {
        let span = at.span;
        if let Node::Cmd(c, args, _) = base {
            if self.indicator_one(c, args) {
                // The indicator with its condition below, `\mathbb{1}_{y = k}`.
                if let (Some(sub), None, 0) = (sub, sup, primes) {
                    // (Also in a bracket of its own, `\mathbb{1}_{\{x > 0\}}`: a reviewer.)
                    let sub = match sub {
                        [Node::Paren('{' | '(' | '[', inner, _, _)] => inner.as_slice(),
                        _ => sub,
                    };
                    if condition(&Node::Paren('{', sub.to_vec(), '}', span)).is_some() {
                        return self.indicator(sub, span);
                    }
                    if let Some(unequal) = self.unequal_indicator(sub, span) {
                        return unequal;
                    }
                    // An inequality below, `\mathbb{1}_{x > 0}`, as in brackets (a student was
                    // told "a vector of ones is not read").
                    if let Some(Condition::Compare(u, rel, v)) = comparison(sub) {
                        let (u, v) = (self.sub(&u)?, self.sub(&v)?);
                        return Ok(step_indicator(u, rel, v, span));
                    }
                    if sub.iter().filter(|n| comparison_of(n).is_some()).count() > 1 {
                        return Err(Diagnostic::error(span, "an indicator holds one comparison").with_hint(
                            "write one indicator for each, multiplied: `\\mathbb{1}[x > 0] \\, \\mathbb{1}[x < 1]`",
                        ));
                    }
                }
                return Err(Diagnostic::error(base.span(), "a vector of ones, `\\mathbf{1}`, is not read").with_hint(
                    "write what it makes: `\\mathbf{1}^\\top x` is `\\sum_i x_i`; or the model can name it: `let ones[i] = 1` with `latex ones \"\\mathbf{1}\"`; an indicator is `\\mathbb{1}[y = k]`",
                ));
            }
        }
        let Some((word, decoration)) = name_word(base) else {
            return Err(unexpected(base));
        };
        // An upright `d` is the differential (`\mathrm{d}(x^2) = 2x \, \mathrm{d}x`), which is not
        // read, not the model's `d` (a size, as in `x ∈ ℝ^d`; read as that, a false `\mathrm{d}(x^2)
        // = x \, \mathrm{d}x` was proved: a tester), unless the model spells a name so. (With a
        // subscript it is a name: attention's `\mathrm{d}_k`, `\mathrm{d}_{\text{model}}`.)
        // An upright `E` before a bracket (`\mathrm{E}[x]`, `\operatorname{E}[x - y]`) is an
        // expectation, not the model's `E` (a loss) times the bracket (a tester: `\mathrm{E}[x] = x`
        // was `wrong`, "the factor `E` is missing"). `E[x]` plain stays the model's.
        let upright_e = word == "E"
            && matches!(base, Node::Cmd(c, a, _) if ["mathrm", "operatorname"].contains(&c.as_str()) && a.len() == 1);
        if upright_e && sub.is_none() && matches!(self.peek(), Some(Node::Paren('[', ..))) {
            return Err(Diagnostic::error(base.span(), "an expectation, `\\mathrm{E}[…]`, is not read")
                .with_hint(EXPECTATION_HINT));
        }
        if sub.is_none() && sup.is_none() && self.upright_d(base) {
            return Err(Diagnostic::error(base.span(), "a differential, `\\mathrm{d}`, is not read").with_hint(
                "write the derivative as a fraction, `\\frac{\\mathrm{d} y}{\\mathrm{d} x}` or `\\frac{\\partial y}{\\partial x}`; a name `d` of the model is written `d`",
            ));
        }
        // `A^{-1}_{ij}` of a matrix: TeX prints it as `A_{ij}^{-1}`, an element of the inverse or
        // the reciprocal of an element; refused (it was read as the reciprocal, and
        // `\sum_j A^{-1}_{ij} A_{ji} = 1`, true, was `wrong`: a second tester).
        let minus_one = sup.is_some_and(|s| matches!(s, [Node::Sym('-', _), Node::Num(n, _)] if n == "1"));
        let matrix =
            self.names.with_base(&word).iter().any(|e| matches!(e.kind, Kind::Family(0)) && e.elements.contains(&2));
        if sub.is_some() && minus_one && matrix {
            return Err(Diagnostic::error(span, "an element of the inverse, or the reciprocal of an element?")
                .with_hint("for the reciprocal write `\\frac{1}{A_{ij}}`; an element of the inverse is not read: write the product with the matrix, `A^{-1} A`"));
        }
        // The bound index of a sum around it, written with its number as a subscript (`c_{2}`).
        if let (Some(sub), None, 0) = (sub, sup, primes) {
            let whole = Node::Attach {
                base: Box::new(base.clone()),
                sub: Some(sub.to_vec()),
                sup: None,
                primes: 0,
                span,
                name_end: at.name_end,
            };
            if let Some(w) = numbered_word(&whole).filter(|w| self.bound.contains(w)) {
                return Ok(Expr { kind: ExprKind::Name(ident(&w, span)), span });
            }
        }
        // A run of letters that the model does not declare is a product of letters (`xy`).
        if let Node::Word(w, s) = base {
            let letters: Vec<char> = w.chars().collect();
            if letters.len() > 1 {
                let whole = self.names.declares(&word) || builtin(&word).is_some();
                let split = letters.iter().all(|c| self.names.declares(&c.to_string()));
                if whole && split {
                    return Err(Diagnostic::error(
                        *s,
                        format!("`{w}` is ambiguous: one name, or a product of letters"),
                    )
                    .with_hint(format!(
                        "write `\\mathit{{{w}}}` for the name, or `{}` for the product",
                        letters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" \\, ")
                    )));
                }
                if !whole {
                    let first = letters[0].len_utf8();
                    let head = Node::Word(w[..first].to_string(), Span::new(s.start, s.start + first));
                    let rest_word = Node::Word(w[first..].to_string(), Span::new(s.start + first, s.end));
                    let rest = if sub.is_some() || sup.is_some() || primes > 0 {
                        Node::Attach {
                            base: Box::new(rest_word),
                            sub: sub.map(<[Node]>::to_vec),
                            sup: sup.map(<[Node]>::to_vec),
                            primes,
                            span: Span::new(s.start + first, span.end),
                            name_end: at.name_end,
                        }
                    } else {
                        rest_word
                    };
                    self.nodes.insert(self.pos, rest);
                    let span = head.span();
                    return self.name(&head, None, None, 0, Written { span, name_end: span.end });
                }
            }
        }
        // A name that ends in digits written whole in a style, `\mathit{va1}_{m}` for the model's
        // `va1[m]` (which `render` writes `\mathit{va}_{1,m}`): the digits are its first subscript
        // (a TA's student was refused, with a hint to respell another name).
        if let Node::Cmd(style, args, cmd_span) = base {
            if let [arg] = args.as_slice() {
                if let [Node::Word(stem, stem_span), Node::Num(digits, digits_span)] = arg.as_slice() {
                    let whole = format!("{stem}{digits}");
                    if self.names.with_base(&whole).is_empty()
                        && self.names.with_base(stem).iter().any(|e| e.name == whole)
                    {
                        let mut items = vec![Node::Num(digits.clone(), *digits_span)];
                        if let Some(sub) = sub {
                            items.push(Node::Sym(',', *digits_span));
                            items.extend(sub.iter().cloned());
                        }
                        let styled =
                            Node::Cmd(style.clone(), vec![vec![Node::Word(stem.clone(), *stem_span)]], *cmd_span);
                        return self.name(&styled, Some(&items), sup, primes, at);
                    }
                }
            }
        }
        // `s'` where the model spells a name so (`latex sn "s'"`): that name, its primes read.
        let primed = format!("{word}{}", "'".repeat(primes as usize));
        let (candidates, primes) = match self.names.with_base(&primed) {
            spelled if primes > 0 && !spelled.is_empty() => (spelled, 0),
            _ => (self.names.with_base(&word), primes),
        };
        // (A transpose, `e^\top e`, is of the model's `e`.)
        let transposed = sup.is_some_and(|sup| self.is_transpose(sup).unwrap_or(false));
        let euler = word == "e" && (candidates.is_empty() || (self.names.e_spelled_otherwise && !transposed));
        if candidates.is_empty() || (euler && sup.is_some() && sub.is_none() && decoration.is_none()) {
            if decoration.is_none() && sub.is_none() {
                if euler {
                    if let Some(sup) = sup {
                        // `e^2` beside the model's `e`: its square, or Euler's number squared?
                        // (A reviewer: read as the latter, a right `\frac{d}{de} \frac{1}{2} e^2 =
                        // e` was `wrong`.)
                        if !candidates.is_empty() && !sup.iter().any(names_something) {
                            return Err(Diagnostic::error(span, "`e^{…}` is ambiguous: the model declares a quantity `e`")
                                .with_hint("write `e \\cdot e` (or `(e)^{2}`) for a power of the model's `e`, `\\exp(2)` for the exponential"));
                        }
                        let arg = self.sub(sup)?;
                        return Ok(Expr {
                            kind: ExprKind::Call { func: ident("exp", span), primes: 0, args: vec![arg] },
                            span,
                        });
                    }
                }
                if let Some(func) = builtin(&word) {
                    return self.call(ident(func, base.span()), primes, sup, true, span);
                }
                // `\pi`, the constant, unless the model declares a name spelled so.
                if word == "pi" && primes == 0 {
                    let e = Expr { kind: ExprKind::Name(ident("pi", base.span())), span: base.span() };
                    return match sup {
                        Some(sup) => self.apply_sup(e, sup, span),
                        None => Ok(e),
                    };
                }
            }
            // The bound index of a sum around it, as a value (`\delta_{p,i}` inside `\sum_{p=1}^{3}`).
            if decoration.is_none() && sub.is_none() && sup.is_none() && primes == 0 && self.bound.contains(&word) {
                return Ok(Expr { kind: ExprKind::Name(ident(&word, base.span())), span });
            }
            if let Some(delta) = self.kronecker(&word, decoration.is_some(), base, sub, sup, primes, span) {
                return delta;
            }
            let styled =
                |styles: &[&str]| matches!(base, Node::Cmd(c, a, _) if a.len() == 1 && styles.contains(&c.as_str()));
            if word == "I" && styled(&["mathbf", "mathbb", "boldsymbol", "bm", "mathrm"]) {
                return Err(Diagnostic::error(base.span(), "the identity matrix, `\\mathbf{I}`, is not read").with_hint(
                    "write what it makes: `\\mathbf{I} x` is `x`, an element `I_{ij}` is `\\delta_{ij}`; or the model can name it: `let I[i,j] = delta(i, j)` with `latex I \"\\mathbf{I}\"`; an indicator is `\\mathbb{I}(y = k)` or `\\mathbb{1}[y = k]`",
                ));
            }
            // `\epsilon` where the model has `eps`: the letter spelled out, written as the model writes it.
            if let (Node::Cmd(..), Some((name, spelling))) = (base, self.names.spelled_out(&word)) {
                return Err(Diagnostic::error(base.span(), format!("`{}` is not a name of the model", written(base)))
                    .with_hint(format!("the model has `{name}`, written `{spelling}`; its author can let it be written `{}` with `latex {name} \"{}\"`", written(base), written(base))));
            }
            // Prose inside a step, `\text{for } \epsilon = 0`, `\text{where } a = \sigma(z)` (a
            // student and a tester were told `for` is not a name and to check the model).
            let prose = match base {
                Node::Cmd(c, a, _) if a.len() == 1 && ["text", "textrm"].contains(&c.as_str()) => {
                    let t = text_of(&a[0]);
                    let first = t.split_whitespace().next().unwrap_or_default().to_lowercase();
                    (t.trim() != t.as_str() || PROSE.contains(&first.as_str())).then_some(t)
                }
                _ => None,
            };
            if let Some(t) = prose {
                return Err(Diagnostic::error(base.span(), format!("text inside a step, `\\text{{{t}}}`, is not read"))
                    .with_hint("a step is claimed for every value of what it reads: a condition belongs in the model (`var x > 0`); a remark goes in the notes column (`&& \\text{where } a = \\sigma(z)`), in text alone after the step (`\\qquad \\text{by the chain rule}`) or outside the math"));
            }
            // A function of the textbooks that is no builtin (a student: `\operatorname{sech}^2`
            // was sent to check its spelling against the model).
            let unread_function = unread_function(&word);
            let hint = if let Some((_, instead)) = unread_function {
                format!("write {instead}")
            } else if word == "E" && styled(&["mathbb"]) {
                // (A student: `\mathbb{E}[\tilde h]` got the generic hint.)
                EXPECTATION_HINT.to_string()
            } else if styled(&["mathcal", "mathbb", "mathscr", "mathfrak", "mathrm", "mathsf", "mathit"]) {
                let letter = if word.chars().all(char::is_alphanumeric) { word.as_str() } else { "L" };
                format!(
                    "the model's author can let a name be written so: `latex {letter} \"{}\"` beside the declaration of `{letter}`",
                    written(base)
                )
            } else if word == "e" && primes == 0 && sup.is_none() {
                // `1e-8` is no LaTeX: `1 e - 8`.
                "for a power of ten write `10^{-8}` (or `1 \\times 10^{-8}`): `1e-8` is not LaTeX; Euler's number \
                 is read in `e^{x}`"
                    .to_string()
            } else if self.text.get(span.end..).is_some_and(|t| {
                let t = t.trim_start();
                t.starts_with('=') || t.starts_with("&=") || t.starts_with("& =")
            }) {
                // `\ell = \frac{1}{2}(…)`: a name of the answer's own, defined in the display (a
                // student: told only that every symbol must be declared).
                format!(
                    "a name of your own is not read where it is used: write what it stands for there; a row that \
                     only defines it is skipped when written with `:=` (`{} := …`)",
                    written(base)
                )
            } else if let Some(near) = {
                // The name with its subscript run together (`L_D` for the model's `LD`), or
                // alone, a slip away from a name of the model (a student was told only to check
                // the spelling, where a `.deriv` file says which name).
                let joined = match sub {
                    Some([n]) => name_word(n).map(|(w, _)| format!("{word}{w}")).or_else(|| match n {
                        Node::Num(d, _) => Some(format!("{word}{d}")),
                        _ => None,
                    }),
                    _ => None,
                };
                joined.as_deref().and_then(|j| self.names.closest(j)).or_else(|| self.names.closest(&word))
            } {
                format!("did you mean the model's `{}`, written `{}`?", near.name, near.spelling)
            } else {
                "every symbol of an answer must be declared in the model (`--model`); check its spelling against the model's names"
                    .to_string()
            };
            let message = match unread_function {
                Some((f, _)) => format!("`{f}` is not a function gradproof reads"),
                None => format!("`{}` is not a name of the model", written(base)),
            };
            return Err(Diagnostic::error(base.span(), message).with_hint(hint));
        }
        // `e^{s_i}` where the model's `e` is an index or a size (`q_e`): the exponential, or a
        // power of the index? (A power of an index is never what a course writes, but the
        // answer is refused rather than read either way.)
        if word == "e"
            && decoration.is_none()
            && sub.is_none()
            && sup.is_some()
            && candidates.iter().all(|e| matches!(e.kind, Kind::Index | Kind::Size))
        {
            return Err(Diagnostic::error(span, "`e^{…}` is ambiguous: the model declares an index `e`").with_hint(
                "write `\\exp(…)` for the exponential (`\\exp(s_i)`), or `e \\cdot e` for a power of the index",
            ));
        }
        // Where the model's `e` is a quantity (`var e`, an error or a noise), `e^2` is its
        // square, but `e^{2x}` is as likely the exponential: refused, not read either way.
        if let (true, None, None, Some(sup)) = (word == "e", &decoration, sub, sup) {
            // (`e^\top e` is a transpose: read as one.)
            if sup.iter().any(names_something) && !self.is_transpose(sup).unwrap_or(true) {
                return Err(Diagnostic::error(span, "`e^{…}` is ambiguous: the model declares a quantity `e`").with_hint(
                    "write `\\exp(…)` for the exponential (`\\exp(2x)`), or `(e)^{…}` for a power of the model's `e`; a model that writes its `e` otherwise (`latex e \"\\epsilon\"`) leaves `e` to the exponential",
                ));
            }
        }
        // `2\pi` where the model spells a name `\pi` (a policy): the number 2π, or twice the model's
        // name? (A student: `\log 2\pi` in a Gaussian policy's log-density was read as the log of
        // twice the policy, and a right step was `wrong`.)
        // (Only where a name is written `\pi` bare: beside `pi1`, written `\pi_{1}`, `2\pi` is the
        // number; an instructor's mixture model, `\sqrt{2 \pi}`, was refused.)
        let bare = |e: &&Entry| e.sub.is_empty() && e.sup.is_empty();
        if let (true, None, None, true) = (word == "pi", &decoration, sub, candidates.iter().any(|e| bare(&e))) {
            if after_a_number(self.text.get(..base.span().start).unwrap_or("")) {
                let names: Vec<&str> = candidates.iter().map(|e| e.name.as_str()).collect();
                return Err(Diagnostic::error(
                    base.span(),
                    format!("`\\pi` after a number is ambiguous: the model writes `{}` with `\\pi`", names.join("`, `")),
                )
                .with_hint(format!(
                    "write `\\uppi` for the number π (`2\\uppi`), or `2 \\cdot \\pi` for a product with the model's `{}`",
                    names[0]
                )));
            }
        }
        // The written subscript items, the decoration first (`\hat{y}_k` is `y_hat[k]`).
        let mut items: Vec<Vec<Node>> = Vec::new();
        if let Some(d) = &decoration {
            items.push(vec![Node::Word(d.clone(), base.span())]);
        }
        if let Some(sub) = sub {
            items.extend(sub.split(|n| matches!(n, Node::Sym(',', _))).map(<[Node]>::to_vec));
        }
        let mut found: Vec<(&Entry, Vec<Vec<Node>>, Option<Sup>)> = Vec::new();
        let mut refusal: Option<Diagnostic> = None;
        for entry in candidates {
            match self.try_match(entry, &items, sup, span) {
                Ok(Some((indices, how))) => found.push((entry, indices, how)),
                Ok(None) => {}
                Err(d) => refusal = Some(d),
            }
        }
        // `\delta_{c,k}` beside names such as `delta_phi` (but no `delta` of its own) that it does not match.
        if found.is_empty() && candidates.iter().all(|e| e.name != "delta") {
            if let Some(delta) = self.kronecker(&word, decoration.is_some(), base, sub, sup, primes, span) {
                return delta;
            }
        }
        // A name whose own subscript is written wins over one that would read it as an index
        // (`\text{net}_\phi^t` is `net_phi[t]`, not `net[phi,t]`).
        // A spelling with a power's superscript (`latex s "\sigma^2"`) beside the model's name
        // for the base (`sigma`): `\sigma^2` is the one, or the square of the other — unless the
        // model defines the one as that square. (It was read as `s`, and `\frac{\partial}{\partial
        // \sigma} \sigma^2 = 2\sigma` was `wrong`: a student tester.)
        // (What a derivative is taken by is a name: `\partial \sigma^2`, a reviewer.)
        let power = |e: &Entry| matches!(e.sup.as_slice(), [k] if k.bytes().all(|b| b.is_ascii_digit()));
        let spelled_power = found.iter().find(|(e, ..)| power(e)).filter(|_| !self.variable);
        let plain = spelled_power.and_then(|(p, ..)| found.iter().find(|(e, ..)| e.sup.is_empty() && e.sub == p.sub));
        if let (Some((spelled_power, ..)), Some((plain, ..))) = (spelled_power, plain) {
            if !self.names.defined_as_power(&spelled_power.name, &plain.name, &spelled_power.sup[0]) {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "`{}` is ambiguous: the model's `{}`, or the power of its `{}`",
                        self.written(span),
                        spelled_power.name,
                        plain.name
                    ),
                )
                .with_hint(format!(
                    "write `{{{}}}^{}` for the power; `{}` may be given a spelling without a superscript in the model (`latex {} \"…\"`)",
                    plain.spelling, spelled_power.sup[0], spelled_power.name, spelled_power.name
                )));
            }
        }
        let own = |e: &Entry| e.sub.len() + e.sup.len();
        let longest = found.iter().map(|(e, ..)| own(e)).max().unwrap_or(0);
        found.retain(|(e, ..)| own(e) == longest);
        // One name matched by two of its spellings (`x_bar` as `x_{\mathrm{bar}}` and `\bar{x}`)
        // is one reading.
        if found.windows(2).all(|w| w[0].0.name == w[1].0.name && w[0].1.len() == w[1].1.len()) {
            found.truncate(1);
        }
        // `\pi` bare beside the model's names written with it and scripts (`\pi_{1}`, a mixture
        // weight), in a model that uses the constant: the constant, as where the model has no
        // such name (`render` writes so, and its output was refused when read back: an
        // instructor). In a model that does not, a bare `\pi` is as likely its policy
        // `\pi_\theta` (a reviewer), and refused.
        let constant_pi = self.names.uses_pi && matches!(base, Node::Cmd(c, a, _) if c == "pi" && a.is_empty());
        if found.is_empty() && constant_pi && decoration.is_none() && sub.is_none() && primes == 0 {
            let e = Expr { kind: ExprKind::Name(ident("pi", base.span())), span: base.span() };
            return match sup {
                Some(sup) => self.apply_sup(e, sup, span),
                None => Ok(e),
            };
        }
        if found.is_empty() {
            if let Some(d) = refusal {
                // `w^{new}` for the model's `w_new`: not a power with letters in it.
                return Err(match layered(candidates, sup) {
                    Some((entry, sup)) => Diagnostic::error(
                        span,
                        format!("`{}` with these scripts matches no name of the model", spelled(base)),
                    )
                    .with_hint(layered_hint(entry, &spelled(base), &sup)),
                    None => d,
                });
            }
        }
        // Each as written and, where that says what the scripts must be, how many indices it
        // takes (`w` with 1 index: `w^\top w` for a family `w[i]` is no name of the model).
        let spellings = || {
            candidates
                .iter()
                .map(|e| {
                    let indices = match e.kind {
                        Kind::Family(1) => ", with 1 index".to_string(),
                        Kind::Family(n) if n > 1 => format!(", with {n} indices"),
                        _ => String::new(),
                    };
                    if e.spelling == e.name && indices.is_empty() {
                        format!("`{}`", e.spelling)
                    } else if e.spelling == e.name {
                        format!("`{}` ({})", e.spelling, indices.trim_start_matches(", "))
                    } else {
                        format!("`{}` ({}{indices})", e.spelling, e.name)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        // A builtin's letter called with parentheses, no script of a name of the model written
        // (`\sigma(z)` beside the model's variance spelled `\sigma^2`): the builtin. (A TA's
        // sheet: every `\sigma(z)` of two right LaTeX answers was refused, with a hint to write a
        // variance.)
        let called = match self.peek() {
            Some(Node::Paren('(', ..)) => true,
            Some(Node::Attach { base, sub: None, .. }) => matches!(**base, Node::Paren('(', ..)),
            _ => false,
        };
        if found.is_empty() && called && decoration.is_none() && sub.is_none() && sup.is_none() {
            if let Some(func) = builtin(&word) {
                return self.call(ident(func, base.span()), primes, None, true, span);
            }
        }
        let (entry, indices, how) = match found.len() {
            1 => found.pop().expect("one"),
            0 => {
                return Err(Diagnostic::error(
                    span,
                    format!("`{}` with these scripts matches no name of the model", spelled(base)),
                )
                .with_hint(match decoration.as_deref() {
                    // `\mathbb{E}[…]` is an expectation, never the model's `E` (a tester: the hint
                    // to write `E` read the loss times the bracket).
                    Some("mathbb") if word == "E" => EXPECTATION_HINT.to_string(),
                    // `\mathcal{L}` for the model's `L`: only the model can say the two are one.
                    Some(alphabet @ ("mathcal" | "mathscr" | "mathfrak" | "mathbb")) => format!(
                        "the model has {}; `\\{alphabet}{{{word}}}` is another letter: write `{word}`, or the model spells its name so with `latex {word} \"\\{alphabet}{{{word}}}\"` (docs/latex.md)",
                        spellings()
                    ),
                    // `\hat{x}_i` where the model names x̂ `xh` (a student tester was pointed at `x`).
                    Some(accent @ ("hat" | "tilde" | "bar"))
                        if candidates.iter().all(|e| e.sub.first().map(String::as_str) != Some(accent)) =>
                    {
                        match self.names.abbreviated(&word, accent) {
                            Some(near) => format!(
                                "`\\{accent}{{{word}}}` names `{word}{accent}` or `{word}_{accent}`, which the model does not declare; did you mean `{}`, written `{}`? (Its author can spell it `\\{accent}{{{word}}}` with a `latex` line.)",
                                near.name, near.spelling
                            ),
                            None => format!(
                                "`\\{accent}{{{word}}}` names `{word}{accent}` or `{word}_{accent}`, which the model does not declare; the model has {}",
                                spellings()
                            ),
                        }
                    }
                    _ => match layered(candidates, sup) {
                        // `W^{(2)}` for the model's `W2`, spelled `W_{2}`: a spelling only the
                        // model can add.
                        Some((entry, written)) => layered_hint(entry, &spelled(base), &written),
                        // An index or a size of the model with scripts (`s_i` beside the model's
                        // index `s`, for its scores `sc`): it takes none, and the name meant may
                        // be the letters run together (a TA's sheet was told to write the index's
                        // scripts as declared).
                        None if candidates.iter().all(|e| matches!(e.kind, Kind::Index | Kind::Size)) => {
                            let joined = match sub {
                                Some([n]) => name_word(n).map(|(w, _)| format!("{word}{w}")),
                                _ => None,
                            };
                            let near = joined.as_deref().and_then(|j| self.names.closest(j));
                            let what = if candidates.iter().all(|e| e.kind == Kind::Index) { "an index" } else { "a size" };
                            match near {
                                Some(near) => format!(
                                    "`{word}` is {what} of the model and takes no scripts; did you mean the model's `{}`, written `{}`?",
                                    near.name, near.spelling
                                ),
                                None => format!("`{word}` is {what} of the model and takes no scripts"),
                            }
                        }
                        None => format!(
                            "the model has {}; write its subscripts and superscripts (indices) as declared",
                            spellings()
                        ),
                    },
                }));
            }
            _ => {
                return Err(Diagnostic::error(span, "this name can be read in several ways")
                    .with_hint(format!("the model has {}; write the subscript in full", spellings())))
            }
        };
        // A family written whole with a function's spelling (`\sigma(x)` beside `sigma[i]`): the
        // function, or the array times what follows?
        if matches!(entry.kind, Kind::Family(n) if n > indices.len()) && builtin(&word).is_some() {
            return Err(Diagnostic::error(
                span,
                format!("`{}` is ambiguous: the function, or the whole of `{}`", spelled(base), entry.name),
            )
            .with_hint(format!(
                "write `\\operatorname{{{}}}` for the function, or the indices of `{}`",
                builtin(&word).unwrap_or_default(),
                entry.name
            )));
        }
        // A name with a function's spelling before parentheses (`\sigma(z)` beside `var sigma`):
        // the function, or the name times what follows?
        let paren_next = match self.peek() {
            Some(Node::Paren('(', ..)) => true,
            Some(Node::Attach { base, .. }) => matches!(**base, Node::Paren('(', ..)),
            _ => false,
        };
        if entry.kind != Kind::Function && indices.is_empty() && how.is_none() && paren_next && builtin(&word).is_some()
        {
            return Err(Diagnostic::error(
                span,
                format!("`{}(…)` is ambiguous: the function, or `{}` times what follows", written(base), entry.name),
            )
            .with_hint(format!(
                "write `\\operatorname{{{}}}(…)` for the function, or `{} \\cdot (…)` for the product",
                builtin(&word).unwrap_or_default(),
                written(base)
            )));
        }
        // An index or an integer in brackets right after a quantity (`u[i]`, `x[1]`, `u(i)`):
        // the element, as numpy and texts on signals write it, or a product? (Read as the
        // product, `u[i] = i u` was proved: a LaTeX tester.)
        if matches!(entry.kind, Kind::Family(_)) && how.is_none() {
            // (Also with a power on the bracket, `x[2]^{2}`: a second tester.)
            let bracket = match self.peek() {
                Some(Node::Attach { base, .. }) => Some(&**base),
                other => other,
            };
            if let Some(Node::Paren(open @ ('(' | '['), inner, close, at)) = bracket {
                // An index, a size, a whole number, or arithmetic of them (`x[n]`, `h[t-1]`,
                // `x[-1]`, `x[2i]`: a second tester); a number alone in parentheses, `x(1)`, is a
                // value at a point (below).
                let names = &self.names;
                let index_word = |w: &str| matches!(names.kind_of(w), Some(Kind::Index | Kind::Size));
                let arithmetic = inner.iter().all(|n| match n {
                    Node::Word(w, _) => index_word(w),
                    Node::Num(d, _) => !d.contains('.'),
                    Node::Sym('+' | '-', _) => true,
                    _ => false,
                });
                let index_like = match inner.as_slice() {
                    [] => false,
                    [Node::Num(n, _)] => *open == '[' && !n.contains('.'),
                    _ => arithmetic && (*open == '[' || inner.iter().any(|n| matches!(n, Node::Word(..)))),
                };
                if index_like {
                    let whole = self.text.get(span.start..at.end).unwrap_or("this").to_string();
                    let inside = inner.last().map_or(Span::default(), Node::span).end;
                    let inside = self.text.get(inner[0].span().start..inside).unwrap_or("i").to_string();
                    // What it is written as so far (`h_t` of `h_t [t]`), and whether an element of
                    // it can be written at all: a scalar, or a family with all its indices
                    // written, has none (a reviewer: `c_{i}` was suggested for a scalar `c`).
                    let name = self.text.get(span.range()).map_or_else(|| written(base), str::to_string);
                    let has_elements = matches!(entry.kind, Kind::Family(n) if n > indices.len())
                        || (indices.is_empty() && entry.elements.iter().any(|&k| k > 0));
                    let (message, hint) = if has_elements {
                        (
                            format!("`{whole}` is ambiguous: an element of `{}`, or a product?", entry.name),
                            format!(
                                "write `{name}_{{{inside}}}` for the element, or `{name} \\cdot {open}{inside}{close}` for the product"
                            ),
                        )
                    } else {
                        (
                            format!("`{whole}` is ambiguous: `{name}` has no elements; a product?"),
                            format!("write `{name} \\cdot {open}{inside}{close}` for the product"),
                        )
                    };
                    return Err(Diagnostic::error(Span::new(span.start, at.end), message).with_hint(hint));
                }
            }
        }
        // A quantity written as a function of what it depends on (`J(w)`, `J(\theta)`,
        // `\mathcal{L}(\hat y, y)`), as CS229 and every text on losses write it.
        let evaluated = match (entry.kind, &how) {
            (Kind::Family(_), None | Some(Sup::Indices)) => self.arguments_after(&entry.name, span)?,
            _ => None,
        };
        let id = ident(&entry.name, base.span());
        if entry.kind == Kind::Function {
            let sup = match &how {
                Some(_) => sup,
                None => None,
            };
            return self.call(id, primes, sup, false, span);
        }
        if primes > 0 {
            return Err(Diagnostic::error(span, format!("`{}` is not a function: a prime cannot be read", entry.name))
                .with_hint("primes belong to functions of the model, `f'(x)`, and to names the model spells with them (the next state `s'`: `var sn` with `latex sn \"s'\"`)"));
        }
        let subscripts = indices.iter().map(|item| self.index_expr(item, span)).collect::<R<Vec<_>>>()?;
        // Where the name and its indices were written: the whole node where every script is part
        // of the name (its closing brace too: `s_c^{t}`); without the power or transpose that
        // follows them otherwise.
        let name_span = match how {
            Some(Sup::Indices) | None => Span::new(base.span().start.min(span.start), span.end),
            Some(Sup::Power(_) | Sup::Transpose | Sup::InverseTranspose(_)) => {
                Span::new(base.span().start, at.name_end.max(base.span().end))
            }
        };
        let e = if subscripts.is_empty() {
            Expr { kind: ExprKind::Name(id), span: name_span }
        } else {
            Expr { kind: ExprKind::Indexed(id, subscripts), span: name_span }
        };
        if let Some((end, power)) = evaluated {
            let span = Span::new(span.start, end);
            return Ok(match power {
                Some(p) => {
                    let op_span = Span::new(e.span.end, p.span.start.max(e.span.end));
                    Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(e), Box::new(p), op_span), span }
                }
                None => Expr { span, ..e },
            });
        }
        Ok(match how {
            Some(Sup::Transpose) => Expr { kind: ExprKind::Transpose(Box::new(e)), span },
            Some(Sup::InverseTranspose(p)) => {
                let op_span = Span::new(e.span.end, p.span.start.max(e.span.end));
                let inverse = Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(e), Box::new(p), op_span), span };
                Expr { kind: ExprKind::Transpose(Box::new(inverse)), span }
            }
            Some(Sup::Power(p)) => {
                let op_span = Span::new(e.span.end, p.span.start.max(e.span.end));
                Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(e), Box::new(p), op_span), span }
            }
            Some(Sup::Indices) | None => e,
        })
    }

    /// Parentheses right after the model's quantity `name` that hold only names and numbers
    /// (`J(w)`, `\mathcal{L}(\hat y, y)`, `J(0)`): where each is a name `name` depends on, the
    /// quantity itself, as a function of them — read, the end of what was read and the power on
    /// the parentheses (`J(w)^2`); otherwise refused, as the value at a point or a product cannot
    /// be told apart. `None` where they hold anything else (`p_k(\delta_{ki} - p_i)`, a product).
    fn arguments_after(&mut self, name: &str, span: Span) -> R<Option<(usize, Option<Expr>)>> {
        let (inner, sup, end) = match self.peek() {
            Some(Node::Paren('(', inner, ')', s)) => (inner.clone(), None, s.end),
            Some(Node::Attach { base, sub: None, sup: Some(sup), primes: 0, span: s, .. }) => match &**base {
                Node::Paren('(', inner, ')', _) => (inner.clone(), Some(sup.clone()), s.end),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        let mut names = Vec::new();
        for item in inner.split(|n| matches!(n, Node::Sym(',', _))) {
            match item {
                [Node::Num(..)] => names.push(None),
                [] => return Ok(None),
                item => {
                    let Ok(e) = self.sub(item) else { return Ok(None) };
                    match e.kind {
                        ExprKind::Name(id) | ExprKind::Indexed(id, _)
                            if self.names.kind_of(&id.name).is_some_and(|k| matches!(k, Kind::Family(_))) =>
                        {
                            names.push(Some(id.name))
                        }
                        _ => return Ok(None),
                    }
                }
            }
        }
        let written = self.text.get(span.start..end).unwrap_or("this").to_string();
        if names.iter().all(|n| n.as_deref().is_some_and(|n| self.names.depends_on(name, n))) {
            self.pos += 1;
            let power = sup.map(|sup| self.sub(&sup)).transpose()?;
            return Ok(Some((end, power)));
        }
        Err(Diagnostic::error(Span::new(span.start, end), format!("`{written}` is ambiguous: `{name}` at a point, or a product?"))
            .with_hint(format!(
                "a quantity followed by names it depends on is read as the quantity (`J(w)` is `J` where `J` depends on `w`), but these parentheses hold a number or a name `{name}` does not depend on: write `{name}` alone for its value (a value at a point is not read), or `{name} \\cdot (…)` for a product"
            )))
    }

    /// The condition after an indicator's one: a bracket `[y = k]`, `(y = k)`, `\left\{ … \right\}`,
    /// or `\{ y = k \}`; its nodes, where it ends, and how many nodes it takes.
    fn condition_after(&self) -> Option<(Vec<Node>, Span, usize)> {
        let brace = |n: &Node, c: &str| matches!(n, Node::Cmd(name, a, _) if name == c && a.is_empty());
        match self.peek()? {
            n @ Node::Paren(_, inner, _, at) => condition(n).map(|()| (inner.clone(), *at, 1)),
            n if brace(n, "{") => {
                let rest = &self.nodes[self.pos + 1..];
                let close = rest.iter().position(|n| brace(n, "}"))?;
                let inner = rest[..close].to_vec();
                let bracket = Node::Paren('{', inner.clone(), '}', rest[close].span());
                condition(&bracket).map(|()| (inner, rest[close].span(), close + 2))
            }
            _ => None,
        }
    }

    /// The answer's text at a span (empty where the span is not the answer's).
    fn written(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or_default()
    }

    /// `\mathbb{1}`, `\mathbf{1}` as the indicator's one: unless the model spells a name so
    /// (`latex ones "\mathbf{1}"`).
    fn indicator_one(&self, name: &str, args: &[Vec<Node>]) -> bool {
        (is_one(name, args) && self.names.with_base("1").is_empty())
            || (is_indicator_i(name, args) && self.names.with_base("I").is_empty() && self.condition_follows())
    }

    /// Whether an indicator's condition follows: `(y = k)`, `[z > 0]`, `\{y = k\}`.
    fn condition_follows(&self) -> bool {
        self.condition_after().is_some()
            || matches!(self.peek(), Some(Node::Paren('[' | '{' | '(', inner, _, _))
                if matches!(comparison(inner), Some(Condition::Compare(..))))
    }

    /// An indicator of two sides unequal, `\mathbb{1}[i \neq k]`: one less the Kronecker delta
    /// of its sides (a LaTeX tester was told "a vector of ones is not read"). None where the
    /// inside holds no one `\neq` between two sides.
    fn unequal_indicator(&self, inner: &[Node], span: Span) -> Option<R<Expr>> {
        let at = inner.iter().position(is_not_equal)?;
        if inner.iter().filter(|n| is_not_equal(n)).count() > 1 || at == 0 || at + 1 == inner.len() {
            return None;
        }
        let delta = self.indicator_sides(&inner[..at], &inner[at + 1..], span);
        Some(delta.map(|delta| {
            let one = Expr { kind: ExprKind::Number("1".to_string()), span };
            Expr { kind: ExprKind::Binary(BinOp::Sub, Box::new(one), Box::new(delta), span), span }
        }))
    }

    fn indicator_sides(&self, u: &[Node], v: &[Node], span: Span) -> R<Expr> {
        let args = vec![self.sub(u)?, self.sub(v)?];
        Ok(Expr { kind: ExprKind::Call { func: ident("delta", span), primes: 0, args }, span })
    }

    /// An indicator's condition `y = k` as the Kronecker delta of its two sides.
    fn indicator(&self, inner: &[Node], span: Span) -> R<Expr> {
        let at = inner.iter().position(|n| matches!(n, Node::Sym('=', _))).expect("a condition");
        self.indicator_sides(&inner[..at], &inner[at + 1..], span)
    }

    /// The model's index a node names (`j`, `jj`, `c_2` for `c2`), if it names one.
    fn index_node(&self, n: &Node) -> Option<String> {
        let name = match n {
            Node::Attach { base, sub: Some(sub), sup: None, primes: 0, .. } => {
                let (word, None) = name_word(base)? else { return None };
                let [part] = sub.as_slice() else { return None };
                let (more, None) = name_word(part)? else { return None };
                format!("{word}{more}")
            }
            n => match name_word(n)? {
                (word, None) => word,
                _ => return None,
            },
        };
        self.names.index_named(&name).map(|e| e.name.clone())
    }

    /// The Kronecker delta `\delta_{ki}`, `\delta_{c,k}` (for a model that declares no `delta`).
    #[allow(clippy::too_many_arguments)]
    fn kronecker(
        &self,
        word: &str,
        decorated: bool,
        base: &Node,
        sub: Option<&[Node]>,
        sup: Option<&[Node]>,
        primes: u32,
        span: Span,
    ) -> Option<R<Expr>> {
        if word != "delta" || decorated || sup.is_some() || primes > 0 {
            return None;
        }
        let mut items = self.index_items(sub?, &[]);
        // Two letters are the delta's two indices, also where the model has a name of them both
        // (`\delta_{yc}` beside a model's `yc` was refused as "`\delta` is not a name": a TA).
        let letters = match items.as_slice() {
            [item] => match item.as_slice() {
                [Node::Word(w, at)] if w.chars().count() == 2 => Some(
                    w.char_indices()
                        .map(|(i, c)| {
                            vec![Node::Word(c.to_string(), Span::new(at.start + i, at.start + i + c.len_utf8()))]
                        })
                        .collect::<Vec<_>>(),
                ),
                // A letter and a digit, `\delta_{j1}`, `\delta_{1j}`: an index and a number (a
                // student was told `\delta` is not a name; `\delta_{j,1}` was read).
                [a @ (Node::Word(..) | Node::Num(..)), b @ (Node::Word(..) | Node::Num(..))]
                    if [a, b].iter().all(|n| match n {
                        Node::Word(w, _) | Node::Num(w, _) => w.chars().count() == 1,
                        _ => false,
                    }) && matches!((a, b), (Node::Word(..), Node::Num(..)) | (Node::Num(..), Node::Word(..))) =>
                {
                    Some(vec![vec![a.clone()], vec![b.clone()]])
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(letters) = letters {
            items = letters;
        }
        // Two of the model's indices side by side, `\delta_{c_2 c_3}` (a TA: "`\delta` is not a
        // name of the model"), `\delta_{j jj}`.
        if let [item] = items.as_slice() {
            if let [a, b] = item.as_slice() {
                if self.index_node(a).is_some() && self.index_node(b).is_some() {
                    items = vec![vec![a.clone()], vec![b.clone()]];
                }
            }
        }
        if items.len() != 2 {
            return None;
        }
        Some(
            items
                .iter()
                // An index of the model by its name (`jj` is the index, not `j·j`: a student).
                .map(|item| match item.as_slice() {
                    [n] => match self.index_node(n) {
                        Some(name) => Ok(Expr { kind: ExprKind::Name(ident(&name, n.span())), span: n.span() }),
                        None => self.sub(item),
                    },
                    _ => self.sub(item),
                })
                .collect::<R<Vec<Expr>>>()
                .map(|args| Expr { kind: ExprKind::Call { func: ident("delta", base.span()), primes: 0, args }, span }),
        )
    }

    /// Whether a written name matches a model name: its own subscript words first, then the
    /// indices, in the subscript and (where the name needs them) the superscript. `Ok(None)`: no.
    #[allow(clippy::type_complexity)]
    fn try_match(
        &self,
        entry: &Entry,
        items: &[Vec<Node>],
        sup: Option<&[Node]>,
        span: Span,
    ) -> R<Option<(Vec<Vec<Node>>, Option<Sup>)>> {
        if items.len() < entry.sub.len() {
            return Ok(None);
        }
        for (item, word) in items.iter().zip(&entry.sub) {
            let written = match item.as_slice() {
                [n] => subscript_word(n),
                _ => None,
            };
            if written.as_deref() != Some(word.as_str()) {
                return Ok(None);
            }
        }
        let rest = self.index_items_of(&items[entry.sub.len()..]);
        let arity = match entry.kind {
            Kind::Family(n) => n,
            Kind::Function | Kind::Index | Kind::Size => 0,
        };
        // `W_{12}` for the element (1, 2) of a matrix, as every text writes it: one digit an
        // index, where the name takes as many indices as there are digits and no reading of the
        // number as one index fits (`x_{12}` of a long vector stays its twelfth element).
        let fits = |n: usize| n == arity || entry.elements.contains(&n);
        let rest = match digit_indices(&rest) {
            Some(split) if !fits(rest.len()) && fits(split.len()) => split,
            _ => rest,
        };
        // The name's own superscript (`W^{(2)}`, a `latex` spelling) is written first in the
        // superscript; after it only a transpose may follow (`W^{(2)\top}`).
        let sup = if entry.sup.is_empty() {
            sup
        } else {
            let Some(written) = sup else { return Ok(None) };
            let own = written.len() >= entry.sup.len()
                && written.iter().zip(&entry.sup).all(|(n, key)| script_key(n).as_deref() == Some(key.as_str()));
            if !own {
                return Ok(None);
            }
            match &written[entry.sup.len()..] {
                [] => None,
                after if self.is_transpose(after)? => {
                    // (Also of a family written whole: `h^{(1)\top}` for `h1[j]`.)
                    let whole = rest.is_empty() && entry.elements.contains(&0);
                    return Ok((rest.len() == arity || whole).then_some((rest, Some(Sup::Transpose))));
                }
                _ => return Ok(None),
            }
        };
        let Some(sup) = sup else {
            let fits = rest.len() == arity || entry.elements.contains(&rest.len());
            return Ok(fits.then_some((rest, None)));
        };
        if self.is_transpose(sup)? {
            // Of the name, or of a family written whole (`\mathbf{w}^\top` for `w[j]`).
            let whole = rest.is_empty() && entry.elements.contains(&0);
            return Ok((rest.len() == arity || whole).then_some((rest, Some(Sup::Transpose))));
        }
        // A superscript in brackets is always an index: `h^{(t)}`, Ng's `h^{[t]}`,
        // `h^{\langle t \rangle}` and `h^{<t>}`.
        let (sup_items, forced) = match sup {
            [Node::Paren('(' | '[', inner, ')' | ']', _)] => (self.index_items(inner, &[]), true),
            [Node::Cmd(open, a, _), inner @ .., Node::Cmd(close, b, _)]
                if open == "langle" && close == "rangle" && a.is_empty() && b.is_empty() =>
            {
                (self.index_items(inner, &[]), true)
            }
            [Node::Sym('<', _), inner @ .., Node::Sym('>', _)] => (self.index_items(inner, &[]), true),
            _ => (self.index_items(sup, &[]), false),
        };
        // A power of the name, or of one element of an array (`w_i^2` for `var w: n`).
        if (rest.len() == arity || (rest.len() > arity && entry.elements.contains(&rest.len()))) && !forced {
            if let Some(minus_one) = self.minus_transpose(sup)? {
                return Ok(Some((rest, Some(Sup::InverseTranspose(minus_one)))));
            }
            return Ok(Some((rest, Some(Sup::Power(self.sub(sup)?)))));
        }
        if rest.len() + sup_items.len() == arity && entry.kind != Kind::Function {
            if !forced && matches!(sup, [Node::Num(..)]) {
                return Err(Diagnostic::error(join_all(sup, span), "a number as a superscript: a power or an index?")
                    .with_hint(format!("`{}` has {arity} index(es): write `^{{(2)}}` for the index, or give all indices as subscripts and then `^2` for the power", entry.name)));
            }
            // The superscript's indices go after the subscript's (`s_c^{t-1}` is `s[c,t-1]`),
            // or before them where the names written say so: `W^{(2)}_{ij}` for `W[l,i,j]`,
            // CS229's `x^{(i)}_j` for `x[i,j]`.
            let slots = self.names.slots(&entry.name);
            let agree = |order: &[&Vec<Node>]| {
                order
                    .iter()
                    .zip(slots)
                    .filter(|(item, slot)| match (item.as_slice(), slot) {
                        ([n], Some(slot)) => name_word(n).is_some_and(|(w, d)| d.is_none() && w == *slot),
                        _ => false,
                    })
                    .count()
            };
            let after: Vec<&Vec<Node>> = rest.iter().chain(&sup_items).collect();
            let before: Vec<&Vec<Node>> = sup_items.iter().chain(&rest).collect();
            let all = if agree(&before) > agree(&after) { before } else { after };
            let all = all.into_iter().cloned().collect();
            return Ok(Some((all, Some(Sup::Indices))));
        }
        Ok(None)
    }

    /// The items of a subscript or superscript, split at commas; a word of several letters that
    /// is not an index, a size or another name is a list of one-letter indices (`V_{ij}`).
    fn index_items(&self, nodes: &[Node], _: &[Node]) -> Vec<Vec<Node>> {
        let items: Vec<Vec<Node>> = nodes.split(|n| matches!(n, Node::Sym(',', _))).map(<[Node]>::to_vec).collect();
        self.index_items_of(&items)
    }

    fn index_items_of(&self, items: &[Vec<Node>]) -> Vec<Vec<Node>> {
        let mut out = Vec::new();
        for item in items {
            match item.as_slice() {
                [Node::Word(w, s)] if w.chars().count() > 1 && !self.names.declares(w) => {
                    for (i, c) in w.char_indices() {
                        out.push(vec![Node::Word(c.to_string(), Span::new(s.start + i, s.start + i + c.len_utf8()))]);
                    }
                }
                // `W_{i j}`, letters spaced apart: one index each, as `W_{ij}`.
                nodes
                    if nodes.len() > 1
                        && nodes.iter().all(|n| matches!(n, Node::Word(w, _) if w.chars().count() == 1)) =>
                {
                    out.extend(nodes.iter().map(|n| vec![n.clone()]));
                }
                _ => out.push(item.clone()),
            }
        }
        out
    }

    /// The size of the model a name with a subscript spells (`d_k` for `latex dk "d_k"`), if any.
    fn spelled_size(&self, n: &Node) -> Option<String> {
        let Node::Attach { base, sub: Some(sub), sup: None, primes: 0, .. } = n else { return None };
        let (word, None) = name_word(base)? else { return None };
        let words: Vec<String> = sub
            .iter()
            .filter(|m| !matches!(m, Node::Sym(',', _)))
            .map(|m| name_word(m).and_then(|(w, d)| d.is_none().then_some(w)))
            .collect::<Option<_>>()?;
        self.names.with_base(&word).iter().find(|e| e.kind == Kind::Size && e.sub == words).map(|e| e.name.clone())
    }

    /// An index expression: names and integers joined by `+` and `-` (`t-1`, `i+a-1`).
    fn index_expr(&self, nodes: &[Node], span: Span) -> R<IndexExpr> {
        let whole = join_all(nodes, span);
        let bad = |n: &Node| {
            Diagnostic::error(n.span(), "cannot read this as an index").with_hint(
                "an index is a name or an integer, with `+` and `-`: `t-1`, `c`; a stride `2i` is written `i+i`",
            )
        };
        let mut terms = Vec::new();
        let mut sign = 1;
        let mut expect_atom = true;
        for n in nodes {
            match n {
                Node::Sym('+', _) if !expect_atom || terms.is_empty() => {
                    sign = 1;
                    expect_atom = true;
                }
                Node::Sym('-', _) if !expect_atom || terms.is_empty() => {
                    sign = -1;
                    expect_atom = true;
                }
                Node::Num(text, s) if expect_atom && text.chars().all(|c| c.is_ascii_digit()) => {
                    terms.push((sign, IndexAtom::Int(text.clone(), *s)));
                    expect_atom = false;
                }
                n if expect_atom => match name_word(n).or_else(|| numbered_word(n).map(|w| (w, None))) {
                    Some((w, None)) if w.chars().all(char::is_alphanumeric) => {
                        let name = self.names.index_or_size(&w).map_or(w.clone(), |e| e.name.clone());
                        terms.push((sign, IndexAtom::Name(ident(&name, n.span()))));
                        expect_atom = false;
                    }
                    // A size the model spells with a subscript (`d_k` for `dk`; a tester found
                    // `\sum_{j=1}^{n+d_k-1}` refused where `\sqrt{d_k}` read).
                    _ => match self.spelled_size(n) {
                        Some(name) => {
                            terms.push((sign, IndexAtom::Name(ident(&name, n.span()))));
                            expect_atom = false;
                        }
                        None => return Err(bad(n)),
                    },
                },
                n => return Err(bad(n)),
            }
        }
        if terms.is_empty() || expect_atom {
            return Err(Diagnostic::error(whole, "an index is missing here").with_hint(
                "an index is a name or an integer, with `+` and `-`: `t-1`, `c`; a stride `2i` is written `i+i`",
            ));
        }
        Ok(IndexExpr { terms, span: whole })
    }
}

/// A letter with a number as its subscript, `c_{2}`, as the one word `c2`: how `render` writes an
/// index or a sum's bound index whose name ends in digits (the rule of `spell::name_parts`).
fn numbered_word(n: &Node) -> Option<String> {
    let Node::Attach { base, sub: Some(sub), sup: None, primes: 0, .. } = n else { return None };
    let [Node::Num(digits, _)] = sub.as_slice() else { return None };
    let (word, decoration) = name_word(base)?;
    let plain = decoration.is_none() && word.chars().all(char::is_alphabetic);
    (plain && digits.chars().all(|c| c.is_ascii_digit())).then(|| format!("{word}{digits}"))
}

/// Whether text ends with a number that what follows it multiplies: `2`, `2\,`, `2{`, `{2}`,
/// `\frac{4}{2}`, but not a script's digit (`\sigma^2`, `x_1`, `x^{2}`).
fn after_a_number(text: &str) -> bool {
    let mut t = text;
    loop {
        let trimmed = t.trim_end().trim_end_matches(['{', '~']);
        let trimmed = ["\\,", "\\;", "\\:", "\\!", "\\ "].iter().fold(trimmed, |t, s| t.strip_suffix(s).unwrap_or(t));
        if trimmed.len() == t.len() {
            break;
        }
        t = trimmed;
    }
    // A braced group of digits (`{2}`, a fraction's denominator) is the number inside it.
    let (t, braced) = match t.strip_suffix('}') {
        Some(inner) => match inner.rfind('{') {
            Some(open)
                if inner[open + 1..].chars().all(|c| c.is_ascii_digit() || c == '.') && open + 1 < inner.len() =>
            {
                (&inner[..open + 1], true)
            }
            _ => return false,
        },
        None => (t, false),
    };
    let digits = t.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if !braced && digits.len() == t.len() {
        return false;
    }
    // (The digit of a script is no factor: `\sigma^2 \pi`, `x_1 \pi`, `x^{2} \pi`.)
    let digits = if braced { digits.strip_suffix('{').unwrap_or(digits) } else { digits };
    !digits.ends_with(['^', '_'])
}

/// What to write for a conditional probability, which is not read.
const CONDITIONAL_HINT: &str =
    "write the probability as a name of the model (`p_{x|z}` as `p_xz`; `\\pi(a|s)` as the model's name of the policy, `\\pi(a)` where it depends on `a`), or the density it stands for";

/// Whether a command with its arguments spells a name (a Greek letter, `\text{net}`, `\hat{y}`).
fn is_name_command(name: &str, args: &[Vec<Node>]) -> bool {
    if args.is_empty() {
        return greek_command(name).is_some() || name == "ell";
    }
    [
        "text",
        "textrm",
        "textit",
        "mathrm",
        "mathit",
        "operatorname",
        "mathbf",
        "boldsymbol",
        "bm",
        "mathsf",
        "vec",
        "hat",
        "widehat",
        "tilde",
        "widetilde",
        "bar",
        "mathcal",
        "mathscr",
        "mathfrak",
        "mathbb",
    ]
    .contains(&name)
}

/// The cells of an environment's rows (`&` between cells, `\\` between rows; a `\\` after
/// the last row ends it). A length after `\\` spaces the rows, as it does between the rows of
/// a block (`\\[3mm]` inside a `pmatrix` was read as the factor `3m²` of the next cell, and a
/// false step proved: a LaTeX tester).
fn cells(body: &[Node]) -> R<Vec<Vec<Vec<Node>>>> {
    let mut rows: Vec<Vec<Vec<Node>>> = vec![vec![Vec::new()]];
    let mut errors = Vec::new();
    let mut nodes = body.iter().cloned().peekable();
    while let Some(n) = nodes.next() {
        match n {
            Node::Row(span) => {
                rows.push(vec![Vec::new()]);
                skip_line_break_argument(span, &mut nodes, &mut errors, true);
            }
            Node::Amp(_) => rows.last_mut().expect("a row").push(Vec::new()),
            Node::Comment(..) => {}
            n => rows.last_mut().expect("a row").last_mut().expect("a cell").push(n),
        }
    }
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    if rows.len() > 1 && rows.last().is_some_and(|r| r.len() == 1 && r[0].is_empty()) {
        rows.pop();
    }
    Ok(rows)
}

/// A comparison of a case: which way it goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Comparison {
    Above,
    AtLeast,
    Below,
    AtMost,
}

impl Comparison {
    /// The relation that holds exactly where this one does not (of the same two sides).
    fn complement(self) -> Comparison {
        match self {
            Comparison::Above => Comparison::AtMost,
            Comparison::AtLeast => Comparison::Below,
            Comparison::Below => Comparison::AtLeast,
            Comparison::AtMost => Comparison::Above,
        }
    }
}

/// A case's condition.
enum Condition {
    Compare(Vec<Node>, Comparison, Vec<Node>),
    Otherwise,
}

/// A case's condition cell: `\text{if } u > v`, `u \geq v,`, `\text{otherwise}`, `\text{else}`.
fn comparison(cell: &[Node]) -> Option<Condition> {
    let word_of = |n: &Node| match n {
        Node::Cmd(c, args, _)
            if ["text", "textrm", "mathrm", "textit", "mbox"].contains(&c.as_str()) && args.len() == 1 =>
        {
            let words: Vec<String> = args[0]
                .iter()
                .filter_map(|w| match w {
                    Node::Word(w, _) => Some(w.to_lowercase()),
                    _ => None,
                })
                .collect();
            Some(words.join(" "))
        }
        Node::Word(w, _) if ["if", "for", "when", "otherwise", "else"].contains(&w.to_lowercase().as_str()) => {
            Some(w.to_lowercase())
        }
        _ => None,
    };
    let mut otherwise = false;
    let mut rest = Vec::new();
    for n in cell {
        match word_of(n) {
            Some(w) if ["otherwise", "else", "sonst", "elsewhere"].contains(&w.trim()) => otherwise = true,
            Some(w) if ["if", "for", "when", "falls", "wenn", ""].contains(&w.trim()) => {}
            Some(_) => return None,
            None if matches!(n, Node::Sym(',' | '.' | ';', _)) => {}
            None => rest.push(n.clone()),
        }
    }
    if otherwise {
        return rest.is_empty().then_some(Condition::Otherwise);
    }
    let at: Vec<(usize, Comparison)> =
        rest.iter().enumerate().filter_map(|(k, n)| comparison_of(n).map(|r| (k, r))).collect();
    let [(k, r)] = at.as_slice() else { return None };
    (*k > 0 && k + 1 < rest.len()).then(|| Condition::Compare(rest[..*k].to_vec(), *r, rest[k + 1..].to_vec()))
}

/// Whether a node is `≠`, `\ne` or `\neq`.
fn is_not_equal(n: &Node) -> bool {
    matches!(n, Node::Sym('≠', _)) || matches!(n, Node::Cmd(c, a, _) if (c == "ne" || c == "neq") && a.is_empty())
}

/// The comparison a node is (`>`, `\geq`, …), if it is one.
fn comparison_of(n: &Node) -> Option<Comparison> {
    match n {
        Node::Sym('>', _) => Some(Comparison::Above),
        Node::Sym('<', _) => Some(Comparison::Below),
        Node::Sym('≥', _) => Some(Comparison::AtLeast),
        Node::Sym('≤', _) => Some(Comparison::AtMost),
        Node::Cmd(c, a, _) if a.is_empty() => match c.as_str() {
            "geq" | "ge" | "geqslant" => Some(Comparison::AtLeast),
            "leq" | "le" | "leqslant" => Some(Comparison::AtMost),
            "gt" => Some(Comparison::Above),
            "lt" => Some(Comparison::Below),
            _ => None,
        },
        _ => None,
    }
}

/// 1 where `u rel v` holds, else 0, with `step` (1 at 0): `u ≥ v` is `step(u - v)`, `u > v` is
/// `1 - step(v - u)`.
fn step_indicator(u: Expr, rel: Comparison, v: Expr, span: Span) -> Expr {
    let call =
        |arg: Expr| Expr { kind: ExprKind::Call { func: ident("step", span), primes: 0, args: vec![arg] }, span };
    let bin = |op: BinOp, x: Expr, y: Expr| Expr { kind: ExprKind::Binary(op, Box::new(x), Box::new(y), span), span };
    let one = || Expr { kind: ExprKind::Number("1".to_string()), span };
    match rel {
        Comparison::AtLeast => call(bin(BinOp::Sub, u, v)),
        Comparison::Above => bin(BinOp::Sub, one(), call(bin(BinOp::Sub, v, u))),
        Comparison::AtMost => call(bin(BinOp::Sub, v, u)),
        Comparison::Below => bin(BinOp::Sub, one(), call(bin(BinOp::Sub, u, v))),
    }
}

/// `\mathbb{1}`, `\mathbf{1}`: the indicator's one.
fn is_one(name: &str, args: &[Vec<Node>]) -> bool {
    ["mathbb", "mathbf", "mathds", "mathbbm", "boldsymbol", "bm"].contains(&name)
        && matches!(args, [a] if matches!(a.as_slice(), [Node::Num(n, _)] if n == "1"))
}

/// A function of the textbooks that gradproof does not read, with what to write for it (each form
/// read as it says: tests/latex.rs).
fn unread_function(word: &str) -> Option<(&'static str, &'static str)> {
    [
        ("sech", "`\\frac{1}{\\cosh x}`; `\\operatorname{sech}^2 x` is `1 - \\left(\\tanh x\\right)^2`"),
        ("csch", "`\\frac{1}{\\sinh x}`"),
        ("coth", "`\\frac{\\cosh x}{\\sinh x}`"),
        ("sec", "`\\frac{1}{\\cos x}`"),
        ("csc", "`\\frac{1}{\\sin x}`"),
        ("cot", "`\\frac{\\cos x}{\\sin x}`"),
        ("logsumexp", "`\\log \\sum_{k=1}^{K} e^{z_k}`"),
        ("LSE", "`\\log \\sum_{k=1}^{K} e^{z_k}`"),
    ]
    .into_iter()
    .find(|(f, _)| *f == word)
}

/// `\mathbb{I}`, Murphy's indicator (`\mathbb{I}(y = k)`), read as the indicator's one where a
/// condition follows it (else it is the identity matrix, which is not read).
fn is_indicator_i(name: &str, args: &[Vec<Node>]) -> bool {
    ["mathbb", "mathds", "mathbbm"].contains(&name)
        && matches!(args, [a] if matches!(a.as_slice(), [Node::Word(w, _)] if w == "I"))
}

/// A bracket holding one condition `a = b` with something on each side (an indicator's).
fn condition(n: &Node) -> Option<()> {
    let Node::Paren('[' | '{' | '(', inner, _, _) = n else { return None };
    let at: Vec<usize> =
        inner.iter().enumerate().filter(|(_, n)| matches!(n, Node::Sym('=', _))).map(|(k, _)| k).collect();
    matches!(at.as_slice(), [k] if *k > 0 && *k + 1 < inner.len()).then_some(())
}

/// `\cdot`, `\times`, `*`: a product written out.
fn is_explicit_product(n: &Node) -> bool {
    matches!(n, Node::Cmd(c, args, _) if args.is_empty() && MUL_OPS.contains(&c.as_str()))
        || matches!(n, Node::Sym('*' | '·' | '×', _))
}

fn join_all(nodes: &[Node], fallback: Span) -> Span {
    match (nodes.first(), nodes.last()) {
        (Some(a), Some(b)) => Span::new(a.span().start, b.span().end),
        _ => fallback,
    }
}

/// How to write the model's `entry` that an answer wrote with a superscript `written` of its own.
fn layered_hint(entry: &Entry, base: &str, written: &str) -> String {
    format!(
        "the model writes `{}` as `{}`: write that, with any indices after a comma in the subscript; or the model spells it as the course does with `latex {} \"{base}^{{{written}}}\"` (docs/latex.md)",
        entry.name, entry.spelling, entry.name
    )
}

/// The model's name that a superscript such as `(2)`, `[2]` or `new` spells as the name's own
/// subscript (`W2`, written `W_{2}`), and the superscript as written, for a hint.
fn layered<'e>(candidates: &'e [Entry], sup: Option<&[Node]>) -> Option<(&'e Entry, String)> {
    let [first] = sup? else { return None };
    let key = script_key(first)?;
    let inner = key.trim_start_matches(['(', '[']).trim_end_matches([')', ']']);
    let entry = candidates.iter().find(|e| {
        e.sup.is_empty() && matches!(e.kind, Kind::Family(_)) && e.sub.first().map(String::as_str) == Some(inner)
    })?;
    let written = match first {
        Node::Paren(open, _, close, _) => format!("{open}{inner}{close}"),
        _ => format!("\\text{{{inner}}}"),
    };
    Some((entry, written))
}

/// A name as it was written: `\sigma`, `x`.
fn written(n: &Node) -> String {
    match n {
        Node::Cmd(c, args, _) if args.is_empty() => format!("\\{c}"),
        n => spelled(n),
    }
}

fn spelled(n: &Node) -> String {
    match name_word(n) {
        Some((w, Some(d))) => format!("\\{d}{{{w}}}"),
        Some((w, None)) => w,
        None => "this".to_string(),
    }
}

/// The base of a logarithm written as its subscript (`\log_2`, `\log_{10}`): a positive
/// number other than 1.
fn log_base(sub: &[Node]) -> Option<Expr> {
    let (n, span) = match sub {
        [Node::Num(n, s)] => (n, *s),
        [Node::Group(inner, _)] => match inner.as_slice() {
            [Node::Num(n, s)] => (n, *s),
            _ => return None,
        },
        _ => return None,
    };
    let value: f64 = n.parse().ok()?;
    (value > 0.0 && value != 1.0).then(|| Expr { kind: ExprKind::Number(n.clone()), span })
}

/// How a derivative is written: `\partial` or `d` (docs/latex.md; both are `diff`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mark {
    Partial,
    D,
}

/// A derivative's variable from the expression read below the fraction.
fn var_ref(e: Expr) -> R<VarRef> {
    match e.kind {
        ExprKind::Name(name) => Ok(VarRef { name, subscripts: Vec::new(), span: e.span }),
        ExprKind::Indexed(name, subscripts) => Ok(VarRef { name, subscripts, span: e.span }),
        _ => Err(Diagnostic::error(e.span, "a derivative by an expression, not by one name of the model, is not read")
            .with_hint("write one name of the model below the fraction (`\\partial w`); to differentiate by an expression such as `\\log\\sigma^2`, the model must name it (`let v = log(s2)`, then `\\partial v`)")),
    }
}

/// Whether a superscript's node names something (a letter, a command other than a fraction):
/// `e^{2x}` does, `e^2` and `e^{-\frac{1}{2}}` do not.
fn names_something(n: &Node) -> bool {
    match n {
        Node::Word(..) => true,
        Node::Num(..) | Node::Sym(..) => false,
        Node::Cmd(c, args, _) if matches!(c.as_str(), "frac" | "tfrac" | "dfrac") => {
            args.iter().flatten().any(names_something)
        }
        Node::Cmd(..) => true,
        Node::Group(inner, _) | Node::Paren(_, inner, _, _) => inner.iter().any(names_something),
        Node::Attach { .. } => true,
        #[allow(unreachable_patterns)]
        _ => true,
    }
}

/// The functions whose name may carry a power of their value (`\sin^2 x`, `\tanh^2(x)`).
const POWER_ON_NAME: [&str; 8] = ["sin", "cos", "tan", "sinh", "cosh", "tanh", "log", "ln"];

/// A product `a b \frac{\partial r}{\partial w} c` that an operator by `r` takes, split before its
/// first factor after the first that is a derivative of `r` itself (transposed or not): `a b`, and
/// where there is one, the product's operator there and `\frac{\partial r}{\partial w} c`.
fn split_at_chain_factor(body: Expr, var: &VarRef) -> (Expr, Option<(Span, Expr)>) {
    let mut factors = Vec::new();
    let mut ops = Vec::new();
    let mut first = body.clone();
    while let ExprKind::Binary(BinOp::Mul, a, b, at) = first.kind {
        factors.push(*b);
        ops.push(at);
        first = *a;
    }
    factors.push(first);
    factors.reverse();
    ops.reverse();
    let written = |e: &Expr| expr_to_string(e, Spelling::Canonical);
    let kind = if var.subscripts.is_empty() {
        ExprKind::Name(var.name.clone())
    } else {
        ExprKind::Indexed(var.name.clone(), var.subscripts.clone())
    };
    let var = written(&Expr { kind, span: var.span });
    let of_var = |e: &Expr| match &e.kind {
        ExprKind::Diff { body, .. } => written(body) == var,
        ExprKind::Transpose(inner) => matches!(&inner.kind, ExprKind::Diff { body, .. } if written(body) == var),
        _ => false,
    };
    let Some(k) = (1..factors.len()).find(|&k| of_var(&factors[k])) else {
        return (body, None);
    };
    let product = |fs: Vec<Expr>, ops: &[Span]| {
        let mut fs = fs.into_iter();
        let first = fs.next().expect("a factor");
        fs.zip(ops).fold(first, |a, (b, &at)| {
            let span = join(a.span, b.span);
            Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(a), Box::new(b), at), span }
        })
    };
    let rest = factors.split_off(k);
    let at = ops[k - 1];
    (product(factors, &ops[..k - 1]), Some((at, product(rest, &ops[k..]))))
}

/// The items with one run of digits 1-9 and letters among them (`W_{12}`, `s_{1k}`), a digit at
/// least, written as one item per character; None where no item is such a run of two characters
/// or more.
fn digit_indices(items: &[Vec<Node>]) -> Option<Vec<Vec<Node>>> {
    let characters = |item: &[Node]| -> Option<Vec<Vec<Node>>> {
        let mut out = Vec::new();
        let mut digit = false;
        for n in item {
            let (Node::Num(w, s) | Node::Word(w, s)) = n else { return None };
            for (i, c) in w.char_indices() {
                let at = Span::new(s.start + i, s.start + i + c.len_utf8());
                match c {
                    '1'..='9' => {
                        digit = true;
                        out.push(vec![Node::Num(c.to_string(), at)]);
                    }
                    c if c.is_ascii_alphabetic() => out.push(vec![Node::Word(c.to_string(), at)]),
                    _ => return None,
                }
            }
        }
        (digit && out.len() > 1).then_some(out)
    };
    let runs: Vec<usize> = (0..items.len()).filter(|&k| characters(&items[k]).is_some()).collect();
    let [at] = runs.as_slice() else { return None };
    let split = characters(&items[*at])?;
    Some(items[..*at].iter().cloned().chain(split).chain(items[at + 1..].iter().cloned()).collect())
}
