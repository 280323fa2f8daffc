"""The hand-written SymPy encodings of every step in bench/mistakes/fourth/*.deriv (used by
../verify.py --fourth). Written independently of gradproof, in the manner of ../third/topics.py:
every step before is SymPy's own derivative of the model's definitions."""
import sympy as sp

from verify import mat, right, sig, syms, wrong

S = sp.Symbol
R = sp.Rational


delta = lambda a, b: 1 if a == b else 0  # noqa: E731
H = lambda t: sp.Heaviside(t)  # noqa: E731

# ---------------------------------------------------------------- mlp_tanh_mse.deriv (size 2)
F = "mlp_tanh_mse.deriv"
N = range(2)
X, B1, B2, T = syms("x", 2), syms("b1_", 2), syms("b2_", 2), syms("t", 2)
W1, W2 = mat("W1_", 2, 2), mat("W2_", 2, 2)
Ys, As = syms("yy", 2), syms("aa", 2)  # the outputs and pre-activations as variables


def net(a):
    h = [sp.tanh(v) for v in a]
    return [sum(W2[k][j] * h[j] for j in N) + B2[k] for k in N]


Eof = lambda y: R(1, 2) * sum((y[k] - T[k]) ** 2 for k in N)  # noqa: E731
aX = [sum(W1[j][i] * X[i] for i in N) + B1[j] for j in N]
hX = [sp.tanh(v) for v in aX]
yX = net(aX)
eX = [yX[k] - T[k] for k in N]
# by the outputs (y cut from its definition): y[k] are variables
dEy = [sp.diff(Eof(Ys), Ys[k]) for k in N]
wrong(F, "output: error the wrong way round", dEy, [T[k] - Ys[k] for k in N], [Ys[k] - T[k] for k in N])
wrong(F, "output: the 2 of the square kept", dEy, [2 * (Ys[k] - T[k]) for k in N], [Ys[k] - T[k] for k in N])
dEW2 = [sp.diff(Eof(yX), W2[k][j]) for k in N for j in N]
wrong(F, "second-layer weights: the output's index on the hidden unit", dEW2,
      [eX[k] * hX[k] for k in N for j in N], [eX[k] * hX[j] for k in N for j in N])
right(F, "second-layer weights: pre-activation for the activation", dEW2, [eX[k] * hX[j] for k in N for j in N])
wrong(F, "second-layer weights: pre-activation for the activation", dEW2,
      [eX[k] * aX[j] for k in N for j in N], [eX[k] * hX[j] for k in N for j in N])
# by the pre-activations (a cut): a[j] are variables
yA = net(As)
eA = [yA[k] - T[k] for k in N]
hA = [sp.tanh(v) for v in As]
dEa = [sp.diff(Eof(yA), As[j]) for j in N]
backA = lambda j: sum(eA[k] * W2[k][j] for k in N)  # noqa: E731
fulla = [backA(j) * (1 - hA[j] ** 2) for j in N]
right(F, "hidden pre-activation: tanh' forgotten", dEa, fulla)
wrong(F, "hidden pre-activation: tanh' forgotten", dEa, [backA(j) for j in N], fulla)
wrong(F, "hidden pre-activation: tanh' as 1 + tanh^2", dEa, [backA(j) * (1 + hA[j] ** 2) for j in N], fulla)
# a forgotten sum over k: the step is a family over (j, k)
wrong(F, "hidden pre-activation: sum over the outputs forgotten", [g for g in dEa for _ in N],
      [eA[k] * W2[k][j] * (1 - hA[j] ** 2) for j in N for k in N], [f for f in fulla for _ in N])
backX = lambda j: sum(eX[k] * W2[k][j] for k in N)  # noqa: E731
dEW1 = [sp.diff(Eof(yX), W1[j][i]) for j in N for i in N]
wrong(F, "first-layer weights: the input forgotten", dEW1, [backX(j) * (1 - hX[j] ** 2) for j in N for i in N],
      [backX(j) * (1 - hX[j] ** 2) * X[i] for j in N for i in N])
tp = lambda a: sp.diff(sp.tanh(S("t_")), S("t_")).subs(S("t_"), a)  # noqa: E731
wrong(F, "hidden bias: tanh for tanh'", [sp.diff(Eof(yX), B1[j]) for j in N],
      [backX(j) * sp.tanh(aX[j]) for j in N], [backX(j) * tp(aX[j]) for j in N])
dEx = [sp.diff(Eof(yX), X[i]) for i in N]
fullx = [sum(backX(j) * (1 - hX[j] ** 2) * W1[j][i] for j in N) for i in N]
right(F, "input: first-layer weight indices swapped", dEx, fullx)
wrong(F, "input: first-layer weight indices swapped", dEx,
      [sum(backX(j) * (1 - hX[j] ** 2) * W1[i][j] for j in N) for i in N], fullx)

# ---------------------------------------------------------------- lstm_output.deriv (scalar)
F = "lstm_output.deriv"
x, hp, cp, wf, uf, wi, ui, wg, ug, wo, uo, Eh = sp.symbols("x hp cp wf uf wi ui wg ug wo uo Eh")
Cs, Os = sp.symbols("Cs Os")  # the nodes c and o as variables of a partial derivative
f = sig(wf * x + uf * hp)
ig = sig(wi * x + ui * hp)
g = sp.tanh(wg * x + ug * hp)
o = sig(wo * x + uo * hp)
c = f * cp + ig * g
h = o * sp.tanh(c)
dh_dc = sp.diff(o * sp.tanh(Cs), Cs).subs(Cs, c)
wrong(F, "output to cell: tanh for tanh'", dh_dc, o * sp.tanh(c), o * tp(c))
dh_dwo = sp.diff(h, wo)
right(F, "output gate weight: the weight for the input", dh_dwo, sp.tanh(c) * o * (1 - o) * x)
wrong(F, "output gate weight: the input forgotten", dh_dwo, sp.tanh(c) * o * (1 - o), sp.tanh(c) * o * (1 - o) * x)
wrong(F, "output gate weight: the weight for the input", dh_dwo, sp.tanh(c) * o * (1 - o) * wo,
      sp.tanh(c) * o * (1 - o) * x)
wrong(F, "cell to previous cell: input gate for forget gate", sp.diff(c, cp), ig, f)
wrong(F, "cell to input gate weight: the input forgotten", sp.diff(c, wi), g * ig * (1 - ig), g * ig * (1 - ig) * x)
wrong(F, "cell to candidate weight: (1 - g)^2 for 1 - g^2", sp.diff(c, wg), ig * (1 - g) ** 2 * x, ig * (1 - g ** 2) * x)
# E depends on h only: diff(E, c) = Eh * dh/dc (c cut), diff(E, o) = Eh * dh/do (o cut)
dE_dc = Eh * dh_dc
right(F, "loss to cell: the output gate forgotten", dE_dc, Eh * o * (1 - sp.tanh(c) ** 2))
wrong(F, "loss to cell: the output gate forgotten", dE_dc, Eh * (1 - sp.tanh(c) ** 2), Eh * o * (1 - sp.tanh(c) ** 2))
dE_do = Eh * sp.diff(Os * sp.tanh(c), Os)
right(F, "loss to output gate: sign", dE_do, Eh * sp.tanh(c))
wrong(F, "loss to output gate: sign", dE_do, -Eh * sp.tanh(c), Eh * sp.tanh(c))
wrong(F, "loss to output gate: upstream gradient forgotten", dE_do, sp.tanh(c), Eh * sp.tanh(c))

# ---------------------------------------------------------------- attention_head.deriv (3 positions)
F = "attention_head.deriv"
K3 = range(3)
q, dd = S("q"), S("d", positive=True)
kk, vv = syms("k", 3), syms("v", 3)
Ss = syms("ss", 3)  # scores as variables


def soft(s):
    Z = sum(sp.exp(t) for t in s)
    return [sp.exp(t) / Z for t in s]


sc = [q * kk[j] / sp.sqrt(dd) for j in K3]
aS = soft(Ss)
outS = sum(aS[j] * vv[j] for j in K3)
aQ = soft(sc)
outQ = sum(aQ[j] * vv[j] for j in K3)
dOv = [sp.diff(outQ, vv[j]) for j in K3]
wrong(F, "values: the value multiplied in", dOv, [aQ[j] * vv[j] for j in K3], [aQ[j] for j in K3])
wrong(F, "values: summed over all positions", dOv, [sum(aQ) for j in K3], [aQ[j] for j in K3])
dAs = [sp.diff(aS[j], Ss[l]) for j in K3 for l in K3]
wrong(F, "softmax Jacobian: sign of the second term", dAs, [aS[j] * (delta(j, l) + aS[l]) for j in K3 for l in K3],
      [aS[j] * (delta(j, l) - aS[l]) for j in K3 for l in K3])
dOs = [sp.diff(outS, Ss[l]) for l in K3]
right(F, "scores: the output term forgotten", dOs,
      [sum(vv[j] * aS[j] * (delta(j, l) - aS[l]) for j in K3) for l in K3])
right(F, "scores: the output term forgotten", dOs, [aS[l] * (vv[l] - outS) for l in K3])
wrong(F, "scores: the output term forgotten", dOs, [aS[l] * vv[l] for l in K3], [aS[l] * vv[l] - aS[l] * outS for l in K3])
dOq = sp.diff(outQ, q)
fullq = sum(aQ[l] * (vv[l] - outQ) * kk[l] for l in K3) / sp.sqrt(dd)
right(F, "query: the 1/sqrt(d) forgotten", dOq, fullq)
wrong(F, "query: the 1/sqrt(d) forgotten", dOq, sum(aQ[l] * (vv[l] - outQ) * kk[l] for l in K3), fullq)
dOk = [sp.diff(outQ, kk[j]) for j in K3]
wrong(F, "keys: the key for the query", dOk, [aQ[j] * (vv[j] - outQ) * kk[j] / sp.sqrt(dd) for j in K3],
      [aQ[j] * (vv[j] - outQ) * q / sp.sqrt(dd) for j in K3])
wrong(F, "keys: the query forgotten", dOk, [aQ[j] * (vv[j] - outQ) / sp.sqrt(dd) for j in K3],
      [aQ[j] * (vv[j] - outQ) * q / sp.sqrt(dd) for j in K3])
# a forgotten sum over l: the step is a family over l
wrong(F, "query: the sum over positions forgotten", [dOq for _ in K3],
      [aQ[l] * (vv[l] - outQ) * kk[l] / sp.sqrt(dd) for l in K3], [fullq for _ in K3])

# ---------------------------------------------------------------- weightnorm_elastic.deriv (3 components)
F = "weightnorm_elastic.deriv"
V, XX = syms("v", 3), syms("xw", 3)
gg = S("g")
nn = sp.sqrt(sum(t ** 2 for t in V))
rr = sum(V[i] * XX[i] for i in K3)
yw = sum(gg * V[i] / nn * XX[i] for i in K3)
dyg = sp.diff(yw, gg)
right(F, "gain: the norm forgotten", dyg, rr / nn)
wrong(F, "gain: the norm forgotten", dyg, rr, rr / nn)
wrong(F, "norm: squared in the denominator", [sp.diff(nn, V[k]) for k in K3], [V[k] / nn ** 2 for k in K3],
      [V[k] / nn for k in K3])
dyv = [sp.diff(yw, V[k]) for k in K3]
fullv = [gg * XX[k] / nn - gg * rr * V[k] / nn ** 3 for k in K3]
right(F, "direction: sign of the projection term", dyv, fullv)
wrong(F, "direction: sign of the projection term", dyv, [gg * XX[k] / nn + gg * rr * V[k] / nn ** 3 for k in K3], fullv)
wrong(F, "direction: the gain forgotten in the first term", dyv, [XX[k] / nn - gg * rr * V[k] / nn ** 3 for k in K3], fullv)
U = syms("u", 3, real=True)
lam, mu_ = S("lam", positive=True), S("mu", positive=True)
Rg = lam * sum(sp.Abs(t) for t in U) + mu_ / 2 * sum(t ** 2 for t in U)
dR = [sp.diff(Rg, U[k]) for k in K3]
fullr = [lam * sp.sign(U[k]) + mu_ * U[k] for k in K3]
right(F, "elastic net: abs for its derivative", dR, fullr)
wrong(F, "elastic net: abs for its derivative", dR, [lam * sp.Abs(U[k]) + mu_ * U[k] for k in K3], fullr)
wrong(F, "elastic net: the L2 part forgotten", dR, [lam * sp.sign(U[k]) for k in K3], fullr)
# the numbers check: components of mixed signs
mixed = lambda s, rng: (rng.uniform(0.15, 0.95) * (-1 if str(s) == "u2" else 1))  # noqa: E731
wrong(F, "elastic net: the L1 part summed", dR, [lam * sum(sp.sign(t) for t in U) + mu_ * U[k] for k in K3], fullr,
      sampler=mixed)
wrong(F, "elastic net: the 2 of the square not cancelled", dR, [lam * sp.sign(U[k]) + 2 * mu_ * U[k] for k in K3], fullr)

# ---------------------------------------------------------------- hinge_gmm.deriv
F = "hinge_gmm.deriv"
w, xh = syms("w", 3, real=True), syms("xh", 3, real=True)
b, y = sp.symbols("b y", real=True)
C = S("C", positive=True)
m = y * (sum(w[i] * xh[i] for i in K3) + b)
L = R(1, 2) * sum(t ** 2 for t in w) + C * sp.Max(0, 1 - m)
dLw = [sp.diff(L, w[i]) for i in K3]
fullw = [w[i] - C * H(1 - m) * y * xh[i] for i in K3]
# the numbers check: inside the margin (1 - m > 0 at small inputs) and beyond it
small = lambda s, rng: rng.uniform(0.05, 0.3)  # noqa: E731
right(F, "hinge: sign of the loss term", dLw, fullw)
wrong(F, "hinge: sign of the loss term", dLw, [w[i] + C * H(1 - m) * y * xh[i] for i in K3], fullw, sampler=small)
wrong(F, "hinge: the label forgotten", dLw, [w[i] - C * H(1 - m) * xh[i] for i in K3], fullw, sampler=small)
wrong(F, "hinge: relu for its derivative", dLw, [w[i] - C * sp.Max(0, 1 - m) * y * xh[i] for i in K3], fullw,
      sampler=small)
wrong(F, "hinge: the regulariser forgotten", dLw, [-C * H(1 - m) * y * xh[i] for i in K3], fullw, sampler=small)
dLb = sp.diff(L, b)
wrong(F, "hinge: the bias penalised", dLb, -C * H(1 - m) * y + b, -C * H(1 - m) * y, sampler=small)

z = S("z")
s = S("s", positive=True)
MU, WT = syms("mu", 2), syms("wt", 2, positive=True)
K2 = range(2)
qg = [WT[k] * sp.exp(-(z - MU[k]) ** 2 / (2 * s ** 2)) for k in K2]
ll = sp.log(sum(qg))
rg = [qg[k] / sum(qg) for k in K2]
dmu = [sp.diff(ll, MU[k]) for k in K2]
fullmu = [rg[k] * (z - MU[k]) / s ** 2 for k in K2]
wrong(F, "mixture means: the difference the wrong way round", dmu, [rg[k] * (MU[k] - z) / s ** 2 for k in K2], fullmu)
right(F, "mixture means: the variance forgotten", dmu, fullmu)
wrong(F, "mixture means: the variance forgotten", dmu, [rg[k] * (z - MU[k]) for k in K2], fullmu)
wrong(F, "mixture means: unnormalised responsibility", dmu, [qg[k] * (z - MU[k]) / s ** 2 for k in K2], fullmu)
# the other component's responsibility: l free, a family over (k, l)
wrong(F, "mixture means: the other component's responsibility", [g_ for g_ in dmu for _ in K2],
      [rg[l] * (z - MU[k]) / s ** 2 for k in K2 for l in K2], [f_ for f_ in fullmu for _ in K2])
dwt = [sp.diff(ll, WT[k]) for k in K2]
right(F, "mixture weights: the 1/wt forgotten", dwt, [rg[k] / WT[k] for k in K2])
wrong(F, "mixture weights: the 1/wt forgotten", dwt, [rg[k] for k in K2], [rg[k] / WT[k] for k in K2])

# ---------------------------------------------------------------- pooling.deriv
F = "pooling.deriv"
xp = syms("xp", 4)
gy = syms("gy", 3)  # dL/dy[i]
yp = [(xp[i] + xp[i + 1]) / 2 for i in K3]
dLx = lambda p: sum(gy[i] * sp.diff(yp[i], xp[p]) for i in K3)  # noqa: E731
right(F, "average pool: the 1/2 forgotten", dLx(1), sum(gy[i] * sp.diff(yp[i], xp[1]) for i in K3))
wrong(F, "average pool: the 1/2 forgotten", dLx(1), gy[0] + gy[1], (gy[0] + gy[1]) / 2)
wrong(F, "average pool: window shifted the wrong way", dLx(1), (gy[1] + gy[2]) / 2, (gy[1] + gy[0]) / 2)
wrong(F, "average pool: a window forgotten", dLx(1), gy[0] / 2, gy[0] / 2 + gy[1] / 2)
right(F, "average pool: the wrong window", dLx(2), (gy[1] + gy[2]) / 2)
wrong(F, "average pool: the wrong window", dLx(2), (gy[0] + gy[2]) / 2, (gy[1] + gy[2]) / 2)
u1, u2, Em = sp.symbols("u1 u2 Em", real=True)  # Em = dE/dmp
mpd = sp.diff(sp.Max(u1, u2), u1)
wrong(F, "max pool: the gate the wrong way round", mpd, H(u2 - u1), H(u1 - u2))
right(F, "max pool: upstream gradient forgotten", Em * mpd, Em * H(u1 - u2))
wrong(F, "max pool: upstream gradient forgotten", Em * mpd, H(u1 - u2), Em * H(u1 - u2))

# ---------------------------------------------------------------- optimiser_numbers.deriv
F = "optimiser_numbers.deriv"
Q = sp.Rational
th0, v0, g0, m0 = 2, Q("0.5"), Q("0.5"), Q("0.2")
look = th0 + Q("0.9") * v0
nv = Q("0.9") * v0 - Q("0.1") * look
wrong(F, "Nesterov: gradient at the current point", nv, Q("0.45") - Q("0.1") * 2, Q("0.45") - Q("0.1") * Q("2.45"))
nt = th0 + nv
right(F, "Nesterov: the velocity added the wrong way", nt, 2 + Q("0.45") - Q("0.245"))
wrong(F, "Nesterov: the velocity added the wrong way", nt, 2 + Q("0.45") + Q("0.245"), 2 + Q("0.45") - Q("0.245"))
m1 = Q("0.9") * m0 + Q("0.1") * g0
wrong(F, "Adam: the 1 - beta1 forgotten", m1, Q("0.9") * Q("0.2") + Q("0.5"), Q("0.9") * Q("0.2") + Q("0.1") * Q("0.5"))
mh = (Q("0.9") * 0 + Q("0.1") * g0) / (1 - Q("0.9"))
right(F, "Adam: bias correction with beta1 for 1 - beta1", mh, Q("0.05") / (1 - Q("0.9")))
wrong(F, "Adam: bias correction with beta1 for 1 - beta1", mh, Q("0.05") / Q("0.9"), Q("0.05") / (1 - Q("0.9")))
vh = (Q("0.999") * 0 + Q("0.001") * g0 ** 2) / (1 - Q("0.999"))
wrong(F, "Adam: second moment without the square", vh, Q("0.001") * Q("0.5") / Q("0.001"),
      Q("0.001") * Q("0.5") ** 2 / Q("0.001"))

# ---------------------------------------------------------------- tanh_layer_matrix.deriv (n = 2)
F = "tanh_layer_matrix.deriv"
n = 2
M = lambda name, r, c_: sp.Matrix(r, c_, lambda i, j: S(f"{name}_{i}{j}"))  # noqa: E731
Vm = lambda name: sp.Matrix(n, 1, lambda i, j: S(f"{name}_{i}"))  # noqa: E731
xm, tm, bm = Vm("x"), Vm("t"), Vm("b")
Wm = M("W", n, n)
zm = Wm * xm + bm
hm = zm.applyfunc(sp.tanh)
Lm = R(1, 2) * ((hm - tm).T * (hm - tm))[0, 0]
grad = lambda s_, A: A.applyfunc(lambda e: sp.diff(s_, e))  # noqa: E731
had = lambda p_, q_: p_.multiply_elementwise(q_)  # noqa: E731
tpz = zm.applyfunc(tp)
dl = had(hm - tm, tpz)
wrong(F, "input: transpose of W forgotten", grad(Lm, xm), Wm * dl, Wm.T * dl)
gW = grad(Lm, Wm)
right(F, "weights: outer product the wrong way round", gW, dl * xm.T)
wrong(F, "weights: outer product the wrong way round", gW, xm * dl.T, dl * xm.T)
gb = grad(Lm, bm)
wrong(F, "bias: tanh' forgotten", gb, hm - tm, dl)
right(F, "bias: sign of the error", gb, dl)
wrong(F, "bias: sign of the error", gb, had(tm - hm, tpz), dl)
