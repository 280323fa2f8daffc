//! Element-level dependencies: whether one entry (a family at concrete index values) can change
//! when another is perturbed. The families' dependency closure (`model::dependency_closure`)
//! answers for whole families — `y` depends on `W` — so a perturbation of `W[2,3]` recomputed every
//! `y[k]`; here the index expressions of a definition's reads, at the entry's own index values,
//! rule most of them out (`y[k] = tanh(sum(j, W[k,j] * x[j]))` reads row `k` of `W` only).
//!
//! The answer over-approximates: `true` unless every way from the entry to the target is ruled
//! out by an index value that differs. A read whose index expressions involve anything but the
//! entry's own subscripts and sizes (a bound index of a `sum`, a class label) may read any element
//! in those positions; an unknown node, and a definition that calls a user function reading
//! entries, may read any element of what its family depends on; past a fixed amount of work the
//! answer is `true`. So an entry held fixed (or reused from a parent evaluation) is one whose
//! value the perturbation cannot reach.

use super::eval::EntryKey;
use crate::model::{collect_fns, entries_read, EntryId, EntryKind, Expr, Ix, IxVar, Model};

/// The most reads one question follows before it answers `true`.
const REACH_WORK: u32 = 64;

/// One position of a read: its value from the reading entry's subscripts and the sizes, or unknown.
#[derive(Debug, Clone)]
enum Arg {
    /// `constant + Σ coef · value`, each value a subscript of the reading entry (its position
    /// among the entry's range slots) or a size.
    Known(i64, Vec<(i64, Var)>),
    Unknown,
}

#[derive(Debug, Clone, Copy)]
enum Var {
    Subscript(usize),
    Size(usize),
}

/// One entry read by a definition, with its positions.
#[derive(Debug, Clone)]
struct Read {
    entry: EntryId,
    args: Vec<Arg>,
}

/// The direct reads of every family, by family (`None`: not analysed, every element may be read).
pub(super) struct Reach {
    reads: Vec<Option<Vec<Read>>>,
}

impl Reach {
    pub(super) fn new(model: &Model) -> Reach {
        // Whether some user function reads an entry (then a call of any is not analysed).
        let functions_read = model.user_functions.iter().any(|f| {
            let mut read = Vec::new();
            entries_read(&f.body, &mut read);
            !read.is_empty()
        });
        let reads = model
            .entries
            .iter()
            .map(|entry| match &entry.kind {
                EntryKind::Input(_) => Some(Vec::new()),
                EntryKind::Unknown(_) => None,
                EntryKind::Defined(body) => {
                    let mut called = Vec::new();
                    collect_fns(body, &mut called);
                    // A user function that reads entries reads them out of sight of this walk.
                    if functions_read && !called.is_empty() {
                        return None;
                    }
                    let slots: Vec<usize> = entry.range_slots().collect();
                    let mut out = Vec::new();
                    collect(model, body, &slots, &mut out);
                    Some(out)
                }
            })
            .collect();
        Reach { reads }
    }

    /// Whether `key` may change when `target` is perturbed; `closure[e][t]` is the families'
    /// dependency closure, `sizes` the sample's sizes.
    pub(super) fn may_depend(&self, closure: &[Vec<bool>], sizes: &[i64], key: &EntryKey, target: &EntryKey) -> bool {
        let mut work = REACH_WORK;
        self.reaches(closure, sizes, key, target, &mut work)
    }

    fn reaches(&self, closure: &[Vec<bool>], sizes: &[i64], key: &EntryKey, target: &EntryKey, work: &mut u32) -> bool {
        if key == target {
            return true;
        }
        if !closure[key.0][target.0] {
            return false;
        }
        let Some(reads) = &self.reads[key.0] else { return true };
        for read in reads {
            if read.entry != target.0 && !closure[read.entry][target.0] {
                continue;
            }
            if *work == 0 {
                return true;
            }
            *work -= 1;
            let values: smallvec::SmallVec<[Option<i64>; 4]> =
                read.args.iter().map(|a| value(a, &key.1, sizes)).collect();
            if values.iter().all(Option::is_some) {
                let next: EntryKey = (read.entry, values.into_iter().flatten().collect());
                if self.reaches(closure, sizes, &next, target, work) {
                    return true;
                }
            } else if closure[read.entry][target.0]
                || values.iter().zip(&target.1).all(|(v, t)| v.is_none_or(|v| v == *t))
            {
                // Some element of the read family in these positions may be the target or
                // depend on it.
                return true;
            }
        }
        false
    }
}

/// The value of a position at the reading entry's subscripts (`None`: unknown, or it overflows).
fn value(arg: &Arg, subscripts: &[i64], sizes: &[i64]) -> Option<i64> {
    let Arg::Known(constant, terms) = arg else { return None };
    let mut v = *constant;
    for &(coef, var) in terms {
        let x = match var {
            Var::Subscript(p) => *subscripts.get(p)?,
            Var::Size(s) => *sizes.get(s)?,
        };
        v = coef.checked_mul(x).and_then(|t| v.checked_add(t))?;
    }
    Some(v)
}

/// Every entry an expression reads (as `model::entries_read` finds them), with its positions.
fn collect(model: &Model, e: &Expr, slots: &[usize], out: &mut Vec<Read>) {
    let arg = |ix: &Ix| -> Arg {
        let mut terms = Vec::with_capacity(ix.terms.len());
        for &(coef, var) in &ix.terms {
            match var {
                // The last slot of that index binds it, as in the evaluator.
                IxVar::Free(i) => match slots.iter().rposition(|&s| s == i) {
                    Some(p) => terms.push((coef, Var::Subscript(p))),
                    None => return Arg::Unknown,
                },
                IxVar::Size(s) => terms.push((coef, Var::Size(s))),
                IxVar::Bound(_) => return Arg::Unknown,
            }
        }
        Arg::Known(ix.constant, terms)
    };
    let any = |entry: EntryId| Read { entry, args: vec![Arg::Unknown; model.entries[entry].range_slots().count()] };
    match e {
        Expr::Entry(r) | Expr::Diff(_, r) => out.push(Read { entry: r.entry, args: r.args.iter().map(arg).collect() }),
        Expr::NodePartial(node, r) => {
            out.push(any(*node));
            out.push(Read { entry: r.entry, args: r.args.iter().map(arg).collect() });
        }
        _ => {}
    }
    e.for_each_child(|c| collect(model, c, slots, out));
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "index i in 1..3, j in 1..3\nvar W[i,j], x[j]\nlet h[i] = sum(j, W[i,j] * x[j])\n\
                          let y[i] = tanh(h[i])\nlet s[i] = y[i] + y[1]\nlet E = sum(i, y[i])\nunknown L depends on h\n";

    /// Whether `key` may change when `target` is perturbed, by names and index values.
    fn moves(key: (&str, &[i64]), target: (&str, &[i64])) -> bool {
        let (file, errors) = crate::syntax::parse_file(SOURCE);
        assert!(errors.is_empty(), "{errors:?}");
        let (model, diagnostics) = crate::model::resolve(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let id = |name: &str| model.entries.iter().position(|e| e.name == name).expect("declared");
        let closure = crate::model::dependency_closure(&model);
        let key: EntryKey = (id(key.0), key.1.iter().copied().collect());
        let target: EntryKey = (id(target.0), target.1.iter().copied().collect());
        let family = key.0 == target.0 || closure[key.0][target.0];
        let element = Reach::new(&model).may_depend(&closure, &[], &key, &target);
        // Never `false` where the families' closure says `true` for a reason this misses.
        assert!(!element || family);
        element
    }

    #[test]
    fn a_row_of_a_matrix_reaches_only_its_own_elements() {
        assert!(moves(("h", &[2]), ("W", &[2, 3])));
        assert!(moves(("y", &[2]), ("W", &[2, 1])));
        assert!(!moves(("y", &[1]), ("W", &[2, 1])));
        assert!(!moves(("h", &[3]), ("W", &[1, 1])));
        // A sum's bound index may read any element.
        assert!(moves(("y", &[3]), ("x", &[2])));
        assert!(moves(("E", &[]), ("W", &[3, 3])));
        // Through a concrete subscript: s[2] reads y[2] and y[1].
        assert!(moves(("s", &[2]), ("W", &[1, 2])));
        assert!(moves(("s", &[2]), ("W", &[2, 2])));
        assert!(!moves(("s", &[2]), ("W", &[3, 2])));
        // An unknown node may read any element of what it depends on.
        assert!(moves(("L", &[]), ("W", &[3, 2])));
        // Another element of the same input, or an input the family does not read.
        assert!(!moves(("W", &[1, 1]), ("W", &[1, 2])));
        assert!(!moves(("x", &[1]), ("W", &[1, 1])));
        assert!(moves(("W", &[1, 2]), ("W", &[1, 2])));
    }
}
