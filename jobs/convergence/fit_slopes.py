#!/usr/bin/python3
"""Collects the attnflow-compare tables of run_convergence.sh and fits log D = a + b log N.

    /usr/bin/python3 jobs/convergence/fit_slopes.py output-directory

D is the circle W1 (column wasserstein_1) or the sphere cell-histogram L1 (histogram_l1), whichever
the tables hold. Writes output-directory/convergence.csv (placement, N, seed, time, distance) and
convergence.png, and prints per placement and time the slope b of the log of the seed mean against
log N, with a standard error from resampling the seeds (bootstrap, 2000 draws; 0 for one seed).
Expected: -1 quantile, -1/2 iid.

Sphere: the cell counts of N iid particles are multinomial, so the histogram distance has a
prediction with no fitted number: E L1 = sum_i E|X_i / N - q_i|, X_i ~ Binomial(N, q_i), with
de Moivre's closed form E|X - N q| = 2 nu C(N, nu) q^nu (1 - q)^(N - nu + 1), nu = floor(N q) + 1,
and q_i the continuum's cell masses at that time (output-directory/continuum.h5). The table lists
the measured seed mean over this prediction; a ratio near 1 says the particles sample the
continuum density and what remains is sampling noise (a discretisation floor would push it up).
continuum.h5 is read through jobs/plot/run_files.py.
"""
import glob
import os
import re
import sys

import math
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plot"))
import run_files  # noqa: E402 (jobs/plot, found through the path above)

DISTANCES = ("wasserstein_1", "histogram_l1")


def fail(message):
    print("fit_slopes.py: error: " + message, file=sys.stderr)
    sys.exit(2)


def read_rows(out):
    rows, metric = [], None
    for path in sorted(glob.glob(os.path.join(out, "*_N*_seed*.csv"))):
        m = re.match(r"(quantile|iid)_N(\d+)_seed(\d+)\.csv", os.path.basename(path))
        if not m:
            continue
        # attnflow-compare writes a plain CSV table (its inputs in <stem>.input.ini); tables
        # written before that began with '#' lines, which are skipped.
        lines = [l for l in open(path) if not l.startswith("#")]
        header = lines[0].strip().split(",")
        found = [c for c in DISTANCES if c in header]
        if not found:
            fail(f"{path}: no column {' or '.join(DISTANCES)}")
        if metric not in (None, found[0]):
            fail(f"{path}: tables of both domains in one directory")
        metric = found[0]
        for line in lines[1:]:
            v = dict(zip(header, line.strip().split(",")))
            rows.append((m.group(1), int(m.group(2)), int(m.group(3)), float(v["time"]), float(v[metric])))
    if not rows:
        fail("no comparison tables in " + out)
    return rows, metric


def binomial_mean_absolute_deviation(n, q):
    """E|X - n q| for X ~ Binomial(n, q), de Moivre's closed form, in logarithms (no overflow)."""
    q = np.clip(q, 0.0, 1.0)
    result = np.zeros_like(q)
    inside = (q > 0) & (q < 1)
    qi = q[inside]
    nu = np.floor(n * qi) + 1
    log_binomial = np.array([math.lgamma(n + 1) - math.lgamma(v + 1) - math.lgamma(n - v + 1) for v in nu])
    result[inside] = 2 * np.exp(np.log(nu) + log_binomial + nu * np.log(qi) + (n - nu + 1) * np.log1p(-qi))
    return result


def sampling_noise_prediction(out, n, time):
    """Predicted E L1 of the cell histograms of n iid particles from the continuum cell masses."""
    path = os.path.join(out, "continuum.h5")
    if not os.path.isfile(path):
        return float("nan")
    try:
        with run_files.open_continuum_run(path) as run:
            times = run.times()
            if times.size == 0:
                return float("nan")
            k = int(np.argmin(np.abs(times - time)))
            if abs(times[k] - time) > 1e-6:
                return float("nan")
            masses = run.density(k) * run.mesh().measures
    except run_files.RunFileError as error:
        fail(str(error))
    masses = masses / masses.sum()
    return float(binomial_mean_absolute_deviation(n, masses).sum() / n)


def fit(ns, per_n):
    """Slope of log(mean over seeds) vs log N and its seed-bootstrap standard error."""
    means = np.array([np.mean(v) for v in per_n])
    slope = np.polyfit(np.log(ns), np.log(means), 1)[0]
    if max(len(v) for v in per_n) < 2:
        return slope, 0.0, means
    rng = np.random.default_rng(12345)
    draws = []
    for _ in range(2000):
        sample = [np.mean(rng.choice(v, size=len(v), replace=True)) for v in per_n]
        draws.append(np.polyfit(np.log(ns), np.log(sample), 1)[0])
    return slope, float(np.std(draws)), means


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        fail("give the output directory of run_convergence.sh")
    out = sys.argv[1]
    rows, metric = read_rows(out)
    text = f"placement,tokens,seed,time,{metric}\n" + "".join(
        f"{p},{n},{s},{t:.10g},{w:.10g}\n" for p, n, s, t, w in rows)
    with open(os.path.join(out, "convergence.csv.partial"), "w") as f:
        f.write(text)
    os.replace(os.path.join(out, "convergence.csv.partial"), os.path.join(out, "convergence.csv"))
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for placement in ("quantile", "iid"):
        for time in sorted({r[3] for r in rows}):
            sel = [r for r in rows if r[0] == placement and r[3] == time]
            if not sel:
                continue
            ns = np.array(sorted({r[1] for r in sel}), dtype=float)
            per_n = [[r[4] for r in sel if r[1] == n] for n in ns]
            slope, error, means = fit(ns, per_n)
            seeds = max(len(v) for v in per_n)
            print(f"{placement:8s} t = {time:g}: slope of log {metric} vs log N = {slope:.3f} "
                  f"+- {error:.3f} (N = {int(ns[0])}..{int(ns[-1])}, {seeds} seed(s) per N, {len(sel)} runs)")
            ax.loglog(ns, means, "o-", label=f"{placement}, t={time:g}: slope {slope:.2f}")
            if metric == "histogram_l1":
                predicted = np.array([sampling_noise_prediction(out, int(n), time) for n in ns])
                spread = [np.std(v, ddof=1) / math.sqrt(len(v)) if len(v) > 1 else 0.0 for v in per_n]
                print("           N    mean L1   +- (s.e.)  predicted (sampling noise)   ratio")
                for n, m, e, p in zip(ns, means, spread, predicted):
                    print(f"  {int(n):10d}  {m:9.5f}  {e:9.5f}  {p:9.5f}                    {m / p:6.3f}")
                ax.loglog(ns, predicted, "k:", lw=1, label=f"t={time:g}: multinomial prediction" if time == 0 else None)
    ax.set_xlabel("N")
    ax.set_ylabel(f"{metric}(particles, continuum)" + (" (seed mean)" if any(r[0] == "iid" for r in rows) else ""))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "convergence.partial.png"), dpi=120)
    os.replace(os.path.join(out, "convergence.partial.png"), os.path.join(out, "convergence.png"))
    print("fit_slopes.py: wrote " + os.path.join(out, "convergence.csv") + " and convergence.png")


if __name__ == "__main__":
    main()
