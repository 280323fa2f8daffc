"""Truth of the known answers of the matrix-form derive tests (tests/derive.rs, tests/generated.rs):
exact symbolic gradients with SymPy at small concrete sizes, compared with the known answers."""
import sympy as sp
def mat(name, r, c): return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}{i}{j}", real=True))
def vec(name, n): return sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"{name}{i}", real=True))
def grad(L, M): return M.applyfunc(lambda e: sp.diff(L, e))
def zero(A): return all(sp.simplify(e) == 0 for e in A)
m, n = 2, 3
# tanh layer
W, x, b, v, c, y = mat("W", m, n), vec("x", n), vec("b", m), vec("v", m), sp.Symbol("c"), sp.Symbol("y")
z = W * x + b; h = z.applyfunc(sp.tanh); yhat = (v.T * h)[0] + c; L = (yhat - y) ** 2
d = (2 * (yhat - y) * v).multiply_elementwise(h.applyfunc(lambda t: 1 - t * t))
print("tanh W", zero(grad(L, W) - d * x.T), "b", zero(grad(L, b) - d), "v", zero(grad(L, v) - 2 * (yhat - y) * h), "c", sp.simplify(sp.diff(L, c) - 2 * (yhat - y)) == 0)
# logistic: dL/da = p - y
a, yy = vec("a", 3), vec("y", 3)
p = a.applyfunc(lambda t: 1 / (1 + sp.exp(-t)))
L = -sum(yy[i] * sp.log(p[i]) + (1 - yy[i]) * sp.log(1 - p[i]) for i in range(3))
print("logistic a", zero(grad(L, a) - (p - yy)))
# sparse autoencoder: 3 -> 2, unknown g, L1 on h (sign away from 0, symbols positive for abs)
g = sp.Function("g", real=True)
x3, W2, V = vec("x", 3), mat("W", 2, 3), mat("V", 3, 2); lam = sp.Symbol("lam", positive=True)
ah = W2 * x3; hh = ah.applyfunc(g); xt = V * hh
L = ((xt - x3).T * (xt - x3))[0] + lam * sum(sp.Abs(e) for e in hh)
gh = 2 * V.T * (xt - x3) + lam * hh.applyfunc(sp.sign)
print("sae V", zero(grad(L, V) - 2 * (xt - x3) * hh.T))
gW = gh.multiply_elementwise(ah.applyfunc(lambda t: sp.Subs(sp.Derivative(g(sp.Symbol("u")), sp.Symbol("u")), sp.Symbol("u"), t).doit())) * x3.T
diffW = (grad(L, W2) - gW).applyfunc(lambda e: sp.simplify(e.replace(lambda q: isinstance(q, sp.Derivative) and False, lambda q: q)))
print("sae W", zero(diffW))
# MLP: dL/dW1
p_, m_, n_ = 2, 2, 2
x, yv = vec("x", p_), vec("y", n_); W1, b1, W2m, b2 = mat("A", m_, p_), vec("b", m_), mat("B", n_, m_), vec("c", n_)
z1 = W1 * x + b1; hm = z1.applyfunc(lambda t: 1 / (1 + sp.exp(-t))); yh = W2m * hm + b2
L = sp.Rational(1, 2) * ((yh - yv).T * (yh - yv))[0]
d1 = (W2m.T * (yh - yv)).multiply_elementwise(hm).multiply_elementwise(hm.applyfunc(lambda t: 1 - t))
print("mlp W1", zero(grad(L, W1) - d1 * x.T), "W2", zero(grad(L, W2m) - (yh - yv) * hm.T))
# numbers
Wn = sp.Matrix([[1, 2], [3, -1]]); xs = vec("s", 2); yn = sp.Matrix([1, 0])
Ws = mat("W", 2, 2); zz = Ws * xs; L = sp.Rational(1, 2) * ((zz - yn).T * (zz - yn))[0]
sub = {**{Ws[i, j]: Wn[i, j] for i in range(2) for j in range(2)}, xs[0]: 1, xs[1]: 2}
print("numbers W", grad(L, Ws).subs(sub).tolist(), "x", grad(L, xs).subs(sub).tolist())
