#pragma once
// Reference values of long-context attention (docs/mathematics.md section 11) to compare the
// sampled statistics with: the gap law of a uniform key, the Poisson-process limit of the weights
// at the critical scale (moments by the Mecke formula), and the subcritical output A_k(beta) with
// the variances of its Gaussian fluctuations.
namespace attnflow::longcontext {

// --- Gap s = 1 - <q, k> of a key uniform on the unit sphere S^{k-1} (k >= 2) -------------------
// s / 2 ~ Beta(p, p) with p = (k - 1) / 2, so F(u) = P(s <= u) = I_{u/2}(p, p) ~ kappa_k u^p.
double gap_power(int k);     // p = (k - 1) / 2
double gap_constant(int k);  // kappa_k = Gamma(k/2) 2^p / (sqrt(pi) Gamma(p) (k - 1))
double gap_distribution(int k, double u);  // F(u) for u in [0, 2]
// F^{-1}(v) for v in [0, 1], to a few ulps relative also for the tiny v of the nearest keys
// (closed forms for k = 2 and 3, safeguarded Newton on log F otherwise).
double gap_quantile(int k, double v);

// --- Poisson limit at the critical scale beta = c n^{1/p} ----------------------------------------
// U_j = n^{1/p} s_(j) tends to a Poisson process with mean measure kappa u^p; the weights
// W_j = e^{-c U_j} / sum_l e^{-c U_l} depend on V_j = c U_j only, a Poisson process with mean
// measure lambda v^p, lambda = kappa c^{-p} (the mean number of keys within 1/beta of q). Every
// function below takes (p, lambda) and integrates to about 1e-8 relative (adaptive outer
// integrals around a Gauss-Legendre inner one), in 0.01 to 0.7 s.

// Psi_p(s) = int_0^inf (1 - e^{-s e^{-v}}) d(v^p) = E[(ln s + Y)_+^p], Y standard Gumbel: the
// Laplace functional E exp(-s sum_j e^{-V_j}) = exp(-lambda Psi_p(s)). Argument ln s. Its power
// series for ln s <= -2, a spline table (built once per p, within 1e-9) up to ln s = 60, the
// integral beyond.
double laplace_exponent(double p, double log_s);
// Ein(x) = int_0^x (1 - e^{-t}) / t dt = gamma_E + ln x + E_1(x); Psi_1 = Ein.
double entire_exponential_integral(double x);
// E W_max for p = 1 (d = 3): int_0^inf exp(-theta - lambda Ein(theta)) d theta (0.729 at c = 1).
double poisson_largest_weight_p1(double lambda);
// E W_max for any p: int e^{-w} dw int e^{-theta} exp(-lambda G_p(v(w), theta)) d theta with
// v(w) = (w / lambda)^{1/p} the nearest point and G_p the Laplace exponent of the points beyond it.
double poisson_largest_weight(double p, double lambda);
// Mecke: E sum_j f(V_j) W_j^m = int lambda p v^{p-1} f(v) E[(1 + e^v Z)^{-m}] dv with Z the sum
// over the whole process, E (1 + x Z)^{-m} = int theta^{m-1} e^{-theta} e^{-lambda Psi_p(theta x)}
// d theta / (m - 1)!.
double poisson_weight_sum(double p, double lambda);      // E sum_j W_j = 1 (checks the machinery)
double poisson_squared_weights(double p, double lambda); // E sum_j W_j^2
// E sum_j W_j V_j: the critical deficit n^{1/p} (1 - <q, O>) tends to R = sum_j W_j U_j, whose
// mean is this value divided by c.
double poisson_scaled_deficit(double p, double lambda);

// --- Subcritical regime: beta fixed, n -> infinity, keys uniform on S^{k-1} ----------------------
// A_k(beta) = I_{k/2}(beta) / I_{k/2-1}(beta) = E[t e^{beta t}] / E[e^{beta t}], t = <q, k>: the
// limit of <q, O>.
double subcritical_alignment(int k, double beta);
// n Var of each tangential component of O: E[e^{2 beta t} (1 - t^2)] / ((k - 1) E[e^{beta t}]^2).
double tangential_variance(int k, double beta);
// n Var <q, O>: E[e^{2 beta t} (t - A)^2] / E[e^{beta t}]^2 (delta method for the ratio).
double radial_variance(int k, double beta);
// b in E <q, O> = A_k(beta) + b / n + O(n^-2): the ratio estimator's first-order bias.
double alignment_bias(int k, double beta);

}  // namespace attnflow::longcontext
