# Derives the O(h) step bias of the layer scheme (docs/mathematics.md section 9) for the statistics the tests of
# tests/mlp measure, with attention off: E ln rho^2 and E rho^2 for the linearised two-token
# motion (rho = |D Phi(x) v| for a unit tangent v) and E <Phi(x), x> for one token, where
# Phi(x) = (x + a g) / |x + a g|, a = sqrt(h), g = G(x), q = DG(x) v. Given the hidden layer, (g, q)
# is Gaussian with covariance [[S_gg, S_gq], [S_gq, S_qq]] (x) I_d (linear in W, b_W); averaging
# over the m iid hidden units gives E S_gg = kappa(1), E S_qq = kappa'(1), E S_gq = 0 and
# m Var S_gg = Vgg, m Var S_qq = Vqq, m Cov(S_gg, S_qq) = Cgq, m E S_gq^2 = Egq (tests/mlp/
# step_bias.hpp states them). Run: python3 tests/mlp/derive_step_bias.py (needs sympy); its
# output is transcribed into step_bias.hpp.
import sympy as sp
a = sp.symbols('a')
g1, gv, q1, qv, Gp, Qp, Cp = sp.symbols('g1 gv q1 qv Gp Qp Cp')
Sgg, Sgq, Sqq, n, d = sp.symbols('Sgg Sgq Sqq n d')
k, kp, m, Vgg, Vqq, Cgq, Egq = sp.symbols('kappa kappa_slope m Vgg Vqq Cgq Egq')
G2 = g1**2 + gv**2 + Gp
Q2 = q1**2 + qv**2 + Qp
gq = g1*q1 + gv*qv + Cp
w2 = 1 + 2*a*qv + a**2*Q2
N = 1 + 2*a*g1 + a**2*G2
B = a*q1 + a*gv + a**2*gq
rho2 = w2/N - B**2/N**2
def taylor(f, order):
    out = []
    cur = f
    for p in range(order + 1):
        out.append(sp.expand(sp.simplify(cur.subs(a, 0)) / sp.factorial(p)))
        cur = sp.diff(cur, a)
    return out
s_, t_ = sp.symbols('s t')
mgf = sp.exp((Sgg*s_**2 + 2*Sgq*s_*t_ + Sqq*t_**2)/2)
biv_cache = {}
def biv(i, j):
    if (i, j) not in biv_cache:
        biv_cache[(i, j)] = sp.expand(sp.diff(mgf, s_, i, t_, j).subs({s_: 0, t_: 0})) if i + j > 0 else 1
    return biv_cache[(i, j)]
perp = {(0,0,0): 1, (1,0,0): n*Sgg, (0,1,0): n*Sqq, (0,0,1): n*Sgq,
 (2,0,0): n*(n+2)*Sgg**2, (0,2,0): n*(n+2)*Sqq**2, (1,1,0): n**2*Sgg*Sqq + 2*n*Sgq**2,
 (0,0,2): n*Sgg*Sqq + n*(n+1)*Sgq**2, (1,0,1): n*(n+2)*Sgg*Sgq, (0,1,1): n*(n+2)*Sqq*Sgq}
def expect(expr):
    poly = sp.Poly(sp.expand(expr), g1, q1, gv, qv, Gp, Qp, Cp)
    total = 0
    for (i1, j1, iv, jv, ip, jp, kk), coef in poly.terms():
        total += coef * biv(i1, j1) * biv(iv, jv) * perp[(ip, jp, kk)]
    return sp.expand(total)
hidden = {(0,0,0): 1, (1,0,0): k, (0,0,1): kp, (0,1,0): 0,
          (2,0,0): k**2 + Vgg/m, (0,0,2): kp**2 + Vqq/m, (1,0,1): k*kp + Cgq/m,
          (0,2,0): Egq/m, (1,1,0): 0, (0,1,1): 0}
def hidden_average(expr):
    poly = sp.Poly(sp.expand(expr), Sgg, Sgq, Sqq)
    return sp.expand(sum(c * hidden[mon] for mon, c in poly.terms()))
results = {}
for name, f in [('ln_rho2', sp.log(rho2)), ('rho2', rho2), ('one_point', (1 + a*g1)/sp.sqrt(N))]:
    cs = taylor(f, 4)
    for p in (1, 2, 3, 4):
        results[(name, p)] = sp.expand(hidden_average(expect(cs[p])).subs(n, d - 2))
    print(name)
    for p in (1, 2, 3, 4):
        print('  a^%d:' % p, sp.collect(results[(name, p)], [m]))
