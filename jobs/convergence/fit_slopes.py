#!/usr/bin/python3
"""Collects the attnflow-compare tables of run_convergence.sh and fits log W1 = a + b log N.

    /usr/bin/python3 jobs/convergence/fit_slopes.py output-directory
writes output-directory/convergence.csv (placement, N, seed, time, W1) and convergence.png, and
prints the slope b per placement and time (expected: -1 quantile, -1/2 iid).
"""
import glob
import os
import re
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("fit_slopes.py: error: give the output directory of run_convergence.sh", file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "*_N*_seed*.csv"))):
        m = re.match(r"(quantile|iid)_N(\d+)_seed(\d+)\.csv", os.path.basename(path))
        if not m:
            continue
        lines = [l for l in open(path) if not l.startswith("#")]
        header = lines[0].strip().split(",")
        for line in lines[1:]:
            v = dict(zip(header, line.strip().split(",")))
            rows.append((m.group(1), int(m.group(2)), int(m.group(3)), float(v["time"]), float(v["wasserstein_1"])))
    if not rows:
        print("fit_slopes.py: error: no comparison tables in " + out, file=sys.stderr)
        sys.exit(2)
    text = "placement,tokens,seed,time,wasserstein_1\n" + "".join(
        f"{p},{n},{s},{t:.10g},{w:.10g}\n" for p, n, s, t, w in rows)
    with open(os.path.join(out, "convergence.csv.partial"), "w") as f:
        f.write(text)
    os.replace(os.path.join(out, "convergence.csv.partial"), os.path.join(out, "convergence.csv"))
    fig, ax = plt.subplots(figsize=(5, 4))
    for placement in ("quantile", "iid"):
        for time in sorted({r[3] for r in rows}):
            sel = [r for r in rows if r[0] == placement and r[3] == time]
            if not sel:
                continue
            ns = np.array(sorted({r[1] for r in sel}), dtype=float)
            # iid: the mean over seeds at each N (E W1 ~ c N^{-1/2})
            w = np.array([np.mean([r[4] for r in sel if r[1] == n]) for n in ns])
            slope, intercept = np.polyfit(np.log(ns), np.log(w), 1)
            print(f"{placement:8s} t = {time:g}: slope of log W1 vs log N = {slope:.3f} "
                  f"(N = {int(ns[0])}..{int(ns[-1])}, {len(sel)} runs)")
            ax.loglog(ns, w, "o-", label=f"{placement}, t={time:g}: slope {slope:.2f}")
    ax.set_xlabel("N")
    ax.set_ylabel("W1(particles, continuum)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "convergence.partial.png"), dpi=120)
    os.replace(os.path.join(out, "convergence.partial.png"), os.path.join(out, "convergence.png"))
    print("fit_slopes.py: wrote " + os.path.join(out, "convergence.csv") + " and convergence.png")


if __name__ == "__main__":
    main()
