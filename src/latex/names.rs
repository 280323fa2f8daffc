//! The model's names as they are written in LaTeX. Each declared name is spelled by the rule of
//! [`spell`](super::spell) and that spelling is read back with the reader's own tree, so reading
//! is the inverse of rendering by construction.

use std::collections::BTreeMap;

use super::spell::{accent_spelling, plain_name_latex, GREEK_WORDS};
use super::tree::{parse_math, Node};
use crate::syntax::ast::{Definition, File, IndexAtom, IndexExpr, Item, RangeExpr, UnknownItem};
use crate::syntax::print::{expr_to_string, greek_name, index_to_string, Spelling};

/// What a declared name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An input, a defined node or an unknown node, with its number of indices.
    Family(usize),
    /// A function (unknown or defined) of the model.
    Function,
    /// A range index.
    Index,
    /// A size.
    Size,
}

/// One declared name and how it is written.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name in the model.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// The words of the name's own subscript, canonical (`phi` for `net_phi`).
    pub sub: Vec<String>,
    /// The name's own superscript, one key per node (`(2)` of `W^{(2)}`, `new` of
    /// `\theta^{\text{new}}`): only a `latex` spelling gives one.
    pub sup: Vec<String>,
    /// The spelling `render --to latex` writes.
    pub spelling: String,
    /// How many indices a subscript may give besides the declared ones: an array's elements (a
    /// shaped input `W: m x n` as `W_{j,k}`; a `let` without subscripts, which may be an array,
    /// with one or two) and a family as a whole array (`y` for `y[k]`, none).
    pub elements: Vec<usize>,
}

/// The model's names, by their canonical symbol.
#[derive(Debug, Default)]
pub struct Names {
    by_base: BTreeMap<String, Vec<Entry>>,
    /// Whether the model declares an `e` and spells it otherwise (`latex e "\epsilon"`): then
    /// `e^{…}` with a name in its exponent is the exponential.
    pub e_spelled_otherwise: bool,
    /// Whether the model itself uses the constant `pi` (in a definition or a derivation): then a
    /// bare `\pi` beside its names written `\pi` with scripts (`\pi_{1}`) is the constant, as
    /// `render` writes it; otherwise it is as likely one of those names (a policy `\pi_\theta`
    /// written bare), and refused.
    pub uses_pi: bool,
    /// The declared range of each range index, by its name in the model.
    ranges: BTreeMap<String, RangeExpr>,
    /// The names each defined node, function and unknown node reads directly.
    reads: BTreeMap<String, Vec<String>>,
    /// The index a family declares at each of its places, where it is one name (`i`, `j` of
    /// `var W[i,j]`).
    slots: BTreeMap<String, Vec<Option<String>>>,
    /// Each defined node's body in canonical text, with its own subscripts (`s` of `let s =
    /// sigma^2`: ("", "sigma^2")).
    bodies: BTreeMap<String, (String, String)>,
}

impl Names {
    /// The names declared in a model file.
    pub fn of_model(file: &File) -> Names {
        let mut declared: Vec<(String, Kind, Vec<usize>)> = Vec::new();
        let mut ranges = BTreeMap::new();
        let mut sizes: Vec<String> = Vec::new();
        let size_atom = |atom: &IndexAtom, sizes: &mut Vec<String>| {
            if let IndexAtom::Name(id) = atom {
                sizes.push(id.name.clone());
            }
        };
        for item in &file.items {
            match item {
                Item::Index(decls) => {
                    for d in decls {
                        declared.push((d.name.name.clone(), Kind::Index, Vec::new()));
                        ranges.insert(d.name.name.clone(), d.range.clone());
                        for (_, atom) in d.range.lo.terms.iter().chain(&d.range.hi.terms) {
                            size_atom(atom, &mut sizes);
                        }
                    }
                }
                Item::Var(vars) => {
                    for v in vars {
                        let n = v.target.subscripts.len();
                        let elements = match &v.shape {
                            Some(shape) => vec![shape.dims.len()],
                            None if n > 0 => vec![0],
                            None => Vec::new(),
                        };
                        declared.push((v.target.name.name.clone(), Kind::Family(n), elements));
                        if let Some(shape) = &v.shape {
                            for atom in &shape.dims {
                                size_atom(atom, &mut sizes);
                            }
                        }
                    }
                }
                Item::Unknown(items) => {
                    for u in items {
                        match u {
                            UnknownItem::Function { name, .. } => {
                                declared.push((name.name.clone(), Kind::Function, Vec::new()))
                            }
                            UnknownItem::Node { name, .. } => {
                                declared.push((name.name.clone(), Kind::Family(0), Vec::new()))
                            }
                        }
                    }
                }
                Item::Let(defs) => {
                    for d in defs {
                        match d {
                            Definition::Node { target, .. } => {
                                let n = target.subscripts.len();
                                let elements = if n == 0 { vec![1, 2] } else { vec![0] };
                                declared.push((target.name.name.clone(), Kind::Family(n), elements))
                            }
                            Definition::Function { name, .. } => {
                                declared.push((name.name.clone(), Kind::Function, Vec::new()))
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let bodies = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Let(defs) => Some(defs),
                _ => None,
            })
            .flatten()
            .filter_map(|d| match d {
                Definition::Node { target, body } => {
                    let subscripts = match target.subscripts.as_slice() {
                        [] => String::new(),
                        ix => format!("[{}]", ix.iter().map(index_to_string).collect::<Vec<_>>().join(",")),
                    };
                    Some((target.name.name.clone(), (subscripts, expr_to_string(body, Spelling::Canonical))))
                }
                Definition::Function { .. } => None,
            })
            .collect();
        let mut names = Names { ranges, reads: reads_of(file), slots: slots_of(file), bodies, ..Names::default() };
        let mut seen: Vec<String> = Vec::new();
        // A model that spells its `e` otherwise (`latex e "\epsilon"`) leaves `e^{2x}` (a name in
        // the exponent) to Euler's number (a student tester's finding: it was a power of the
        // smoothing rate, and a right step `wrong`); `e^2` is refused there as ambiguous, and `e`,
        // `e_j` and `e^\top` still name the model's `e` (the reader, `read.rs`).
        names.e_spelled_otherwise = file.items.iter().any(|item| {
            matches!(item, Item::Latex { name, spellings, .. }
                if name.name == "e" && spellings.iter().all(|s| s.trim() != "e"))
        });
        let pi = |e: &crate::syntax::ast::Expr| e.free_name_uses().iter().any(|(n, _)| n == "pi");
        names.uses_pi = file.items.iter().any(|item| match item {
            Item::Let(definitions) => definitions.iter().any(|d| match d {
                Definition::Node { body, .. } | Definition::Function { body, .. } => pi(body),
            }),
            Item::Derivation(d) => pi(&d.head) || d.steps.iter().any(|s| pi(&s.expr)),
            _ => false,
        });
        for (name, kind, elements) in &declared {
            if !seen.contains(name) {
                seen.push(name.clone());
                names.add(name.clone(), *kind, elements.clone());
            }
        }
        // The spellings the model adds (`latex y_hat "\hat{y}"`), read as the rule's are; a size's
        // too (`latex Dk "D_k"`: two testers found it accepted and ignored, and `\sqrt{D_k}` refused).
        for item in &file.items {
            let Item::Latex { name, spellings, .. } = item else { continue };
            let (kind, elements) = match declared.iter().find(|(n, ..)| *n == name.name) {
                Some((_, kind, elements)) => (*kind, elements.clone()),
                None if sizes.contains(&name.name) => (Kind::Size, Vec::new()),
                None => continue,
            };
            for spelling in spellings {
                names.add_spelled(name.name.clone(), kind, elements.clone(), spelling.trim().to_string());
            }
        }
        // `yhat` and `y_hat` are `\hat{y}` (likewise `bar`, `tilde`), as every course writes
        // them, unless the model spells them itself or names `ŷ` too.
        let spelled: Vec<&str> = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Latex { name, .. } => Some(name.name.as_str()),
                _ => None,
            })
            .collect();
        // (Nor where the model gives that spelling to another name: `latex yp "\hat{y}"`.)
        let mut written: Vec<String> = declared.iter().map(|(n, ..)| plain_name_latex(n)).collect();
        for item in &file.items {
            if let Item::Latex { spellings, .. } = item {
                written.extend(spellings.iter().map(|s| s.trim().to_string()));
            }
        }
        for (name, kind, elements) in &declared {
            let Some(spelling) = accent_spelling(name) else { continue };
            if !spelled.contains(&name.as_str()) && !written.contains(&spelling) && seen.contains(name) {
                names.add_spelled(name.clone(), *kind, elements.clone(), spelling);
            }
        }
        for size in sizes {
            if !seen.contains(&size) {
                seen.push(size.clone());
                names.add(size, Kind::Size, Vec::new());
            }
        }
        names
    }

    /// Whether the model defines `name` as `base` to the power `exponent`, at `name`'s own
    /// subscripts (`let s = sigma^2`, `let v[i] = x[i]^2`): then a spelling of `name` that is
    /// `base`'s with that superscript means what the power does.
    pub fn defined_as_power(&self, name: &str, base: &str, exponent: &str) -> bool {
        self.bodies.get(name).is_some_and(|(subscripts, body)| *body == format!("{base}{subscripts}^{exponent}"))
            // (Or the base as the root: `let sigma = sqrt(s)`, whose square is `s` wherever the
            // root is defined.)
            || exponent == "2"
                && self.bodies.get(base).is_some_and(|(subscripts, body)| *body == format!("sqrt({name}{subscripts})"))
    }

    fn add(&mut self, name: String, kind: Kind, elements: Vec<usize>) {
        let spelling = plain_name_latex(&name);
        self.add_spelled(name, kind, elements, spelling);
    }

    /// A name written as `spelling`: the rule's, or one the model gives with `latex`.
    fn add_spelled(&mut self, name: String, kind: Kind, elements: Vec<usize>, spelling: String) {
        if let Some((base, entry)) = entry_of(name, kind, elements, spelling) {
            self.by_base.entry(base).or_default().push(entry);
        }
    }

    /// Whether the model's quantity `node` depends on the name `on`, directly or through the
    /// definitions it reads.
    pub fn depends_on(&self, node: &str, on: &str) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        let mut todo = vec![node];
        while let Some(n) = todo.pop() {
            for read in self.reads.get(n).into_iter().flatten() {
                if read == on {
                    return true;
                }
                if !seen.contains(&read.as_str()) {
                    seen.push(read);
                    todo.push(read);
                }
            }
        }
        false
    }

    /// The index a family declares at each of its places, where it is one name.
    pub fn slots(&self, name: &str) -> &[Option<String>] {
        self.slots.get(name).map_or(&[], |v| v.as_slice())
    }

    /// What the model's name `name` is, whatever its spelling.
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.by_base.values().flatten().find(|e| e.name == name).map(|e| e.kind)
    }

    /// The names written with this symbol.
    pub fn with_base(&self, base: &str) -> &[Entry] {
        self.by_base.get(base).map_or(&[], |v| v.as_slice())
    }

    /// Whether the model's name `name` is an array when written alone: an input with a shape
    /// (`var W: m x n`) or a family (`var y[k]`, written `y`).
    pub fn is_array(&self, name: &str) -> bool {
        self.by_base.values().flatten().any(|e| {
            e.name == name
                && matches!(e.kind, Kind::Family(_))
                && (e.elements == [1] || e.elements == [2] || e.elements == [0])
        })
    }

    /// Whether a symbol names anything in the model.
    pub fn declares(&self, base: &str) -> bool {
        self.by_base.contains_key(base)
    }

    /// A name of the model that spells out a Greek letter, or shortens it (`eps` for `\epsilon`,
    /// `lam` for `\lambda`, `th` for `\theta`), with its spelling: what a student who wrote the
    /// letter most likely means.
    pub fn spelled_out(&self, letter: &str) -> Option<(&str, &str)> {
        let letter = letter.trim_start_matches("var");
        self.by_base
            .values()
            .flatten()
            .filter(|e| !matches!(e.kind, Kind::Index | Kind::Size))
            .find(|e| e.name.len() >= 2 && letter.len() > 2 && letter.starts_with(e.name.as_str()))
            .map(|e| (e.name.as_str(), e.spelling.as_str()))
    }

    /// Whether `range` is the declared range of the index `index` (spans aside): `\sum_{c=1}^{D}`
    /// over `index c in 1..D` is `sum(c, …)`, as `render` writes the declared range of a sum.
    pub fn is_declared_range(&self, index: &str, range: &RangeExpr) -> bool {
        let same = |a: &IndexExpr, b: &IndexExpr| {
            a.terms.len() == b.terms.len()
                && a.terms.iter().zip(&b.terms).all(|((s, x), (t, y))| {
                    s == t
                        && match (x, y) {
                            (IndexAtom::Int(m, _), IndexAtom::Int(n, _)) => m == n,
                            (IndexAtom::Name(m), IndexAtom::Name(n)) => m.name == n.name,
                            _ => false,
                        }
                })
        };
        self.ranges.get(index).is_some_and(|r| same(&r.lo, &range.lo) && same(&r.hi, &range.hi))
    }

    /// The index or size written with this symbol, if it is one.
    pub fn index_or_size(&self, base: &str) -> Option<&Entry> {
        self.with_base(base).iter().find(|e| matches!(e.kind, Kind::Index | Kind::Size) && e.sub.is_empty())
    }

    /// The name of the model closest to `written` (a quantity, not an index or a size): the same
    /// name, or one a slip away (`L_D` read as `LD`, `\mathrm{los}` for `loss`).
    pub fn closest(&self, written: &str) -> Option<&Entry> {
        let slip = (written.chars().count() / 3).max(1);
        self.by_base
            .values()
            .flatten()
            .filter(|e| !matches!(e.kind, Kind::Index | Kind::Size))
            .map(|e| (strsim::damerau_levenshtein(written, &e.name), e))
            .filter(|(d, e)| *d <= slip && e.name.chars().count() > 1)
            .min_by(|(d, e), (d2, e2)| d.cmp(d2).then_with(|| e.name.cmp(&e2.name)))
            .map(|(_, e)| e)
    }

    /// A name of the model that abbreviates `word` decorated (`xh` or `x_h` for `\hat{x}`, `hat`
    /// decoration): what a student writing `\hat{x}_i` means where the model spells no `\hat{x}`.
    pub fn abbreviated(&self, word: &str, decoration: &str) -> Option<&Entry> {
        self.by_base.values().flatten().find(|e| {
            e.name.strip_prefix(word).is_some_and(|rest| {
                let rest = rest.strip_prefix('_').unwrap_or(rest);
                !rest.is_empty() && decoration.starts_with(rest)
            })
        })
    }

    /// The indices the model declares, each with its range as the model writes it (`d in 1..D`),
    /// in their order by name.
    pub fn declared_indices(&self) -> Vec<String> {
        self.ranges
            .iter()
            .map(|(name, r)| {
                use crate::syntax::print::index_to_string;
                format!("`{name}` in {}..{}", index_to_string(&r.lo), index_to_string(&r.hi))
            })
            .collect()
    }

    /// The index the model declares by the name `name` (`i2`, written `i_2`).
    pub fn index_named(&self, name: &str) -> Option<&Entry> {
        self.by_base.values().flatten().find(|e| e.kind == Kind::Index && e.name == name)
    }
}

/// The index each family of a model declares at each of its places, where it is one name.
fn slots_of(file: &File) -> BTreeMap<String, Vec<Option<String>>> {
    let of = |target: &crate::syntax::ast::VarRef| {
        let slots = target
            .subscripts
            .iter()
            .map(|s| match s.terms.as_slice() {
                [(1, IndexAtom::Name(id))] => Some(id.name.clone()),
                _ => None,
            })
            .collect();
        (target.name.name.clone(), slots)
    };
    let mut slots = BTreeMap::new();
    for item in &file.items {
        match item {
            Item::Var(vars) => slots.extend(vars.iter().map(|v| of(&v.target))),
            Item::Let(defs) => slots.extend(defs.iter().filter_map(|d| match d {
                Definition::Node { target, .. } => Some(of(target)),
                Definition::Function { .. } => None,
            })),
            _ => {}
        }
    }
    slots
}

/// The names each defined node, function and unknown node of a model reads directly.
fn reads_of(file: &File) -> BTreeMap<String, Vec<String>> {
    let mut reads: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let names = |e: &crate::syntax::ast::Expr| e.free_name_uses().into_iter().map(|(n, _)| n).collect::<Vec<_>>();
    for item in &file.items {
        match item {
            Item::Let(defs) => {
                for d in defs {
                    let (name, read) = match d {
                        Definition::Node { target, body } => (&target.name.name, names(body)),
                        Definition::Function { name, params, body } => {
                            let read =
                                names(body).into_iter().filter(|n| params.iter().all(|p| p.name != *n)).collect();
                            (&name.name, read)
                        }
                    };
                    // (A family defined piece by piece, `h[0]` and `h[t]`, reads what every piece does.)
                    reads.entry(name.clone()).or_default().extend(read);
                }
            }
            Item::Unknown(items) => {
                for u in items {
                    if let UnknownItem::Node { name, deps } = u {
                        reads.entry(name.name.clone()).or_default().extend(deps.iter().map(|d| d.name.name.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    reads
}

/// The symbol a spelling writes and its entry; `None` where the reader cannot take it apart.
fn entry_of(name: String, kind: Kind, elements: Vec<usize>, spelling: String) -> Option<(String, Entry)> {
    // A spelling too deep to read is no spelling of the name.
    let nodes = parse_math(&spelling, 0).ok()?;
    let mut primes = 0;
    let (base, mut sub, sup) = match nodes.as_slice() {
        [Node::Attach { base, sub, sup, primes: written, .. }] => {
            primes = *written;
            let sub = sub.as_deref().unwrap_or_default();
            let sub = if sub.is_empty() {
                Vec::new()
            } else {
                sub.split(|n| matches!(n, Node::Sym(',', _))).map(words_of).collect()
            };
            let sup = match sup.as_deref() {
                Some(sup) => sup.iter().map(script_key).collect::<Option<Vec<String>>>()?,
                None => Vec::new(),
            };
            (name_word(base), sub, sup)
        }
        [single] => (name_word(single), Vec::new(), Vec::new()),
        _ => (None, Vec::new(), Vec::new()),
    };
    let (base, decoration) = base?;
    if let Some(d) = decoration {
        sub.insert(0, Some(d));
    }
    let sub = sub.into_iter().collect::<Option<Vec<String>>>()?;
    // A name spelled with primes (`latex sn "s'"`, the next state of a course on reinforcement
    // learning) is found under its symbol with the primes (`s'`): `s` alone never reads it, and
    // `s'` reads it rather than a derivative.
    Some((format!("{base}{}", "'".repeat(primes as usize)), Entry { name, kind, sub, sup, spelling, elements }))
}

/// The `latex` spellings of a model that the reader cannot take apart, or that another name is
/// read by too, each an error of the model: a spelling that is never read (or read as another
/// name) would leave the instructor believing it is.
pub fn unread_spellings(file: &File) -> Vec<crate::diagnostic::Diagnostic> {
    let mut errors = Vec::new();
    for item in &file.items {
        let Item::Latex { name, spellings, span } = item else { continue };
        for spelling in spellings.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if entry_of(name.name.clone(), Kind::Family(0), Vec::new(), spelling.to_string()).is_none() {
                errors.push(
                    crate::diagnostic::Diagnostic::error(
                        *span,
                        format!("the LaTeX spelling `{spelling}` of `{}` cannot be read as a name", name.name),
                    )
                    .with_hint(
                        "a spelling is one symbol (a letter, a Greek letter, `\\text{…}`, `\\hat{…}`, …) with a subscript of words and, if the course writes one, a superscript: `W^{(2)}`, `b^{[1]}`, `\\theta^{\\text{new}}` (docs/latex.md)",
                    ),
                );
            }
        }
    }
    // A spelling another name is read by too (`latex lr "\eta"` beside `eta`): answers could not
    // tell the two apart, and every `\eta` in them was refused with a hint that cannot be
    // followed (a student tester). The model is where the fix is.
    let names = Names::of_model(file);
    for item in &file.items {
        let Item::Latex { name, spellings, span } = item else { continue };
        for spelling in spellings.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let Some((base, mine)) = entry_of(name.name.clone(), Kind::Family(0), Vec::new(), spelling.to_string())
            else {
                continue;
            };
            let Some(own) = names.with_base(&base).iter().find(|e| e.name == name.name) else { continue };
            // Alike: the same scripts and the same kind, or a size's (a size is read wherever a
            // name is); or the element of a family at the model's indices (`d_k` beside `var
            // d[k]`: a tester found `latex a "d_k"` read for every `d_k`, a right step `wrong`).
            let other = names.with_base(&base).iter().find(|e| {
                // (Two quantities of any numbers of indices: a family's name written bare is the
                // whole array, `x` for `var x[n]`, so `latex xd "x"` beside it made `xd`
                // impossible to write: a TA's reference, accepted without a word.)
                let quantities = matches!(e.kind, Kind::Family(_)) && matches!(own.kind, Kind::Family(_));
                let same_kind = e.kind == own.kind || quantities || e.kind == Kind::Size || own.kind == Kind::Size;
                let element = matches!(e.kind, Kind::Family(n) if n == mine.sub.len())
                    && e.sub.is_empty()
                    && !mine.sub.is_empty()
                    && mine.sub.iter().all(|w| names.ranges.contains_key(w));
                e.name != name.name && e.sup == mine.sup && ((same_kind && e.sub == mine.sub) || element)
            });
            if let Some(other) = other {
                errors.push(
                    crate::diagnostic::Diagnostic::error(
                        *span,
                        format!(
                            "the LaTeX spelling `{spelling}` of `{}` is also `{}`'s: an answer could not tell them apart",
                            name.name, other.name
                        ),
                    )
                    .with_hint(format!(
                        "give one of them another spelling (a `latex {} \"…\"` line, or rename it)",
                        other.name
                    )),
                );
            }
        }
    }
    errors
}

/// One node of a name's own superscript as a key: `(2)`, `[1]`, `new` (also `\text{new}`), `*`.
pub fn script_key(node: &Node) -> Option<String> {
    match node {
        Node::Paren(open, inner, close, _) => {
            let inner = inner.iter().map(script_key).collect::<Option<Vec<_>>>()?;
            Some(format!("{open}{}{close}", inner.join(" ")))
        }
        Node::Group(inner, _) => Some(inner.iter().map(script_key).collect::<Option<Vec<_>>>()?.join(" ")),
        Node::Sym(c, _) if !matches!(c, ',' | '=' | '&') => Some(c.to_string()),
        Node::Cmd(c, args, _) if args.is_empty() && matches!(c.as_str(), "langle" | "rangle" | "star" | "ast") => {
            Some(format!("\\{c}"))
        }
        n => name_word(n).and_then(|(w, d)| d.is_none().then_some(w)),
    }
}

/// A name's canonical word when a node list is exactly one word.
fn words_of(nodes: &[Node]) -> Option<String> {
    match nodes {
        [single] => subscript_word(single),
        _ => None,
    }
}

/// The word of one item of a name's own subscript: a word as [`name_word`] reads it, undecorated,
/// or an operator's name that prints as its word there (`\eta_{\max}` is `\eta_{\text{max}}`, the
/// cosine schedule's notation: it was refused, in a spelling and in an answer, a student tester).
pub fn subscript_word(node: &Node) -> Option<String> {
    match node {
        Node::Cmd(name, args, _) if args.is_empty() && ["max", "min", "sup", "inf"].contains(&name.as_str()) => {
            Some(name.clone())
        }
        n => name_word(n).and_then(|(w, d)| d.is_none().then_some(w)),
    }
}

/// The canonical word a node spells as a name, and its decoration (`hat`, `tilde`): `net`,
/// `\mathit{net}`, `\text{net}`, `\phi`, `\varphi`, `φ` → `phi`, `\hat{y}` → (`y`, `hat`), `12`.
pub fn name_word(node: &Node) -> Option<(String, Option<String>)> {
    match node {
        Node::Word(w, _) => Some((canonical_word(w), None)),
        Node::Num(n, _) if n.chars().all(|c| c.is_ascii_digit()) => Some((n.clone(), None)),
        // `\ell`, the script l, is a letter as the Greek ones are.
        Node::Cmd(name, args, _) if args.is_empty() && name == "ell" => Some(("ell".to_string(), None)),
        Node::Cmd(name, args, _) if args.is_empty() => greek_command(name).map(|g| (g.to_string(), None)),
        Node::Cmd(name, args, _) if args.len() == 1 => match name.as_str() {
            "text" | "textrm" | "textit" | "mathrm" | "mathit" | "operatorname" | "mathbf" | "boldsymbol" | "bm"
            | "mathsf" | "vec" => {
                // `\_` joins the words of one name (`\operatorname{gelu\_exact}`).
                let part = |n: &Node| match n {
                    Node::Cmd(c, a, _) if c == "_" && a.is_empty() => Some("_".to_string()),
                    n => name_word(n).and_then(|(w, d)| d.is_none().then_some(w)),
                };
                let parts: Option<Vec<String>> = args[0].iter().map(part).collect();
                parts.filter(|p| !p.is_empty()).map(|p| (p.concat(), None))
            }
            "hat" | "widehat" => words_of(&args[0]).map(|w| (w, Some("hat".to_string()))),
            "tilde" | "widetilde" => words_of(&args[0]).map(|w| (w, Some("tilde".to_string()))),
            "bar" => words_of(&args[0]).map(|w| (w, Some("bar".to_string()))),
            // Another alphabet is another letter (`\mathcal{L}` is not `L`): a name the model
            // spells so with `latex`.
            "mathcal" | "mathscr" | "mathfrak" | "mathbb" => words_of(&args[0]).map(|w| (w, Some(name.clone()))),
            _ => None,
        },
        _ => None,
    }
}

/// A word with a Greek letter spelled out (`φ` → `phi`).
fn canonical_word(word: &str) -> String {
    if word.chars().count() == 1 {
        let c = word.chars().next().expect("one char");
        if let Some(g) = greek_name(c) {
            return g.to_string();
        }
    }
    word.to_string()
}

/// A Greek letter command, its variant forms merged (`\varphi` is `\phi`).
pub fn greek_command(name: &str) -> Option<&'static str> {
    let name = match name {
        "varphi" => "phi",
        "vartheta" => "theta",
        "varepsilon" => "epsilon",
        "varsigma" => "sigma",
        "varrho" => "rho",
        "varpi" => "pi",
        other => other,
    };
    GREEK_WORDS.iter().find(|g| **g == name).copied()
}
