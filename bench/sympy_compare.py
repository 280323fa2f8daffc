#!/usr/bin/env python3
"""Optional comparison with SymPy (needs Python 3 and `pip install sympy`; not part of CI).

    cargo build --release && cargo bench --bench sympy_export && python3 bench/sympy_compare.py

Times SymPy's `simplify(lhs - rhs) == 0` on every step of the corpus (given the derivative-free
forms gradproof lowers them to, since SymPy has no perturbation semantics) against the median wall
time of `gradproof check derivations/`, which does more: parsing, symbolic differentiation,
normalisation, and the numeric check of every step.
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sympy
from sympy import (Abs, Function, Heaviside, Indexed, IndexedBase, KroneckerDelta, Max, Product,
                   Rational, Sum, Symbol, cos, exp, log, sign, simplify, sin, sqrt, tanh)

root = Path(__file__).resolve().parent.parent
pairs = [line.split("\t") for line in (root / "target/sympy_pairs.txt").read_text().splitlines()]
names = dict(Abs=Abs, Function=Function, Heaviside=Heaviside, Indexed=Indexed, IndexedBase=IndexedBase,
             KroneckerDelta=KroneckerDelta, Max=Max, Product=Product, Rational=Rational, Sum=Sum,
             Symbol=Symbol, cos=cos, exp=exp, log=log, sign=sign, sin=sin, sqrt=sqrt, tanh=tanh)

start = time.perf_counter()
zero = 0
for name, step, lhs, rhs in pairs:
    difference = eval(lhs, names) - eval(rhs, names)  # the strings come from our own exporter
    if simplify(difference.doit()) == 0:
        zero += 1
sympy_seconds = time.perf_counter() - start

runs = []
for _ in range(5):
    t = time.perf_counter()
    subprocess.run([str(root / "target/release/gradproof"), "check", "derivations/"], cwd=root,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs.append(time.perf_counter() - t)
ours = statistics.median(runs)
print(f"SymPy {sympy.__version__}: {len(pairs)} steps in {sympy_seconds:.2f} s, {zero} simplified to 0")
print(f"gradproof check derivations/ (median of 5): {ours:.3f} s")
print(f"ratio: {sympy_seconds / ours:.1f}x")
sys.exit(0)
