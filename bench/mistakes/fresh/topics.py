"""The hand-written SymPy encodings of every step in bench/mistakes/fresh/*.deriv (used by
../verify.py --fresh). Written independently of gradproof, in the manner of ../topics.py."""
import sympy as sp

from verify import d, mat, right, sig, syms, wrong

S = sp.Symbol
R = sp.Rational


_t = S("t_")
_sigp = sp.diff(sig(_t), _t)


def sigp(z):
    return _sigp.subs(_t, z)


step = lambda t: sp.Heaviside(t, 1)  # noqa: E731
relu = lambda t: sp.Max(t, 0)  # noqa: E731
delta = lambda a, b: 1 if a == b else 0  # noqa: E731

# ---------------------------------------------------------------- gan_vae.deriv
F = "gan_vae.deriv"
ar, af, mu, lv, ep, Rz = sp.symbols("ar af mu lv ep Rz")  # Rz = dR/dzz
LD = -(sp.log(sig(ar)) + sp.log(1 - sig(af)))
LG = -sp.log(sig(af))
zz = mu + sp.exp(lv / 2) * ep
KL = -R(1, 2) * (1 + lv - mu**2 - sp.exp(lv))
dLDar, dLDaf = sp.diff(LD, ar), sp.diff(LD, af)
right(F, "D loss, real logit: sign of the whole step", dLDar, -sigp(ar) / sig(ar))
wrong(F, "D loss, real logit: sign of the whole step", dLDar, 1 - sig(ar), sig(ar) - 1)
wrong(F, "D loss, fake logit: inner derivative of log(1 - D) forgotten", dLDaf, 1 / (1 - sig(af)),
      sigp(af) / (1 - sig(af)))
right(F, "D loss, fake logit: sigma (1 + sigma)", dLDaf, sigp(af) / (1 - sig(af)))
wrong(F, "D loss, fake logit: sigma (1 + sigma)", dLDaf, sig(af) * (1 + sig(af)) / (1 - sig(af)),
      sig(af) * (1 - sig(af)) / (1 - sig(af)))
wrong(F, "non-saturating G loss: sign inside the bracket", sp.diff(LG, af), -(1 + sig(af)), -(1 - sig(af)))
wrong(F, "reparameterisation: the 1/2 of exp(lv/2) forgotten", sp.diff(zz, lv), sp.exp(lv / 2) * ep,
      R(1, 2) * sp.exp(lv / 2) * ep)
dRlv = Rz * sp.diff(zz, lv)
right(F, "reparameterisation: epsilon forgotten", dRlv, Rz * sp.diff(zz, lv))
wrong(F, "reparameterisation: epsilon forgotten", dRlv, Rz * R(1, 2) * sp.exp(lv / 2),
      Rz * R(1, 2) * sp.exp(lv / 2) * ep)
wrong(F, "reparameterisation: mean gradient with epsilon", Rz * sp.diff(zz, mu), Rz * ep, Rz)
wrong(F, "VAE KL: sign of the mean term", sp.diff(KL, mu), -mu, mu)
wrong(F, "VAE KL: the -1/2 of the log-variance forgotten", sp.diff(KL, lv), R(1, 2) * sp.exp(lv),
      R(1, 2) * sp.exp(lv) - R(1, 2))

# ---------------------------------------------------------------- tied_autoencoder.deriv (n = 3)
F = "tied_autoencoder.deriv"
n = 3
N3 = range(n)
x, b, c = syms("x", n), syms("b", n), syms("c", n)
W = mat("W", n, n)
a = [sum(W[i][j] * x[j] for j in N3) + b[i] for i in N3]
h = [sig(a[i]) for i in N3]
r = [sum(W[i][k] * h[i] for i in N3) + c[k] for k in N3]
L = R(1, 2) * sum((r[k] - x[k]) ** 2 for k in N3)
e = [r[k] - x[k] for k in N3]
G = [sp.diff(L, W[i][j]) for i in N3 for j in N3]
fam = lambda f: [f(i, j) for i in N3 for j in N3]  # noqa: E731
back = lambda i: sum(e[k] * W[i][k] for k in N3)  # noqa: E731
full = fam(lambda i, j: e[j] * h[i] + back(i) * sigp(a[i]) * x[j])
wrong(F, "tied weights: decoder term forgotten", G, fam(lambda i, j: back(i) * sigp(a[i]) * x[j]), full)
right(F, "tied weights: encoder term forgotten", G,
      fam(lambda i, j: sum(e[k] * sp.diff(r[k], W[i][j]) for k in N3)))
wrong(F, "tied weights: encoder term forgotten", G, fam(lambda i, j: e[j] * h[i]), full)
wrong(F, "tied weights: transposed weight in the back-propagated error", G,
      fam(lambda i, j: e[j] * h[i] + sum(e[k] * W[k][i] for k in N3) * sigp(a[i]) * x[j]), full)
wrong(F, "tied weights: sigma for sigma'", G, fam(lambda i, j: e[j] * h[i] + back(i) * sig(a[i]) * x[j]), full)
wrong(F, "tied weights: input forgotten", G, fam(lambda i, j: e[j] * h[i] + back(i) * sigp(a[i])), full)
# a forgotten sum over k: the step is a family over (i, j, k)
wrong(F, "tied weights: sum over the outputs forgotten", [g for g in G for _ in N3],
      [e[j] * h[i] + e[k] * W[i][k] * sigp(a[i]) * x[j] for i in N3 for j in N3 for k in N3],
      [e[j] * h[i] + back(i) * sigp(a[i]) * x[j] for i in N3 for j in N3 for k in N3])
rs = syms("rs", n)  # r cut from its definition
Lr = R(1, 2) * sum((rs[k] - x[k]) ** 2 for k in N3)
wrong(F, "reconstruction error: sign", [sp.diff(Lr, rs[k]) for k in N3], [x[k] - rs[k] for k in N3],
      [rs[k] - x[k] for k in N3])
wrong(F, "decoder bias: hidden unit multiplied in", [sp.diff(L, c[j]) for j in N3], [e[j] * h[j] for j in N3],
      [e[j] for j in N3])
Gb = [sp.diff(L, b[i]) for i in N3]
right(F, "encoder bias: h (1 + h)", Gb, [back(i) * sigp(a[i]) for i in N3])
wrong(F, "encoder bias: h (1 + h)", Gb, [back(i) * h[i] * (1 + h[i]) for i in N3],
      [back(i) * h[i] * (1 - h[i]) for i in N3])

# ---------------------------------------------------------------- cnn.deriv (3 outputs, kernel 2, 4 inputs)
F = "cnn.deriv"
x, w, gy, gz = syms("x", 4), syms("w", 2), syms("gy", 3), syms("gz", 3)
bc = S("bc")
y = [w[0] * x[i] + w[1] * x[i + 1] + bc for i in range(3)]
Lw = [sum(gy[i] * sp.diff(y[i], w[k]) for i in range(3)) for k in range(2)]  # dL/dw[k], L unknown of y
wrong(F, "kernel gradient: input index not shifted", Lw, [sum(gy[i] * x[i] for i in range(3)) for k in range(2)],
      [sum(gy[i] * x[i + k] for i in range(3)) for k in range(2)])
right(F, "kernel gradient: input index not shifted", Lw, [sum(gy[i] * x[i + k] for i in range(3)) for k in range(2)])
wrong(F, "kernel gradient: sum over the positions forgotten", [Lw[k] for k in range(2) for i in range(3)],
      [gy[i] * x[i + k] for k in range(2) for i in range(3)], [Lw[k] for k in range(2) for i in range(3)])
wrong(F, "kernel gradient: upstream gradient forgotten", Lw, [sum(x[i + k] for i in range(3)) for k in range(2)],
      [sum(gy[i] * x[i + k] for i in range(3)) for k in range(2)])
wrong(F, "kernel gradient: kernel for the input", Lw, [sum(gy[i] * w[k] for i in range(3)) for k in range(2)],
      [sum(gy[i] * x[i + k] for i in range(3)) for k in range(2)])
Lx2 = sum(gy[i] * sp.diff(y[i], x[1]) for i in range(3))
Lx3 = sum(gy[i] * sp.diff(y[i], x[2]) for i in range(3))
right(F, "input gradient: one window forgotten", Lx2, gy[0] * w[1] + gy[1] * w[0])
wrong(F, "input gradient: one window forgotten", Lx2, gy[1] * w[0], gy[0] * w[1] + gy[1] * w[0])
wrong(F, "input gradient: wrong kernel tap", Lx3, gy[1] * w[1] + gy[2] * w[1], gy[1] * w[1] + gy[2] * w[0])
wrong(F, "bias gradient: input multiplied in", sum(gy[i] * sp.diff(y[i], bc) for i in range(3)),
      sum(gy[i] * x[i] for i in range(3)), sum(gy[i] for i in range(3)))
# relu'(y) = step(y), written by hand (SymPy's Heaviside(y) differs from step only at 0)
SIGNED = lambda s, rng: rng.uniform(-1, 1)  # noqa: E731  (inputs of either sign: some y[i] < 0)
Ew = [sum(gz[i] * step(y[i]) * x[i + k] for i in range(3)) for k in range(2)]


right(F, "ReLU after the convolution: relu' forgotten", Ew, [sum(gz[i] * step(y[i]) * x[i + k] for i in range(3))
                                                            for k in range(2)])
wrong(F, "ReLU after the convolution: relu' forgotten", Ew, [sum(gz[i] * x[i + k] for i in range(3)) for k in range(2)],
      [sum(gz[i] * step(y[i]) * x[i + k] for i in range(3)) for k in range(2)], sampler=SIGNED)
wrong(F, "ReLU after the convolution: relu for relu'", Ew,
      [sum(gz[i] * relu(y[i]) * x[i + k] for i in range(3)) for k in range(2)],
      [sum(gz[i] * step(y[i]) * x[i + k] for i in range(3)) for k in range(2)])
wrong(F, "average pooling: the 1/3 forgotten", sp.diff((y[0] + y[1] + y[2]) / 3, w[0]), x[0] + x[1] + x[2],
      R(1, 3) * (x[0] + x[1] + x[2]))

# ---------------------------------------------------------------- optimiser_numbers.deriv (exact numbers)
F = "optimiser_numbers.deriv"
Q = lambda s: sp.Rational(s)  # noqa: E731
th, gr, v0 = 1, Q("0.5"), Q("0.04")
rms = th - Q("0.01") * gr / sp.sqrt(Q("0.9") * v0 + Q("0.1") * gr**2)
right(F, "RMSprop: square root of the running average forgotten", rms, 1 - Q("0.01") * Q("0.5") / sp.sqrt(Q("0.061")))
wrong(F, "RMSprop: square root of the running average forgotten", rms, 1 - Q("0.01") * Q("0.5") / Q("0.061"),
      1 - Q("0.01") * Q("0.5") / sp.sqrt(Q("0.061")))
wrong(F, "RMSprop: gradient not squared in the running average", rms,
      1 - Q("0.01") * Q("0.5") / sp.sqrt(Q("0.9") * Q("0.04") + Q("0.1") * Q("0.5")),
      1 - Q("0.01") * Q("0.5") / sp.sqrt(Q("0.9") * Q("0.04") + Q("0.1") * Q("0.5") ** 2))
wrong(F, "RMSprop: step uphill", rms, 1 + Q("0.01") * Q("0.5") / sp.sqrt(Q("0.061")),
      1 - Q("0.01") * Q("0.5") / sp.sqrt(Q("0.061")))
mom = 2 + (Q("0.9") * Q("0.2") - Q("0.1") * Q("1.5"))
right(F, "momentum: the gradient's term forgotten", mom, 2 + Q("0.18") - Q("0.15"))
wrong(F, "momentum: the gradient's term forgotten", mom, 2 + Q("0.9") * Q("0.2"),
      2 + Q("0.9") * Q("0.2") - Q("0.1") * Q("1.5"))
wrong(F, "momentum: the momentum coefficient forgotten", mom, 2 + (Q("0.2") - Q("0.1") * Q("1.5")),
      2 + (Q("0.9") * Q("0.2") - Q("0.1") * Q("1.5")))
m2 = Q("0.9") * Q("0.05") + Q("0.1") * Q("0.3")
wrong(F, "Adam: first moment without (1 - beta1)", m2, Q("0.9") * Q("0.05") + Q("0.3"),
      Q("0.9") * Q("0.05") + Q("0.1") * Q("0.3"))
bias = Q("0.075") / (1 - Q("0.9") ** 2)
right(F, "Adam: bias correction of step 1 at step 2", bias, Q("0.075") / Q("0.19"))
wrong(F, "Adam: bias correction of step 1 at step 2", bias, Q("0.075") / (1 - Q("0.9")),
      Q("0.075") / (1 - Q("0.9") ** 2))
v2 = Q("0.999") * Q("0.00025") + Q("0.001") * Q("0.3") ** 2
wrong(F, "Adam: second moment with g, not g squared", v2, Q("0.999") * Q("0.00025") + Q("0.001") * Q("0.3"), v2)
upd = 1 - Q("0.001") * Q("0.4") / (sp.sqrt(Q("0.16")) + Q("1e-8"))
wrong(F, "Adam: square root of the second moment forgotten", upd, 1 - Q("0.001") * Q("0.4") / (Q("0.16") + Q("1e-8")),
      1 - Q("0.001") * Q("0.4") / (sp.sqrt(Q("0.16")) + Q("1e-8")))

# ---------------------------------------------------------------- layernorm_softmax.deriv (n = 3, T = 3, d = 2)
F = "layernorm_softmax.deriv"
n = 3
N3 = range(n)
x, gam, bet, gy = syms("x", n), syms("gam", n), syms("bet", n), syms("gy", n)
eps = S("eps", positive=True)
mu = R(1, n) * sum(x)
va = R(1, n) * sum((x[i] - mu) ** 2 for i in N3)
xh = [(x[i] - mu) / sp.sqrt(va + eps) for i in N3]
yl_ = [gam[i] * xh[i] + bet[i] for i in N3]
# L unknown of y: dL/dv = sum_i gy[i] dy[i]/dv
dL = lambda v: sum(gy[i] * sp.diff(yl_[i], v) for i in N3)  # noqa: E731
Gg = [dL(gam[k]) for k in N3]
right(F, "layer norm gain: summed over the features", Gg, [gy[k] * xh[k] for k in N3])
wrong(F, "layer norm gain: summed over the features", Gg, [sum(gy[i] * xh[i] for i in N3) for k in N3],
      [gy[k] * xh[k] for k in N3])
wrong(F, "layer norm shift: gain multiplied in", [dL(bet[k]) for k in N3], [gy[k] * gam[k] for k in N3],
      [gy[k] for k in N3])
xhs = syms("xhs", n)  # xh cut from its definition
Lxh = [sum(gy[i] * sp.diff(gam[i] * xhs[i] + bet[i], xhs[k]) for i in N3) for k in N3]
wrong(F, "layer norm: gain forgotten on the way to x-hat", Lxh, [gy[k] for k in N3], [gy[k] * gam[k] for k in N3])
Gva = [sp.diff(va, x[k]) for k in N3]
right(F, "layer norm: 1/n of the variance forgotten", Gva, [R(2, n) * (x[k] - mu) for k in N3])
wrong(F, "layer norm: 1/n of the variance forgotten", Gva, [2 * (x[k] - mu) for k in N3],
      [R(1, n) * 2 * (x[k] - mu) for k in N3])
T = 3
s = syms("s", T)
tau = S("tau", positive=True)
Z = sum(sp.exp(s[l] / tau) for l in range(T))
p = [sp.exp(s[j] / tau) / Z for j in range(T)]
Jp = [sp.diff(p[j], s[l]) for j in range(T) for l in range(T)]
famjl = lambda f: [f(j, l) for j in range(T) for l in range(T)]  # noqa: E731
fixjl = famjl(lambda j, l: p[j] * (delta(j, l) - p[l]) / tau)
wrong(F, "softmax with temperature: 1/tau forgotten", Jp, famjl(lambda j, l: p[j] * (delta(j, l) - p[l])), fixjl)
right(F, "softmax with temperature: wrong index in the subtracted term", Jp, fixjl)
wrong(F, "softmax with temperature: wrong index in the subtracted term", Jp,
      famjl(lambda j, l: p[j] * (delta(j, l) - p[j]) / tau), fixjl)
wrong(F, "softmax with temperature: sign of the subtracted term", Jp,
      famjl(lambda j, l: p[j] * (delta(j, l) + p[l]) / tau), fixjl)
dk = 2
q = syms("q", dk)
K = mat("K", T, dk)
sc = [sum(q[r_] * K[j][r_] for r_ in range(dk)) / sp.sqrt(dk) for j in range(T)]
wrong(F, "attention scores: scale forgotten", [sp.diff(sc[j], q[r_]) for j in range(T) for r_ in range(dk)],
      [K[j][r_] for j in range(T) for r_ in range(dk)], [K[j][r_] / sp.sqrt(dk) for j in range(T) for r_ in range(dk)])
idx = [(j, l, r_) for j in range(T) for l in range(T) for r_ in range(dk)]
wrong(F, "attention scores: Kronecker delta of the key forgotten", [sp.diff(sc[j], K[l][r_]) for j, l, r_ in idx],
      [q[r_] / sp.sqrt(dk) for j, l, r_ in idx], [delta(j, l) * q[r_] / sp.sqrt(dk) for j, l, r_ in idx])

# ---------------------------------------------------------------- focal_loss.deriv
F = "focal_loss.deriv"
z = S("z")
al, ga = S("al", positive=True), S("ga", positive=True)
P = S("P")  # p cut from its definition (diff(., p))
FLp = -(1 - P) ** 2 * sp.log(P)
FLgp = -al * (1 - P) ** ga * sp.log(P)
dFLp = sp.diff(FLp, P)
right(F, "focal loss: sign of the modulating factor's term", dFLp, 2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P)
wrong(F, "focal loss: sign of the modulating factor's term", dFLp, -2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P,
      2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P)
wrong(F, "focal loss: product rule, the modulating factor's term forgotten", dFLp, -(1 - P) ** 2 / P,
      2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P)
wrong(F, "focal loss: square of the modulating factor dropped", dFLp, 2 * (1 - P) * sp.log(P) - (1 - P) / P,
      2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P)
pz = sig(z)
dFLz = sp.diff(-(1 - pz) ** 2 * sp.log(pz), z)
right(F, "focal loss: sigmoid's derivative forgotten", dFLz, dFLp.subs(P, pz) * sigp(z))
wrong(F, "focal loss: sigmoid's derivative forgotten", dFLz, (2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P).subs(P, pz),
      ((2 * (1 - P) * sp.log(P) - (1 - P) ** 2 / P) * P * (1 - P)).subs(P, pz))
dFLg = sp.diff(FLgp, P)
wrong(F, "general gamma: exponent not lowered", dFLg,
      al * ga * (1 - P) ** ga * sp.log(P) - al * (1 - P) ** ga / P,
      al * ga * (1 - P) ** (ga - 1) * sp.log(P) - al * (1 - P) ** ga / P)
right(F, "general gamma: alpha forgotten in one term", dFLg,
      al * ga * (1 - P) ** (ga - 1) * sp.log(P) - al * (1 - P) ** ga / P)
wrong(F, "general gamma: alpha forgotten in one term", dFLg,
      ga * (1 - P) ** (ga - 1) * sp.log(P) - al * (1 - P) ** ga / P,
      al * ga * (1 - P) ** (ga - 1) * sp.log(P) - al * (1 - P) ** ga / P)
dCE = sp.diff(-sp.log(pz), z)
right(F, "cross-entropy (gamma 0): sign inside the bracket", dCE, -sigp(z) / pz)
wrong(F, "cross-entropy (gamma 0): sign inside the bracket", dCE, -(1 + pz), -(1 - pz))

# ---------------------------------------------------------------- word2vec.deriv (d = 2, K = 2)
F = "word2vec.deriv"
dd, KK = 2, 2
vc, uo, yl = syms("vc", dd), syms("uo", dd), syms("yl", KK)
un = mat("un", KK, dd)
so = sum(uo[r_] * vc[r_] for r_ in range(dd))
sn = [sum(un[k][r_] * vc[r_] for r_ in range(dd)) for k in range(KK)]
J = -sp.log(sig(so)) - sum(sp.log(sig(-sn[k])) for k in range(KK))
Jv = [sp.diff(J, vc[r_]) for r_ in range(dd)]
fixv = [(sig(so) - 1) * uo[r_] + sum(sig(sn[k]) * un[k][r_] for k in range(KK)) for r_ in range(dd)]
wrong(F, "centre vector: the negatives' term forgotten", Jv, [(sig(so) - 1) * uo[r_] for r_ in range(dd)], fixv)
wrong(F, "centre vector: sign of the negatives' term", Jv,
      [(sig(so) - 1) * uo[r_] - sum(sig(sn[k]) * un[k][r_] for k in range(KK)) for r_ in range(dd)], fixv)
wrong(F, "centre vector: sigma of minus the score", Jv,
      [(sig(so) - 1) * uo[r_] + sum(sig(-sn[k]) * un[k][r_] for k in range(KK)) for r_ in range(dd)], fixv)
Ju = [sp.diff(J, uo[r_]) for r_ in range(dd)]
right(F, "context vector: its own vector for the centre one", Ju, [(sig(so) - 1) * vc[r_] for r_ in range(dd)])
wrong(F, "context vector: its own vector for the centre one", Ju, [(sig(so) - 1) * uo[r_] for r_ in range(dd)],
      [(sig(so) - 1) * vc[r_] for r_ in range(dd)])
wrong(F, "context vector: sigmoid's derivative forgotten", Ju, [-1 / sig(so) * vc[r_] for r_ in range(dd)],
      [-sigp(so) / sig(so) * vc[r_] for r_ in range(dd)])
kr = [(k, r_) for k in range(KK) for r_ in range(dd)]
Jn = [sp.diff(J, un[k][r_]) for k, r_ in kr]
fixn = [sig(sn[k]) * vc[r_] for k, r_ in kr]
wrong(F, "negative vector: summed over the negatives", Jn, [sum(sig(sn[kk]) * vc[r_] for kk in range(KK)) for k, r_ in kr],
      fixn)
wrong(F, "negative vector: centre vector forgotten", Jn, [sig(sn[k]) for k, r_ in kr], fixn)
wrong(F, "negative vector: its own vector for the centre one", Jn, [sig(sn[k]) * un[k][r_] for k, r_ in kr], fixn)
sks = syms("sks", KK)  # sk cut from its definition
J2s = -sum(yl[k] * sp.log(sig(sks[k])) + (1 - yl[k]) * sp.log(1 - sig(sks[k])) for k in range(KK))
wrong(F, "with labels: score gradient the wrong way round", [sp.diff(J2s, sks[k]) for k in range(KK)],
      [yl[k] - sig(sks[k]) for k in range(KK)], [sig(sks[k]) - yl[k] for k in range(KK)])
J2 = J2s.subs(dict(zip(sks, sn)))
J2v = [sp.diff(J2, vc[r_]) for r_ in range(dd)]
right(F, "with labels: sum over the samples forgotten", J2v,
      [sum((sig(sn[k]) - yl[k]) * sp.diff(sn[k], vc[r_]) for k in range(KK)) for r_ in range(dd)])
wrong(F, "with labels: sum over the samples forgotten", [J2v[r_] for r_ in range(dd) for k in range(KK)],
      [(sig(sn[k]) - yl[k]) * un[k][r_] for r_ in range(dd) for k in range(KK)],
      [sum((sig(sn[kk]) - yl[kk]) * un[kk][r_] for kk in range(KK)) for r_ in range(dd) for k in range(KK)])

# ---------------------------------------------------------------- dropout_residual.deriv
F = "dropout_residual.deriv"
x, m, p, w1, w2, Ey = sp.symbols("x m p w1 w2 Ey")  # Ey = dE/dyr
Fn = sp.Function("F")
drop = sp.diff(m * x / (1 - p), x)
wrong(F, "inverted dropout: the scale 1/(1 - p) forgotten", drop, m, m / (1 - p))
wrong(F, "inverted dropout: the mask forgotten", drop, 1 / (1 - p), m / (1 - p))
wrong(F, "inverted dropout: scaled by the drop probability", drop, m / p, m / (1 - p))
res = sp.diff(x + Fn(x), x)
wrong(F, "residual: identity path forgotten", res, d(Fn, x), 1 + d(Fn, x))
wrong(F, "residual: F for F'", res, 1 + Fn(x), 1 + d(Fn, x))
Ex = Ey * sp.diff(x + Fn(x), x)
right(F, "residual: upstream gradient forgotten", Ex, Ey * (1 + d(Fn, x)))
wrong(F, "residual: upstream gradient forgotten", Ex, 1 + d(Fn, x), Ey * (1 + d(Fn, x)))
wrong(F, "residual: identity path forgotten under the upstream gradient", Ex, Ey * d(Fn, x), Ey * (1 + d(Fn, x)))
# the kink of relu(w1 x): x > 0 with w1 of either sign
xp_, wp_ = S("xp_", positive=True), S("wp_", positive=True)
KINK = [{x: xp_, w1: wp_}, {x: xp_, w1: -wp_}]
blk = x + w2 * relu(w1 * x)
Bw = sp.diff(blk, w1)
wrong(F, "residual block: second weight forgotten", Bw, step(w1 * x) * x, w2 * step(w1 * x) * x, cases=KINK)
right(F, "residual block: input forgotten", Bw, w2 * step(w1 * x) * x, cases=KINK)
wrong(F, "residual block: input forgotten", Bw, w2 * step(w1 * x), w2 * step(w1 * x) * x, cases=KINK)
wrong(F, "residual block: relu for relu'", Bw, w2 * relu(w1 * x) * x, w2 * step(w1 * x) * x, cases=KINK)
wrong(F, "residual block, input gradient: identity forgotten", sp.diff(blk, x), w2 * step(w1 * x) * w1,
      1 + w2 * step(w1 * x) * w1, cases=KINK)
