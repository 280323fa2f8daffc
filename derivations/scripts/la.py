"""Tiny exact linear-algebra helpers (lists of Fractions) shared by the per-file scripts."""
from fractions import Fraction as F
def V(*xs): return [F(x) for x in xs]
def M(*rows): return [[F(x) for x in r] for r in rows]
def T(A): return [list(c) for c in zip(*A)]
def mv(A, x): return [sum(a*b for a, b in zip(r, x)) for r in A]
def mm(A, B): return [[sum(a*b for a, b in zip(r, c)) for c in zip(*B)] for r in A]
def add(x, y): return [a+b for a, b in zip(x, y)]
def sub(x, y): return [a-b for a, b in zip(x, y)]
def had(x, y): return [a*b for a, b in zip(x, y)]
def relu(x): return [max(a, 0) for a in x]
def dot(x, y): return sum(a*b for a, b in zip(x, y))
def scal(c, x): return [c*a for a in x]
def show(name, v):
    def f(a):
        return str(a) if not isinstance(a, F) or a.denominator == 1 else f"{a} (= {float(a):.10g})"
    if isinstance(v, list) and v and isinstance(v[0], list):
        print(name, '=', '[' + ', '.join('[' + ', '.join(f(a) for a in r) + ']' for r in v) + ']')
    elif isinstance(v, list): print(name, '=', '[' + ', '.join(f(a) for a in v) + ']')
    else: print(name, '=', f(v))
