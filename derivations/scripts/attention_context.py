# Seed 001, exercise 6-2(b): dot-product attention, context vector. Floats (math.exp).
import math
H = [[0, 1, 1], [2, 1, 0], [0, 3, 0]]; ht = [0, 2, 0]
s = [sum(a*b for a, b in zip(h, ht)) for h in H]
e = [math.exp(x) for x in s]; a = [x/sum(e) for x in e]
c = [sum(a[i]*H[i][j] for i in range(3)) for j in range(3)]
print('scores', s); print('weights', [f'{x:.10f}' for x in a]); print('context', [f'{x:.10f}' for x in c])
print('H a (no transpose)', [f'{sum(H[i][j]*a[j] for j in range(3)):.10f}' for i in range(3)])
w = [x/10 for x in s]; print('raw-score weights', w, 'context', [sum(w[i]*H[i][j] for i in range(3)) for j in range(3)])
ap = [0.0177, 0.0177, 0.964]; print('posted weights context', [sum(ap[i]*H[i][j] for i in range(3)) for j in range(3)])
e6 = [7.39, 7.39, 418.2]; aw = [x/sum(e6) for x in e6]; print('e^6 = 418.2 weights', aw, 'context', [sum(aw[i]*H[i][j] for i in range(3)) for j in range(3)])
print('unnormalised H^T exp(s)', [sum(e[i]*H[i][j] for i in range(3)) for j in range(3)])
