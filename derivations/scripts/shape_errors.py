# Values for shape_errors.deriv, exact.
from la import *
W = M([1, -1, 2], [2, 1, -1]); x = V(1, 2, 3); b = V(0, 1); y = V(1, 0)
h = add(mv(W, x), b); d = sub(h, y)
show('h', h); show('L', dot(d, d)/2); show('delta', d)
show('delta x^T', [[a*c for c in x] for a in d]); show('x delta^T', [[a*c for c in d] for a in x])
show('W^T delta', mv(T(W), d)); show('x^T x', dot(x, x)); show('x x^T', [[a*c for c in x] for a in x])
show('1/2 (h-y)^2', [a*a/2 for a in d]); show('outer(h-y,h-y)', [[a*c for c in d] for a in d])
show('W W^T', mm(W, T(W))); show('W^T W', mm(T(W), W))
