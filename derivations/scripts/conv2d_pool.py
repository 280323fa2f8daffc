# Workbook question 12: 'same' convolutions (cross-correlation, zero padding 1) and 2x2 max pooling
# with stride 2 and no padding. Exact integers.
def pad(M, p=1):
    r, c = len(M), len(M[0])
    return [[0]*(c+2*p) for _ in range(p)] + [[0]*p + row + [0]*p for row in M] + [[0]*(c+2*p) for _ in range(p)]
def xcorr(M, K):
    P = pad(M); k = len(K)
    return [[sum(K[a][b]*P[i+a][j+b] for a in range(k) for b in range(k)) for j in range(len(M[0]))] for i in range(len(M))]
def flip(K): return [row[::-1] for row in K[::-1]]
def pool(C):
    return [[max(C[i][j], C[i][j+1], C[i+1][j], C[i+1][j+1]) for j in range(0, len(C[0])-1, 2)] for i in range(0, len(C)-1, 2)]
M1 = [1, 2, 3, 4, -4, -2, -1, 0]; K1 = [-1, 1, -1]
Q1 = [0] + M1 + [0]
C1 = [sum(K1[a]*Q1[t+a] for a in range(3)) for t in range(8)]
print('Q1 =', Q1); print('C1 =', C1)
K2 = [[1]*3]*3; M2 = [[1, -10, 10], [5, 1, -5], [1, -10, 0]]
K3 = [[0, 1, 0], [1, 0, 1], [0, 1, 0]]; M3 = [[-1, 1, -1]]*4
K4 = [[-1, 0, 0], [0, 0, 0], [0, 0, 1]]; M4 = [[5, 5, -10], [-5, 1, -1], [5, -1, -10]]
for n, (M, K) in {'2': (M2, K2), '3': (M3, K3), '4': (M4, K4)}.items():
    C = xcorr(M, K)
    print(f'P{n} =', pad(M)); print(f'C{n} =', C, ' pooled =', pool(C))
print('C4 with flipped kernel (textbook convolution):', xcorr(M4, flip(K4)))
print('valid (unpadded) C2:', sum(sum(r) for r in M2))
print('C2[1,1] with window shifted (pad bottom/right only):', sum(M2[a][b] for a in range(3) for b in range(3)))
print('pool of M2 itself:', pool(M2), ' average pooling of C2 window:', sum([-3, 2, -12, -7])/4)
print('C1[4] with two zeros padded on the left:', -1*2 + 1*3 - 1*4)
print('stride-1 pooling of C2 (other reading):', [[max(xcorr(M2,K2)[i][j], xcorr(M2,K2)[i][j+1], xcorr(M2,K2)[i+1][j], xcorr(M2,K2)[i+1][j+1]) for j in range(2)] for i in range(2)])
