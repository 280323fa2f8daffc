"""The hand-written SymPy encodings of every step in bench/mistakes/third/*.deriv (used by
../verify.py --third). Written independently of gradproof, in the manner of ../fresh/topics.py:
every step before is SymPy's own derivative of the model's definitions."""
import sympy as sp

from verify import mat, right, sig, syms, wrong

S = sp.Symbol
R = sp.Rational


step = lambda t: sp.Heaviside(t, 1)  # noqa: E731
delta = lambda a, b: 1 if a == b else 0  # noqa: E731

# ---------------------------------------------------------------- gru.deriv (scalar)
F = "gru.deriv"
x, hp, wz, uz, wr, ur, wh, uh, Eh = sp.symbols("x hp wz uz wr ur wh uh Eh")  # Eh = dE/dh
Zs, Rs, Hs = sp.symbols("Zs Rs Hs")  # the nodes zg, rg, hc as variables of a partial derivative
zg = sig(wz * x + uz * hp)
rg = sig(wr * x + ur * hp)
pre_c = wh * x + uh * rg * hp
hc = sp.tanh(pre_c)
h = (1 - zg) * hp + zg * hc
dh_dz = sp.diff((1 - Zs) * hp + Zs * hc, Zs)
wrong(F, "update gate: previous state and candidate the wrong way round", dh_dz, hp - hc, hc - hp)
dh_dwz = sp.diff(h, wz)
right(F, "update gate weight: the input forgotten", dh_dwz, (hc - hp) * zg * (1 - zg) * x)
wrong(F, "update gate weight: the input forgotten", dh_dwz, (hc - hp) * zg * (1 - zg), (hc - hp) * zg * (1 - zg) * x)
wrong(F, "update gate weight: sigma (1 + sigma)", dh_dwz, (hc - hp) * zg * (1 + zg) * x, (hc - hp) * zg * (1 - zg) * x)
# h depends on uz only through zg (rg and hc do not contain uz)
wrong(F, "update gate, recurrent weight: input instead of the previous state", sp.diff(h, uz),
      (hc - hp) * zg * (1 - zg) * x, (hc - hp) * zg * (1 - zg) * hp)
dhc_dwh = sp.diff(hc, wh)
wrong(F, "candidate: tanh' as 1 + tanh^2", dhc_dwh, (1 + hc**2) * x, (1 - hc**2) * x)
wrong(F, "candidate, recurrent weight: reset gate forgotten", sp.diff(hc, uh), (1 - hc**2) * hp, (1 - hc**2) * rg * hp)
dhc_dr = sp.diff(sp.tanh(wh * x + uh * Rs * hp), Rs).subs(Rs, rg)
wrong(F, "candidate through the reset gate: previous state forgotten", dhc_dr, (1 - hc**2) * uh, (1 - hc**2) * uh * hp)
dE_dhc = Eh * sp.diff((1 - zg) * hp + zg * Hs, Hs)
right(F, "loss to the candidate: upstream gradient forgotten", dE_dhc, Eh * zg)
wrong(F, "loss to the candidate: upstream gradient forgotten", dE_dhc, zg, Eh * zg)
tp = sp.diff(sp.tanh(S("t_")), S("t_")).subs(S("t_"), pre_c)
wrong(F, "candidate weight: tanh for tanh'", dhc_dwh, sp.tanh(pre_c) * x, tp * x)

# ---------------------------------------------------------------- softmax_mlp.deriv (sizes 2, class c in 1..2)
F = "softmax_mlp.deriv"
n = 2
N = range(n)
C = range(n)  # the class label c (0-based here)
X = syms("x", n)
W1, W2 = mat("W1_", n, n), mat("W2_", n, n)
B1, B2 = syms("b1_", n), syms("b2_", n)
Os, Hs2, As = syms("o", n), syms("hh", n), syms("aa", n)  # logits, hidden activations, pre-activations


def softmax(o):
    Z = sum(sp.exp(v) for v in o)
    return [sp.exp(v) / Z for v in o]


def loss_of_o(o, c):
    return -sp.log(softmax(o)[c])


def go(o, c):
    return [softmax(o)[k] - delta(k, c) for k in N]


P = softmax(Os)
# logits as variables
dLdo = [sp.diff(loss_of_o(Os, c), Os[k]) for c in C for k in N]
wrong(F, "logits: the difference the wrong way round", dLdo, [delta(k, c) - P[k] for c in C for k in N],
      [P[k] - delta(k, c) for c in C for k in N])
right(F, "logits: softmax Jacobian with the wrong index", dLdo, [-(delta(c, k) - P[k]) for c in C for k in N])
wrong(F, "logits: softmax Jacobian with the wrong index", dLdo, [-(delta(c, k) - P[c]) for c in C for k in N],
      [-(delta(c, k) - P[k]) for c in C for k in N])
# second layer: the hidden activations do not depend on W2, b2 (symbols hh_j; aa_j the pre-activations)
oH = [sum(W2[k][j] * Hs2[j] for j in N) + B2[k] for k in N]
PH = softmax(oH)
GH = lambda c: go(oH, c)  # noqa: E731
dLdW2 = [sp.diff(loss_of_o(oH, c), W2[k][j]) for c in C for k in N for j in N]
wrong(F, "second-layer weights: pre-activation for the activation", dLdW2,
      [(PH[k] - delta(k, c)) * As[j] for c in C for k in N for j in N],
      [(PH[k] - delta(k, c)) * Hs2[j] for c in C for k in N for j in N])
wrong(F, "second-layer weights: summed over the outputs", dLdW2,
      [sum(GH(c)[kk] * Hs2[j] for kk in N) for c in C for k in N for j in N],
      [GH(c)[k] * Hs2[j] for c in C for k in N for j in N])
wrong(F, "output bias: sign of the target term", [sp.diff(loss_of_o(oH, c), B2[k]) for c in C for k in N],
      [PH[k] + delta(k, c) for c in C for k in N], [PH[k] - delta(k, c) for c in C for k in N])
# hidden pre-activations as variables
hA = [sig(v) for v in As]
oA = [sum(W2[k][j] * hA[j] for j in N) + B2[k] for k in N]
GA = lambda c: go(oA, c)  # noqa: E731
dLda = [sp.diff(loss_of_o(oA, c), As[j]) for c in C for j in N]
back = lambda c, j: sum(GA(c)[k] * W2[k][j] for k in N)  # noqa: E731
right(F, "hidden pre-activation: sigmoid' forgotten", dLda, [back(c, j) * hA[j] * (1 - hA[j]) for c in C for j in N])
wrong(F, "hidden pre-activation: sigmoid' forgotten", dLda, [back(c, j) for c in C for j in N],
      [back(c, j) * hA[j] * (1 - hA[j]) for c in C for j in N])
wrong(F, "hidden pre-activation: weight indices swapped", dLda,
      [sum(GA(c)[k] * W2[j][k] for k in N) * hA[j] * (1 - hA[j]) for c in C for j in N],
      [back(c, j) * hA[j] * (1 - hA[j]) for c in C for j in N])
# first layer: the whole network
aX = [sum(W1[j][i] * X[i] for i in N) + B1[j] for j in N]
hX = [sig(v) for v in aX]
oX = [sum(W2[k][j] * hX[j] for j in N) + B2[k] for k in N]
GX = lambda c: go(oX, c)  # noqa: E731
dLdW1 = [sp.diff(loss_of_o(oX, c), W1[j][i]) for c in C for j in N for i in N]
backX = lambda c, j: sum(GX(c)[k] * W2[k][j] for k in N)  # noqa: E731
full1 = [backX(c, j) * hX[j] * (1 - hX[j]) * X[i] for c in C for j in N for i in N]
wrong(F, "first-layer weights: the input forgotten", dLdW1,
      [backX(c, j) * hX[j] * (1 - hX[j]) for c in C for j in N for i in N], full1)
# a forgotten sum over k: the step is a family over (c, j, i, k)
wrong(F, "first-layer weights: sum over the outputs forgotten", [g for g in dLdW1 for _ in N],
      [GX(c)[k] * W2[k][j] * hX[j] * (1 - hX[j]) * X[i] for c in C for j in N for i in N for k in N],
      [f for f in full1 for _ in N])

# ---------------------------------------------------------------- logreg_huber.deriv
F = "logreg_huber.deriv"
w, xx = syms("w", 3), syms("xl", 3)
b, y = sp.symbols("b y")
lam = S("lam", positive=True)
z = sum(w[i] * xx[i] for i in range(3)) + b
s = sig(z)
L = -(y * sp.log(s) + (1 - y) * sp.log(1 - s)) + lam / 2 * sum(v**2 for v in w)
K3 = range(3)
Gw = [sp.diff(L, w[k]) for k in K3]
fullw = [(s - y) * xx[k] + lam * w[k] for k in K3]
wrong(F, "weights: the penalty's gradient forgotten", Gw, [(s - y) * xx[k] for k in K3], fullw)
wrong(F, "weights: the 2 of w^2 not brought down", Gw, [(s - y) * xx[k] + lam / 2 * w[k] for k in K3],
      [(s - y) * xx[k] + 2 * (lam / 2) * w[k] for k in K3])
wrong(F, "weights: error the wrong way round", Gw, [(y - s) * xx[k] + lam * w[k] for k in K3], fullw)
wrong(F, "weights: penalty summed over all weights", Gw, [(s - y) * xx[k] + lam * sum(w) for k in K3], fullw)
right(F, "weights: sigmoid' kept after cancelling", Gw,
      [-(y / s - (1 - y) / (1 - s)) * s * (1 - s) * xx[k] + lam * w[k] for k in K3])
wrong(F, "weights: sigmoid' kept after cancelling", Gw, [(s - y) * s * (1 - s) * xx[k] + lam * w[k] for k in K3], fullw)
wrong(F, "bias: penalised like a weight", sp.diff(L, b), s - y + lam * b, s - y)

yh, yt = sp.symbols("yh yt", real=True)
dl = S("dl", positive=True)


def huber(r, d):
    return sp.Piecewise((r**2 / 2, sp.Abs(r) <= d), (d * (sp.Abs(r) - d / 2), True))


def clamp(v, lo, hi):
    return sp.Min(sp.Max(v, lo), hi)


# every piece of the kink: the residual yh - yt inside the threshold, beyond it on either side
HCASES = [{yh: yt + f * dl} for f in (R(1, 3), R(-2, 3), R(3, 2), R(-5, 2), 4)]
rr = yh - yt
Hyt = sp.diff(huber(rr, dl), yt)
right(F, "Huber by the target: inner derivative's sign", Hyt, -clamp(rr, -dl, dl), cases=HCASES)
wrong(F, "Huber by the target: inner derivative's sign", Hyt, clamp(rr, -dl, dl), -clamp(rr, -dl, dl), cases=HCASES)
wrong(F, "Huber: threshold forgotten in the linear branch", sp.diff(huber(rr, dl), yh),
      step(dl - sp.Abs(rr)) * rr + step(sp.Abs(rr) - dl) * sp.sign(rr),
      step(dl - sp.Abs(rr)) * rr + step(sp.Abs(rr) - dl) * dl * sp.sign(rr), cases=HCASES)
wrong(F, "smooth L1: the 1/beta forgotten", sp.diff(huber(rr, dl) / dl, yh), clamp(rr, -dl, dl),
      clamp(rr, -dl, dl) / dl, cases=HCASES)

# ---------------------------------------------------------------- cosine.deriv (3 components)
F = "cosine.deriv"
u, v = syms("u", 3), syms("v", 3)
nu = sp.sqrt(sum(t**2 for t in u))
nv = sp.sqrt(sum(t**2 for t in v))
cs = sum(u[i] * v[i] for i in K3) / (nu * nv)
Gn = [sp.diff(nu, u[k]) for k in K3]
wrong(F, "norm: the 1/2 of the square root's derivative forgotten", Gn, [2 * u[k] / nu for k in K3], [u[k] / nu for k in K3])
wrong(F, "norm: inner derivative forgotten", Gn, [1 / (2 * nu) for k in K3], [1 / (2 * nu) * 2 * u[k] for k in K3])
Gu = [sp.diff(cs, u[k]) for k in K3]
fullu = [v[k] / (nu * nv) - cs * u[k] / nu**2 for k in K3]
right(F, "cosine: sign of the quotient rule's second term", Gu, fullu)
wrong(F, "cosine: sign of the quotient rule's second term", Gu, [v[k] / (nu * nv) + cs * u[k] / nu**2 for k in K3], fullu)
wrong(F, "cosine: quotient rule's second term forgotten", Gu, [v[k] / (nu * nv) for k in K3], fullu)
wrong(F, "cosine: the other vector's norm in the second term", Gu, [v[k] / (nu * nv) - cs * u[k] / nv**2 for k in K3], fullu)
Gv = [sp.diff(cs, v[k]) for k in K3]
fullv = [u[k] / (nu * nv) - cs * v[k] / nv**2 for k in K3]
right(F, "cosine by v: one norm forgotten in the first term", Gv, fullv)
wrong(F, "cosine by v: one norm forgotten in the first term", Gv, [u[k] / nu - cs * v[k] / nv**2 for k in K3], fullv)

# ---------------------------------------------------------------- conv2d_momentum.deriv
F = "conv2d_momentum.deriv"
xc = mat("x", 3, 3)
wc = mat("w", 2, 2)
gy = mat("gy", 2, 2)  # dL/dy[i,j]: L unknown of y
bc = S("bc")
I2 = range(2)
yc = [[sum(wc[a][bb] * xc[i + a][j + bb] for a in I2 for bb in I2) + bc for j in I2] for i in I2]


def dL(var):
    return sum(gy[i][j] * sp.diff(yc[i][j], var) for i in I2 for j in I2)


Gk = [dL(wc[a][bb]) for a in I2 for bb in I2]
fullk = [sum(gy[i][j] * xc[i + a][j + bb] for i in I2 for j in I2) for a in I2 for bb in I2]
wrong(F, "kernel: column offset forgotten", Gk,
      [sum(gy[i][j] * xc[i + a][j] for i in I2 for j in I2) for a in I2 for bb in I2], fullk)
wrong(F, "kernel: upstream gradient forgotten", Gk,
      [sum(xc[i + a][j + bb] for i in I2 for j in I2) for a in I2 for bb in I2], fullk)
# a forgotten sum over i: the step is a family over (a, b, i)
wrong(F, "kernel: sum over the rows forgotten", [g for g in Gk for _ in I2],
      [sum(gy[i][j] * xc[i + a][j + bb] for j in I2) for a in I2 for bb in I2 for i in I2],
      [f for f in fullk for _ in I2])
Gb = dL(bc)
wrong(F, "bias: one output position only", [Gb for i in I2 for j in I2], [gy[i][j] for i in I2 for j in I2],
      [sum(gy[ii][jj] for ii in I2 for jj in I2) for i in I2 for j in I2])
wrong(F, "input at the centre: a kernel tap transposed", dL(xc[1][1]),
      gy[0][0] * wc[1][1] + gy[0][1] * wc[0][1] + gy[1][0] * wc[0][1] + gy[1][1] * wc[0][0],
      gy[0][0] * wc[1][1] + gy[0][1] * wc[1][0] + gy[1][0] * wc[0][1] + gy[1][1] * wc[0][0])
G12 = dL(xc[0][1])
right(F, "input at the top edge: a window forgotten", G12,
      sum(gy[i][j] * sp.diff(yc[i][j], xc[0][1]) for i in I2 for j in I2))
wrong(F, "input at the top edge: a window forgotten", G12, gy[0][0] * wc[0][1], gy[0][0] * wc[0][1] + gy[0][1] * wc[0][0])
Q = sp.Rational
th0, v0, g0 = 3, Q("0.5"), 2
wrong(F, "momentum: the gradient forgotten in the velocity", Q("0.9") * v0 + g0, Q("0.9") * Q("0.5"),
      Q("0.9") * Q("0.5") + 2)
upd = th0 - Q("0.1") * (Q("0.9") * v0 + g0)
wrong(F, "momentum: the coefficient forgotten", upd, 3 - Q("0.1") * (Q("0.5") + 2), 3 - Q("0.1") * (Q("0.9") * Q("0.5") + 2))
right(F, "momentum: step uphill", upd, 3 - Q("0.1") * Q("2.45"))
wrong(F, "momentum: step uphill", upd, 3 + Q("0.1") * Q("2.45"), 3 - Q("0.1") * Q("2.45"))
wd = Q("0.9") * v0 + g0 + Q("0.01") * th0
right(F, "momentum with weight decay: the weight forgotten in the decay", wd, Q("0.9") * Q("0.5") + 2 + Q("0.01") * 3)
wrong(F, "momentum with weight decay: the weight forgotten in the decay", wd, Q("0.45") + 2 + Q("0.01"),
      Q("0.45") + 2 + Q("0.01") * 3)

# ---------------------------------------------------------------- logsoftmax_temp.deriv (3 classes)
F = "logsoftmax_temp.deriv"
sv, yv = syms("s", 3), syms("yy", 3)
tau = S("tau", positive=True)
Zt = sum(sp.exp(t / tau) for t in sv)
pt = [sp.exp(t / tau) / Zt for t in sv]
ls = [t / tau - sp.log(Zt) for t in sv]
Gl = [sp.diff(ls[j], sv[l]) for j in K3 for l in K3]
fulll = [(delta(j, l) - pt[l]) / tau for j in K3 for l in K3]
right(F, "log-softmax: the 1/tau forgotten", Gl, [delta(j, l) / tau - pt[l] / tau for j in K3 for l in K3])
wrong(F, "log-softmax: the 1/tau forgotten", Gl, [delta(j, l) - pt[l] for j in K3 for l in K3], fulll)
wrong(F, "log-softmax: softmax of the wrong class", Gl, [(delta(j, l) - pt[j]) / tau for j in K3 for l in K3], fulll)
wrong(F, "log-softmax: log-probability for the probability", Gl,
      [(delta(j, l) - ls[l]) / tau for j in K3 for l in K3], fulll)
CE = -sum(yv[j] * ls[j] for j in K3)
Gc = [sp.diff(CE, sv[l]) for l in K3]
fullc = [(pt[l] * sum(yv) - yv[l]) / tau for l in K3]
wrong(F, "cross-entropy: temperature multiplied", Gc, [(pt[l] * sum(yv) - yv[l]) * tau for l in K3], fullc)
right(F, "cross-entropy: the difference the wrong way round", Gc,
      [-sum(yv[j] * (delta(j, l) - pt[l]) / tau for j in K3) for l in K3])
wrong(F, "cross-entropy: the difference the wrong way round", Gc, [(yv[l] - pt[l] * sum(yv)) / tau for l in K3], fullc)
# a forgotten sum over j: the step is a family over (l, j)
wrong(F, "cross-entropy: the sum of the targets forgotten", [g for g in Gc for _ in K3],
      [(pt[l] * yv[j] - yv[l]) / tau for l in K3 for j in K3], [f for f in fullc for _ in K3])
