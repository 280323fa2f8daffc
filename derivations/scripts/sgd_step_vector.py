# Workbook question 2: one SGD epoch (samples #1, #2, #3 in order), alpha = 0.001, exact; alpha = 0.1.
from la import *
X = [V(1, 1, 2), V(1, 2, 4), V(1, 4, 8)]; Y = V(2, 4, 8)
def total(th): return sum((y - dot(x, th))**2 for x, y in zip(X, Y))
def run(alpha, th):
    ths = [th]
    for x, y in zip(X, Y):
        yhat = dot(x, th); g = scal(-2*(y - yhat), x)
        print('  yhat =', yhat, float(yhat), ' grad =', [str(a) for a in g], [float(a) for a in g])
        th = sub(th, scal(alpha, g)); ths.append(th)
        show('  theta', th)
    return ths
th0 = V('0.5', '1.5', '0.5')
print('loss before', total(th0), 'per sample', [(y - dot(x, th0))**2 for x, y in zip(X, Y)])
ths = run(F('0.001'), th0)
print('loss after epoch', total(ths[-1]), float(total(ths[-1])), ' improvement', float(total(th0) - total(ths[-1])))
print('residuals after', [float(y - dot(x, ths[-1])) for x, y in zip(X, Y)])
print('alpha=0.1')
ths2 = run(F('0.1'), th0)
print('loss after first alpha=0.1 update:', total(ths2[1]), float(total(ths2[1])))
print('sample-1 loss after its own alpha=0.1 update', (2 - dot(X[0], ths2[1]))**2)
# wrong variants
print('sample 2 grad with stale theta0:', scal(-2*(4 - dot(X[1], th0)), X[1]))
print('sample 2 update with stale theta0:', [float(a) for a in sub(ths[1], scal(F('0.001'), scal(-2*(4 - dot(X[1], th0)), X[1])))])
print('alpha = 0.1 epoch: total loss after', total(ths2[-1]), float(total(ths2[-1])), 'residuals', [float(y - dot(x, ths2[-1])) for x, y in zip(X, Y)])
# rounding too early: theta2 rounded to 3 decimals before the update on sample 3
th2r = V('0.495', '1.492', '0.484')
th3r = add(th2r, scal(F('0.002')*(8 - dot(X[2], th2r)), X[2]))
print('theta3 from rounded theta2:', [float(a) for a in th3r], ' true:', [float(a) for a in ths[-1]])
