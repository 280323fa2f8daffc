//! Bars written bare: `|x|`, `\|x\|`, `\lvert x \rvert`. Unlike brackets, one symbol both opens
//! and closes, so which bar opens is decided by where it stands: a bar may close only after
//! something that ends an operand (a name, a number, a bracket, a bar that closed), and never
//! after an operator or at the start. Every way of pairing the bars of one stretch of math
//! between relations, commas and columns is counted: where exactly one pairs them all, the pairs
//! become groups ([`Node::Paren`] with `|` or `‖`, as `\left| … \right|` is); where none or
//! several do (`p(x|z)`; `|a|b|c|`, which is `|a| b |c|` or `|a |b| c|`), the bars stay as they
//! are and the reader refuses them with a hint (docs/latex.md).

use std::collections::HashMap;

use super::tree::Node;
use crate::diagnostic::Span;

/// More bars than this in one stretch are left for the reader to refuse.
const MAX_BARS: usize = 64;

/// Pairs the bars of `nodes` (one level: brackets were grouped before) into groups.
pub(super) fn match_bars(nodes: Vec<Node>) -> Vec<Node> {
    if !nodes.iter().any(|n| bar(n).is_some()) {
        return nodes;
    }
    let mut out = Vec::with_capacity(nodes.len());
    let mut stretch = Vec::new();
    for node in nodes {
        if separates(&node) {
            out.extend(pair_stretch(std::mem::take(&mut stretch)));
            out.push(node);
        } else {
            stretch.push(node);
        }
    }
    out.extend(pair_stretch(stretch));
    out
}

/// What a bar may do: `\lvert` only opens, `\rvert` and a bar with scripts (`|x|^2`) only close.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    Either,
}

/// A bar's kind (`|` or `‖`) and what it may do.
fn bar(n: &Node) -> Option<(char, Role)> {
    match n {
        Node::Sym(c @ ('|' | '‖'), _) => Some((*c, Role::Either)),
        Node::Cmd(c, args, _) if args.is_empty() => match c.as_str() {
            "|" | "Vert" => Some(('‖', Role::Either)),
            "lVert" => Some(('‖', Role::Open)),
            "rVert" => Some(('‖', Role::Close)),
            "vert" => Some(('|', Role::Either)),
            "lvert" => Some(('|', Role::Open)),
            "rvert" => Some(('|', Role::Close)),
            _ => None,
        },
        Node::Attach { base, .. } => match bar(base) {
            Some((kind, Role::Either | Role::Close)) => Some((kind, Role::Close)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a node ends one stretch of math and starts another: a relation, a comma, a column,
/// a row. No bar pairs across it.
fn separates(n: &Node) -> bool {
    match n {
        Node::Amp(_) | Node::Row(_) | Node::Comment(..) => true,
        Node::Sym(c, _) => "=<>,;≈≤≥≠".contains(*c),
        Node::Cmd(c, args, _) if args.is_empty() => RELATIONS.contains(&c.as_str()),
        _ => false,
    }
}

const RELATIONS: [&str; 18] = [
    "approx",
    "ne",
    "neq",
    "le",
    "leq",
    "ge",
    "geq",
    "equiv",
    "to",
    "rightarrow",
    "Rightarrow",
    "implies",
    "iff",
    "sim",
    "propto",
    "mid",
    "coloneqq",
    "triangleq",
];

/// Whether a bar right after this node may close: the node ends an operand.
fn ends_operand(n: &Node) -> bool {
    match n {
        Node::Sym(c, _) => *c == '!',
        Node::Cmd(c, args, _) if args.is_empty() => !OPERATORS.contains(&c.as_str()),
        _ => true,
    }
}

const OPERATORS: [&str; 17] = [
    "cdot", "times", "odot", "circ", "div", "ast", "star", "pm", "mp", "oplus", "otimes", "partial", "sum", "prod",
    "int", "quad", "qquad",
];

/// The bars of one stretch paired, where exactly one pairing exists.
fn pair_stretch(nodes: Vec<Node>) -> Vec<Node> {
    let bars: Vec<usize> = (0..nodes.len()).filter(|&i| bar(&nodes[i]).is_some()).collect();
    if bars.is_empty() || bars.len() > MAX_BARS {
        return nodes;
    }
    let pairing = Pairing { nodes: &nodes, bars: &bars, memo: HashMap::new() };
    let Some(roles) = pairing.unique() else { return nodes };
    build(nodes, &bars, &roles)
}

struct Pairing<'a> {
    nodes: &'a [Node],
    bars: &'a [usize],
    /// The number of pairings (0, 1, or 2 for "several") of the bars from `j` on, after a bar
    /// that closed (or not), with the kinds of the open bars.
    memo: HashMap<(usize, bool, Vec<char>), u8>,
}

impl Pairing<'_> {
    /// Whether bar `j` may close: what stands before it ends an operand.
    fn may_close(&self, j: usize, before_closed: bool) -> bool {
        let at = self.bars[j];
        match at.checked_sub(1) {
            None => false,
            Some(prev) if j > 0 && self.bars[j - 1] == prev => before_closed,
            Some(prev) => ends_operand(&self.nodes[prev]),
        }
    }

    /// The choices open to bar `j`: (closes?, the open bars after it).
    fn choices(&self, j: usize, before_closed: bool, open: &[char]) -> Vec<(bool, Vec<char>)> {
        let (kind, role) = bar(&self.nodes[self.bars[j]]).expect("a bar");
        let mut out = Vec::new();
        if role != Role::Close {
            let mut more = open.to_vec();
            more.push(kind);
            out.push((false, more));
        }
        if role != Role::Open && open.last() == Some(&kind) && self.may_close(j, before_closed) {
            out.push((true, open[..open.len() - 1].to_vec()));
        }
        out
    }

    fn count(&mut self, j: usize, before_closed: bool, open: Vec<char>) -> u8 {
        if j == self.bars.len() {
            return u8::from(open.is_empty());
        }
        // Bars left must at least close those open.
        if open.len() > self.bars.len() - j {
            return 0;
        }
        let key = (j, before_closed, open);
        if let Some(&n) = self.memo.get(&key) {
            return n;
        }
        let mut n = 0u8;
        for (closes, after) in self.choices(j, key.1, &key.2) {
            n = n.saturating_add(self.count(j + 1, closes, after)).min(2);
        }
        self.memo.insert(key, n);
        n
    }

    /// Whether each bar closes, where exactly one pairing exists.
    fn unique(mut self) -> Option<Vec<bool>> {
        if self.count(0, false, Vec::new()) != 1 {
            return None;
        }
        let mut roles = Vec::with_capacity(self.bars.len());
        let (mut before_closed, mut open) = (false, Vec::new());
        for j in 0..self.bars.len() {
            let (closes, after) = self
                .choices(j, before_closed, &open)
                .into_iter()
                .find(|(closes, after)| self.count(j + 1, *closes, after.clone()) == 1)?;
            roles.push(closes);
            before_closed = closes;
            open = after;
        }
        Some(roles)
    }
}

/// The nodes with each pair of bars made a group (a closing bar's scripts go to the group).
fn build(nodes: Vec<Node>, bars: &[usize], closes: &[bool]) -> Vec<Node> {
    let mut stack: Vec<(char, Span, Vec<Node>)> = Vec::new();
    let mut current = Vec::new();
    let mut next_bar = 0;
    for (i, node) in nodes.into_iter().enumerate() {
        if bars.get(next_bar) != Some(&i) {
            current.push(node);
            continue;
        }
        let (kind, _) = bar(&node).expect("a bar");
        if !closes[next_bar] {
            stack.push((kind, node.span(), std::mem::take(&mut current)));
        } else {
            let (_, open_span, outer) = stack.pop().expect("a pairing closes only what is open");
            let inner = std::mem::replace(&mut current, outer);
            let group = |end: usize| Node::Paren(kind, inner, kind, Span::new(open_span.start, end));
            current.push(match node {
                Node::Attach { base, sub, sup, primes, span, .. } => {
                    let end = base.span().end;
                    Node::Attach {
                        base: Box::new(group(end)),
                        sub,
                        sup,
                        primes,
                        span: Span::new(open_span.start, span.end),
                        name_end: end,
                    }
                }
                bar => group(bar.span().end),
            });
        }
        next_bar += 1;
    }
    current
}
