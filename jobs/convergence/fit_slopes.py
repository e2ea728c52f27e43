#!/usr/bin/python3
"""Collects the attnflow-compare tables of run_convergence.sh and fits log D = a + b log N.

    /usr/bin/python3 jobs/convergence/fit_slopes.py output-directory

D is the circle W1 (column wasserstein_1) or the sphere cell-histogram L1 (histogram_l1), whichever
the tables hold. Writes output-directory/convergence.csv (placement, N, seed, time, distance) and
convergence.png, and prints per placement and time the slope b of the log of the seed mean against
log N, with a standard error from resampling the seeds (bootstrap, 2000 draws; 0 for one seed).
Expected: -1 quantile, -1/2 iid.
"""
import glob
import os
import re
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

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
    ax.set_xlabel("N")
    ax.set_ylabel(f"{metric}(particles, continuum)" + (" (seed mean)" if any(r[0] == "iid" for r in rows) else ""))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "convergence.partial.png"), dpi=120)
    os.replace(os.path.join(out, "convergence.partial.png"), os.path.join(out, "convergence.png"))
    print("fit_slopes.py: wrote " + os.path.join(out, "convergence.csv") + " and convergence.png")


if __name__ == "__main__":
    main()
