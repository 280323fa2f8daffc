#!/usr/bin/env python3
"""Truth, by SymPy, of the one-line tests of tests/prove.rs for positivity and square roots
(sums of squares, factors positive by the bounds of a domain, powers of a root, a varying power
of a bounded base): every `proves!` identity holds on the declared domain, every trap is false
or undefined somewhere on it. Exit status 0 when all hold.
"""
import sys
import sympy as sp

x, y, g = sp.symbols("x y g", real=True)
e, X, G = sp.symbols("e X G", positive=True)
p, r, b, q = sp.symbols("p r b q", real=True)
n = 3
xs = sp.symbols("x1:4", real=True)
S = sum(t**2 for t in xs)

ok = True


def holds(name, lhs, rhs, assumptions=()):
    global ok
    d = sp.simplify(lhs - rhs)
    good = d == 0
    print(f"{'ok ' if good else 'FAIL'} {name}: {lhs} = {rhs}")
    ok &= good


def trap(name, witness):
    """A point of the domain where the trap's two sides differ or one is undefined."""
    global ok
    print(f"{'ok ' if witness else 'FAIL'} trap {name}")
    ok &= bool(witness)


holds("log_of_one_plus_a_square", sp.diff(sp.log(1 + x**2), x), 2 * x / (1 + x**2))
holds("atan_second_derivative", sp.diff(sp.atan(x), x, 2), -2 * x / (1 + x**2) ** 2)
holds("squares_and_a_positive_constant", (x**2 + y**2 + e) / (x**2 + y**2 + e), 1)
trap("squares_alone_may_be_zero: undefined at x = y = 0", (x**2 + y**2).subs({x: 0, y: 0}) == 0)
trap("a_square_minus_one_may_be_zero: undefined at x = 1", (x**2 - 1).subs(x, 1) == 0)
# p in (0, 1), r in (-1, 1), b in (0, 1): the identities as rational functions, and their
# denominators without a zero in the open domain.
holds("bce_denominator", 1 / p + 1 / (1 - p), 1 / (p * (1 - p)))
trap("bce_denominator has no zero in (0, 1)", not [s for s in sp.solve(p * (1 - p), p) if 0 < s < 1])
holds("atanh_denominator", 1 / (1 + r) + 1 / (1 - r), 2 / (1 - r**2))
trap("atanh_denominator has no zero in (-1, 1)", not [s for s in sp.solve(1 - r**2, r) if -1 < s < 1])
holds("adam_bias_correction_cancels", (1 - b) * g / (1 - b**2), g / (1 + b))
trap("a_closed_end_is_reached: q - q^2 = 0 at q = 0 in [0, 1]", (q - q**2).subs(q, 0) == 0)
trap("a_factor_inside_the_domain_may_vanish: 1 - p^2 = 0 at p = 1 in (0, 2)", (1 - p**2).subs(p, 1) == 0)
holds("square_of_a_root (x > 0)", sp.sqrt(X) ** 2, X)
holds("reciprocal_of_a_root (x > 0)", 1 / sp.sqrt(X), sp.sqrt(X) / X)
holds("rsqrt_backward (x > 0)", sp.diff(1 / sp.sqrt(X), X), -1 / (2 * X * sp.sqrt(X)))
holds("root_of_a_sum_of_squares_and_a_positive_constant", sp.sqrt(S + e) ** 3, (S + e) * sp.sqrt(S + e))
trap("square_of_a_root_keeps_its_domain: sqrt(-1) is not real", not sp.sqrt(-1).is_real)
trap("cube_of_a_root_is_not_a_square: at x = 4, 8 != 16", sp.sqrt(4) ** 3 != 4**2)
P = sp.Symbol("P", positive=True)  # stands for 1 - p > 0 when p in (0, 1)
holds("varying_power_of_a_bounded_base", sp.diff((1 - p) ** G, p).subs(p, 1 - P), (-G * (1 - p) ** (G - 1)).subs(p, 1 - P))
trap("varying_power_of_a_base_that_may_be_negative: (1 - 1.5)^0.5 is not real", not (sp.Rational(-1, 2) ** sp.Rational(1, 2)).is_real)
sys.exit(0 if ok else 1)
