#!/usr/bin/env python3
"""A small, independent re-implementation of the parts of the .deriv language (spec §1-§7) that the
vector and matrix corpus files use, written only to verify those files' annotations before gradproof can read them.

  python3 derivcheck.py FILE.deriv [...]      # prints every step's value, verdict and holds

Numbers: decimal literals are exact Fractions; transcendental functions turn values into floats.
`=` steps compare exactly when both sides are Fractions and no diff was used, else with a relative
tolerance of 1e-8.  `≈` steps: every literal written with a decimal point in the step (and an integer that
is the whole step) is widened by half a unit in its last digit and the step is evaluated in interval
arithmetic; the previous step (for the verdict) / the head (for holds) must lie in the interval.
diff is evaluated by Richardson-extrapolated central differences under the perturbation semantics
(a perturbed node is cut from its definition, everything downstream is recomputed).
Symbolic sizes and free inputs are sampled (sizes 1..4, inputs in ±[0.25, 2], `> 0` in [0.2, 3]).
Shape rules of §7: a column vector has shape (n,), a row vector (1, n), a matrix (r, c).
"""
import math, random, re, sys
from fractions import Fraction as F

# ----------------------------------------------------------------------------- intervals
class Iv:
    def __init__(self, lo, hi=None):
        self.lo = lo; self.hi = lo if hi is None else hi
    def __repr__(self): return f"[{float(self.lo):.10g}, {float(self.hi):.10g}]"
def iv(x): return x if isinstance(x, Iv) else Iv(x, x)
def is_iv(x): return isinstance(x, Iv)

def s_add(a, b):
    if is_iv(a) or is_iv(b):
        a, b = iv(a), iv(b); return Iv(a.lo + b.lo, a.hi + b.hi)
    return a + b
def s_neg(a):
    if is_iv(a): return Iv(-a.hi, -a.lo)
    return -a
def s_sub(a, b): return s_add(a, s_neg(b))
def s_mul(a, b):
    if is_iv(a) or is_iv(b):
        a, b = iv(a), iv(b); ps = [a.lo*b.lo, a.lo*b.hi, a.hi*b.lo, a.hi*b.hi]
        return Iv(min(ps), max(ps))
    return a * b
def s_div(a, b):
    if is_iv(a) or is_iv(b):
        a, b = iv(a), iv(b)
        if b.lo <= 0 <= b.hi:
            raise ZeroDivisionError("divisor interval contains 0")
        return s_mul(a, Iv(1/F(b.hi) if not isinstance(b.hi, float) else 1/b.hi,
                           1/F(b.lo) if not isinstance(b.lo, float) else 1/b.lo))
    if b == 0: raise ZeroDivisionError("division by zero")
    return a / b
def s_pow(a, b):
    if is_iv(b): raise ValueError("interval exponent not supported")
    if is_iv(a):
        if b == int(b) and int(b) >= 0:
            n = int(b); c = [a.lo**n, a.hi**n]
            if n % 2 == 0 and a.lo <= 0 <= a.hi: return Iv(0, max(c))
            return Iv(min(c), max(c))
        if a.lo < 0: raise ValueError("domain")
        return Iv(float(a.lo)**float(b), float(a.hi)**float(b))
    if isinstance(a, F) and isinstance(b, F) and b.denominator == 1:
        if b < 0 and a == 0: raise ZeroDivisionError
        return a ** int(b)
    if a < 0 and not (isinstance(b, F) and b.denominator == 1): raise ValueError("domain")
    return float(a) ** float(b)

def exact_sqrt(x):
    if isinstance(x, F) and x >= 0:
        n, d = x.numerator, x.denominator
        rn, rd = math.isqrt(n), math.isqrt(d)
        if rn*rn == n and rd*rd == d: return F(rn, rd)
    if x < 0: raise ValueError("sqrt of negative")
    return math.sqrt(x)
def f_exp(x): return F(1) if x == 0 else math.exp(x)
def f_log(x):
    if x <= 0: raise ValueError("log of non-positive")
    return F(0) if x == 1 else math.log(x)
def f_sig(x):
    if x == 0: return F(1, 2)
    x = float(x)
    return 1/(1+math.exp(-x)) if x >= 0 else math.exp(x)/(1+math.exp(x))
def f_tanh(x): return F(0) if x == 0 else math.tanh(x)
def f_relu(x): return x if x > 0 else (x*0 if isinstance(x, F) else 0.0) if True else 0
def f_softplus(x): return math.log1p(math.exp(float(x))) if x < 30 else float(x)
def f_step(x): return F(1) if x >= 0 else F(0)
def f_sign(x): return F(1) if x > 0 else (F(-1) if x < 0 else F(0))
MONO = {'exp': f_exp, 'log': f_log, 'ln': f_log, 'sqrt': exact_sqrt, 'sigmoid': f_sig, 'σ': f_sig,
        'tanh': f_tanh, 'relu': lambda x: max(x, F(0)) if isinstance(x, F) else max(x, 0.0),
        'softplus': f_softplus}
OTHER = {'abs': abs, 'sign': f_sign, 'step': f_step, 'sin': lambda x: math.sin(x), 'cos': lambda x: math.cos(x)}
def d_sig(x): s = f_sig(x); return s*(1-s)
DERIV = {'exp': f_exp, 'log': lambda x: 1/x, 'ln': lambda x: 1/x, 'sigmoid': d_sig, 'σ': d_sig,
         'tanh': lambda x: 1 - f_tanh(x)**2, 'relu': lambda x: f_step(x) if x != 0 else (_ for _ in ()).throw(ValueError("relu'(0)")),
         'sqrt': lambda x: 1/(2*exact_sqrt(x)), 'softplus': lambda x: f_sig(x)}

def s_fun(name, x):
    if is_iv(x):
        if name in MONO:
            return Iv(MONO[name](x.lo), MONO[name](x.hi))
        raise ValueError(f"interval {name} not supported")
    if name in MONO: return MONO[name](x)
    return OTHER[name](x)
def s_max(a, b):
    if is_iv(a) or is_iv(b):
        a, b = iv(a), iv(b); return Iv(max(a.lo, b.lo), max(a.hi, b.hi))
    return a if a >= b else b
def s_min(a, b):
    if is_iv(a) or is_iv(b):
        a, b = iv(a), iv(b); return Iv(min(a.lo, b.lo), min(a.hi, b.hi))
    return a if a <= b else b

# ----------------------------------------------------------------------------- arrays
class Arr:
    def __init__(self, shape, data):
        self.shape = tuple(shape); self.data = list(data)
        assert len(self.data) == math.prod(self.shape), (shape, len(data))
    def __repr__(self):
        return f"Arr{self.shape}" + repr([fmt(v) for v in self.data])
    def rows(self): return self.shape[0]
    def cols(self): return 1 if len(self.shape) == 1 else self.shape[1]
    def get(self, i, j=0): return self.data[i*self.cols() + j]

class ShapeError(Exception): pass
def shape_of(v): return v.shape if isinstance(v, Arr) else ()
def shape_str(s): return 'scalar' if s == () else ('x'.join(map(str, s)) if len(s) == 2 else f"{s[0]}")

def elementwise(op, a, b, what):
    if isinstance(a, Arr) and isinstance(b, Arr):
        if a.shape != b.shape: raise ShapeError(f"{what}: {shape_str(a.shape)} vs {shape_str(b.shape)}")
        return Arr(a.shape, [op(x, y) for x, y in zip(a.data, b.data)])
    if isinstance(a, Arr): return Arr(a.shape, [op(x, b) for x in a.data])
    if isinstance(b, Arr): return Arr(b.shape, [op(a, y) for y in b.data])
    return op(a, b)
def amap(f, a):
    return Arr(a.shape, [f(x) for x in a.data]) if isinstance(a, Arr) else f(a)
def as2d(a):
    if len(a.shape) == 1: return (a.shape[0], 1)
    return a.shape
def from2d(shape, data):
    r, c = shape
    if r == 1 and c == 1: return data[0]
    if c == 1: return Arr((r,), data)
    return Arr((r, c), data)
def matmul(a, b):
    if not isinstance(a, Arr) or not isinstance(b, Arr):
        return elementwise(s_mul, a, b, '*')
    (r, k), (k2, c) = as2d(a), as2d(b)
    if k != k2: raise ShapeError(f"product: {shape_str(a.shape)} * {shape_str(b.shape)}")
    out = []
    for i in range(r):
        for j in range(c):
            acc = F(0)
            for t in range(k): acc = s_add(acc, s_mul(a.data[i*k+t], b.data[t*c+j]))
            out.append(acc)
    res = from2d((r, c), out)
    # a row vector (1 x c, c > 1) stays a row
    if r == 1 and c > 1: return Arr((1, c), out)
    return res
def transpose(a):
    if not isinstance(a, Arr): return a
    if len(a.shape) == 1: return Arr((1, a.shape[0]), a.data)
    r, c = a.shape
    data = [a.data[i*c+j] for j in range(c) for i in range(r)]
    if r == 1: return Arr((c,), data)
    return Arr((c, r), data)
def det(a):
    n = a.shape[0]
    if a.shape != (n, n): raise ShapeError("det of non-square")
    m = [list(a.data[i*n:(i+1)*n]) for i in range(n)]
    # Laplace for small n (exact with Fractions / intervals)
    def d(m):
        if len(m) == 1: return m[0][0]
        acc = F(0)
        for j in range(len(m)):
            minor = [row[:j] + row[j+1:] for row in m[1:]]
            term = s_mul(m[0][j], d(minor))
            acc = s_add(acc, term) if j % 2 == 0 else s_sub(acc, term)
        return acc
    return d(m)
def inv(a):
    n = a.shape[0]
    m = [list(a.data[i*n:(i+1)*n]) + [F(int(i == j)) for j in range(n)] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if m[p][c] == 0: raise ZeroDivisionError("singular")
        m[c], m[p] = m[p], m[c]
        pv = m[c][c]; m[c] = [x / pv for x in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c]; m[r] = [x - f*y for x, y in zip(m[r], m[c])]
    return Arr((n, n), [m[i][n+j] for i in range(n) for j in range(n)])

# ----------------------------------------------------------------------------- lexer
TOK = re.compile(r"""\s*(?:
  (?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) |
  (?P<str>"[^"]*") |
  (?P<op>\.\.|\.\*|~=|>=|!=|[-+*/^()\[\],=≈:<>'′⊙ᵀ∂·×−]) |
  (?P<id>[^\W\d]\w*)
)""", re.X | re.U)
def lex(s):
    out, pos = [], 0
    s = s.rstrip()
    while pos < len(s):
        m = TOK.match(s, pos)
        if not m or m.end() == pos:
            if s[pos:].strip() == '': break
            raise SyntaxError(f"cannot lex at {s[pos:pos+20]!r}")
        pos = m.end()
        k = m.lastgroup; t = m.group(k)
        if k == 'op':
            t = {'·': '*', '×': '*', '−': '-', '.*': '⊙', '~=': '≈', '′': "'"}.get(t, t)
        if k == 'id':
            t = {'Σ': 'sum', 'Π': 'prod', '∑': 'sum', 'σ': 'sigmoid'}.get(t, t)
        out.append((k, t))
    out.append(('eof', None))
    return out

# ----------------------------------------------------------------------------- parser -> AST tuples
class P:
    def __init__(self, toks): self.t = toks; self.i = 0
    def peek(self, k=0): return self.t[self.i+k]
    def next(self): tok = self.t[self.i]; self.i += 1; return tok
    def accept(self, v):
        if self.peek()[1] == v and self.peek()[0] in ('op', 'id'): self.i += 1; return True
        return False
    def expect(self, v):
        if not self.accept(v): raise SyntaxError(f"expected {v!r}, got {self.peek()}")
    def expr(self):
        a = self.term()
        while self.peek()[1] in ('+', '-') and self.peek()[0] == 'op':
            op = self.next()[1]; a = (op, a, self.term())
        return a
    def term(self):
        a = self.unary()
        while self.peek()[1] in ('*', '/', '⊙') and self.peek()[0] == 'op':
            op = self.next()[1]; a = (op, a, self.unary())
        return a
    def unary(self):
        if self.accept('-'): return ('neg', self.unary())
        if self.accept('+'): return self.unary()
        return self.power()
    def power(self):
        a = self.postfix()
        if self.peek()[1] == '^':
            self.next()
            if self.peek() == ('id', 'T'):
                self.next(); a = ('T', a)
                return self.power_rest(a)
            return ('^', a, self.unary_pow())
        return a
    def power_rest(self, a):
        while True:
            if self.peek()[1] == 'ᵀ': self.next(); a = ('T', a); continue
            if self.peek()[1] == '^':
                self.next()
                if self.peek() == ('id', 'T'): self.next(); a = ('T', a); continue
                return ('^', a, self.unary_pow())
            return a
    def unary_pow(self):
        if self.accept('-'): return ('neg', self.unary_pow())
        return self.power()
    def postfix(self):
        a = self.atom()
        while True:
            if self.peek()[1] == 'ᵀ': self.next(); a = ('T', a)
            elif self.peek()[1] == '[' : 
                self.next(); idx = [self.expr()]
                while self.accept(','): idx.append(self.expr())
                self.expect(']'); a = ('idx', a, idx)
            else: return a
    def atom(self):
        k, v = self.next()
        if k == 'num':
            return ('num', F(v) if 'e' not in v.lower() else F(v), v)
        if k == 'op' and v == '(':
            e = self.expr(); self.expect(')'); return e
        if k == 'op' and v == '[':
            items = [self.expr()]
            while self.accept(','): items.append(self.expr())
            self.expect(']'); return ('lit', items)
        if k == 'id':
            prime = 0
            while self.peek()[1] == "'": self.next(); prime += 1
            if self.peek()[1] == '(':
                self.next()
                if v in ('sum', 'prod') and self.peek()[0] == 'id' and self.peek(1)[1] in (',', 'in'):
                    ix = self.next()[1]
                    rng = None
                    if self.accept('in'):
                        lo = self.expr(); self.expect('..'); hi = self.expr(); rng = (lo, hi)
                    self.expect(','); body = self.expr(); self.expect(')')
                    return ('isum' if v == 'sum' else 'iprod', ix, rng, body)
                args = []
                if self.peek()[1] != ')':
                    args.append(self.expr())
                    while self.accept(','): args.append(self.expr())
                self.expect(')')
                return ('call', v, prime, args)
            assert prime == 0
            return ('name', v)
        raise SyntaxError(f"unexpected {v!r}")

def parse_expr(s):
    p = P(lex(s)); e = p.expr()
    if p.peek()[0] != 'eof': raise SyntaxError(f"trailing {p.peek()} in {s!r}")
    return e

# ----------------------------------------------------------------------------- model and evaluation
class Model:
    def __init__(self):
        self.sizes = {}          # size symbol -> int (per sample)
        self.size_syms = []
        self.indices = {}        # index -> (lo_ast, hi_ast)
        self.vars = {}           # name -> dict(shape=[ast...] or None, family=[idx], domain)
        self.lets = {}           # name -> (params or None, family idx list, ast)
        self.funcs = {}          # name -> (params, ast)
        self.unknown_nodes = {}  # name -> deps
        self.assumes = []
        self.inputs = {}         # sampled input values
        self.unk = {}            # unknown-node random coefficients

def size_val(m, s):
    if re.fullmatch(r"\d+", s): return int(s)
    return m.sizes[s]

class Ev:
    def __init__(self, model, overrides=None, widen=False):
        self.m = model; self.ov = overrides or {}; self.cache = {}; self.widen = widen
        self.used_diff = False
    def name(self, n, env):
        if n in env: return env[n]
        if n in self.ov: return self.ov[n]
        m = self.m
        if n in m.sizes: return F(m.sizes[n])
        if n in m.inputs: return m.inputs[n]
        if n in m.lets:
            if n in self.cache: return self.cache[n]
            fam, ast = m.lets[n]
            saved, self.widen = self.widen, False
            if fam:
                ranges = [self.index_range(i) for i in fam]
                out = []
                def rec(k, e):
                    if k == len(fam): out.append(self.ev(ast, e)); return
                    for v in ranges[k]: rec(k+1, {**e, fam[k]: F(v)})
                rec(0, {})
                shape = tuple(len(r) for r in ranges)
                val = Arr(shape, out)
            else:
                val = self.ev(ast, {})
            self.widen = saved
            self.cache[n] = val; return val
        if n in m.unknown_nodes:
            deps = m.unknown_nodes[n]
            tot = F(0) * 0.0
            for d in deps:
                v = self.name(d, env)
                c = m.unk[(n, d)]
                vals = v.data if isinstance(v, Arr) else [v]
                for x, (a1, a2, w) in zip(vals, c):
                    tot += a1*float(x) + a2*float(x)**2/2 + 0.3*math.sin(w*float(x))
            return tot
        raise NameError(n)
    def index_range(self, i):
        lo, hi = self.m.indices[i]
        return range(int(self.ev(lo, {})), int(self.ev(hi, {})) + 1)
    def ev(self, e, env):
        k = e[0]
        if k == 'num':
            v = e[1]
            if self.widen and ('.' in e[2]):
                txt = e[2]; mant = re.split('[eE]', txt)
                dec = len(mant[0].split('.')[1]); ex = int(mant[1]) if len(mant) > 1 else 0
                u = F(1, 10**dec) * F(10)**ex / 2
                return Iv(v - u, v + u)
            return v
        if k == 'name': return self.name(e[1], env)
        if k == 'neg': return amap(s_neg, self.ev(e[1], env))
        if k == '+': return elementwise(s_add, self.ev(e[1], env), self.ev(e[2], env), '+')
        if k == '-': return elementwise(s_sub, self.ev(e[1], env), self.ev(e[2], env), '-')
        if k == '/':
            a, b = self.ev(e[1], env), self.ev(e[2], env)
            return elementwise(s_div, a, b, '/')
        if k == '⊙': 
            a, b = self.ev(e[1], env), self.ev(e[2], env)
            if not (isinstance(a, Arr) and isinstance(b, Arr)): raise ShapeError("⊙ needs two arrays")
            return elementwise(s_mul, a, b, '⊙')
        if k == '*': return matmul(self.ev(e[1], env), self.ev(e[2], env))
        if k == '^':
            a, b = self.ev(e[1], env), self.ev(e[2], env)
            if isinstance(b, Arr): raise ShapeError("array exponent")
            if isinstance(a, Arr) and len(a.shape) == 2 and a.shape[0] > 1 and a.shape[1] > 1:
                raise ShapeError("^ on a matrix")
            return amap(lambda x: s_pow(x, b), a)
        if k == 'T': return transpose(self.ev(e[1], env))
        if k == 'lit':
            items = [self.ev(x, env) for x in e[1]]
            if all(isinstance(x, Arr) for x in items):
                w = items[0].shape
                assert all(x.shape == w and len(w) == 1 for x in items), "ragged matrix literal"
                return Arr((len(items), w[0]), [v for x in items for v in x.data])
            assert not any(isinstance(x, Arr) for x in items)
            return Arr((len(items),), items)
        if k == 'idx':
            base = self.ev(e[1], env)
            ix = [int(self.ev(x, env)) for x in e[2]]
            if not isinstance(base, Arr): raise ShapeError("indexing a scalar")
            if len(ix) == 1:
                if len(base.shape) == 2 and base.shape[0] == 1: base = Arr((base.shape[1],), base.data)
                if len(base.shape) != 1: raise ShapeError("one index on a matrix")
                if not 1 <= ix[0] <= base.shape[0]: raise IndexError(f"index {ix} out of range {base.shape}")
                return base.data[ix[0]-1]
            if len(base.shape) != 2: raise ShapeError("two indices on a vector")
            if not (1 <= ix[0] <= base.shape[0] and 1 <= ix[1] <= base.shape[1]):
                raise IndexError(f"index {ix} out of range {base.shape}")
            return base.get(ix[0]-1, ix[1]-1)
        if k in ('isum', 'iprod'):
            _, ix, rng, body = e
            if rng is None: r = self.index_range(ix)
            else: r = range(int(self.ev(rng[0], env)), int(self.ev(rng[1], env)) + 1)
            acc = F(0) if k == 'isum' else F(1)
            for v in r:
                x = self.ev(body, {**env, ix: F(v)})
                acc = elementwise(s_add if k == 'isum' else s_mul, acc, x, 'sum')
            return acc
        if k == 'call': return self.call(e, env)
        raise ValueError(e)
    def call(self, e, env):
        _, f, prime, args = e
        if f == 'diff':
            return self.diff(args[0], args[1], env)
        if f in self.m.funcs:
            params, body = self.m.funcs[f]
            if prime:
                x = self.ev(args[0], env)
                return amap(lambda v: self.fd(lambda t: self.ev(body, {**env, params[0]: t}), v), x)
            vals = [self.ev(a, env) for a in args]
            return self.ev(body, {**env, **dict(zip(params, vals))})
        vals = [self.ev(a, env) for a in args]
        if prime:
            assert prime == 1
            return amap(DERIV[f], vals[0])
        if f in MONO or f in OTHER: return amap(lambda x: s_fun(f, x), vals[0])
        if f == 'max': return elementwise(s_max, vals[0], vals[1], 'max')
        if f == 'min': return elementwise(s_min, vals[0], vals[1], 'min')
        if f == 'delta': return F(int(vals[0] == vals[1]))
        if f == 'dot':
            a, b = vals
            if a.shape != b.shape or len(a.shape) != 1: raise ShapeError(f"dot {a.shape} {b.shape}")
            acc = F(0)
            for x, y in zip(a.data, b.data): acc = s_add(acc, s_mul(x, y))
            return acc
        if f == 'sum':
            acc = F(0)
            for x in vals[0].data: acc = s_add(acc, x)
            return acc
        if f == 'norm':
            acc = F(0)
            for x in vals[0].data: acc = s_add(acc, s_mul(x, x))
            return s_fun('sqrt', acc)
        if f == 'tr':
            a = vals[0]; n = a.shape[0]
            if a.shape != (n, n): raise ShapeError("tr of non-square")
            acc = F(0)
            for i in range(n): acc = s_add(acc, a.get(i, i))
            return acc
        if f == 'det': return det(vals[0])
        if f == 'inv': return inv(vals[0])
        if f == 'outer':
            a, b = vals
            return Arr((a.shape[0], b.shape[0]), [s_mul(x, y) for x in a.data for y in b.data])
        if f == 'diag':
            a = vals[0]; n = a.shape[0]
            return Arr((n, n), [a.data[i] if i == j else F(0) for i in range(n) for j in range(n)])
        if f == 'softmax':
            a = vals[0]
            ex = [s_fun('exp', x) for x in a.data]
            tot = F(0)
            for x in ex: tot = s_add(tot, x)
            return Arr(a.shape, [s_div(x, tot) for x in ex])
        raise NameError(f)
    def fd(self, g, x0):
        x0 = float(x0); h = 0.05 * max(1.0, abs(x0))
        # Ridders / Richardson on central differences
        T = []
        for lvl in range(5):
            hh = h / 2**lvl
            row = [(float(g(x0 + hh)) - float(g(x0 - hh))) / (2*hh)]
            for j in range(1, lvl+1):
                row.append(row[j-1] + (row[j-1] - T[lvl-1][j-1]) / (4**j - 1))
            T.append(row)
        return T[-1][-1]
    def diff(self, A, X, env):
        self.used_diff = True
        if X[0] == 'name':
            xn, idx = X[1], None
        elif X[0] == 'idx' and X[1][0] == 'name':
            xn, idx = X[1][1], [int(self.ev(x, env)) for x in X[2]]
        else: raise ValueError("diff target")
        x0 = self.name(xn, env)
        def at(newx):
            sub = Ev(self.m, {**self.ov, xn: newx}); sub.widen = False
            return sub.ev(A, env)
        if not isinstance(x0, Arr) or idx is not None:
            if idx is None:
                def g(t): return at(t)
                a0 = at(x0)
                if isinstance(a0, Arr): return Arr(a0.shape, [self.fd(lambda t, q=q: at(t).data[q], x0) for q in range(len(a0.data))])
                return self.fd(g, x0)
            pos = (idx[0]-1) * x0.cols() + (idx[1]-1 if len(idx) == 2 else 0)
            def g(t):
                d = list(x0.data); d[pos] = t; return at(Arr(x0.shape, d))
            return self.fd(g, x0.data[pos])
        a0 = at(x0)
        cols = []
        for pos in range(len(x0.data)):
            def g(t, pos=pos, q=None):
                d = list(x0.data); d[pos] = t; v = at(Arr(x0.shape, d))
                return v if q is None else v.data[q]
            if isinstance(a0, Arr):
                cols.append([self.fd(lambda t, pos=pos, q=q: g(t, pos, q), x0.data[pos]) for q in range(len(a0.data))])
            else:
                cols.append(self.fd(lambda t, pos=pos: g(t, pos), x0.data[pos]))
        if not isinstance(a0, Arr):
            return Arr(x0.shape, cols)              # gradient, shape of X
        if len(a0.shape) == 1 and len(x0.shape) == 1:   # Jacobian J[i,j] = dy_i/dx_j
            n, mm = a0.shape[0], x0.shape[0]
            return Arr((n, mm), [cols[j][i] for i in range(n) for j in range(mm)])
        raise ShapeError("diff of array by array other than vector/vector")

# ----------------------------------------------------------------------------- file reader
def logical_lines(text):
    out, buf, depth, start = [], '', 0, 0
    for ln, raw in enumerate(text.split('\n'), 1):
        code, note = raw, None
        if '#' in raw:
            # '#' inside strings does not occur in our files
            code, note = raw.split('#', 1)
        if not buf: start = ln
        buf += ' ' + code
        buf_note = note
        depth += code.count('(') + code.count('[') - code.count(')') - code.count(']')
        if depth > 0: continue
        if buf.strip() or note is not None:
            out.append((start, buf.strip(), note))
        buf = ''
    return out

def split_top(s, sep=','):
    parts, d, cur = [], 0, ''
    for ch in s:
        if ch in '([': d += 1
        if ch in ')]': d -= 1
        if ch == sep and d == 0: parts.append(cur); cur = ''
        else: cur += ch
    parts.append(cur); return [p.strip() for p in parts]

def load(path):
    text = open(path, encoding='utf-8').read()
    m = Model(); derivs = []
    for ln, code, note in logical_lines(text):
        if not code: continue
        kw = code.split()[0]
        rest = code[len(kw):].strip()
        if kw == 'title': continue
        if kw == 'tolerance': m.tolerance = rest; continue
        if kw == 'index':
            for part in split_top(rest):
                mm = re.fullmatch(r"(\w+)\s+in\s+(.+)\.\.(.+)", part)
                i, lo, hi = mm.group(1), mm.group(2).strip(), mm.group(3).strip()
                m.indices[i] = (parse_expr(lo), parse_expr(hi))
                for s in re.findall(r"[^\W\d]\w*", lo + ' ' + hi):
                    if s not in m.size_syms: m.size_syms.append(s)
            continue
        if kw == 'var':
            for part in split_top(rest):
                dom = None
                mm = re.search(r"(>=|>|!=)\s*0\s*$", part)
                if mm: dom = mm.group(1); part = part[:mm.start()].strip()
                if ':' in part:
                    nm, sh = [x.strip() for x in part.split(':')]
                    dims = [d.strip() for d in re.split(r"\s*x\s+|\s+x\s*|(?<=\d)x(?=\d)", sh)]
                    for d in dims:
                        if not re.fullmatch(r"\d+", d) and d not in m.size_syms: m.size_syms.append(d)
                    m.vars[nm] = dict(shape=dims, family=None, domain=dom)
                elif '[' in part:
                    nm = part[:part.index('[')].strip()
                    fam = [x.strip() for x in part[part.index('[')+1:part.rindex(']')].split(',')]
                    m.vars[nm] = dict(shape=None, family=fam, domain=dom)
                else:
                    m.vars[part.strip()] = dict(shape=[], family=None, domain=dom)
            continue
        if kw == 'unknown':
            mm = re.fullmatch(r"(\w+)\s+depends\s+on\s+(.+)", rest)
            m.unknown_nodes[mm.group(1)] = [x.strip() for x in mm.group(2).split(',')]
            continue
        if kw == 'assume':
            mm = re.fullmatch(r"sum\((\w+),\s*(\w+)\[\1\]\)\s*=\s*(.+)", rest.replace(' ', ' '))
            m.assumes.append((mm.group(2), F(mm.group(3).strip())))
            continue
        if kw == 'let':
            for part in split_top(rest):
                lhs, rhs = part.split('=', 1)
                lhs = lhs.strip()
                mm = re.fullmatch(r"(\w+)\(([^)]*)\)", lhs)
                if mm:
                    m.funcs[mm.group(1)] = ([x.strip() for x in mm.group(2).split(',')], parse_expr(rhs))
                    continue
                mm = re.fullmatch(r"(\w+)\[([^\]]*)\]", lhs)
                if mm:
                    m.lets[mm.group(1)] = ([x.strip() for x in mm.group(2).split(',')], parse_expr(rhs))
                else:
                    assert lhs not in m.lets and lhs not in m.vars, f"redeclared {lhs}"
                    m.lets[lhs] = (None, parse_expr(rhs))
            continue
        if kw == 'derive':
            mm = re.match(r'("([^"]*)"\s*)?(worth\s+\d+\s+)?(.*)$', rest)
            derivs.append(dict(name=mm.group(2) or '', line=ln, head=parse_expr(mm.group(4)), steps=[]))
            continue
        if kw in ('=', '≈', '~=') or code[0] in '=≈':
            rel = '≈' if code.startswith('≈') or code.startswith('~=') else '='
            body = code[1:] if code[0] in '=≈' else code[2:]
            exp_ok, exp_holds = None, None
            if note and 'expect:' in note:
                words = note[note.index('expect:')+7:].split()
                exp_ok = words[0] == 'ok'; exp_holds = exp_ok
                for w in words[1:]:
                    if w == 'holds=true': exp_holds = True
                    if w == 'holds=false': exp_holds = False
            derivs[-1]['steps'].append(dict(line=ln, rel=rel, src=body.strip(), ast=parse_expr(body),
                                            exp_ok=exp_ok, exp_holds=exp_holds))
            continue
        raise SyntaxError(f"line {ln}: unknown statement {code!r}")
    return m, derivs

# ----------------------------------------------------------------------------- sampling
def sample(m, rng, sizes):
    m.sizes = dict(sizes)
    m.inputs = {}
    for nm, v in m.vars.items():
        if v['family'] is not None:
            shape = []
            for i in v['family']:
                lo, hi = m.indices[i]; e = Ev(m)
                shape.append(int(e.ev(hi, {})) - int(e.ev(lo, {})) + 1)
        else:
            shape = [size_val(m, d) for d in v['shape']]
        def draw():
            if v['domain'] in ('>', '>='): return rng.uniform(0.2, 3)
            return rng.choice([-1, 1]) * rng.uniform(0.25, 2)
        n = math.prod(shape)
        data = [draw() for _ in range(n)]
        for fam, tot in m.assumes:
            if fam == nm:
                s = sum(data); data = [x * float(tot) / s for x in data]
        m.inputs[nm] = Arr(tuple(shape), data) if shape else data[0]
    for n, deps in m.unknown_nodes.items():
        for d in deps:
            m.unk[(n, d)] = [(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(0.5, 1.5)) for _ in range(50)]

def fmt(v):
    if isinstance(v, Arr):
        if len(v.shape) == 2 and v.shape[0] > 1:
            c = v.shape[1]
            return '[' + ', '.join('[' + ', '.join(fmt(x) for x in v.data[i*c:(i+1)*c]) + ']' for i in range(v.shape[0])) + ']'
        return ('row' if len(v.shape) == 2 else '') + '[' + ', '.join(fmt(x) for x in v.data) + ']'
    if isinstance(v, Iv): return repr(v)
    if isinstance(v, F):
        if v.denominator == 1: return str(v.numerator)
        return f"{v.numerator}/{v.denominator}(={float(v):.10g})"
    return f"{v:.10g}"

def equal(a, b, exact):
    if shape_of(a) != shape_of(b): return False
    xs = a.data if isinstance(a, Arr) else [a]
    ys = b.data if isinstance(b, Arr) else [b]
    for x, y in zip(xs, ys):
        if exact and isinstance(x, F) and isinstance(y, F):
            if x != y: return False
        else:
            if abs(float(x) - float(y)) > 1e-8 * max(1.0, abs(float(x)), abs(float(y))): return False
    return True
def inside(val, ivv):
    if shape_of(val) != shape_of(ivv): return False
    xs = val.data if isinstance(val, Arr) else [val]
    ys = ivv.data if isinstance(ivv, Arr) else [ivv]
    for x, y in zip(xs, ys):
        y = iv(y); x = float(x); lo, hi = float(y.lo), float(y.hi)
        sl = 1e-9 * max(abs(lo), abs(hi), 1e-300)
        if not (lo - sl <= x <= hi + sl): return False
    return True

def free_indices(ast, m, bound=()):
    out = set()
    if isinstance(ast, tuple):
        if ast[0] == 'name' and ast[1] in m.indices and ast[1] not in bound: out.add(ast[1])
        if ast[0] in ('isum', 'iprod'):
            return free_indices(ast[3], m, bound + (ast[1],)) | (free_indices(ast[2], m, bound) if ast[2] else set())
        for x in ast[1:]:
            if isinstance(x, (tuple, list)): out |= free_indices(x, m, bound)
    elif isinstance(ast, list):
        for x in ast: out |= free_indices(x, m, bound)
    return out

def widened(m, step, env={}):
    e = Ev(m, widen=True)
    ast = step['ast']
    if ast[0] == 'num' and '.' not in ast[2]:   # an integer that is the whole step
        v = ast[1]; return Iv(v - F(1, 2), v + F(1, 2))
    try:
        return e.ev(ast, env)
    except ZeroDivisionError:
        return Ev(m).ev(ast, env)

def check_file(path, nsamples=4, verbose=True):
    m, derivs = load(path)
    symbolic = bool(m.size_syms) or any(True for v in m.vars)
    rng = random.Random(12345)
    if m.size_syms:
        size_sets = []
        # sizes >= 2: this checker decides shapes from the sampled sizes, while the language checks them
        # symbolically (a size-1 dimension does not turn an m x 1 matrix into a vector there)
        for n in (2, 3, 4): size_sets.append({s: n for s in m.size_syms})
        for _ in range(5): size_sets.append({s: rng.randint(2, 4) for s in m.size_syms})
    else:
        size_sets = [{}]
    total_bad = 0
    print(f"== {path}")
    for d in derivs:
        print(f"  derive {d['name']!r} (line {d['line']})")
        results = [dict(ok=True, holds=True, vals=None, why='') for _ in d['steps']]
        free = sorted(free_indices(d['head'], m))
        for sizes in size_sets:
          for s in range(nsamples if m.vars else 1):
            sample(m, rng, sizes)
            envs = [{}]
            for fi in free:
                envs = [{**e, fi: F(v)} for e in envs for v in Ev(m).index_range(fi)]
            for env in envs:
                ev = Ev(m)
                try:
                    head = ev.ev(d['head'], env)
                except (ValueError, ZeroDivisionError) as exc:
                    continue
                prev = head; prev_exact = not ev.used_diff
                seen_approx = False
                for k, st in enumerate(d['steps']):
                    r = results[k]
                    e2 = Ev(m)
                    try:
                        val = e2.ev(st['ast'], env)
                    except ShapeError as exc:
                        print(f"    line {st['line']}: SHAPE ERROR INSIDE EXPRESSION {exc}"); total_bad += 1; break
                    except (ValueError, ZeroDivisionError, IndexError) as exc:
                        print(f"    line {st['line']}: UNDETERMINED (evaluation failed: {exc})"); total_bad += 1; break
                    exact = prev_exact and not e2.used_diff
                    if st['rel'] == '≈': seen_approx = True
                    if shape_of(val) != shape_of(prev):
                        ok = False; r['why'] = f"shape mismatch {shape_str(shape_of(prev))} vs {shape_str(shape_of(val))}"
                    elif st['rel'] == '=':
                        ok = equal(val, prev, exact)
                    else:
                        ok = inside(prev, widened(m, st, env))
                    if shape_of(val) != shape_of(head): holds = False
                    elif seen_approx:
                        holds = inside(head, widened(m, st, env)) if st['rel'] == '≈' or True else None
                    else:
                        holds = equal(val, head, exact and not ev.used_diff)
                    r['ok'] = r['ok'] and ok; r['holds'] = r['holds'] and holds
                    if r['vals'] is None: r['vals'] = (val, prev)
                    prev = val; prev_exact = not e2.used_diff
        for st, r in zip(d['steps'], results):
            flag = ''
            if st['exp_ok'] is None: flag = ' !! NO ANNOTATION'
            elif r['ok'] != st['exp_ok'] or r['holds'] != st['exp_holds']:
                flag = f" !! MISMATCH expected {'ok' if st['exp_ok'] else 'wrong'} holds={st['exp_holds']}"
                total_bad += 1
            vals = r['vals']
            vs = '' if vals is None else f"step={fmt(vals[0])}" + ('' if r['ok'] else f"  before={fmt(vals[1])}")
            if verbose or flag:
                print(f"    line {st['line']:3} {st['rel']} {'ok   ' if r['ok'] else 'WRONG'} holds={r['holds']!s:5} {r['why']} {vs}{flag}")
    print(f"  -> {total_bad} mismatches")
    return total_bad

if __name__ == '__main__':
    bad = 0
    for p in sys.argv[1:]: bad += check_file(p)
    sys.exit(1 if bad else 0)
