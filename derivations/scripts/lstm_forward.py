# Workbook question 17: scalar LSTM forward pass over x = (0.7, 0.5, 0.7) (Goodfellow et al. eq. 10.40-10.44
# notation: g = external input gate, f = forget gate, q = output gate, cell input sigma(b + U x + W h)).
# h(t) = ReLU(s(t)) * q(t), output(t) = sigmoid(5 h(t) - 1). Double precision.
import math
sig = lambda z: 1/(1+math.exp(-z))
U = [0.3, 0.25, 0.4, 0.01]; W = [-0.3, 0.3, 0.3, 0.1]; b = [0.1, 0.0, 0.2, 1.0]   # order g, f, q, cell
def run(xs, variant=None):
    h, s = 0.0, 0.0; out = []
    for t, x in enumerate(xs, 1):
        hh = 0.0 if variant == 'h0' else h
        a = [u*x + w*hh + bb for u, w, bb in zip(U, W, b)]
        g, f, q, c = [sig(z) for z in a]
        if variant == 'swap': s = g*s + f*c
        else: s = f*s + g*c
        h = max(s, 0)*(1 if variant == 'noq' else q)
        o = sig(5*h - 1)
        out.append(o)
        print(f"  t={t} a={[f'{z:.6f}' for z in a]} gates={[f'{z:.10f}' for z in (g, f, q, c)]} s={s:.10f} h={h:.10f} out={o:.10f}")
    return out
print('LSTM'); run([0.7, 0.5, 0.7])
for v in ('swap', 'noq', 'h0'):
    print('variant', v); run([0.7, 0.5, 0.7], v)
