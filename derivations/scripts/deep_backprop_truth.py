#!/usr/bin/env python3
"""Truth for derivations/deep_backprop.deriv by SymPy: every step of the file, written out at sizes
n = 2 and 3, differentiated by SymPy and compared with its claim at random points (40 digits).

    python3 derivations/scripts/deep_backprop_truth.py
"""
import random

import mpmath
import sympy as sp

mpmath.mp.dps = 40


def sig(u):
    return 1 / (1 + sp.exp(-u))


def model(n):
    R = range(n)
    x = [sp.Symbol(f"x{k}") for k in R]
    W = {l: [[sp.Symbol(f"W{l}_{i}{k}") for k in R] for i in R] for l in (1, 2, 3, 4)}
    h, prev = {}, x
    for l in (1, 2, 3, 4):
        h[l] = [sig(sum(W[l][i][k] * prev[k] for k in R)) for i in R]
        prev = h[l]
    E3, E4 = sum(h[3]), sum(h[4])
    d4 = [h[4][i] * (1 - h[4][i]) for i in R]
    c3 = [h[3][i] * (1 - h[3][i]) for i in R]
    d3 = [h[3][i] * (1 - h[3][i]) * sum(W[4][m][i] * d4[m] for m in R) for i in R]
    c2 = [h[2][i] * (1 - h[2][i]) * sum(W[3][m][i] * c3[m] for m in R) for i in R]
    d2 = [h[2][i] * (1 - h[2][i]) * sum(W[3][m][i] * d3[m] for m in R) for i in R]
    c1 = [h[1][i] * (1 - h[1][i]) * sum(W[2][m][i] * c2[m] for m in R) for i in R]
    d1 = [h[1][i] * (1 - h[1][i]) * sum(W[2][m][i] * d2[m] for m in R) for i in R]
    symbols = x + [w for l in W for row in W[l] for w in row]
    # (name, head, claim, expected equal) for every free index value.
    steps = []
    for k in R:
        steps += [
            ("three layers", sp.diff(E3, x[k]), sum(W[1][i][k] * c1[i] for i in R), True),
            ("three layers, sigmoid factor dropped", sp.diff(E3, x[k]),
             sum(W[1][i][k] * sum(W[2][m][i] * c2[m] for m in R) for i in R), False),
            ("three layers, transposed", sp.diff(E3, x[k]), sum(W[1][k][i] * c1[i] for i in R), False),
            ("four layers", sp.diff(E4, x[k]), sum(W[1][i][k] * d1[i] for i in R), True),
            ("four layers, deltas in the wrong order", sp.diff(E4, x[k]),
             sum(W[1][i][k] * h[1][i] * (1 - h[1][i]) * sum(W[2][i][m] * d2[m] for m in R) for i in R), False),
        ]
        for i in R:
            steps.append(("four layers, W1", sp.diff(E4, W[1][i][k]), d1[i] * x[k], True))
    return symbols, steps


def main():
    rng = random.Random(7)
    failures = 0
    for n in (2, 3):
        symbols, steps = model(n)
        # A wrong step must differ somewhere (at one of the points); a right one nowhere.
        results = {}
        points = [[mpmath.mpf(rng.randint(-200, 200)) / 100 for _ in symbols] for _ in range(3)]
        for name, head, claim, expected in steps:
            difference = sp.lambdify(symbols, head - claim, modules="mpmath")
            differs = any(abs(difference(*point)) > mpmath.mpf(10) ** -25 for point in points)
            results.setdefault((name, expected), []).append(not differs)
        for (name, expected), equal in results.items():
            ok = all(equal) if expected else not all(equal)
            failures += not ok
            print(f"n = {n}: {name}: {'equal' if all(equal) else 'differs'} ({'OK' if ok else 'MISMATCH'})")
    print("ALL OK" if failures == 0 else f"{failures} MISMATCHES")
    raise SystemExit(failures != 0)


if __name__ == "__main__":
    main()
