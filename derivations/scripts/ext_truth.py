#!/usr/bin/env python3
"""Truth of the held-out corpus `derivations/ext_*.deriv` by SymPy, independently of gradproof.

  python3 ext_truth.py            # every step of every ext_ file; exit status 0 = every annotation confirmed

Scalar and index-notation files are read by a small translator into SymPy: inputs become symbols
(`x[3]` the symbol `x_3`), sizes are fixed at 3 (and 2), sums and products are written out, `let`
definitions are inlined (every `diff` of these files is by an input, so inlining is the perturbation
semantics), `diff` is SymPy's symbolic derivative, labels and free indices run over all their
values. Builtins are their textbook formulas (PyTorch's for the piecewise ones, as SymPy Max, Min,
Heaviside with H(0) = 1, Piecewise). A step and the one before it (and the head) are compared at
random points of the declared domains (members of finite sets, the interiors of intervals, a
family under `assume` rescaled to its sum), evaluated to 50 digits: `expect: ok` needs agreement to
1e-30 relative at every point, `expect: wrong` a difference above 1e-6 at one point at least.
Random real points are never on a kink, so derivatives of kinks are those away from it.

The matrix-form files are restated by hand below with SymPy matrices of concrete shapes and an
unknown loss replaced by a generic smooth function of its node.
"""
import itertools
import time
import random
import re
import sys
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
SIZES = (2, 3)
POINTS = 6
PREC = 50

R = sp.Rational
H = lambda u: sp.Heaviside(u, 1)  # step(0) = 1, the course's hard threshold


def relu(u):
    return sp.Max(0, u)


BUILTINS = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign,
    "sigmoid": lambda u: 1 / (1 + sp.exp(-u)), "tanh": sp.tanh,
    "softplus": lambda u: sp.log(1 + sp.exp(u)), "relu": relu, "step": H,
    "sin": sp.sin, "cos": sp.cos, "sinh": sp.sinh, "cosh": sp.cosh, "erf": sp.erf, "atan": sp.atan,
    "log1p": lambda u: sp.log(1 + u), "expm1": lambda u: sp.exp(u) - 1,
    "gelu_exact": lambda u: u / 2 * (1 + sp.erf(u / sp.sqrt(2))), "pi": sp.pi,
    "max": sp.Max, "min": sp.Min, "clamp": lambda u, lo, hi: sp.Min(sp.Max(u, lo), hi),
    "leaky_relu": lambda u, a=R(1, 100): relu(u) - a * relu(-u),
    "elu": lambda u, a=1: sp.Piecewise((u, u > 0), (a * (sp.exp(u) - 1), True)),
    "delta": lambda i, j: 1 if i == j else 0,
}


def split_top(text, sep=","):
    """Splits at `sep` outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [s.strip() for s in out if s.strip()]


def to_python(expr):
    """Our expression syntax to Python over the environment built below."""
    e = expr.replace("^", "**").replace("⊙", "*")
    e = re.sub(r"(?<![\w.])(\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)(?![\w.])", r"RAT_('\1')", e)
    e = re.sub(r"\bsum\((\w+)\s*!=\s*(\w+)\s*,", r"SUMNE('\1', \2, lambda \1:", e)
    e = re.sub(r"\bsum\((\w+)\s*,", r"SUM('\1', lambda \1:", e)
    e = re.sub(r"\bprod\((\w+)\s*,", r"PROD('\1', lambda \1:", e)
    e = re.sub(r"\bdiff\(", "DIFF(", e)
    return e


class Family:
    def __init__(self, name):
        self.name = name

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        return sp.Symbol(self.name + "_" + "_".join(str(int(i)) for i in idx), real=True)


class Defined:
    def __init__(self, params, body, env):
        self.params, self.body, self.env = params, body, env

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        local = dict(zip(self.params, (int(i) for i in idx)))
        return eval(self.body, self.env, local)


class File:
    def __init__(self, path, size):
        self.path, self.size = path, size
        self.env = dict(BUILTINS)
        self.env.update(RAT_=R, DIFF=lambda a, x: sp.diff(a, x))
        self.ranges = {}  # index or label -> (lo, hi) as ints
        self.labels = []
        self.domains = {}  # symbol-name prefix -> domain
        self.assumes = []  # family names whose last subscript sums to the given value
        self.families = {}
        self.env["SUM"] = lambda k, f: sum((f(v) for v in self.range(k)), sp.Integer(0))
        self.env["PROD"] = lambda k, f: sp.Mul(*[f(v) for v in self.range(k)])
        self.env["SUMNE"] = lambda k, y, f: sum((f(v) for v in self.range(k) if v != y), sp.Integer(0))

    def bound(self, b):
        b = b.strip()
        for n in re.findall(r"[A-Za-z]\w*", b):
            self.env[n] = sp.Integer(self.size)
        return int(eval(b, {}, {n: self.size for n in re.findall(r"[A-Za-z]\w*", b)}))

    def range(self, k):
        lo, hi = self.ranges[k]
        return range(lo, hi + 1)

    def declare_var(self, item):
        m = re.match(r"(\w+)(\[[^\]]*\])?\s*(.*)$", item)
        name, sub, dom = m.group(1), m.group(2), m.group(3).strip()
        lab = re.match(r"in\s+(\S+)\.\.(\S+)$", dom)
        if lab:
            self.ranges[name] = (self.bound(lab.group(1)), self.bound(lab.group(2)))
            self.labels.append(name)
            return
        if sub:
            self.env[name] = Family(name)
            self.families[name] = [s.strip() for s in sub[1:-1].split(",")]
        else:
            self.env[name] = sp.Symbol(name, real=True)
        self.domains[name] = dom

    def read(self):
        derivations = []
        for raw in self.path.read_text().splitlines():
            line = raw.split("#")[0].rstrip()
            note = raw.split("#", 1)[1] if "#" in raw else ""
            s = line.strip()
            if not s or s.startswith("title"):
                continue
            if s.startswith("index "):
                for it in split_top(s[6:]):
                    k, lo, hi = re.match(r"(\w+)\s+in\s+(\S+)\.\.(\S+)", it).groups()
                    self.ranges[k] = (self.bound(lo), self.bound(hi))
            elif s.startswith("var "):
                for it in split_top(s[4:]):
                    self.declare_var(it)
            elif s.startswith("assume "):
                fam = re.match(r"assume sum\((\w+), (\w+)\[", s).group(2)
                self.assumes.append((fam, R(s.split("=")[1].strip())))
            elif s.startswith("let "):
                m = re.match(r"let (\w+)(\[[^\]]*\])?\s*=\s*(.*)$", s)
                name, sub, body = m.groups()
                code = compile(to_python(body), str(self.path), "eval")
                if sub:
                    self.env[name] = Defined([p.strip() for p in sub[1:-1].split(",")], code, self.env)
                else:
                    self.env[name] = eval(code, self.env)
            elif s.startswith("derive "):
                m = re.match(r'derive\s+(?:"([^"]*)"\s+)?(.*)$', s)
                derivations.append({"name": m.group(1), "head": m.group(2), "steps": []})
            elif s.startswith("="):
                ok = "expect: wrong" not in note
                holds = ok if "holds=" not in note else "holds=true" in note
                derivations[-1]["steps"].append((s[1:].strip(), ok, holds, raw))
            else:
                raise SystemExit(f"{self.path}: cannot read `{s}`")
        return derivations

    def points(self, rng):
        """Random points: symbol -> value, within the declared domains."""
        pts = []
        for _ in range(POINTS):
            val = {}
            for name, dom in self.domains.items():
                syms = []
                if name in self.families:
                    subs = [list(self.range(k)) for k in self.families[name]]
                    syms = [Family(name)[t] for t in itertools.product(*subs)]
                else:
                    syms = [sp.Symbol(name, real=True)]
                for s in syms:
                    val[s] = self.draw(dom, rng)
            for fam, total in self.assumes:
                rows = {}
                for s in val:
                    if s.name.startswith(fam + "_"):
                        key = tuple(s.name[len(fam) + 1:].split("_")[:-1])
                        rows.setdefault(key, []).append(s)
                for row in rows.values():
                    t = sum(val[s] for s in row)
                    for s in row:
                        val[s] = val[s] * total / t
            pts.append(val)
        return pts

    @staticmethod
    def draw(dom, rng):
        u = R(rng.randint(25, 200), 100)
        if dom.startswith("in {"):
            return R(rng.choice(split_top(dom[4:-1])))
        if dom.startswith("in ("):
            lo, hi = (R(b) for b in split_top(dom[4:-1]))
            return lo + (hi - lo) * R(rng.randint(5, 95), 100)
        if dom.startswith(">"):
            return u
        return u if rng.random() < 0.5 else -u


def close(a, b, tol):
    a, b = sp.N(a, PREC), sp.N(b, PREC)
    if not (a.is_real and b.is_real):
        raise ValueError(f"not a real number: {a}, {b}")
    return abs(a - b) <= tol * max(1, abs(a), abs(b))


def check_scalar_file(path):
    failures, steps = 0, 0
    for size in SIZES:
        f = File(path, size)
        rng = random.Random(18)
        for d in f.read():
            t0 = time.time()
            names = set(re.findall(r"[A-Za-z_]\w*", " ".join([d["head"]] + [s[0] for s in d["steps"]])))
            free = [k for k in f.ranges if k in names]
            combos = list(itertools.product(*[list(f.range(k)) for k in free]))
            pts = f.points(rng)
            prev_txt = d["head"]
            for txt, ok, holds, raw in d["steps"]:
                if size == SIZES[0]:
                    steps += 1
                for want, other in ((ok, prev_txt), (holds, d["head"])):
                    agree_all, differ_some = True, False
                    for combo in combos:
                        env = dict(f.env)
                        env.update(zip(free, combo))
                        a = eval(to_python(other), env)
                        b = eval(to_python(txt), env)
                        for val in pts:
                            av = sp.sympify(a).evalf(PREC, subs=val)
                            bv = sp.sympify(b).evalf(PREC, subs=val)
                            if not close(av, bv, sp.Float("1e-30")):
                                agree_all = False
                            if not close(av, bv, sp.Float("1e-6")):
                                differ_some = True
                    if (want and not agree_all) or (not want and not differ_some):
                        failures += 1
                        print(f"FAIL {path.name} size {size}: {d['name']}: `{txt}` expected "
                              f"{'equal' if want else 'different'} to `{other}`")
                prev_txt = txt
            if time.time() - t0 > 20:
                print(f"  ({d['name']}: {time.time() - t0:.0f} s)", flush=True)
    print(f"{path.name}: {steps} steps, {failures} failures", flush=True)
    return steps, failures


# ---------------------------------------------------------------------------------------- matrices
def mat(name, r, c):
    return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def grad(L, M):
    return M.applyfunc(lambda e: sp.diff(L, e))


def smooth_loss(M, rng):
    """A generic smooth scalar function of every entry of M (an `unknown L depends on M`)."""
    terms = [R(rng.randint(1, 9), 7) * sp.sin(e + R(rng.randint(1, 9), 5)) for e in M]
    pairs = list(M)
    return sum(terms) + sp.Mul(*pairs[:2]) + sp.exp(pairs[-1] / 3)


def numbers(exprs, syms, rng, n=4):
    """True when the list of (left, right, expected equal) holds at n random points."""
    ok = True
    for left, right, want in exprs:
        agree, differ = True, False
        for _ in range(n):
            val = {s: R(rng.randint(-200, 200), 97) for s in syms}
            d = (left - right).subs(val)
            big = max(abs(sp.N(e, PREC)) for e in d) if isinstance(d, sp.MatrixBase) else abs(sp.N(d, PREC))
            agree &= big < sp.Float("1e-30")
            differ |= big > sp.Float("1e-6")
        good = agree if want else differ
        ok &= good
        if not good:
            print("FAIL matrix:", left, right, want)
    return ok, len(exprs)


def check_matrix_files():
    rng = random.Random(18)
    m, n, p = 2, 3, 2
    A, B = mat("A", m, n), mat("B", n, p)
    Y = A * B
    Ys = mat("Y", m, p)
    Lfun = smooth_loss(Ys, rng)
    sub = dict(zip(list(Ys), list(Y)))
    L = Lfun.subs(sub)
    dLdY = grad(Lfun, Ys).subs(sub)
    checks = [
        (grad(L, A), dLdY * B.T, True),
        (grad(L, B), A.T * dLdY, True),
        (A.T * dLdY, (dLdY.T * A).T, True),
    ]
    # the transposed answer has another shape (n x m): wrong by its shape alone
    assert (dLdY * B.T).T.shape != grad(L, A).shape
    h, dd, c = 3, 2, 2
    W1, W2, x = mat("W1", h, dd), mat("W2", c, h), mat("x", dd, 1)
    a1 = W1 * x
    z1 = a1.applyfunc(sp.tanh)
    o = W2 * z1
    os_ = mat("o", c, 1)
    Efun = smooth_loss(os_, rng)
    osub = dict(zip(list(os_), list(o)))
    E = Efun.subs(osub)
    dEdo = grad(Efun, os_).subs(osub)
    zs = mat("z", h, 1)
    E_z = Efun.subs(dict(zip(list(os_), list(W2 * zs))))
    back = (W2.T * dEdo).multiply_elementwise(z1.applyfunc(lambda t: 1 - t * t))
    checks += [
        (grad(E_z, zs).subs(dict(zip(list(zs), list(z1)))), W2.T * dEdo, True),
        (grad(E, W1), back * x.T, True),
        (back * x.T, (W2.T * dEdo).multiply_elementwise(a1.applyfunc(lambda t: 1 - sp.tanh(t) ** 2)) * x.T, True),
        (grad(E, W1), (W2.T * dEdo) * x.T, False),
        (grad(E, W2), dEdo * z1.T, True),
        (dEdo * z1.T, dEdo * (W1 * x).applyfunc(sp.tanh).T, True),
    ]
    ok1, n1 = numbers(checks, list(A) + list(B) + list(W1) + list(W2) + list(x), rng)
    print(f"ext_matrix_backward.deriv: {n1} comparisons (+1 shape), {'ok' if ok1 else 'FAILURES'}")

    k = 3
    M, v, yv, X, W = mat("M", k, k), mat("v", k, 1), mat("yv", k, 1), mat("X", k, k), mat("W", 3, 2)
    lam = sp.Symbol("lam", positive=True)
    q = (v.T * M * v)[0]
    r = X * v - yv
    ls = (r.T * r)[0] / 2
    dec = lam / 2 * sum(e * e for e in W)
    zc, tc = mat("zc", k, 1), mat("tc", k, 1)
    S = sum(sp.exp(e) for e in zc)
    sm = zc.applyfunc(lambda e: sp.exp(e) / S)
    ce = -sum(tc[i] * sp.log(sm[i]) for i in range(k))
    gce = grad(ce, zc).subs(tc[k - 1], 1 - tc[0] - tc[1])
    checks = [
        (grad(q, v), (M + M.T) * v, True),
        ((M + M.T) * v, M * v + M.T * v, True),
        (grad(q, v), 2 * M * v, False),
        (grad(ls, v), X.T * r, True),
        (X.T * r, X.T * X * v - X.T * yv, True),
        (grad(ls, v), X * r, False),
        (grad(dec, W), lam * W, True),
        (grad(dec, W), lam / 2 * W, False),
        (gce, (sm - tc).subs(tc[k - 1], 1 - tc[0] - tc[1]), True),
        (sm, zc.applyfunc(sp.exp) / S, True),
        (gce, (tc - sm).subs(tc[k - 1], 1 - tc[0] - tc[1]), False),
    ]
    ok2, n2 = numbers(checks, list(M) + list(v) + list(yv) + list(X) + list(W) + [lam] + list(zc) + list(tc), rng)
    print(f"ext_matrix_losses.deriv: {n2} comparisons, {'ok' if ok2 else 'FAILURES'}")
    return ok1 and ok2


def main():
    total, failures = 0, 0
    for name in ["ext_pytorch_backward.deriv", "ext_losses.deriv", "ext_norm_optim.deriv"]:
        s, f = check_scalar_file(HERE.parent / name)
        total, failures = total + s, failures + f
    ok = check_matrix_files()
    print(f"{total} scalar steps, {failures} failures; matrix files {'ok' if ok else 'FAIL'}")
    sys.exit(0 if failures == 0 and ok else 1)


if __name__ == "__main__":
    main()
