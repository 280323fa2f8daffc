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
