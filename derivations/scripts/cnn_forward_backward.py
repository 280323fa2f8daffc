# Workbook questions 13-14: 2-channel CNN forward pass and the gradients of the logistic loss (y = 0).
# Exact fractions with hand-written backprop, cross-checked by central differences in floats.
from fractions import Fraction as F
import math
V0 = [[2, 3, 1], [4, 6, 9], [4, 7, 1]]
K = {'K11': [[2, -3], [-3, 2]], 'K12': [[1, -1], [-1, 1]], 'K21': [[1, -2], [-4, 3]], 'K22': [[2, 1], [1, 2]]}
def conv(V, Kk): return [[sum(Kk[a][b]*V[i+a][j+b] for a in range(2) for b in range(2)) for j in range(2)] for i in range(2)]
def relu(M): return [[max(x, 0) for x in r] for r in M]
def forward(K, theta=-2, relu1=True):
    Z1a, Z1b = conv(V0, K['K11']), conv(V0, K['K12'])
    A1a, A1b = (relu(Z1a), relu(Z1b)) if relu1 else (Z1a, Z1b)
    Z2 = sum(K['K21'][i][j]*A1a[i][j] + K['K22'][i][j]*A1b[i][j] for i in range(2) for j in range(2))
    A2 = max(Z2, 0)
    P = 1/(1+math.exp(-(A2+theta)))
    return dict(Z1a=Z1a, Z1b=Z1b, A1a=A1a, A1b=A1b, Z2=Z2, A2=A2, P=P, L=-math.log(1-P))
f = forward(K)
for k, v in f.items(): print(k, '=', v)
print('without relu in layer 1: Z2 =', forward(K, relu1=False)['Z2'])
# exact backprop, y = 0
d = F(f['P']).limit_denominator(1000) - 0          # P = 1/2 exactly since A2 + theta = 0
dZ2 = d * (1 if f['Z2'] > 0 else 0)
gK21 = [[dZ2*f['A1a'][i][j] for j in range(2)] for i in range(2)]
gK22 = [[dZ2*f['A1b'][i][j] for j in range(2)] for i in range(2)]
dZ1a = [[dZ2*K['K21'][i][j]*(1 if f['Z1a'][i][j] > 0 else 0) for j in range(2)] for i in range(2)]
dZ1b = [[dZ2*K['K22'][i][j]*(1 if f['Z1b'][i][j] > 0 else 0) for j in range(2)] for i in range(2)]
gK11 = [[sum(dZ1a[i][j]*V0[i+a][j+b] for i in range(2) for j in range(2)) for b in range(2)] for a in range(2)]
gK12 = [[sum(dZ1b[i][j]*V0[i+a][j+b] for i in range(2) for j in range(2)) for b in range(2)] for a in range(2)]
print('dL/dtheta =', d)
for n, g in [('K21', gK21), ('K22', gK22), ('K11', gK11), ('K12', gK12)]: print(f'dL/d{n} =', [[str(x) for x in r] for r in g])
# finite-difference cross-check
h = 1e-6
for n in K:
    for a in range(2):
        for b in range(2):
            Kp = {k: [r[:] for r in v] for k, v in K.items()}; Km = {k: [r[:] for r in v] for k, v in K.items()}
            Kp[n][a][b] += h; Km[n][a][b] -= h
            print(f'  FD dL/d{n}[{a+1},{b+1}] = {(forward(Kp)["L"] - forward(Km)["L"])/(2*h):.6f}')
print('  FD dL/dtheta =', (forward(K, -2+h)['L'] - forward(K, -2-h)['L'])/(2*h))
print('wrong: relu-mask forgotten in K11[1,1]:', dZ2*sum(K['K21'][i][j]*V0[i][j] for i in range(2) for j in range(2)))
print('wrong: Z1a[1,1] instead of A1a[1,1] for K21[1,1]:', dZ2*f['Z1a'][0][0])
print('wrong: K12[1,1] grad without the sum over positions:', dZ1b[0][0]*V0[0][0])
