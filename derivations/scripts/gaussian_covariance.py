# The truth of gaussian_covariance.deriv, with SymPy: S is a matrix of n^2 independent symbols
# (each element perturbed alone, as the language's diff means), x and mu vectors of symbols; the
# gradients are taken exactly, then every step's claim is compared at random symmetric positive
# definite S (rational, A A^T / n + I / 2) and random x, mu, for n = 1..3. Prints one line per claim
# and size: True for the steps annotated ok, False (a difference) for the wrong ones at n >= 2 (the
# symmetric-matrix convention agrees at n = 1); exits 1 otherwise.
import random
import sympy as sp

random.seed(7)


def rat():
    return sp.Rational(random.randint(-20, 20), 10)


def case(n):
    S = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"S{i}{j}"))
    x = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"x{i}"))
    mu = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"m{i}"))
    d = x - mu
    Si = S.inv()
    nll = (d.T * Si * d)[0] / 2 + sp.log(S.det()) / 2 + n * sp.log(2 * sp.pi) / 2
    g_mu = sp.Matrix(n, 1, lambda i, _: sp.diff(nll, mu[i]))
    g_S = sp.Matrix(n, n, lambda i, j: sp.diff(nll, S[i, j]))
    g_logdet = sp.Matrix(n, n, lambda i, j: sp.diff(sp.log(S.det()), S[i, j]))
    A = sp.Matrix(n, n, lambda i, j: rat())
    Sv = A * A.T / n + sp.eye(n) / 2
    at = {S[i, j]: Sv[i, j] for i in range(n) for j in range(n)}
    at.update({x[i]: rat() for i in range(n)})
    at.update({mu[i]: rat() for i in range(n)})
    ev = lambda M: sp.simplify(M.subs(at))
    Siv = Sv.inv()
    dv = d.subs(at)
    claims = {
        "mean (S^-1 + S^-T)/2": (g_mu, (Siv + Siv.T) * (-dv) / 2),
        "mean S^-1 (mu - x)": (g_mu, Siv * (-dv)),
        "mean sign slip (wrong)": (g_mu, Siv * dv),
        "log det S^-T": (g_logdet, Siv.T),
        "log det S^-1": (g_logdet, Siv),
        "log det symmetric convention (wrong)": (g_logdet, 2 * Siv - sp.diag(*[Siv[i, i] for i in range(n)])),
        "covariance": (g_S, (Siv - Siv * dv * dv.T * Siv) / 2),
        "covariance S^-1 dropped (wrong)": (g_S, (Siv - dv * dv.T) / 2),
    }
    ok = True
    for name, (grad, claim) in claims.items():
        same = ev(grad) == sp.simplify(claim)
        print(n, name, same)
        ok &= same != ("(wrong)" in name) or n == 1
    print(n, "S symmetric, det positive", Sv == Sv.T and Sv.det() > 0)
    return ok


if not all([case(n) for n in (1, 2, 3)]):
    raise SystemExit(1)
