#!/usr/bin/env python3
"""Truth for the labelled wrong steps in bench/mistakes/*.deriv, established with SymPy.

Every labelled step is encoded here by hand (independently of gradproof): the step before, the
wrong step and the fixed step (the wrong step with its culprit replaced by the fix). For each one:
  (a) step before != wrong step: the difference is not 0 after expand/simplify, and it is nonzero
      at a random point (30 digits; unknown functions replaced by concrete smooth functions there).
      A difference that is clearly nonzero at a random point cannot simplify to 0, so simplify
      (slow on large sums) is only run where the numbers do not already rule 0 out;
  (b) fixed step == step before: the difference expands or simplifies to exactly 0 (symbolically,
      in every piece of a kink).
Every right step (no `mistake:` note) is encoded too and must equal the step before.
Index families use concrete small sizes (3, or 2 for matrices); unknown functions are SymPy
Functions; an unknown node (`unknown E depends on s[c,t]`) enters through its partial derivatives,
which are symbols (zeta_c = dE/ds_c). Kinks (relu, step, abs, ...) are checked piece by piece.
The script also reads the .deriv files and checks that every labelled line has an entry here, that
its class is one of the known ones and that its culprit occurs exactly once in the step.

Run: python3 bench/mistakes/verify.py          (exits 1 on any failure)
     python3 bench/mistakes/verify.py --labels (the labels as JSON, without checking)
     add --fresh for the second development set, fresh/*.deriv with fresh/topics.py
     add --third for the third development set, third/*.deriv with third/topics.py
     add --fourth for the fourth development set, fourth/*.deriv with fourth/topics.py
"""
import os
import random
import re
import sys
from collections import Counter, defaultdict

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
# the set: this directory (the first development set), with --fresh fresh/ (the second one), with
# --third third/ (the third one), with --fourth fourth/ (the fourth one)
DIR = (os.path.join(HERE, "fresh") if "--fresh" in sys.argv
       else os.path.join(HERE, "third") if "--third" in sys.argv
       else os.path.join(HERE, "fourth") if "--fourth" in sys.argv else HERE)
CLASSES = {
    "index", "derivative", "function", "transpose", "name", "sign", "power", "wrong_factor",
    "extra_factor", "missing_factor", "missing_chain_factor", "extra_term", "missing_term",
    "extra_sum", "missing_sum", "constant_factor", "wrong_derivative",
}

ENTRIES = []  # dicts: file, title, kind ('wrong' | 'right'), before, step, fixed, cases, sampler


def wrong(file, title, before, step, fixed, cases=None, sampler=None):
    ENTRIES.append(dict(file=file, title=title, kind="wrong", before=before, step=step,
                        fixed=fixed, cases=cases, sampler=sampler))


def right(file, title, before, step, cases=None, sampler=None):
    ENTRIES.append(dict(file=file, title=title, kind="right", before=before, step=step,
                        fixed=None, cases=cases, sampler=sampler))


XI = sp.Symbol("xi_")


def syms(prefix, n, **kw):
    """The symbols prefix1 .. prefixn (a family of size n)."""
    return [sp.Symbol(f"{prefix}{i}", **kw) for i in range(1, n + 1)]


def mat(prefix, n, m):
    """The n x m symbols prefix11 .. prefixnm, as a list of rows."""
    return [[sp.Symbol(f"{prefix}{i}{j}") for j in range(1, m + 1)] for i in range(1, n + 1)]


def sig(z):
    return 1 / (1 + sp.exp(-z))


def d(F, a):
    """F'(a) for an unknown function F of one argument."""
    return F(XI).diff(XI).subs(XI, a)


def flat(v):
    if isinstance(v, sp.MatrixBase):
        return list(v)
    if isinstance(v, (list, tuple)):
        out = []
        for x in v:
            out.extend(flat(x))
        return out
    return [sp.sympify(v)]


# Concrete stand-ins for unknown functions, used only for the numeric confirmation of (a).
def concrete(expr):
    fs = {a.func for a in expr.atoms(sp.core.function.AppliedUndef)}
    for F in fs:
        h = sum(map(ord, str(F))) % 7
        u = sp.Symbol("u_")
        body = sp.sin((1 + h / 5) * u + sp.Rational(h, 9)) + sp.Rational(h + 2, 5) * u ** 2 + u / 3
        expr = expr.replace(F, sp.Lambda(u, body))
    return expr.doit()


def numeric(expr, rng, sampler):
    e = concrete(expr)
    vals = {}
    for s in e.free_symbols:
        vals[s] = sampler(s, rng) if sampler else rng.uniform(0.15, 0.95)
    return complex(sp.N(e.subs(vals), 30))


def is_zero(expr, rng=None):
    """True when SymPy shows expr == 0. A difference that is clearly nonzero at a random point
    is not zero, so simplify (slow on large sums) runs only where the numbers do not rule it out."""
    if expr == 0:
        return True
    try:
        if sp.expand(expr) == 0:
            return True
    except Exception:
        pass
    rng = rng or random.Random(7)
    for _ in range(2):
        try:
            if abs(numeric(expr, rng, None)) > 1e-6:
                return False
        except Exception:
            pass
    try:
        if sp.simplify(expr) == 0:
            return True
        if sp.simplify(sp.expand(sp.powsimp(sp.expand_log(expr, force=False)))) == 0:
            return True
        return sp.simplify(expr.rewrite(sp.exp)) == 0
    except Exception:
        return False


def cases_of(e):
    return e["cases"] if e["cases"] else [{}]


def diff_zero(a, b, e):
    """a == b symbolically at every element and in every case."""
    A, B = flat(a), flat(b)
    if len(A) != len(B):
        return False
    for case in cases_of(e):
        for x, y in zip(A, B):
            if not is_zero((x - y).subs(case)):
                return False
    return True


def diff_nonzero(a, b, e):
    """a != b: simplify of some element's difference is not 0 and a random point shows it."""
    A, B = flat(a), flat(b)
    if len(A) != len(B):
        return True  # different shapes (e.g. a forgotten sum leaves a free index)
    rng = random.Random(14)
    for case in cases_of(e):
        for x, y in zip(A, B):
            dxy = (x - y).subs(case)
            if is_zero(dxy):
                continue
            for _ in range(5):
                try:
                    v = numeric(dxy, rng, e["sampler"])
                except Exception:
                    continue
                if abs(v) > 1e-9:
                    return True
    return False


def read_labels():
    labels = {}  # (file, title) -> list of (line, step text, label or None)
    for fn in sorted(os.listdir(DIR)):
        if not fn.endswith(".deriv"):
            continue
        title = None
        for ln, line in enumerate(open(os.path.join(DIR, fn), encoding="utf-8"), 1):
            m = re.match(r'\s*derive\s+"([^"]*)"', line)
            if m:
                title = m.group(1)
                labels[(fn, title)] = []
                continue
            m = re.match(r"\s*(=|≈)\s*(.*)$", line)
            if m and title is not None:
                body = m.group(2)
                step, _, note = body.partition("#")
                lab = None
                mm = re.search(r"mistake:\s*([a-z_]+);\s*culprit:(.*?);\s*fix:(.*)$", note)
                if "mistake:" in note:
                    if not mm:
                        raise SystemExit(f"{fn}:{ln}: malformed label: {note.strip()}")
                    lab = (mm.group(1), mm.group(2).strip(), mm.group(3).strip())
                labels[(fn, title)].append((ln, step.strip(), lab))
    return labels


def main():
    labels = read_labels()
    if "--labels" in sys.argv:
        import json

        out = [dict(file=f, derivation=t, line=ln, step=st, mistake=lab[0], culprit=lab[1], fix=lab[2])
               for (f, t), steps in labels.items() for ln, st, lab in steps if lab]
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return
    import topics  # noqa: F401  (fills ENTRIES)

    failures = []
    per_class = Counter()
    per_file = Counter()
    rows = []
    seen = defaultdict(lambda: {"wrong": 0, "right": 0})
    for e in ENTRIES:
        key = (e["file"], e["title"])
        seen[key][e["kind"]] += 1
        if key not in labels:
            failures.append(f"{key}: no such derivation in the files")
            continue
        if e["kind"] == "wrong":
            ok_a = diff_nonzero(e["before"], e["step"], e)
            ok_b = diff_zero(e["fixed"], e["before"], e)
            labs = [l for l in labels[key] if l[2]]
            cls = labs[0][2][0] if labs else "?"
            line = labs[0][0] if labs else 0
            rows.append((e["file"], line, cls, "ok" if ok_a else "FAIL", "ok" if ok_b else "FAIL", e["title"]))
            if not (ok_a and ok_b):
                failures.append(f"{e['file']}:{line} {e['title']}: before!=wrong {ok_a}, fixed==before {ok_b}")
        else:
            ok = diff_zero(e["before"], e["step"], e)
            rows.append((e["file"], 0, "(right)", "ok" if ok else "FAIL", "", e["title"]))
            if not ok:
                failures.append(f"{e['file']} {e['title']}: right step not equal to the step before")
    for key, steps in labels.items():
        nw = sum(1 for s in steps if s[2])
        nr = sum(1 for s in steps if not s[2])
        if nw != 1:
            failures.append(f"{key}: {nw} labelled steps (want exactly 1)")
        if seen[key]["wrong"] != nw or seen[key]["right"] != nr:
            failures.append(f"{key}: entries wrong={seen[key]['wrong']} right={seen[key]['right']}, "
                            f"file has wrong={nw} right={nr}")
        for ln, step, lab in steps:
            if not lab:
                continue
            cls, culprit, fix = lab
            if cls not in CLASSES:
                failures.append(f"{key[0]}:{ln}: unknown class {cls}")
            if culprit and step.count(culprit) != 1:
                failures.append(f"{key[0]}:{ln}: culprit `{culprit}` occurs {step.count(culprit)} times in the step")
            if not culprit and not fix:
                failures.append(f"{key[0]}:{ln}: empty culprit and empty fix")
            per_class[cls] += 1
            per_file[key[0]] += 1
    print(f"{'file':28} {'line':>4}  {'class':22} {'a':4} {'b':4} derivation")
    for r in rows:
        print(f"{r[0]:28} {r[1]:>4}  {r[2]:22} {r[3]:4} {r[4]:4} {r[5]}")
    print()
    print("wrong steps per class:")
    for c, n in per_class.most_common():
        print(f"  {c:22} {n}")
    print("wrong steps per file:")
    for f, n in sorted(per_file.items()):
        print(f"  {f:28} {n}")
    nright = sum(1 for e in ENTRIES if e["kind"] == "right")
    print(f"total: {sum(per_class.values())} wrong steps, {nright} right steps")
    if failures:
        print("\nFAILURES:")
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    sys.path.insert(0, DIR)
    sys.modules.setdefault("verify", sys.modules[__name__])
    main()
