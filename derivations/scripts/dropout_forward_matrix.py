# Workbook question 8(b), both mask sets, exact.
from la import *
x = V(1, 1)
W1T = M([1, 2], [-1, 1], [2, -1]); b1 = V(-1, 1, 2)
W2T = M([1, 2, -2], [2, -1, 1]); b2 = V(2, -1)
W3T = M([2, 1], [-1, -1]); b3 = V(1, 1)
v = V(1, -1); b4 = F(1)
def forward(mu0, mu1, mu2, W3T=W3T, mask2=True, relu2=True):
    p = had(mu1, relu(add(mv(W1T, had(mu0, x)), b1)))
    a2 = add(mv(W2T, p), b2)
    q = had(mu2, relu(a2) if relu2 else a2) if mask2 else relu(a2)
    r = relu(add(mv(W3T, q), b3))
    return p, a2, q, r, dot(v, r) + b4
for name, masks in [("set 1", (V(1, 1), V(1, 0, 1), V(1, 0))), ("set 2", (V(0, 1), V(0, 1, 1), V(1, 1)))]:
    p, a2, q, r, out = forward(*masks)
    print(name); show(' p', p); show(' W2^T p + b2', a2); show(' q', q); show(' r', r); show(' out', out)
print("wrong: set 1 without mask 2:", forward(V(1, 1), V(1, 0, 1), V(1, 0), mask2=False)[4])
print("wrong: set 1 without relu in layer 2: q =", forward(V(1, 1), V(1, 0, 1), V(1, 0), relu2=False)[2])
print("wrong: set 2 with W3 instead of W3^T:", forward(V(0, 1), V(0, 1, 1), V(1, 1), W3T=T(W3T))[4])
print("wrong: dot(mu1, relu(a1)) =", dot(V(1, 0, 1), V(2, 1, 3)))
print("wrong: set-1 mask on set-2 layer 1:", had(V(1, 0, 1), relu(add(mv(W1T, V(0, 1)), b1))))
