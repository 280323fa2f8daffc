# The rules and right steps of class_labels.deriv and exp_log.deriv, and the traps, verified
# with SymPy (pip install sympy): identities are simplified to 0 symbolically over the reals
# (positive symbols where the rule asks for a positive base), sums that skip a label are checked
# at every label value for K = 1..5, and each trap is shown false at a point of the real domain.
import random

import sympy as sp

ok = True
def check(name, expr, assume=None):
    global ok
    e = sp.simplify(expr)
    if e != 0:
        e = sp.simplify(sp.expand_log(sp.powsimp(sp.expand(expr), force=False)))
    good = e == 0
    how = ''
    if not good:
        # Where simplification does not reach 0: 40 digits at random points of the domain.
        rng = random.Random(name)
        syms = sorted(expr.free_symbols, key=str)
        vals = [abs(sp.N(expr.subs({t: sp.Rational(rng.randint(1, 400), 200) * (1 if t.is_positive else rng.choice([-1, 1])) for t in syms}), 40)) for _ in range(5)]
        good = all(v < 1e-30 for v in vals)
        how = ' (at 5 random points, 40 digits)'
    ok &= good
    print(('ok   ' if good else 'FAIL ') + name + how)

def real_defined(e, point):
    """Whether an expression is defined over the reals at the point: every log of a positive
    number, every power with a non-integer exponent of a positive base."""
    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.log) and not sp.N(node.args[0].subs(point)) > 0:
            return False
        if isinstance(node, sp.Pow):
            ex = float(sp.N(node.exp.subs(point)))
            if not ex.is_integer() and not sp.N(node.base.subs(point)) > 0:
                return False
    return True

def false_at(name, lhs, rhs, point):
    """A trap: at the point, one side is undefined over the reals and the other is not, or the
    two differ."""
    global ok
    dl, dr = real_defined(lhs, point), real_defined(rhs, point)
    bad = dl != dr or (dl and abs(complex(sp.N((lhs - rhs).subs(point)))) > 1e-9)
    ok &= bad
    print(('ok   ' if bad else 'FAIL ') + 'trap ' + name + f': defined {dl} and {dr}')

x, c = sp.symbols('x c', positive=True)
a, b, u, v = sp.symbols('a b u v', real=True)
S = sp.symbols('S', positive=True)

# exp and log (exp_log.deriv, tests/prove.rs)
for k in [sp.Integer(1), sp.Integer(2), sp.Integer(-1), sp.Integer(3), sp.Rational(1, 2)]:
    check(f'exp({k} log S) = S^{k} for S > 0', sp.exp(k * sp.log(S)) - S**k)
check('log(exp(a)) = a', sp.log(sp.exp(a)) - a)
check('exp(a) exp(b) = exp(a + b)', sp.exp(a) * sp.exp(b) - sp.exp(a + b))
check('x^(a+b) = x^a x^b for x > 0', sp.powsimp(x**(a + b) - x**a * x**b))
check('d/da x^a = x^a log x', sp.diff(x**a, a) - x**a * sp.log(x))
check('d/dx x^a = a x^(a-1)', sp.diff(x**a, x) - a * x**(a - 1))
check('d/du c^(a u) = a log(c) c^(a u)', sp.diff(c**(a * u), u) - a * sp.log(c) * c**(a * u))
check('general power rule for a positive base', sp.diff(x**(a * x), x) - x**(a * x) * (a * sp.log(x) + a * x / x))
check('exp(2 log x - log c) = x^2/c', sp.exp(2 * sp.log(x) - sp.log(c)) - x**2 / c)
check('exp(a) exp(b) / exp(a - b) = exp(2b)', sp.exp(a) * sp.exp(b) / sp.exp(a - b) - sp.exp(2 * b))
# (Built unevaluated: SymPy, working over the complex numbers, would cancel exp(log u) itself.)
false_at('exp(log u) = u', sp.exp(sp.log(u, evaluate=False), evaluate=False), u, {u: -2})
false_at('exp(2 log u) = u^2', sp.exp(sp.Mul(2, sp.log(u, evaluate=False), evaluate=False), evaluate=False), u**2, {u: -2})
false_at('log(u v) = log u + log v', sp.log(u * v), sp.log(u) + sp.log(v), {u: -2, v: -3})
false_at('u^(a+b) = u^a u^b', sp.Pow(u, a + b, evaluate=False), u**a * u**b, {u: -2, a: sp.Rational(1, 2), b: sp.Rational(1, 2)})

for K in range(1, 6):
    z = sp.symbols(f'z1:{K + 1}', real=True)
    xs = sp.symbols(f'x1:{K + 1}', real=True)
    Z = sum(sp.exp(zj) for zj in z)
    T = sp.symbols('T', positive=True)
    for k in range(K):
        check(f'K={K} softmax from log-softmax, k={k + 1}', sp.exp(z[k] - sp.log(Z)) - sp.exp(z[k]) / Z)
        check(f'K={K} d logsumexp / dz_k, k={k + 1}', sp.diff(sp.log(Z), z[k]) - sp.exp(z[k]) / Z)
        ZT = sum(sp.exp(zj / T) for zj in z)
        check(f'K={K} temperature, k={k + 1}', sp.diff(sp.log(ZT), z[k]) - sp.exp(z[k] / T) / (T * ZT))
    for y in range(K):
        # sum(j != y, x[j]) = sum(j, x[j]) - x[y]
        check(f'K={K} y={y + 1} skipped sum', sum(xs[j] for j in range(K) if j != y) - (sum(xs) - xs[y]))
        # -log p[y]: its gradient is p - onehot(y)
        p = [sp.exp(zj) / Z for zj in z]
        for k in range(K):
            check(f'K={K} y={y + 1} k={k + 1} cross-entropy', sp.diff(-sp.log(p[y]), z[k]) - (p[k] - (1 if k == y else 0)))
        check(f'K={K} y={y + 1} other classes', sum(p[j] for j in range(K) if j != y) - (1 - p[y]))
        check(f'K={K} y={y + 1} log-softmax shifted', (sp.log(Z) - z[y]) - sp.log(sum(sp.exp(zj - z[y]) for zj in z)))

# The multiclass SVM of CS231n with scores s (its derivative by W[k,d] is x[d] times that by s[k]),
# off the kinks: a random point, margins with both signs; step(m) = 1 for m >= 0.
random.seed(1)
svm_ok = True
for K in range(1, 6):
    for y in range(K):
        s = [random.uniform(-2, 2) for _ in range(K)]
        ind = lambda m: 1 if m >= 0 else 0
        for k in range(K):
            h = 1e-6
            def L(sv):
                return sum(max(0.0, sv[j] - sv[y] + 1) for j in range(K) if j != y)
            sp_ = list(s); sp_[k] += h; sm = list(s); sm[k] -= h
            fd = (L(sp_) - L(sm)) / (2 * h)
            step1 = sum(ind(s[j] - s[y] + 1) * ((j == k) - (y == k)) for j in range(K) if j != y)
            step2 = (1 - (k == y)) * ind(s[k] - s[y] + 1) - (k == y) * sum(ind(s[j] - s[y] + 1) for j in range(K) if j != y)
            good = abs(fd - step1) < 1e-6 and abs(step1 - step2) < 1e-12
            ok &= good
            if not good:
                print(f'FAIL SVM K={K} y={y} k={k}: {fd} {step1} {step2}')
            svm_ok &= good
print('ok   SVM gradient steps' if svm_ok else 'FAIL SVM gradient steps')

# The batch cross-entropy with soft targets, rows summing to 1 (N = 2, K = 3).
N, K = 2, 3
A = sp.Matrix(N, K, lambda n, k: sp.Symbol(f'a{n}{k}', real=True))
Tt = sp.Matrix(N, K, lambda n, k: sp.Symbol(f't{n}{k}', positive=True))
R = lambda n, k: sp.exp(A[n, k]) / sum(sp.exp(A[n, j]) for j in range(K))
loss = -sum(Tt[n, j] * sp.log(R(n, j)) for n in range(N) for j in range(K))
for m in range(N):
    for k in range(K):
        g = sp.diff(loss, A[m, k])
        check(f'batch CE m={m} k={k}: r * sum(t) - t', g - (R(m, k) * sum(Tt[m, j] for j in range(K)) - Tt[m, k]))
        # with the row's sum 1: substitute its last entry
        sub = {Tt[m, K - 1]: 1 - sum(Tt[m, j] for j in range(K - 1))}
        check(f'batch CE m={m} k={k}: r - t under the row sum', (g - (R(m, k) - Tt[m, k])).subs(sub))

# word2vec and one-vs-rest negative sampling (V = 3 words, D = 2).
V, D = 3, 2
U = sp.Matrix(V, D, lambda w, d: sp.Symbol(f'U{w}{d}', real=True))
vv = sp.symbols('v0:2', real=True)
score = [sum(U[w, d] * vv[d] for d in range(D)) for w in range(V)]
Zs = sum(sp.exp(sc) for sc in score)
q = [sp.exp(sc) / Zs for sc in score]
sig = lambda t: 1 / (1 + sp.exp(-t))
for o in range(V):
    J = -sp.log(q[o])
    NS = -sp.log(sig(score[o])) - sum(sp.log(sig(-score[w])) for w in range(V) if w != o)
    for d in range(D):
        check(f'word2vec o={o} d={d} by v', sp.diff(J, vv[d]) - (sum(q[w] * U[w, d] for w in range(V)) - U[o, d]))
        check(f'word2vec o={o} d={d} skipped form', (sum(q[w] * U[w, d] for w in range(V)) - U[o, d])
              - (sum(q[w] * U[w, d] for w in range(V) if w != o) - (1 - q[o]) * U[o, d]))
        check(f'negative sampling o={o} d={d} by v', sp.diff(NS, vv[d])
              - (-(1 - sig(score[o])) * U[o, d] + sum(sig(score[w]) * U[w, d] for w in range(V) if w != o)))
        for w in range(V):
            check(f'word2vec o={o} w={w} d={d} by U', sp.diff(J, U[w, d]) - (q[w] - int(w == o)) * vv[d])
            check(f'negative sampling o={o} w={w} d={d} by U', sp.diff(NS, U[w, d]) - (sig(score[w]) - int(w == o)) * vv[d])

print('ALL OK' if ok else 'SOME FAILED')
raise SystemExit(0 if ok else 1)
