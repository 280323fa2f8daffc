"""The hand-written SymPy encodings of every step in bench/mistakes/*.deriv (used by verify.py)."""
import sympy as sp

from verify import d, right, wrong

S = sp.Symbol
R = sp.Rational


def syms(prefix, n, **kw):
    return [S(f"{prefix}{i}", **kw) for i in range(1, n + 1)]


# ---------------------------------------------------------------- lstm.deriv (D = 3)
F = "lstm.deriv"
D = 3
fphi, fin, g = sp.Function("f_phi"), sp.Function("f_in"), sp.Function("g")
nphi, nphi_p, nin = S("net_phi"), S("net_phi_prev"), S("net_in")
sprev, net, net_p, zeta = syms("s_prev", D), syms("net", D), syms("net_prev", D), syms("zeta", D)
yphi, yphi_p, yin = fphi(nphi), fphi(nphi_p), fin(nin)
s = [yphi * sprev[c] + yin * g(net[c]) for c in range(D)]
delta_phi = sum(zeta[c] * sp.diff(s[c], nphi) for c in range(D))
delta_in = sum(zeta[c] * sp.diff(s[c], nin) for c in range(D))
dnet = [zeta[c] * sp.diff(s[c], net[c]) for c in range(D)]
dsprev = [zeta[c] * sp.diff(s[c], sprev[c]) for c in range(D)]
Z = lambda f: sum(zeta[c] * f(c) for c in range(D))  # noqa: E731
dphi = d(fphi, nphi)

right(F, "forget gate: f_phi' forgotten", delta_phi, Z(lambda c: sprev[c]) * dphi)
wrong(F, "forget gate: f_phi' forgotten", delta_phi, Z(lambda c: sprev[c]), Z(lambda c: sprev[c]) * dphi)
wrong(F, "forget gate: current cell state instead of the previous one", delta_phi,
      dphi * Z(lambda c: s[c]), dphi * Z(lambda c: sprev[c]))
right(F, "forget gate: gate activation instead of its derivative", delta_phi, Z(lambda c: sprev[c]) * dphi)
wrong(F, "forget gate: gate activation instead of its derivative", delta_phi,
      yphi * Z(lambda c: sprev[c]), dphi * Z(lambda c: sprev[c]))
# a forgotten sum: the step is a family over c, the head a single value
wrong(F, "forget gate: sum over the cells forgotten", [delta_phi] * D,
      [dphi * zeta[c] * sprev[c] for c in range(D)], [dphi * Z(lambda c: sprev[c])] * D)
right(F, "forget gate: the input term differentiated", delta_phi, Z(lambda c: sprev[c]) * dphi)
wrong(F, "forget gate: the input term differentiated", delta_phi,
      Z(lambda c: g(net[c])) * dphi, Z(lambda c: sprev[c]) * dphi)
wrong(F, "forget gate: sign slip", delta_phi, -dphi * Z(lambda c: sprev[c]), dphi * Z(lambda c: sprev[c]))
din = d(fin, nin)
wrong(F, "input gate: g' for g", delta_in, din * Z(lambda c: d(g, net[c])), din * Z(lambda c: g(net[c])))
right(F, "input gate: activation node for the derivative", delta_in, Z(lambda c: g(net[c])) * din)
wrong(F, "input gate: activation node for the derivative", delta_in,
      Z(lambda c: g(net[c])) * yin, Z(lambda c: g(net[c])) * din)
wrong(F, "input gate: f_in' forgotten", delta_in, Z(lambda c: g(net[c])), Z(lambda c: g(net[c])) * din)
right(F, "cell input: gate factor forgotten", dnet, [zeta[c] * sp.diff(s[c], net[c]) for c in range(D)])
wrong(F, "cell input: gate factor forgotten", dnet, [zeta[c] * d(g, net[c]) for c in range(D)],
      [zeta[c] * yin * d(g, net[c]) for c in range(D)])
wrong(F, "cell input: derivative at the previous time step", dnet,
      [zeta[c] * yin * d(g, net_p[c]) for c in range(D)], [zeta[c] * yin * d(g, net[c]) for c in range(D)])
right(F, "carousel: forget gate of the previous step", dsprev, [zeta[c] * sp.diff(s[c], sprev[c]) for c in range(D)])
wrong(F, "carousel: forget gate of the previous step", dsprev, [zeta[c] * yphi_p for c in range(D)],
      [zeta[c] * yphi for c in range(D)])
wrong(F, "carousel: derivative of the gate instead of the gate", dsprev, [zeta[c] * dphi for c in range(D)],
      [zeta[c] * yphi for c in range(D)])
wrong(F, "carousel: forget gate left out", dsprev, zeta, [zeta[c] * yphi for c in range(D)])

# ---------------------------------------------------------------- rnn_bptt.deriv
F = "rnn_bptt.deriv"
w, u, h2, x1, x2, G = sp.symbols("w u h2 x1 x2 G")  # h[t-2], x[t-1], x[t], g[t] = dL/dh[t]
a1 = w * h2 + u * x1
h1 = sp.tanh(a1)
a0 = w * h1 + u * x2
h0 = sp.tanh(a0)
tp = lambda a: 1 - sp.tanh(a) ** 2  # noqa: E731
dLw = G * sp.diff(h0, w)
dLu = G * sp.diff(h0, u)
h1s = S("h1s")  # h[t-1] cut from its definition
dLh1 = G * sp.diff(sp.tanh(w * h1s + u * x2), h1s).subs(h1s, h1)
h2s = S("h2s")
dLh2 = G * sp.diff(h0.subs(h2, h2s), h2s).subs(h2s, h2)
right(F, "recurrent weight: w of the inner step forgotten", dLw, G * tp(a0) * (h1 + w * tp(a1) * h2))
wrong(F, "recurrent weight: w of the inner step forgotten", dLw, G * tp(a0) * (h1 + tp(a1) * h2),
      G * tp(a0) * (h1 + w * tp(a1) * h2))
wrong(F, "recurrent weight: derivative at the wrong state", dLw, G * (1 - h0**2) * (h1 + w * (1 - h2**2) * h2),
      G * (1 - h0**2) * (h1 + w * (1 - h1**2) * h2))
right(F, "recurrent weight: tanh' as 1 + tanh^2", dLw, G * tp(a0) * (h1 + w * tp(a1) * h2))
wrong(F, "recurrent weight: tanh' as 1 + tanh^2", dLw, G * (1 + h0**2) * (h1 + w * (1 - h1**2) * h2),
      G * (1 - h0**2) * (h1 + w * (1 - h1**2) * h2))
wrong(F, "recurrent weight: square of tanh forgotten", dLw, G * (1 - h0) * (h1 + w * (1 - h1**2) * h2),
      G * (1 - h0**2) * (h1 + w * (1 - h1**2) * h2))
right(F, "recurrent weight: truncated after one step", dLw, G * tp(a0) * sp.diff(a0, w))
wrong(F, "recurrent weight: truncated after one step", dLw, G * tp(a0) * h1, G * tp(a0) * (h1 + w * tp(a1) * h2))
wrong(F, "input weight: recurrent weight swapped for the input weight", dLu,
      G * (1 - h0**2) * (x2 + u * (1 - h1**2) * x1), G * (1 - h0**2) * (x2 + w * (1 - h1**2) * x1))
wrong(F, "input weight: the earlier input", dLu, G * tp(a0) * (x2 + w * tp(a1) * x2),
      G * tp(a0) * (x2 + w * tp(a1) * x1))
wrong(F, "input weight: sign of the inner term", dLu, G * tp(a0) * (x2 - w * tp(a1) * x1),
      G * tp(a0) * (x2 + w * tp(a1) * x1))
right(F, "two steps back: tanh for tanh'", dLh2, G * tp(a0) * w * tp(a1) * w)
wrong(F, "two steps back: tanh for tanh'", dLh2, G * w**2 * tp(a0) * sp.tanh(a1), G * w**2 * tp(a0) * tp(a1))
wrong(F, "two steps back: w counted once", dLh2, G * w * tp(a0) * tp(a1), G * w**2 * tp(a0) * tp(a1))
wrong(F, "one step back: recurrent weight forgotten", dLh1, G * tp(a0), G * tp(a0) * w)
right(F, "one step back: input weight for the recurrent weight", dLh1, G * tp(a0) * w)
wrong(F, "one step back: input weight for the recurrent weight", dLh1, G * tp(a0) * u, G * tp(a0) * w)
wrong(F, "input at t: derivative at the previous pre-activation", G * sp.diff(h0, x2), G * tp(a1) * u,
      G * tp(a0) * u)

# ---------------------------------------------------------------- rnn_sigmoid.deriv
F = "rnn_sigmoid.deriv"
sig = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
sigp = lambda z: sig(z) * (1 - sig(z))  # noqa: E731
w, h0s, G1, G2 = sp.symbols("w h_t G1 G2")  # G1 = dL/dh[t+1], G2 = dL/dh[t+2]
phi = lambda z: sig(z) - R(1, 2)  # noqa: E731
z1 = w * h0s
hh1 = phi(z1)
z2 = w * hh1
one_back = G1 * sp.diff(phi(w * h0s), h0s)
hs = S("hs")
two_back = G2 * sp.diff(phi(w * phi(w * hs)), hs).subs(hs, h0s)
right(F, "one step back: sigma' as sigma (1 + sigma)", one_back, G1 * sigp(z1) * w)
wrong(F, "one step back: sigma' as sigma (1 + sigma)", one_back, G1 * sig(z1) * (1 + sig(z1)) * w,
      G1 * sig(z1) * (1 - sig(z1)) * w)
wrong(F, "one step back: derivative at the later step", one_back, G1 * sigp(z2) * w, G1 * sigp(z1) * w)
right(F, "two steps back: one weight forgotten", two_back, G2 * sigp(z2) * w * sigp(z1) * w)
wrong(F, "two steps back: one weight forgotten", two_back, G2 * sigp(z2) * w * sigp(z1),
      G2 * sigp(z2) * w * sigp(z1) * w)
zz = S("zz")
phip0 = sp.diff(phi(zz), zz).subs(zz, 0)
wrong(F, "factor per step at 0: sigma for sigma'", phip0, sig(0), sigp(0))
wrong(F, "factor per step at 0: the shift kept", phip0, sigp(0) - R(1, 2), sigp(0))

# ---------------------------------------------------------------- mlp_indexed.deriv (n = 3)
F = "mlp_indexed.deriv"
n = 3
f = sp.Function("f")
x = syms("x", n)
y = syms("y", n)
b1 = syms("b", n)
W1 = sp.Matrix(n, n, lambda j, k: S(f"W1_{j}{k}"))
W2 = sp.Matrix(n, n, lambda i, j: S(f"W2_{i}{j}"))
a = [sum(W1[j, k] * x[k] for k in range(n)) + b1[j] for j in range(n)]
hh = [f(a[j]) for j in range(n)]
o = [sum(W2[i, j] * hh[j] for j in range(n)) for i in range(n)]
Lm = R(1, 2) * sum((o[i] - y[i]) ** 2 for i in range(n))
fp = [d(f, a[j]) for j in range(n)]
err = [o[i] - y[i] for i in range(n)]
dout = [err[i] for i in range(n)]  # dL/do[i]
back = [sum(W2[i, j] * err[i] for i in range(n)) for j in range(n)]
dhid = [fp[j] * back[j] for j in range(n)]  # dL/da[j], by hand (the chain rule through h[j])
# dL/da[j] by SymPy: a[j] as a symbol
asym = syms("a_cut", n)
Lcut = R(1, 2) * sum((sum(W2[i, j] * f(asym[j]) for j in range(n)) - y[i]) ** 2 for i in range(n))
dhid_sym = [sp.diff(Lcut, asym[j]).subs(dict(zip(asym, a))) for j in range(n)]
right(F, "hidden delta: f' forgotten", dhid_sym, [back[j] * fp[j] for j in range(n)])
wrong(F, "hidden delta: f' forgotten", dhid_sym, back, dhid)
wrong(F, "hidden delta: W2 subscripts swapped", dhid_sym,
      [fp[j] * sum(W2[j, i] * err[i] for i in range(n)) for j in range(n)], dhid)
wrong(F, "hidden delta: sum over the outputs forgotten", [[dhid_sym[j]] * n for j in range(n)],
      [[fp[j] * W2[i, j] * err[i] for i in range(n)] for j in range(n)], [[dhid[j]] * n for j in range(n)])
wrong(F, "hidden delta: f for f'", dhid_sym, [hh[j] * back[j] for j in range(n)], dhid)
osym = syms("o_cut", n)
dout_sym = [sp.diff(R(1, 2) * sum((osym[i] - y[i]) ** 2 for i in range(n)), osym[i]).subs(dict(zip(osym, o)))
            for i in range(n)]
wrong(F, "output delta: sign", dout_sym, [y[i] - o[i] for i in range(n)], dout)
wrong(F, "output delta: the 2 of the square kept", dout_sym, [2 * err[i] for i in range(n)], dout)
dW2 = [[sp.diff(Lm, W2[i, j]) for j in range(n)] for i in range(n)]
right(F, "output weights: pre-activation for activation", dW2, [[err[i] * hh[j] for j in range(n)] for i in range(n)])
wrong(F, "output weights: pre-activation for activation", dW2, [[err[i] * a[j] for j in range(n)] for i in range(n)],
      [[err[i] * hh[j] for j in range(n)] for i in range(n)])
wrong(F, "output weights: activation of the output unit's index", dW2,
      [[err[i] * hh[i] for j in range(n)] for i in range(n)], [[err[i] * hh[j] for j in range(n)] for i in range(n)])
dW1 = [[sp.diff(Lm, W1[j, k]) for k in range(n)] for j in range(n)]
right(F, "hidden weights: input forgotten", dW1, [[dhid[j] * x[k] for k in range(n)] for j in range(n)])
wrong(F, "hidden weights: input forgotten", dW1, [[dhid[j] for k in range(n)] for j in range(n)],
      [[dhid[j] * x[k] for k in range(n)] for j in range(n)])
wrong(F, "hidden weights: input at the hidden index", dW1, [[dhid[j] * x[j] for k in range(n)] for j in range(n)],
      [[dhid[j] * x[k] for k in range(n)] for j in range(n)])
db1 = [sp.diff(Lm, b1[j]) for j in range(n)]
wrong(F, "hidden bias: the input multiplied in", db1, [dhid[j] * x[j] for j in range(n)], dhid)
dx = [sp.diff(Lm, x[k]) for k in range(n)]
right(F, "input gradient: W1 subscripts swapped", dx, [sum(dhid[j] * W1[j, k] for j in range(n)) for k in range(n)])
wrong(F, "input gradient: W1 subscripts swapped", dx, [sum(dhid[j] * W1[k, j] for j in range(n)) for k in range(n)],
      [sum(dhid[j] * W1[j, k] for j in range(n)) for k in range(n)])
wrong(F, "input gradient: sum over the hidden units forgotten", [[dx[k]] * n for k in range(n)],
      [[dhid[j] * W1[j, k] for j in range(n)] for k in range(n)],
      [[sum(dhid[j] * W1[j, k] for j in range(n))] * n for k in range(n)])

# ---------------------------------------------------------------- mlp_scalar.deriv
F = "mlp_scalar.deriv"
x, y, w1, b1s, w2, b2 = sp.symbols("x y w1 b1 w2 b2")
z1 = w1 * x + b1s
h = sig(z1)
out = w2 * h + b2
L = R(1, 2) * (out - y) ** 2
L2 = (out - y) ** 2
sp1 = sigp(z1)
right(F, "first weight: input forgotten", sp.diff(L, w1), (out - y) * w2 * sp1 * x)
wrong(F, "first weight: input forgotten", sp.diff(L, w1), (out - y) * w2 * h * (1 - h), (out - y) * w2 * h * (1 - h) * x)
wrong(F, "first weight: second-layer weight forgotten", sp.diff(L, w1), (out - y) * sp1 * x, (out - y) * w2 * sp1 * x)
wrong(F, "first weight: sigma (1 + sigma)", sp.diff(L, w1), (out - y) * w2 * h * (1 + h) * x,
      (out - y) * w2 * h * (1 - h) * x)
wrong(F, "first bias: sigma for sigma'", sp.diff(L, b1s), (out - y) * w2 * h, (out - y) * w2 * sp1)
wrong(F, "second bias: activation multiplied in", sp.diff(L, b2), (out - y) * h, out - y)
wrong(F, "second weight: pre-activation for activation", sp.diff(L, w2), (out - y) * z1, (out - y) * h)
right(F, "second weight: sign", sp.diff(L, w2), (out - y) * sp.diff(out, w2))
wrong(F, "second weight: sign", sp.diff(L, w2), (y - out) * h, (out - y) * h)
wrong(F, "input gradient: input for the weight", sp.diff(L, x), (out - y) * w2 * sp1 * x, (out - y) * w2 * sp1 * w1)
wrong(F, "squared error without 1/2: factor 2 forgotten", sp.diff(L2, w2), (out - y) * h, 2 * (out - y) * h)
right(F, "squared error without 1/2: inner derivative forgotten", sp.diff(L2, w1), 2 * (out - y) * sp.diff(out, w1))
wrong(F, "squared error without 1/2: inner derivative forgotten", sp.diff(L2, w1), 2 * (out - y) * w2 * x,
      2 * (out - y) * w2 * sp1 * x)

# ---------------------------------------------------------------- matrix_gradients.deriv (n = 2)
F = "matrix_gradients.deriv"
n = 2
M = lambda name, r, c: sp.Matrix(r, c, lambda i, j: S(f"{name}_{i}{j}"))  # noqa: E731
V_ = lambda name: sp.Matrix(n, 1, lambda i, j: S(f"{name}_{i}"))  # noqa: E731
x, y, b1, b2 = V_("x"), V_("y"), V_("b1"), V_("b2")
W1, W2 = M("W1", n, n), M("W2", n, n)
lam = S("lambda", positive=True)
ew = lambda f, v: v.applyfunc(f)  # noqa: E731
had = lambda p, q: p.multiply_elementwise(q)  # noqa: E731
z1 = W1 * x + b1
h = ew(sig, z1)
yhat = W2 * h + b2
Lf = lambda yh: R(1, 2) * ((yh - y).T * (yh - y))[0, 0]  # noqa: E731
L = Lf(yhat)
grad = lambda s, A: A.applyfunc(lambda e: sp.diff(s, e))  # noqa: E731
d2 = yhat - y  # dL/dyhat, yhat cut: by hand
zc = V_("zc")
d1 = grad(Lf(W2 * ew(sig, zc) + b2), zc).subs(dict(zip(zc, z1)))  # dL/dz1 with z1 cut
sz = ew(sigp, z1)
d1_hand = had(W2.T * d2, sz)
right(F, "hidden delta: sigmoid' forgotten", d1, sp.diag(*sz) * (W2.T * d2))
wrong(F, "hidden delta: sigmoid' forgotten", d1, W2.T * d2, had(W2.T * d2, sz))
wrong(F, "hidden delta: transpose of W2 forgotten", d1, had(W2 * d2, sz), d1_hand)
right(F, "hidden delta: activation for its derivative", d1, d1_hand)
wrong(F, "hidden delta: activation for its derivative", d1, had(W2.T * d2, h), d1_hand)
wrong(F, "hidden delta: h (1 + h)", d1, had(had(W2.T * d2, h), ew(lambda e: 1 + e, h)),
      had(had(W2.T * d2, h), ew(lambda e: 1 - e, h)))
gW2 = grad(L, W2)
wrong(F, "output weights: pre-activation for activation", gW2, d2 * z1.T, d2 * h.T)
right(F, "output weights: sign", gW2, d2 * h.T)
wrong(F, "output weights: sign", gW2, (y - yhat) * h.T, (yhat - y) * h.T)
wrong(F, "output bias: activation multiplied in", grad(L, b2), had(d2, h), d2)
gW1 = grad(L, W1)
wrong(F, "hidden weights: outer product in the wrong order", gW1, x * d1_hand.T, d1_hand * x.T)
right(F, "hidden weights: activation for the input", gW1, d1_hand * x.T)
wrong(F, "hidden weights: activation for the input", gW1, d1_hand * h.T, d1_hand * x.T)
wrong(F, "input gradient: transpose of W1 forgotten", grad(L, x), W1 * d1_hand, W1.T * d1_hand)
Lwd = L + lam / 2 * sum(e**2 for e in W1)
wrong(F, "weight decay: penalty gradient forgotten", grad(Lwd, W1), d1_hand * x.T, d1_hand * x.T + lam * W1)
V, u, c, tg = M("V", n, n), V_("u"), V_("c"), V_("tg")
q = V * u + c
Q = R(1, 2) * ((q - tg).T * (q - tg))[0, 0]
wrong(F, "linear layer: factor 2 of the square kept", grad(Q, V), 2 * (V * u + c - tg) * u.T, (V * u + c - tg) * u.T)
wrong(F, "linear layer: bias left out of the residual", grad(Q, u), V.T * (V * u - tg), V.T * (V * u + c - tg))
right(F, "linear layer: residual with the wrong sign", grad(Q, u), V.T * (q - tg))
wrong(F, "linear layer: residual with the wrong sign", grad(Q, u), V.T * (tg - V * u - c), V.T * (V * u + c - tg))
wrong(F, "cookbook: bilinear form, outer product reversed", grad((u.T * V * x)[0, 0], V), x * u.T, u * x.T)
wrong(F, "cookbook: quadratic form of a non-symmetric matrix", grad((x.T * V * x)[0, 0], x), V * x, V * x + V.T * x)
wrong(F, "cookbook: trace of a product", grad((V * W1).trace(), V), W1, W1.T)
wrong(F, "cookbook: squared norm", grad((x.T * x)[0, 0], x), x, 2 * x)

# ---------------------------------------------------------------- softmax_ce.deriv (K = 3)
F = "softmax_ce.deriv"
K = 3
a = syms("a", K)
yv = syms("y", K, nonnegative=True)
gv = syms("g", K)
Z = sum(sp.exp(a[m]) for m in range(K))
p = [sp.exp(a[k]) / Z for k in range(K)]
sub1 = {yv[K - 1]: 1 - sum(yv[:K - 1])}  # the assumption sum(k, y[k]) = 1
H = -sum(yv[k] * sp.log(p[k]) for k in range(K))
dH = [sp.diff(H, a[i]).subs(sub1) for i in range(K)]
Y = [yv[i].subs(sub1) for i in range(K)]
sumy = sum(yv).subs(sub1)
dl = lambda k, i: 1 if k == i else 0  # noqa: E731
ans = [p[i] - Y[i] for i in range(K)]
wrong(F, "logit gradient: sign", dH, [Y[i] - p[i] for i in range(K)], ans)
right(F, "logit gradient: p at the summation index", dH,
      [-sum(Y[k] / p[k] * sp.diff(p[k], a[i]) for k in range(K)) for i in range(K)])
wrong(F, "logit gradient: p at the summation index", dH,
      [-sum(Y[k] * (dl(k, i) - p[k]) for k in range(K)) for i in range(K)],
      [-sum(Y[k] * (dl(k, i) - p[i]) for k in range(K)) for i in range(K)])
wrong(F, "logit gradient: normaliser treated as a constant", dH,
      [-sum(Y[k] * dl(k, i) for k in range(K)) for i in range(K)],
      [-sum(Y[k] * (dl(k, i) - p[i]) for k in range(K)) for i in range(K)])
wrong(F, "logit gradient: summed over the classes", dH, [sum(p[k] - Y[k] for k in range(K))] * K, ans)
right(F, "logit gradient: denominator of the softmax dropped", dH, [-Y[i] + sumy * sp.exp(a[i]) / Z for i in range(K)])
wrong(F, "logit gradient: denominator of the softmax dropped", dH, [-Y[i] + sumy * sp.exp(a[i]) for i in range(K)],
      [-Y[i] + sumy * sp.exp(a[i]) / Z for i in range(K)])
J = [[sp.diff(p[k], a[i]) for i in range(K)] for k in range(K)]
wrong(F, "softmax Jacobian: index of the second factor", J,
      [[sp.exp(a[k]) / Z * (dl(k, i) - p[k]) for i in range(K)] for k in range(K)],
      [[sp.exp(a[k]) / Z * (dl(k, i) - p[i]) for i in range(K)] for k in range(K)])
right(F, "softmax Jacobian: sign of the off-diagonal term", J,
      [[p[k] * dl(k, i) - p[k] * p[i] for i in range(K)] for k in range(K)])
wrong(F, "softmax Jacobian: sign of the off-diagonal term", J,
      [[p[k] * dl(k, i) + p[k] * p[i] for i in range(K)] for k in range(K)],
      [[p[k] * dl(k, i) - p[k] * p[i] for i in range(K)] for k in range(K)])
wrong(F, "softmax Jacobian: quotient rule without the square", J,
      [[p[k] * dl(k, i) - sp.exp(a[k]) * sp.exp(a[i]) / Z for i in range(K)] for k in range(K)],
      [[p[k] * dl(k, i) - sp.exp(a[k]) * sp.exp(a[i]) / Z**2 for i in range(K)] for k in range(K)])
LS = sum(gv[k] * sp.log(p[k]) for k in range(K))
dLS = [sp.diff(LS, a[i]) for i in range(K)]
wrong(F, "log-softmax backward: sum of the upstream gradient forgotten", dLS, [gv[i] - p[i] for i in range(K)],
      [gv[i] - p[i] * sum(gv) for i in range(K)])
wrong(F, "log-softmax backward: p taken inside the sum", dLS, [gv[i] - sum(gv[k] * p[k] for k in range(K)) for i in range(K)],
      [gv[i] - sum(gv[k] * p[i] for k in range(K)) for i in range(K)])

# ---------------------------------------------------------------- activations.deriv
F = "activations.deriv"
x, z, w, b, g = sp.symbols("x z w b g")
xp, xn = S("xp", positive=True), S("xn", positive=True)
KINK = [{x: xp}, {x: -xn}]  # each piece of a kink at 0
relu = lambda t: sp.Max(t, 0)  # noqa: E731
step = lambda t: sp.Heaviside(t, 1)  # noqa: E731
leaky = lambda t, s: sp.Piecewise((t, t >= 0), (s * t, True))  # noqa: E731
elu = lambda t: sp.Piecewise((t, t > 0), (sp.exp(t) - 1, True))  # noqa: E731
softplus = lambda t: sp.log(1 + sp.exp(t))  # noqa: E731
wrong(F, "sigmoid: sigma (1 + sigma)", sp.diff(sig(z), z), sig(z) * (1 + sig(z)), sig(z) * (1 - sig(z)))
wrong(F, "tanh: 1 + tanh^2", sp.diff(sp.tanh(x), x), 1 + sp.tanh(x) ** 2, 1 - sp.tanh(x) ** 2)
wrong(F, "softplus: exp for its derivative", sp.diff(softplus(x), x), sp.exp(x), sig(x))
wrong(F, "softplus: sigmoid of -x", g * sp.diff(softplus(x), x), g * sig(-x), g * sig(x))
wrong(F, "ReLU backward: relu for relu'", g * sp.diff(relu(x), x), g * relu(x), g * step(x), cases=KINK)
wrong(F, "leaky ReLU backward: slope with the wrong sign", g * sp.diff(leaky(x, R(1, 5)), x),
      g * (step(x) - R(1, 5) * step(-x)), g * (step(x) + R(1, 5) * step(-x)), cases=KINK)
right(F, "ELU backward: alpha forgotten in the output form", g * sp.diff(elu(x), x),
      g * (step(x) + sp.exp(x) * step(-x)), cases=KINK)
wrong(F, "ELU backward: alpha forgotten in the output form", g * sp.diff(elu(x), x),
      g * (step(x) + elu(x) * step(-x)), g * (step(x) + (elu(x) + 1) * step(-x)), cases=KINK)
wrong(F, "SiLU: product rule, one term forgotten", sp.diff(x * sig(x), x), x * sig(x) * (1 - sig(x)),
      sig(x) + x * sig(x) * (1 - sig(x)))
gelu_exact = lambda t: t / 2 * (1 + sp.erf(t / sp.sqrt(2)))  # noqa: E731
wrong(F, "exact GELU backward: product rule, one term forgotten", sp.diff(gelu_exact(x), x),
      (1 + sp.erf(x / sp.sqrt(2))) / 2, (1 + sp.erf(x / sp.sqrt(2))) / 2 + x * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi))
wrong(F, "tanh of an affine map: inner derivative forgotten", sp.diff(sp.tanh(w * x + b), w),
      1 - sp.tanh(w * x + b) ** 2, (1 - sp.tanh(w * x + b) ** 2) * x)
v = w * z + b
wrong(F, "sigmoid of an affine map: input for the weight", sp.diff(sig(v), z), sigp(v) * z, sigp(v) * w)
wrong(F, "log-sigmoid: sigma' forgotten", sp.diff(sp.log(sig(z)), z), 1 / sig(z), sigp(z) / sig(z))
wrong(F, "softplus from its formula: exp(x) forgotten", sp.diff(sp.log(1 + sp.exp(x)), x), 1 / (1 + sp.exp(x)),
      sp.exp(x) / (1 + sp.exp(x)))
wrong(F, "tanh through the sigmoid: inner factor 2 forgotten", sp.diff(2 * sig(2 * z) - 1, z), 2 * sigp(2 * z),
      2 * sigp(2 * z) * 2)
wrong(F, "squared sigmoid: sigma' forgotten", sp.diff(sig(z) ** 2, z), 2 * sig(z), 2 * sig(z) * sigp(z))
wrong(F, "tanh backward from its result: the square on the bracket", g * sp.diff(sp.tanh(x), x),
      g * (1 - sp.tanh(x)) ** 2, g * (1 - sp.tanh(x) ** 2))

# ---------------------------------------------------------------- losses.deriv (N = 3, d = 3, M = 3)
F = "losses.deriv"
N, dd, MM = 3, 3, 3
X = sp.Matrix(N, dd, lambda i, j: S(f"X_{i}{j}"))
y = syms("y", N)
wv = syms("w", dd, real=True)
lam = S("lambda", positive=True)
xs, ys = syms("xs", N), syms("ys", N)
w0, b0 = sp.symbols("w0 b0")
yh = [sum(X[i, j] * wv[j] for j in range(dd)) for i in range(N)]
res = [yh[i] - y[i] for i in range(N)]
Ll2 = sum(r**2 for r in res) + lam * sum(t**2 for t in wv)
Ll1 = sum(r**2 for r in res) + lam * sum(sp.Abs(t) for t in wv)
pr = [w0 * xs[i] + b0 for i in range(N)]
MSE = R(1, N) * sum((pr[i] - ys[i]) ** 2 for i in range(N))
gw0 = sp.diff(MSE, w0)
wrong(F, "MSE: 1/N of the mean forgotten", gw0, 2 * sum((pr[i] - ys[i]) * xs[i] for i in range(N)),
      R(1, N) * 2 * sum((pr[i] - ys[i]) * xs[i] for i in range(N)))
wrong(F, "MSE: bias gradient with the input", sp.diff(MSE, b0), R(2, N) * sum((pr[i] - ys[i]) * xs[i] for i in range(N)),
      R(2, N) * sum((pr[i] - ys[i]) for i in range(N)))
right(F, "MSE: residual with the wrong sign", gw0, R(2, N) * sum((pr[i] - ys[i]) * xs[i] for i in range(N)))
wrong(F, "MSE: residual with the wrong sign", gw0, R(2, N) * sum((ys[i] - pr[i]) * xs[i] for i in range(N)),
      R(2, N) * sum((pr[i] - ys[i]) * xs[i] for i in range(N)))
gq = [sp.diff(Ll2, wv[qq]) for qq in range(dd)]
data = lambda qq, col: sum(2 * res[i] * X[i, col] for i in range(N))  # noqa: E731
ans = [data(qq, qq) + 2 * lam * wv[qq] for qq in range(dd)]
wrong(F, "L2: factor 2 of the penalty dropped", gq, [data(qq, qq) + lam * wv[qq] for qq in range(dd)], ans)
right(F, "L2: input at the summation index", gq,
      [sum(2 * res[i] * sp.diff(yh[i], wv[qq]) for i in range(N)) + 2 * lam * wv[qq] for qq in range(dd)])
# a free j: the step is a family over j (j and q both in 1..d)
wrong(F, "L2: input at the summation index", [[gq[qq]] * dd for qq in range(dd)],
      [[data(qq, j) + 2 * lam * wv[qq] for j in range(dd)] for qq in range(dd)],
      [[ans[qq]] * dd for qq in range(dd)])
wrong(F, "L2: sum over the samples forgotten", [[gq[qq]] * N for qq in range(dd)],
      [[2 * res[i] * X[i, qq] + 2 * lam * wv[qq] for i in range(N)] for qq in range(dd)],
      [[ans[qq]] * N for qq in range(dd)])
wrong(F, "L2: penalty summed over all weights", gq, [data(qq, qq) + 2 * lam * sum(wv) for qq in range(dd)], ans)
wrong(F, "L2: penalty forgotten", gq, [data(qq, qq) for qq in range(dd)], ans)
g1 = [sp.diff(Ll1, wv[qq]) for qq in range(dd)]
wrong(F, "L1: |w| kept instead of its derivative", g1, [data(qq, qq) + lam * sp.Abs(wv[qq]) for qq in range(dd)],
      [data(qq, qq) + lam * sp.sign(wv[qq]) for qq in range(dd)])
zb, yb, pbs = sp.symbols("zb yb pb_cut")
pb = sig(zb)
BCEf = lambda pp: -(yb * sp.log(pp) + (1 - yb) * sp.log(1 - pp))  # noqa: E731
gz = sp.diff(BCEf(pb), zb)
wrong(F, "BCE: sigmoid derivative applied twice", gz, (pb - yb) * pb * (1 - pb), pb - yb)
gp = sp.diff(BCEf(pbs), pbs).subs(pbs, pb)
wrong(F, "BCE: sign of the second term", gp, -yb / pb - (1 - yb) / (1 - pb), -yb / pb + (1 - yb) / (1 - pb))
right(F, "BCE: stopped at dL/dp", gz, -(yb / pb - (1 - yb) / (1 - pb)) * sp.diff(pb, zb))
wrong(F, "BCE: stopped at dL/dp", gz, -(yb / pb - (1 - yb) / (1 - pb)), -(yb / pb - (1 - yb) / (1 - pb)) * pb * (1 - pb))
rho, rh, beta = S("rho", positive=True), S("rh", positive=True), S("beta", positive=True)
KLf = lambda r: rho * sp.log(rho / r) + (1 - rho) * sp.log((1 - rho) / (1 - r))  # noqa: E731
wrong(F, "KL sparsity: sign of the second term", sp.diff(KLf(rh), rh), -rho / rh - (1 - rho) / (1 - rh),
      -rho / rh + (1 - rho) / (1 - rh))
act = syms("act", MM, positive=True)
rhat = R(1, MM) * sum(act)
gk = [sp.diff(beta * KLf(rhat), act[m]) for m in range(MM)]
inner = -rho / rhat + (1 - rho) / (1 - rhat)
wrong(F, "KL sparsity: 1/M of the mean activation forgotten", gk, [beta * inner] * MM, [beta * inner / MM] * MM)
right(F, "KL sparsity: weight of the penalty forgotten", gk, [beta / MM * inner] * MM)
wrong(F, "KL sparsity: weight of the penalty forgotten", gk, [inner / MM] * MM, [beta / MM * inner] * MM)
xg, mu, lv = sp.symbols("xg mu lv")
sg = S("s", positive=True)
wrong(F, "Gaussian log-likelihood: inner derivative -1 forgotten", sp.diff((xg - mu) ** 2 / (2 * sg**2), mu),
      (xg - mu) / sg**2, -(xg - mu) / sg**2)
wrong(F, "VAE KL term: the 1/2 forgotten", sp.diff(R(1, 2) * (mu**2 + sp.exp(lv) - 1 - lv), lv), sp.exp(lv) - 1,
      R(1, 2) * (sp.exp(lv) - 1))

# ---------------------------------------------------------------- optimisers.deriv (exact numbers)
F = "optimisers.deriv"
Q_ = lambda t: sp.Rational(t)  # noqa: E731  (decimals as exact rationals, as in the .deriv files)
t0, t1, t2 = sp.symbols("theta0 theta1 theta2")
yh = t0 + 3 * t1 + 1 * t2
pt = {t0: Q_("0.2"), t1: Q_("0.5"), t2: Q_("1.0")}
dL1 = sp.diff((5 - yh) ** 2, t1).subs(pt)
upd = (t1 - Q_("0.01") * sp.diff((5 - yh) ** 2, t1)).subs(pt)
right(F, "SGD: update with the wrong sign", upd, Q_("0.5") - Q_("0.01") * Q_("-13.8"))
wrong(F, "SGD: update with the wrong sign", upd, Q_("0.5") - Q_("0.138"), Q_("0.5") + Q_("0.138"))
yhv = yh.subs(pt)
wrong(F, "SGD: inner derivative -x1 forgotten", dL1, 2 * (5 - yhv), 2 * (5 - yhv) * (-3))
wrong(F, "SGD: input x2 for x1", dL1, 2 * (5 - yhv) * (-1), 2 * (5 - yhv) * (-3))
mom = 1 - Q_("0.1") * (Q_("0.9") * Q_("0.5") + 2)
wrong(F, "momentum: velocity forgotten", mom, 1 - Q_("0.1") * 2, 1 - Q_("0.1") * (2 + Q_("0.9") * Q_("0.5")))
gA = Q_("0.5")
m1, v1 = (1 - Q_("0.9")) * gA, (1 - Q_("0.999")) * gA**2
eps = Q_("1e-8")
adam = 1 - Q_("0.001") * (m1 / (1 - Q_("0.9"))) / (sp.sqrt(v1 / (1 - Q_("0.999"))) + eps)
right(F, "Adam: bias correction of the first moment forgotten", adam,
      1 - Q_("0.001") * (Q_("0.05") / Q_("0.1")) / (sp.sqrt(Q_("0.00025") / Q_("0.001")) + eps))
wrong(F, "Adam: bias correction of the first moment forgotten", adam,
      1 - Q_("0.001") * Q_("0.05") / (sp.sqrt(Q_("0.00025") / Q_("0.001")) + eps),
      1 - Q_("0.001") * Q_("0.05") * (1 / Q_("0.1")) / (sp.sqrt(Q_("0.00025") / Q_("0.001")) + eps))
wrong(F, "Adam: second moment of g, not g^2", adam,
      1 - Q_("0.001") * (Q_("0.05") / Q_("0.1")) / (sp.sqrt(Q_("0.0005") / Q_("0.001")) + eps),
      1 - Q_("0.001") * (Q_("0.05") / Q_("0.1")) / (sp.sqrt(Q_("0.00025") / Q_("0.001")) + eps))
ada = 1 - Q_("0.1") / sp.sqrt(4 + 3**2) * 3
right(F, "AdaGrad: square root of the accumulator forgotten", ada, 1 - Q_("0.3") / sp.sqrt(13))
wrong(F, "AdaGrad: square root of the accumulator forgotten", ada, 1 - Q_("0.3") / 13, 1 - Q_("0.3") / sp.sqrt(13))
wdk = 2 - Q_("0.1") * (1 + Q_("0.5") * 2)
right(F, "weight decay: shrink factor with the wrong sign", wdk, (1 - Q_("0.1") * Q_("0.5")) * 2 - Q_("0.1") * 1)
wrong(F, "weight decay: shrink factor with the wrong sign", wdk, (1 + Q_("0.1") * Q_("0.5")) * 2 - Q_("0.1") * 1,
      (1 - Q_("0.1") * Q_("0.5")) * 2 - Q_("0.1") * 1)

# ---------------------------------------------------------------- batch_norm.deriv (N = 3)
F = "batch_norm.deriv"
N = 3
xb = syms("x", N)
gam, bet = sp.symbols("gamma beta")
eps = S("eps", positive=True)
dy = syms("dy", N)


def bn(xv):
    m_ = R(1, N) * sum(xv)
    v_ = R(1, N) * sum((t - m_) ** 2 for t in xv)
    xh_ = [(t - m_) / sp.sqrt(v_ + eps) for t in xv]
    return m_, v_, xh_


mub, vb, xh = bn(xb)
yb_ = [gam * xh[i] + bet for i in range(N)]
dL = lambda var: sum(dy[i] * sp.diff(yb_[i], var) for i in range(N))  # noqa: E731  (chain rule through L)
ans = sum(dy[i] * xh[i] for i in range(N))
wrong(F, "scale: sum over the batch forgotten", [dL(gam)] * N, [dy[i] * xh[i] for i in range(N)], [ans] * N)
wrong(F, "shift: normalised input multiplied in", dL(bet), ans, sum(dy))
# dL/dxhat[k] with xhat[k] cut: y[k] = gamma xhat[k] + beta
wrong(F, "normalised input: gamma forgotten", [dy[k] * gam for k in range(N)], dy, [dy[k] * gam for k in range(N)])
wrong(F, "batch mean: 1/N forgotten", [sp.diff(mub, xb[k]) for k in range(N)], [1] * N, [R(1, N)] * N)
gx = [dL(xb[k]) for k in range(N)]
sd = sp.sqrt(vb + eps)
full = [gam / sd * (dy[k] - R(1, N) * sum(dy) - xh[k] / N * ans) for k in range(N)]
wrong(F, "input: the mean's term forgotten", gx, [gam / sd * (dy[k] - xh[k] / N * ans) for k in range(N)], full)
right(F, "input: xhat inside the variance's sum forgotten", gx, full)
wrong(F, "input: xhat inside the variance's sum forgotten", gx,
      [gam / sd * (dy[k] - R(1, N) * sum(dy) - xh[k] / N * sum(dy)) for k in range(N)], full)

# ---------------------------------------------------------------- attention.deriv (n = 3, dk = 2)
F = "attention.deriv"
n, dk = 3, 2
qv = syms("q", dk)
Km = sp.Matrix(n, dk, lambda i, r: S(f"K_{i}{r}"))
Vm = sp.Matrix(n, dk, lambda i, r: S(f"V_{i}{r}"))
go = syms("go", dk)


def attn(scv):
    Zs = sum(sp.exp(t) for t in scv)
    al_ = [sp.exp(t) / Zs for t in scv]
    return al_, [sum(al_[i] * Vm[i, r] for i in range(n)) for r in range(dk)]


sc = [sum(qv[r] * Km[i, r] for r in range(dk)) / sp.sqrt(dk) for i in range(n)]
al, o = attn(sc)
dLa = lambda var: sum(go[r] * sp.diff(o[r], var) for r in range(dk))  # noqa: E731
scc = syms("sc_cut", n)
_, oc = attn(scc)
ds = [sum(go[r] * sp.diff(oc[r], scc[i]) for r in range(dk)).subs(dict(zip(scc, sc))) for i in range(n)]
gV = [[dLa(Vm[i, r]) for r in range(dk)] for i in range(n)]
wrong(F, "values: summed over the positions", gV, [[sum(al[j] * go[r] for j in range(n)) for r in range(dk)] for i in range(n)],
      [[al[i] * go[r] for r in range(dk)] for i in range(n)])
gq = [dLa(qv[r]) for r in range(dk)]
right(F, "query: the scale 1/sqrt(dk) forgotten", gq, [sum(ds[i] * sp.diff(sc[i], qv[r]) for i in range(n)) for r in range(dk)])
wrong(F, "query: the scale 1/sqrt(dk) forgotten", gq, [sum(ds[i] * Km[i, r] for i in range(n)) for r in range(dk)],
      [sum(ds[i] * Km[i, r] for i in range(n)) / sp.sqrt(dk) for r in range(dk)])
gK = [[dLa(Km[i, r]) for r in range(dk)] for i in range(n)]
wrong(F, "keys: key for the query", gK, [[ds[i] * Km[i, r] / sp.sqrt(dk) for r in range(dk)] for i in range(n)],
      [[ds[i] * qv[r] / sp.sqrt(dk) for r in range(dk)] for i in range(n)])
da = [sum(go[r] * Vm[i, r] for r in range(dk)) for i in range(n)]
soft = [al[i] * (da[i] - sum(al[j] * da[j] for j in range(n))) for i in range(n)]
right(F, "scores: softmax's mean term forgotten", ds, soft)
wrong(F, "scores: softmax's mean term forgotten", ds, [al[i] * da[i] for i in range(n)], soft)
