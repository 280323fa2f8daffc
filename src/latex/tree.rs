//! mitex's syntax tree of one math block → a small tree of our own: letter runs, numbers, symbols,
//! commands with their arguments, groups, parentheses matched, scripts attached to their base.
//! Every node keeps its span in the answer file.

use std::collections::BTreeMap;

use mitex_parser::command_preludes::{SpecBuilder, TEX_CMD1, TEX_CMD2, TEX_MATRIX_ENV, TEX_NORMAL_ENV};
use mitex_parser::syntax::{SyntaxElement, SyntaxKind, SyntaxNode};
use mitex_parser::{ArgPattern, CommandSpecItem, EnvShape};
use rowan::WalkEvent;

use super::bars::match_bars;
use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::lines::MAX_NESTING;

/// One piece of a math block.
#[derive(Debug, Clone)]
pub enum Node {
    /// A run of letters: `net`, `s`.
    Word(String, Span),
    /// Digits, perhaps with a decimal point: `12`, `0.5`.
    Num(String, Span),
    /// Any other character: `+`, `=`, `(`, `,`.
    Sym(char, Span),
    /// `\name` and its arguments (each a list of nodes).
    Cmd(String, Vec<Vec<Node>>, Span),
    /// `{…}`
    Group(Vec<Node>, Span),
    /// `(…)`, `[…]`, `\left( … \right)`: the opening and closing symbols and the content.
    Paren(char, Vec<Node>, char, Span),
    /// A base with its subscript, superscript and primes.
    Attach {
        /// What the scripts are attached to.
        base: Box<Node>,
        /// `_…`
        sub: Option<Vec<Node>>,
        /// `^…`
        sup: Option<Vec<Node>>,
        /// How many `'`.
        primes: u32,
        /// The whole.
        span: Span,
        /// Where the base and its subscript end as written, with the subscript's closing brace:
        /// the end of a name whose superscript is a power (`W_{ij}` of `W_{ij}^2`).
        name_end: usize,
    },
    /// `\begin{name} … \end{name}`
    Env(String, Vec<Node>, Span),
    /// `&`
    Amp(Span),
    /// `\\`
    Row(Span),
    /// `% …`, without the `%`.
    Comment(String, Span),
    /// A command the document defines itself (`\newcommand`, `\def`, …), with the line of its
    /// definition: never read (`macros`).
    Defined(String, usize, Span),
}

impl Node {
    /// Where it was written.
    pub fn span(&self) -> Span {
        match self {
            Node::Word(_, s)
            | Node::Num(_, s)
            | Node::Sym(_, s)
            | Node::Cmd(_, _, s)
            | Node::Group(_, s)
            | Node::Paren(_, _, _, s)
            | Node::Env(_, _, s)
            | Node::Amp(s)
            | Node::Row(s)
            | Node::Comment(_, s)
            | Node::Defined(_, _, s) => *s,
            Node::Attach { span, .. } => *span,
        }
    }
}

/// Commands that only space, size or rule, dropped wherever they are (`\hline` of an `array`,
/// `\mathstrut` and `\strut`, which only reserve height).
const SPACING: [&str; 36] = [
    ",",
    ";",
    ":",
    "!",
    " ",
    "displaystyle",
    "textstyle",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "limits",
    "nolimits",
    "allowbreak",
    "middle",
    "hline",
    "medspace",
    "thinspace",
    "thickspace",
    "negthinspace",
    "negmedspace",
    "negthickspace",
    "enspace",
    // (The LaTeX tester: `\enskip` and `\Biggl(` were refused.)
    "enskip",
    "Biggl",
    "Biggr",
    ">",
    "mathstrut",
    "strut",
    "scriptstyle",
];

/// Commands that take arguments, for mitex's command specification (others take none).
const ONE_ARGUMENT: [&str; 40] = [
    "color",
    "phantom",
    "vphantom",
    "hphantom",
    "smash",
    "mathrel",
    "cancel",
    "bcancel",
    "xcancel",
    "text",
    "hspace",
    "mathscr",
    "mathfrak",
    "mathbb",
    "intertext",
    "shortintertext",
    "textrm",
    "textit",
    "mathrm",
    "mathit",
    "mathbf",
    "mathsf",
    "mathcal",
    "operatorname",
    "boldsymbol",
    "bm",
    "hat",
    "widehat",
    "tilde",
    "widetilde",
    "bar",
    "overline",
    "pmb",
    "sqrt",
    "tag",
    "label",
    "vec",
    "boxed",
    "underbrace",
    "overbrace",
];
const TWO_ARGUMENTS: [&str; 8] = ["frac", "dfrac", "tfrac", "cfrac", "stackrel", "overset", "underset", "textcolor"];
/// Commands read as the command they print like.
const ALIASES: [(&str, &str); 2] = [("pmb", "bm"), ("overline", "bar")];
/// Environments read as the environment they mean the same as: mathtools' `dcases` is `cases` in
/// display style.
const ENVIRONMENT_ALIASES: [(&str, &str); 2] = [("dcases", "cases"), ("dcases*", "cases")];
/// Commands that only reserve space (`\vphantom{\frac{1}{2}}` makes a bracket tall): nothing is
/// read of them.
const PHANTOMS: [&str; 3] = ["phantom", "vphantom", "hphantom"];
/// Commands that only strike through (`\cancel{a}`, as a student cancels a factor): their
/// argument is what is read.
const STRUCK: [&str; 3] = ["cancel", "bcancel", "xcancel"];
/// Environments read as rows of a derivation.
pub const ROW_ENVIRONMENTS: [&str; 22] = [
    "align",
    "align*",
    "aligned",
    "alignedat",
    "split",
    "gather",
    "gather*",
    "gathered",
    "equation",
    "equation*",
    "multline",
    "multline*",
    "flalign",
    "flalign*",
    "alignat",
    "alignat*",
    "xalignat",
    "xalignat*",
    "xxalignat",
    "eqnarray",
    "eqnarray*",
    "displaymath",
];
/// Environments that take amsmath's optional vertical position (`[t]`, `[b]`, `[c]`) first. (Not
/// `alignedat`, whose position comes before its count, `\begin{alignedat}[b]{2}`: after the count
/// a bracket is printed, and dropping it proved `[b] a = a`: a second tester.)
const POSITIONED: [&str; 2] = ["aligned", "gathered"];

/// The name of an `array` of three columns (`\begin{array}{rcl}`): laid out as rows of equations,
/// it is read as `eqnarray` is, its middle column the relation's.
pub const THREE_COLUMN_ARRAY: &str = "array{rcl}";

/// The number of columns of an `array`, from its `\begin{array}{…}`: a letter each
/// (`l`, `c`, `r`, and `p`, `m`, `b` with their widths), rules and `@{…}`, `!{…}`, `>{…}`, `<{…}`
/// none. `None` where it cannot be told (`*{3}{c}`, a column type of a package).
fn array_columns(begin: &str) -> Option<usize> {
    // (mitex's token for `\begin{array}` is its name.)
    let spec = begin.trim_start_matches("\\begin{array}").trim_start_matches("array").trim_start();
    let spec = spec.strip_prefix('{')?;
    let mut columns = 0;
    let mut chars = spec.chars();
    // Skips one braced argument, `{…}`, nested braces and all.
    let skip_group = |chars: &mut std::str::Chars| -> Option<()> {
        let mut depth = 0;
        for c in chars.by_ref() {
            match c {
                '{' => depth += 1,
                '}' if depth == 1 => return Some(()),
                '}' => depth -= 1,
                _ if depth == 0 && !c.is_whitespace() => return None,
                _ => {}
            }
        }
        None
    };
    while let Some(c) = chars.next() {
        match c {
            '}' => return Some(columns),
            'l' | 'c' | 'r' => columns += 1,
            'p' | 'm' | 'b' => {
                columns += 1;
                skip_group(&mut chars)?;
            }
            '@' | '!' | '>' | '<' => skip_group(&mut chars)?,
            '|' | ' ' => {}
            _ => return None,
        }
    }
    None
}

/// `[t]`, `[b]` or `[c]`.
fn is_position(n: &Node) -> bool {
    matches!(n, Node::Paren('[', inner, ']', _)
        if matches!(inner.as_slice(), [Node::Word(w, _)] if ["t", "b", "c"].contains(&w.as_str())))
}

/// Environments whose first argument is a count or a column layout (`\begin{alignat}{2}`,
/// `\begin{array}{cc}`), never math: the parser is told so, or `{2}` would be read as a factor.
pub const ENVIRONMENTS_WITH_ARGUMENT: [&str; 7] =
    ["alignat", "alignat*", "alignedat", "xalignat", "xalignat*", "xxalignat", "array"];
const MATRIX_ENVIRONMENTS: [&str; 7] = ["matrix", "pmatrix", "bmatrix", "vmatrix", "Bmatrix", "cases", "array"];

/// Parses the math in `text`, which starts at byte `base` of the answer file. Math nested deeper
/// than a `.deriv` statement may be (`syntax::lines::MAX_NESTING` levels of brackets, groups and
/// arguments) is refused before it is read: reading holds every level at once, so memory grows as
/// the square of the depth.
pub fn parse_math(text: &str, base: usize) -> Result<Vec<Node>, Diagnostic> {
    let mut spec = SpecBuilder::default();
    for c in ONE_ARGUMENT {
        spec.add_command(c, TEX_CMD1);
    }
    for c in TWO_ARGUMENTS {
        spec.add_command(c, TEX_CMD2);
    }
    for e in ROW_ENVIRONMENTS {
        spec.add_command(e, environment(e, TEX_NORMAL_ENV));
    }
    for e in MATRIX_ENVIRONMENTS {
        spec.add_command(e, environment(e, TEX_MATRIX_ENV));
    }
    let text = &blank_options(&blank_limits(&blank_conditionals(text)));
    let root = mitex_parser::parse(text, spec.build());
    let convert = Convert { base, offsets: Offsets::align(&root, text) };
    if let Some(deepest) = too_deep(&root) {
        return Err(Diagnostic::error(convert.span(&deepest), "this math is nested too deeply").with_hint(format!(
            "at most {MAX_NESTING} levels of brackets, groups and arguments are read; split the expression into steps"
        )));
    }
    if let Some((at, message, hint)) = unclosed(&root) {
        return Err(Diagnostic::error(convert.span(&at), message).with_hint(hint));
    }
    let mut out = Vec::new();
    for child in root.children_with_tokens() {
        convert.element(&child, &mut out);
    }
    Ok(match_parens(out))
}

/// What may follow `\left` and `\right`.
const DELIMITERS: [&str; 32] = [
    "(", ")", "[", "]", "\\{", "\\}", "\\lbrace", "\\rbrace", "|", "\\|", "\\Vert", "\\vert", "\\lvert", "\\rvert",
    "\\lVert", "\\rVert", ".", "\\langle", "\\rangle", "/", "\\lfloor", "\\rfloor", "\\lceil", "\\rceil", "<", ">",
    "\\lbrack", "\\rbrack", "\\lgroup", "\\rgroup", "\\lparen", "\\rparen",
];

/// The first construct TeX would not typeset as written: a `\left` without its `\right`, a `{`
/// never closed, a `^` or `_` without its script. Read as it stands, it would hide the rest of
/// its block (an unclosed `\left(` holds the `=` after it: the block would have no equation and be
/// skipped) or drop a part (`x^` read as `x`).
fn unclosed(root: &SyntaxNode) -> Option<(SyntaxElement, &'static str, &'static str)> {
    for event in root.preorder_with_tokens() {
        let WalkEvent::Enter(SyntaxElement::Node(n)) = event else { continue };
        match n.kind() {
            SyntaxKind::ItemLR if n.children().filter(|c| c.kind() == SyntaxKind::ClauseLR).count() < 2 => {
                return Some((
                    SyntaxElement::Node(n),
                    "this `\\left` is never closed by a `\\right`",
                    "close it before the relation: `\\left( … \\right)`",
                ));
            }
            // `\left( x^2 \right = 2x`: the `=` taken for the delimiter, and the block had no
            // equation ("no derivation was found", a student tester).
            SyntaxKind::ItemLR => {
                let no_delimiter = n.children().filter(|c| c.kind() == SyntaxKind::ClauseLR).find(|c| {
                    let sym: String = c
                        .children_with_tokens()
                        .filter(|x| x.kind() != SyntaxKind::ClauseCommandName)
                        .map(|x| x.to_string())
                        .collect();
                    !DELIMITERS.contains(&sym.trim())
                });
                if let Some(clause) = no_delimiter {
                    return Some((
                        SyntaxElement::Node(clause),
                        "a `\\left` or `\\right` without its delimiter",
                        "write the delimiter right after it: `\\left(` … `\\right)`",
                    ));
                }
            }
            SyntaxKind::ItemCurly if n.last_token().is_none_or(|t| t.kind() != SyntaxKind::TokenRBrace) => {
                return Some((SyntaxElement::Node(n), "this `{` is never closed", "close the group with `}`"));
            }
            SyntaxKind::ItemAttachComponent => {
                // The last script mark must have something after it.
                let marks = n
                    .children_with_tokens()
                    .filter(|c| !matches!(c.kind(), SyntaxKind::TokenWhiteSpace | SyntaxKind::TokenLineBreak))
                    .collect::<Vec<_>>();
                if let Some(last) = marks.last() {
                    if matches!(last.kind(), SyntaxKind::TokenCaret | SyntaxKind::TokenUnderscore) {
                        return Some((
                            last.clone(),
                            "a script mark without its script",
                            "write what it raises or lowers: `x^{2}`, `s_{c}`",
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The first element of the tree deeper than [`MAX_NESTING`] levels, if any. A level is a group,
/// a bracket (as a node of the tree, or a plain `(` or `[` not yet matched), an environment, or
/// an argument written without braces (`\frac1\frac1…`). The walk is not recursive.
fn too_deep(root: &SyntaxNode) -> Option<SyntaxElement> {
    let mut depth: usize = 0;
    for event in root.preorder_with_tokens() {
        let (element, entering) = match event {
            WalkEvent::Enter(e) => (e, true),
            WalkEvent::Leave(e) => (e, false),
        };
        let step = match &element {
            SyntaxElement::Node(n) => usize::from(nests(n)),
            SyntaxElement::Token(t) if entering => {
                // Brackets of a node counted already (`\left(` is its `ItemLR`).
                let inside_item = t.parent().is_some_and(|p| {
                    matches!(p.kind(), SyntaxKind::ItemParen | SyntaxKind::ItemBracket | SyntaxKind::ClauseLR)
                });
                match t.kind() {
                    SyntaxKind::TokenLParen | SyntaxKind::TokenLBracket if !inside_item => {
                        depth += 1;
                        0
                    }
                    SyntaxKind::TokenRParen | SyntaxKind::TokenRBracket if !inside_item => {
                        depth = depth.saturating_sub(1);
                        0
                    }
                    _ => 0,
                }
            }
            SyntaxElement::Token(_) => 0,
        };
        if entering {
            depth += step;
        } else {
            depth = depth.saturating_sub(step);
        }
        if depth > MAX_NESTING {
            return Some(element);
        }
    }
    None
}

/// Whether a node of mitex's tree is a level of nesting.
fn nests(n: &SyntaxNode) -> bool {
    match n.kind() {
        SyntaxKind::ItemCurly
        | SyntaxKind::ItemBracket
        | SyntaxKind::ItemParen
        | SyntaxKind::ItemLR
        | SyntaxKind::ItemEnv => true,
        // An argument is a level of its own only without braces around it.
        SyntaxKind::ClauseArgument => !n.first_child().is_some_and(|c| {
            matches!(c.kind(), SyntaxKind::ItemCurly | SyntaxKind::ItemBracket | SyntaxKind::ItemParen)
        }),
        _ => false,
    }
}

/// The text with `\limits`, `\nolimits` and `\displaylimits` made spaces (offsets kept): they only place the
/// scripts of `\sum\limits_{i=1}^{n}`, and mitex would attach the scripts to them, not to the sum.
/// So is the star of `\tag*{…}`, `\operatorname*{…}` and `\hspace*{…}`, which only changes how they are
/// typeset: mitex would take the `*` for the argument and the `{…}` after it for a factor
/// (`x + x = 2 \tag*{$x$}` was proved, read `2·x`: an adversarial tester).
fn blank_limits(text: &str) -> String {
    let mut out = text.to_string();
    for (word, keep) in [
        ("\\displaylimits", 0),
        ("\\nolimits", 0),
        ("\\limits", 0),
        ("\\tag*", 4),
        ("\\operatorname*", 13),
        ("\\hspace*", 7),
    ] {
        let mut from = 0;
        while let Some(at) = out[from..].find(word).map(|i| from + i) {
            let end = at + word.len();
            let escaped = at > 0 && out.as_bytes()[at - 1] == b'\\';
            let follows = if keep == 0 {
                !out[end..].starts_with(|c: char| c.is_ascii_alphabetic())
            } else {
                out[end..].trim_start().starts_with('{')
            };
            if !escaped && follows {
                out.replace_range(at + keep..end, &" ".repeat(word.len() - keep));
            }
            from = end;
        }
    }
    out
}

/// The text with the branch of an `\iffalse` or `\iftrue` that TeX skips made spaces, and the
/// conditional's own words (offsets kept): `\[ 2x \iffalse + 1 \fi = 2x + 1 \]` prints `2x = 2x + 1`
/// (its `+ 1` was read, and the false step proved: a second tester). Nested conditionals are
/// counted to find the `\else` and `\fi` that belong to it; one never closed is left as it is.
fn blank_conditionals(text: &str) -> String {
    // Where each control word starts, with its name.
    let words: Vec<(usize, &str)> = text
        .match_indices('\\')
        .map(|(at, _)| {
            let rest = &text[at + 1..];
            (at, &rest[..rest.bytes().take_while(u8::is_ascii_alphabetic).count()])
        })
        .filter(|(_, name)| !name.is_empty())
        .collect();
    if !words.iter().any(|(_, n)| *n == "iffalse" || *n == "iftrue") {
        return text.to_string();
    }
    let opens = |name: &str| name.starts_with("if") && name != "iff";
    let mut out = text.to_string();
    let mut blank = |from: usize, to: usize| out.replace_range(from..to, &" ".repeat(to - from));
    let mut k = 0;
    while k < words.len() {
        let (at, name) = words[k];
        if name != "iffalse" && name != "iftrue" {
            k += 1;
            continue;
        }
        // The `\else` and `\fi` of this conditional.
        let (mut depth, mut otherwise, mut end) = (0usize, None, None);
        for (j, &(_, inner)) in words.iter().enumerate().skip(k + 1) {
            match inner {
                "fi" if depth == 0 => {
                    end = Some(j);
                    break;
                }
                "fi" => depth -= 1,
                "else" if depth == 0 => otherwise = Some(j),
                n if opens(n) => depth += 1,
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let word_end = |j: usize| words[j].0 + 1 + words[j].1.len();
        if name == "iffalse" {
            blank(at, otherwise.map_or(word_end(end), word_end));
        } else {
            blank(at, word_end(k));
            if let Some(otherwise) = otherwise {
                blank(words[otherwise].0, word_end(end));
            }
        }
        blank(words[end].0, word_end(end));
        k += 1;
    }
    out
}

/// The text with optional arguments that only lay out or colour made spaces (offsets kept): an
/// `array`'s vertical position (`\begin{array}[t]{rcl}`) and xcolor's colour model
/// (`\color[rgb]{1,0,0}`, `\textcolor[HTML]{FF0000}{…}`), which side `\smash[b]{…}` smashes and
/// where `\cfrac[l]{…}{…}` puts its numerator.
/// mitex would read the bracket as math (`t`
/// as a name of the model: a second tester).
fn blank_options(text: &str) -> String {
    let mut out = text.to_string();
    for (word, allowed) in [
        ("\\begin{array}", (|w: &str| ["t", "b", "c"].contains(&w)) as fn(&str) -> bool),
        ("\\color", |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic() || c == ',')),
        ("\\textcolor", |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic() || c == ',')),
        ("\\smash", |w: &str| ["t", "b"].contains(&w)),
        ("\\cfrac", |w: &str| ["l", "r", "c"].contains(&w)),
    ] {
        let mut from = 0;
        while let Some(at) = out[from..].find(word).map(|i| from + i) {
            let end = at + word.len();
            from = end;
            let escaped = at > 0 && out.as_bytes()[at - 1] == b'\\';
            let rest = &out[end..];
            let open = end + (rest.len() - rest.trim_start().len());
            if escaped || out[end..].starts_with(|c: char| c.is_ascii_alphabetic()) || !out[open..].starts_with('[') {
                continue;
            }
            let Some(close) = out[open..].find(']').map(|i| open + i) else { continue };
            if allowed(out[open + 1..close].trim()) {
                out.replace_range(open..=close, &" ".repeat(close + 1 - open));
            }
        }
    }
    out
}

/// The specification of an environment: `plain`, with one argument where the environment takes one.
fn environment(name: &str, plain: CommandSpecItem) -> CommandSpecItem {
    match plain {
        CommandSpecItem::Env(shape) if ENVIRONMENTS_WITH_ARGUMENT.contains(&name) => {
            CommandSpecItem::Env(EnvShape { args: ArgPattern::FixedLenTerm { len: 1 }, ..shape })
        }
        other => other,
    }
}

/// Offsets of mitex's tree mapped to offsets of the text. The tree's offsets are the sums of its
/// tokens' texts, and these are not always the text: an environment's `\begin{aligned}` is a token
/// of text `aligned`, and a few tokens (`\iffalse`) are left out of the tree. So every token is
/// aligned with the text once, in order, and a node's span is that of its first and last tokens.
struct Offsets {
    /// The text offset of each token's start, by its offset in the tree.
    starts: BTreeMap<usize, usize>,
    /// The text offset of each token's end, by its offset in the tree.
    ends: BTreeMap<usize, usize>,
}

impl Offsets {
    fn align(root: &SyntaxNode, text: &str) -> Offsets {
        let mut starts = BTreeMap::new();
        let mut ends = BTreeMap::new();
        let mut cursor = 0;
        for token in root.descendants_with_tokens().filter_map(SyntaxElement::into_token) {
            let range = token.text_range();
            let word = token.text();
            let rest = &text[cursor..];
            let (start, end) = if rest.starts_with(word) {
                (cursor, cursor + word.len())
            } else if rest.starts_with("\\begin") || rest.starts_with("\\end") {
                // `\begin{name}` written as the token `name`: up to the closing brace.
                (cursor, rest.find('}').map_or(text.len(), |at| cursor + at + 1))
            } else {
                // A token after text left out of the tree.
                rest.find(word).map_or((cursor, cursor), |at| (cursor + at, cursor + at + word.len()))
            };
            starts.entry(usize::from(range.start())).or_insert(start);
            ends.insert(usize::from(range.end()), end);
            cursor = end;
        }
        Offsets { starts, ends }
    }

    /// The text offset of a tree offset where something starts (`end`: ends).
    fn at(&self, offset: usize, end: bool) -> usize {
        let (first, second) = if end { (&self.ends, &self.starts) } else { (&self.starts, &self.ends) };
        if let Some(&at) = first.get(&offset).or_else(|| second.get(&offset)) {
            return at;
        }
        // Not a token boundary (it always is): the nearest boundary before it, moved alike.
        first.range(..offset).next_back().map_or(offset, |(&k, &v)| v + (offset - k))
    }
}

struct Convert {
    base: usize,
    offsets: Offsets,
}

impl Convert {
    fn span(&self, e: &SyntaxElement) -> Span {
        let r = e.text_range();
        let (start, end) =
            (self.offsets.at(usize::from(r.start()), false), self.offsets.at(usize::from(r.end()), true));
        Span::new(self.base + start, self.base + end.max(start))
    }

    fn children(&self, node: &SyntaxNode) -> Vec<Node> {
        let mut out = Vec::new();
        for child in node.children_with_tokens() {
            self.element(&child, &mut out);
        }
        out
    }

    /// The content of an argument: a `{…}` group's inside, or the item itself.
    fn argument(&self, node: &SyntaxNode) -> Vec<Node> {
        let mut nodes = self.children(node);
        if nodes.len() == 1 {
            if let Node::Group(inner, _) = &nodes[0] {
                return inner.clone();
            }
        }
        nodes.retain(|n| !matches!(n, Node::Comment(..)));
        nodes
    }

    fn element(&self, e: &SyntaxElement, out: &mut Vec<Node>) {
        let span = self.span(e);
        match e {
            SyntaxElement::Token(t) => match t.kind() {
                SyntaxKind::TokenWhiteSpace | SyntaxKind::TokenLineBreak | SyntaxKind::TokenDollar => {}
                SyntaxKind::TokenComment => {
                    out.push(Node::Comment(t.text().trim_start_matches('%').trim().to_string(), span))
                }
                SyntaxKind::TokenAmpersand => out.push(Node::Amp(span)),
                SyntaxKind::ItemNewLine => out.push(Node::Row(span)),
                SyntaxKind::TokenWord => split_word(t.text(), span.start, out),
                SyntaxKind::ClauseCommandName | SyntaxKind::TokenCommandSym => {
                    let name = t.text().trim_start_matches('\\');
                    // (`\ ` followed by a line break or a tab is a space too.)
                    if !SPACING.contains(&name) && !name.trim().is_empty() {
                        out.push(Node::Cmd(name.to_string(), Vec::new(), span))
                    }
                }
                _ => {
                    for (i, c) in t.text().char_indices() {
                        // `~`, a space that does not break, spaces as `\ ` does.
                        if c != '~' {
                            out.push(symbol(c, Span::new(span.start + i, span.start + i + c.len_utf8())));
                        }
                    }
                }
            },
            SyntaxElement::Node(n) => match n.kind() {
                SyntaxKind::ItemCurly => {
                    let inner: Vec<Node> =
                        self.children(n).into_iter().filter(|x| !matches!(x, Node::Sym('{' | '}', _))).collect();
                    // TeX's empty group, `{}`, only spaces a binary operator after it (`&{} + x`,
                    // `&& {}+ x` going on with a right side): nothing to read. (It was "an
                    // expression is missing here".)
                    if !inner.is_empty() {
                        out.push(Node::Group(match_parens(inner), span));
                    }
                }
                SyntaxKind::ItemCmd => {
                    let mut name = String::new();
                    let mut args = Vec::new();
                    for child in n.children_with_tokens() {
                        match &child {
                            SyntaxElement::Token(t) if t.kind() == SyntaxKind::ClauseCommandName => {
                                name = t.text().trim_start_matches('\\').to_string();
                            }
                            SyntaxElement::Node(a) if a.kind() == SyntaxKind::ClauseArgument => {
                                args.push(match_parens(self.argument(a)));
                            }
                            _ => {}
                        }
                    }
                    // Commands that print as others do: `\pmb{x}` (poor man's bold) as `\bm{x}`,
                    // `\overline{x}` as `\bar{x}` (both were refused: a LaTeX tester).
                    if let Some(&(_, same)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
                        name = same.to_string();
                    }
                    // Colours and strike-throughs change nothing a step says (`\color{red}`,
                    // `\textcolor{red}{x}`, `\cancel{a}` were refused: a LaTeX tester).
                    match (name.as_str(), args.len()) {
                        ("color", 1) => {}
                        (phantom, 1) if PHANTOMS.contains(&phantom) => {}
                        ("smash", 1) => out.push(Node::Group(args.remove(0), span)),
                        ("textcolor", 2) => out.push(Node::Group(args.remove(1), span)),
                        // A struck relation, `\cancel{=}`, prints ≠ (it was read as `=`, and a
                        // false step proved: a second tester).
                        (struck, 1)
                            if STRUCK.contains(&struck)
                                && matches!(args[0].as_slice(), [Node::Sym('=', _)] | [Node::Cmd(..)] if is_struck_relation(&args[0][0])) =>
                        {
                            out.push(Node::Sym('≠', span))
                        }
                        (struck, 1) if STRUCK.contains(&struck) => out.push(Node::Group(args.remove(0), span)),
                        _ if args.is_empty() && (SPACING.contains(&name.as_str()) || name.trim().is_empty()) => {}
                        _ => out.push(Node::Cmd(name, args, span)),
                    }
                }
                SyntaxKind::ItemEnv => {
                    let mut name = String::new();
                    let mut body = Vec::new();
                    for child in n.children_with_tokens() {
                        match &child {
                            // The name is the first token; an argument (`alignat`'s `{2}`) follows it.
                            SyntaxElement::Node(b) if b.kind() == SyntaxKind::ItemBegin => {
                                let first = b.first_token().map(|t| t.text().to_string()).unwrap_or_default();
                                name = first.trim_start_matches("\\begin").trim_matches(['{', '}']).into();
                                if name == "array" && array_columns(&b.text().to_string()) == Some(3) {
                                    name = THREE_COLUMN_ARRAY.into();
                                }
                                if let Some(&(_, same)) = ENVIRONMENT_ALIASES.iter().find(|(alias, _)| *alias == name) {
                                    name = same.to_string();
                                }
                            }
                            SyntaxElement::Node(b) if b.kind() == SyntaxKind::ItemEnd => {}
                            _ => self.element(&child, &mut body),
                        }
                    }
                    let mut body = match_parens(body);
                    // amsmath's vertical position, `\begin{aligned}[b]`: layout, never math (it
                    // was read as a factor of the first row, and a false step proved: a LaTeX
                    // tester).
                    if POSITIONED.contains(&name.as_str()) {
                        let first = body.iter().position(|n| !matches!(n, Node::Comment(..)));
                        if let Some(k) = first.filter(|&k| is_position(&body[k])) {
                            body.remove(k);
                        }
                    }
                    out.push(Node::Env(name, body, span));
                }
                SyntaxKind::ItemLR => {
                    let mut open = '.';
                    let mut close = '.';
                    let mut body = Vec::new();
                    let mut seen_left = false;
                    for child in n.children_with_tokens() {
                        match &child {
                            SyntaxElement::Node(c) if c.kind() == SyntaxKind::ClauseLR => {
                                let sym = c
                                    .children_with_tokens()
                                    .filter(|x| x.kind() != SyntaxKind::ClauseCommandName)
                                    .map(|x| x.to_string())
                                    .collect::<String>();
                                let ch = match sym.trim() {
                                    "\\{" | "\\lbrace" => '{',
                                    "\\}" | "\\rbrace" => '}',
                                    "\\|" | "\\Vert" => '‖',
                                    "\\lvert" | "\\rvert" | "\\vert" => '|',
                                    s => s.chars().next().unwrap_or('.'),
                                };
                                if seen_left {
                                    close = ch;
                                } else {
                                    open = ch;
                                    seen_left = true;
                                }
                            }
                            _ => self.element(&child, &mut body),
                        }
                    }
                    out.push(Node::Paren(open, match_parens(body), close, span));
                }
                SyntaxKind::ItemAttachComponent => self.attach(n, span, out),
                _ => {
                    for child in n.children_with_tokens() {
                        self.element(&child, out);
                    }
                }
            },
        }
    }

    /// `base_sub^sup'`: mitex nests one script per level; the levels are merged here. A base
    /// written as a word of several pieces (`x+y_1`) keeps the scripts on its last piece.
    fn attach(&self, n: &SyntaxNode, span: Span, out: &mut Vec<Node>) {
        let mut base: Vec<Node> = Vec::new();
        let mut sub = None;
        let mut sup = None;
        let mut primes = 0;
        let mut after: Vec<Node> = Vec::new();
        let mut pending: Option<char> = None;
        let mut start = span.start;
        let mut sub_end: Option<usize> = None;
        for child in n.children_with_tokens() {
            match child.kind() {
                SyntaxKind::ClauseArgument if pending.is_none() && base.is_empty() => {
                    let SyntaxElement::Node(a) = &child else { continue };
                    base = self.children(a);
                }
                SyntaxKind::TokenUnderscore => pending = Some('_'),
                SyntaxKind::TokenCaret => pending = Some('^'),
                SyntaxKind::TokenApostrophe => primes += 1,
                SyntaxKind::TokenWhiteSpace | SyntaxKind::TokenLineBreak => {}
                _ => {
                    let Some(which) = pending.take() else {
                        self.element(&child, &mut after);
                        continue;
                    };
                    let mut script = Vec::new();
                    self.element(&child, &mut script);
                    // A bare word is one character in TeX: `x^ab` is `x^a b`.
                    if let [Node::Word(w, s)] | [Node::Num(w, s)] = script.as_slice() {
                        if w.chars().count() > 1 {
                            let first = w.chars().next().map_or(0, char::len_utf8);
                            let mut rest = Vec::new();
                            split_word(&w[first..], s.start + first, &mut rest);
                            let mut head = Vec::new();
                            split_word(&w[..first], s.start, &mut head);
                            script = head;
                            after.extend(rest);
                        }
                    }
                    let script_end = script.last().map(|n| n.span().end);
                    let script = match script.as_slice() {
                        [Node::Group(inner, _)] => inner.clone(),
                        _ => match_parens(script),
                    };
                    if which == '_' {
                        sub_end = script_end;
                        sub = Some(script);
                    } else {
                        sup = Some(script);
                    }
                }
            }
        }
        // The base's own scripts (mitex nests `x_a^b` as `(x_a)^b`), and the pieces before it.
        // (No base: `{}^2`, whose empty group is nothing; it is an empty group to read, "an
        // expression is missing here", not a `?` the text does not have.)
        let mut base_node = match base.pop() {
            Some(node) => node,
            None => Node::Group(Vec::new(), Span::new(span.start, span.start)),
        };
        out.append(&mut base);
        if let Node::Attach { base: inner, sub: s, sup: p, primes: q, span: inner_span, name_end } = base_node {
            start = inner_span.start.min(start);
            if sub.is_none() {
                sub_end = s.as_ref().map(|_| name_end);
                sub = s;
            } else if s.is_some() {
                // `x_a_b`: a double subscript; keep the first and let the parser complain.
                out.push(Node::Sym('_', inner_span));
            }
            if sup.is_none() {
                sup = p;
            } else if p.is_some() {
                // `e^x^2`: a double superscript, which TeX refuses; likewise.
                out.push(Node::Sym('^', inner_span));
            }
            primes += q;
            base_node = *inner;
        }
        // `f^{\prime}(z)`, `f^\prime`, `f^{\prime\prime}`: TeX's own spelling of `f'` (`'` is
        // `^\prime` in TeX; a tester was told `\prime` cannot be read).
        let is_prime = |n: &Node| matches!(n, Node::Cmd(c, args, _) if c == "prime" && args.is_empty());
        if let Some(script) = sup.as_ref().filter(|s| !s.is_empty() && s.iter().all(is_prime)) {
            primes += script.len() as u32;
            sup = None;
        }
        let span = Span::new(start.max(base_node.span().start), span.end);
        let name_end = sub_end.unwrap_or(base_node.span().end);
        out.push(Node::Attach { base: Box::new(base_node), sub, sup, primes, span, name_end });
        out.append(&mut after);
    }
}

/// Splits a word token into letter runs, numbers and symbols.
fn split_word(text: &str, at: usize, out: &mut Vec<Node>) {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let start = at + i;
        if c.is_alphabetic() && superscript(c).is_none() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_alphabetic() || superscript(d).is_some() {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            out.push(Node::Word(text[i..end].to_string(), Span::new(start, at + end)));
        } else if c.is_ascii_digit() || (c == '.' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit())) {
            let mut end = i + 1;
            // A point belongs to the number only with a digit after it: `1.307.` ends a sentence.
            let digit_at = |k: usize| text.as_bytes().get(k).is_some_and(u8::is_ascii_digit);
            while let Some(&(j, d)) = chars.peek() {
                if !(d.is_ascii_digit() || (d == '.' && digit_at(j + 1))) {
                    break;
                }
                end = j + 1;
                chars.next();
            }
            out.push(Node::Num(text[i..end].to_string(), Span::new(start, at + end)));
        } else if !c.is_whitespace() {
            out.push(symbol(c, Span::new(start, start + c.len_utf8())));
        }
    }
}

/// Whether a node is a relation that a strike-through turns into its negation.
fn is_struck_relation(n: &Node) -> bool {
    matches!(n, Node::Sym('=' | '≈', _))
        || matches!(n, Node::Cmd(c, a, _) if a.is_empty() && ["approx", "equiv", "coloneqq"].contains(&c.as_str()))
}

/// A character of pasted Unicode math as the LaTeX it stands for: `−` is `-`, `＝` is `=`, `∂` is
/// `\partial`, `∑` is `\sum`, `∏` is `\prod`, `√` is `\sqrt`; any other is itself.
fn symbol(c: char, span: Span) -> Node {
    let command = |name: &str| Node::Cmd(name.to_string(), Vec::new(), span);
    match c {
        '−' => Node::Sym('-', span),
        // (A full-width `＝`, as a Chinese or Japanese keyboard types it: a display of one was
        // passed over without a word, its false claim never checked; a LaTeX tester.)
        '＝' | '﹦' | '⩵' => Node::Sym('=', span),
        '∂' => command("partial"),
        '⋅' | '∙' => command("cdot"),
        '∇' => command("nabla"),
        '≕' => command("eqqcolon"),
        '≔' => command("coloneqq"),
        '∑' => command("sum"),
        '∏' => command("prod"),
        '√' => command("sqrt"),
        _ => Node::Sym(c, span),
    }
}

/// The superscript a Unicode superscript character writes: `²` is `^2`, `ᵀ` is `^\top`.
fn superscript(c: char) -> Option<Node> {
    let span = Span::default();
    Some(match c {
        '²' => Node::Num("2".into(), span),
        '³' => Node::Num("3".into(), span),
        'ᵀ' => Node::Cmd("top".into(), Vec::new(), span),
        _ => return None,
    })
}

/// Groups `(…)` and `[…]` written as plain symbols into [`Node::Paren`]; a closing symbol that
/// carries scripts (`(a+b)^2`) gives them to the group. Unmatched symbols stay as they are.
fn match_parens(nodes: Vec<Node>) -> Vec<Node> {
    let mut stack: Vec<(char, Span, Vec<Node>)> = Vec::new();
    let mut current: Vec<Node> = Vec::new();
    for node in nodes {
        let closing = match &node {
            Node::Sym(c @ (')' | ']'), _) => Some((*c, None)),
            // `\{ y = k \}` (an indicator's condition, a set) groups as a bracket does.
            Node::Cmd(c, a, _) if c == "}" && a.is_empty() => Some(('}', None)),
            Node::Attach { base, .. } if matches!(**base, Node::Sym(')' | ']', _)) => {
                let Node::Sym(c, _) = **base else { unreachable!() };
                Some((c, Some(node.clone())))
            }
            _ => None,
        };
        match (&node, closing) {
            (Node::Sym(c, span), _) if superscript(*c).is_some() && !current.is_empty() => {
                let script = superscript(*c).map(|n| vec![with_span(n, *span)]);
                let before = current.pop().expect("not empty");
                current.push(attached(before, script, 0, span.end));
            }
            // A pasted prime, `f′(x)` (U+2032, U+2033 for two): `f'(x)`, `f''(x)`. (It was "`f`
            // is a function: its argument is missing": a LaTeX tester.)
            (Node::Sym(c @ ('′' | '″'), span), _)
                if current.last().is_some_and(|b| !matches!(b, Node::Attach { sup: Some(_), .. })) =>
            {
                let before = current.pop().expect("not empty");
                current.push(attached(before, None, if *c == '″' { 2 } else { 1 }, span.end));
            }
            (Node::Sym(c @ ('(' | '['), span), _) => {
                stack.push((*c, *span, std::mem::take(&mut current)));
            }
            (Node::Cmd(c, a, span), _) if c == "{" && a.is_empty() => {
                stack.push(('{', *span, std::mem::take(&mut current)));
            }
            (_, Some((close, attach))) if stack.last().is_some_and(|(open, ..)| pairs(*open, close)) => {
                let (open, open_span, outer) = stack.pop().expect("checked");
                let inner = match_bars(std::mem::replace(&mut current, outer));
                let close_span = node.span();
                let group = Node::Paren(open, inner, close, Span::new(open_span.start, close_span.end));
                match attach {
                    Some(Node::Attach { sub, sup, primes, span, .. }) => current.push(Node::Attach {
                        base: Box::new(group),
                        sub,
                        sup,
                        primes,
                        span: Span::new(open_span.start, span.end),
                        name_end: close_span.end,
                    }),
                    _ => current.push(group),
                }
            }
            _ => current.push(node),
        }
    }
    // Unclosed: put the opening symbols back.
    while let Some((open, span, mut outer)) = stack.pop() {
        outer.push(if open == '{' { Node::Cmd("{".to_string(), Vec::new(), span) } else { Node::Sym(open, span) });
        outer.append(&mut current);
        current = outer;
    }
    match_bars(current)
}

/// `before` with a superscript (where it has none) and primes more, written up to `end`: a pasted
/// `²` or `′` after it.
fn attached(before: Node, sup: Option<Vec<Node>>, primes: u32, end: usize) -> Node {
    match before {
        Node::Attach { base, sub, sup: None, primes: had, span, name_end } => {
            Node::Attach { base, sub, sup, primes: had + primes, span: Span::new(span.start, end), name_end }
        }
        other => {
            let whole = other.span();
            Node::Attach {
                base: Box::new(other),
                sub: None,
                sup,
                primes,
                span: Span::new(whole.start, end),
                name_end: whole.end,
            }
        }
    }
}

/// A superscript's node at the place of its character.
fn with_span(node: Node, span: Span) -> Node {
    match node {
        Node::Num(n, _) => Node::Num(n, span),
        Node::Cmd(c, a, _) => Node::Cmd(c, a, span),
        other => other,
    }
}

fn pairs(open: char, close: char) -> bool {
    matches!((open, close), ('(', ')') | ('[', ']') | ('{', '}'))
}
