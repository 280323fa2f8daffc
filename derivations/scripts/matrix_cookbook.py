# Concrete 2x2 values for matrix_cookbook.deriv, exact.
from la import *
A = M([1, 2], [3, 4]); B = M([0, 1], [2, -1])
def det2(X): return X[0][0]*X[1][1] - X[0][1]*X[1][0]
def inv2(X): d = det2(X); return [[X[1][1]/d, -X[0][1]/d], [-X[1][0]/d, X[0][0]/d]]
show('AB', mm(A, B)); show('BA', mm(B, A)); show('det A', det2(A)); show('det B', det2(B)); show('det AB', det2(mm(A, B)))
show('inv A', inv2(A)); show('A inv A', mm(A, inv2(A))); show('inv B', inv2(B))
show('inv(AB)', inv2(mm(A, B))); show('inv B inv A', mm(inv2(B), inv2(A))); show('inv A inv B', mm(inv2(A), inv2(B)))
show('(AB)^T', T(mm(A, B))); show('B^T A^T', mm(T(B), T(A))); show('A^T B^T', mm(T(A), T(B)))
show('tr AB', mm(A, B)[0][0] + mm(A, B)[1][1]); show('tr A tr B', (A[0][0]+A[1][1])*(B[0][0]+B[1][1]))
show('det(A+B)', det2([[A[i][j]+B[i][j] for j in range(2)] for i in range(2)]))
show('inv A without 1/det (adjugate)', [[A[1][1], -A[0][1]], [-A[1][0], A[0][0]]])
