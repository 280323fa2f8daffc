# Workbook question 10(c): AdaGrad, mu = 0.1, two epochs over the rows of X in order, G starts at 0,
# no epsilon (as in adagrad_step.deriv). Floats (math.sqrt) at double precision plus an exact first step.
import math
from fractions import Fraction as F
X = [[1, 1, 2], [1, 1, 1], [1, 1, 2]]; Y = [11, 8, 10]
def total(w): return sum((y - sum(a*b for a, b in zip(x, w)))**2 for x, y in zip(X, Y))
def errors(w): return [y - sum(a*b for a, b in zip(x, w)) for x, y in zip(X, Y)]
def adagrad(variant=None):
    w = [1.0, 1.0, 1.0]; G = [0.0, 0.0, 0.0]; mu = 0.1
    hist = []
    for epoch in range(2):
        for x, y in zip(X, Y):
            r = y - sum(a*b for a, b in zip(x, w))
            g = [-2*r*a for a in x]
            if variant == 'restart': G = [gi*gi for gi in g]
            else: G = [Gi + gi*gi for Gi, gi in zip(G, g)]
            if variant == 'nosqrt': w = [wi - mu/Gi*gi for wi, Gi, gi in zip(w, G, g)]
            elif variant == 'scalarG':
                Gs = sum(G); w = [wi - mu/math.sqrt(Gs)*gi for wi, gi in zip(w, g)]
            else: w = [wi - mu/math.sqrt(Gi)*gi for wi, Gi, gi in zip(w, G, g)]
            hist.append((list(g), list(G), list(w)))
        print(f"  epoch {epoch+1}: w = {[f'{a:.10f}' for a in w]} errors = {[f'{a:.8f}' for a in errors(w)]} total loss = {total(w):.10f}")
    return hist
print("AdaGrad")
h = adagrad()
for k, (g, G, w) in enumerate(h, 1):
    print(f"  update {k}: g = {[f'{a:.8f}' for a in g]} G = {[f'{a:.8f}' for a in G]} w = {[f'{a:.10f}' for a in w]}")
for v in ('nosqrt', 'restart', 'scalarG'):
    print("variant", v); hv = adagrad(v)
    print('   update 2 w =', [f'{a:.10f}' for a in hv[1][2]])
# plain SGD (question 10(b)) for comparison
w = [1.0, 1.0, 1.0]
for epoch in range(2):
    for x, y in zip(X, Y):
        r = y - sum(a*b for a, b in zip(x, w)); w = [wi + 0.1*2*r*a for wi, a in zip(w, x)]
    print(f"  SGD epoch {epoch+1}: w = {w} loss = {total(w)}")
print('initial loss', total([1, 1, 1]))
