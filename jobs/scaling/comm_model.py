#!/usr/bin/python3
"""Latency-bandwidth (alpha-beta) model of the engines' communication, fitted to a scaling CSV.

    /usr/bin/python3 jobs/scaling/comm_model.py scaling.csv [more.csv ...] [--tokens 1e6]
        [--ranks 1024] [--dimension 3] [--beta 4] [--engine-tolerance 1e-10]
(e.g. scaling-strong.csv scaling-weak.csv of strong.sbatch and weak.sbatch: rows read together)

Per Euler step (one evaluation), message sizes in bytes (8 per double):
  direct   all-gather of the sources:  alpha ceil(log2 P) + beta_b (P-1)/P N d 8
  ring     P-1 shifts of a source block: (P-1) (alpha + beta_b N d 8 / P)   (not overlapped)
  spectral allreduce of m moments:     2 alpha ceil(log2 P) + 2 beta_b m 8,
           m = 4 (L+1)^2 on S^2 (weights plus d = 3 coordinates per harmonic), L from the tolerance
alpha (s) and beta_b (s/byte) are fitted by non-negative least squares to communication_seconds
per step (average over ranks) of every run with P > 1. Compute per step is extrapolated from
the P = 1 runs: N^2 / P pairs at the measured pair rate (direct, ring), N / P tokens at the
measured time per token (spectral).
Caveats printed with the numbers: measurements on one node are shared-memory copies, not network
latency and bandwidth, and with more ranks than cores (run_local.sh: 2 cores, P up to 4) the
'communication' section includes waiting for ranks that were descheduled (load imbalance).
"""
import argparse
import math
import os
import sys

import numpy as np
from scipy.optimize import nnls
from scipy.special import ive

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaling_data import log2_ceiling, machine_cores, read_rows  # noqa: E402

# A reference interconnect to compare with (assumption, not measured): HDR InfiniBand class,
# 2 microseconds latency, 10 GB/s per rank effective bandwidth.
REFERENCE_ALPHA = 2e-6
REFERENCE_BETA = 1e-10


def sphere_degree(beta, tolerance):
    """Smallest L with sum_{l > L} (2l+1) e^{-beta} i_l(beta) <= tolerance (the spectral engine's
    truncation on S^2; i_l(b) = sqrt(pi / (2 b)) I_{l+1/2}(b))."""
    terms = []
    l = 0
    while True:
        terms.append((2 * l + 1) * math.sqrt(math.pi / (2 * beta)) * ive(l + 0.5, beta))
        if l > beta and terms[-1] < 1e-30 * tolerance:
            break
        l += 1
    tail, degree = 0.0, len(terms) - 1
    while degree > 0 and tail + terms[degree] <= tolerance:
        tail += terms[degree]
        degree -= 1
    return degree


def moment_count(beta, tolerance):
    return 4 * (sphere_degree(beta, tolerance) + 1) ** 2


def design(engine, ranks, tokens, dimension, moments):
    """(latency factor, bytes factor) of one evaluation's communication."""
    p, n, d = ranks, float(tokens), dimension
    if engine == "direct":
        return log2_ceiling(p), (p - 1) / p * n * d * 8
    if engine == "ring":
        return p - 1, (p - 1) * n * d * 8 / p
    return 2 * log2_ceiling(p), 2 * moments * 8


def fit(rows, moments_of):
    a, b = [], []
    for r in rows:
        if r["ranks"] < 2 or r["steps"] < 1:
            continue
        a.append(design(r["engine"], r["ranks"], r["tokens"], r["dimension"], moments_of(r)))
        b.append(r["communication_seconds"] / r["steps"])
    if len(a) < 2:
        return None
    a, b = np.array(a), np.array(b)
    # Columns scaled to comparable size so that NNLS is well conditioned.
    scale = np.abs(a).max(axis=0)
    scale[scale == 0] = 1
    x, _ = nnls(a / scale, b)
    x = x / scale
    residual = b - a @ x
    return x[0], x[1], len(b), float(np.sqrt(np.mean(residual ** 2))), float(np.mean(b))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", nargs="+", help="scaling CSVs; their rows are read together")
    parser.add_argument("--tokens", type=float, default=1e6)
    parser.add_argument("--ranks", type=int, default=1024)
    parser.add_argument("--dimension", type=int, default=3)
    parser.add_argument("--beta", type=float, default=4.0)
    parser.add_argument("--engine-tolerance", type=float, default=1e-10)
    args = parser.parse_args()
    rows = [r for r in read_rows(args.csv) if not r["study"].startswith("memory")]
    moments_of = lambda r: moment_count(r["beta"], args.engine_tolerance)  # noqa: E731

    files = " ".join(args.csv)
    print("# alpha-beta fit of communication_seconds per step, runs with P > 1 (" + files + ")")
    # What the measurements can say: one node measures shared-memory copies, not the network,
    # and more ranks than cores measure waiting for descheduled ranks.
    top_ranks = max((r["ranks"] for r in rows), default=0)
    cores = machine_cores(args.csv)
    if max((r["nodes"] for r in rows), default=0) <= 1:
        print(f"# CAVEAT: every run on one node (P <= {top_ranks}): shared-memory transfers, "
              "a weak basis for a network at many nodes.")
    if cores and top_ranks > cores:
        print(f"# CAVEAT: P up to {top_ranks} ranks on {cores} cores (oversubscribed): the "
              "communication time includes waiting for descheduled ranks.")
    fits = {}
    for name, subset in [("all", rows)] + [
            (e, [r for r in rows if r["engine"] == e]) for e in ("direct", "ring", "spectral")]:
        result = fit(subset, moments_of)
        if result is None:
            print(f"fit[{name}]: too few runs")
            continue
        alpha, beta_b, count, rms, mean = result
        fits[name] = (alpha, beta_b)
        bandwidth = f"{1 / beta_b / 1e9:.3g} GB/s" if beta_b > 0 else "unbounded"
        print(f"fit[{name}]: alpha = {alpha:.3e} s, beta = {beta_b:.3e} s/byte ({bandwidth}), "
              f"{count} runs, rms residual {rms:.2e} s of mean {mean:.2e} s per step")
    if "all" not in fits:
        parallel = sum(1 for r in rows if r["ranks"] > 1)
        sys.exit(f"comm_model.py: the fit needs at least 2 runs with P > 1, found {parallel} in "
                 f"{files} (run the studies on more tasks, or pass the strong and weak CSVs "
                 f"together)")

    # Compute rates from the P = 1 runs (best of them: the least disturbed by the load).
    def best(engine, value):
        candidates = [value(r) for r in rows if r["engine"] == engine and r["ranks"] == 1
                      and r["compute_seconds"] > 0]
        return max(candidates) if candidates else None

    pair_rate = {e: best(e, lambda r: r["tokens"] ** 2 * r["steps"] / r["compute_seconds"])
                 for e in ("direct", "ring")}
    token_rate = best("spectral", lambda r: r["tokens"] * r["steps"] / r["compute_seconds"])
    n, p, d = args.tokens, args.ranks, args.dimension
    moments = moment_count(args.beta, args.engine_tolerance)
    print(f"# prediction per Euler step at N = {n:.3g}, d = {d}, P = {p}, beta = {args.beta}"
          f" (spectral: L = {sphere_degree(args.beta, args.engine_tolerance)}, m = {moments})")
    for rate_name, rate in [("direct", pair_rate["direct"]), ("ring", pair_rate["ring"]),
                            ("spectral", token_rate)]:
        if rate is None:
            print(f"{rate_name}: no P = 1 run to take the compute rate from")
            continue
        compute = (n * n / p if rate_name != "spectral" else n / p) / rate
        rate_text = (f"{rate:.3g} pairs/s per core" if rate_name != "spectral"
                     else f"{rate:.3g} tokens/s per core")
        latency, volume = design(rate_name, p, n, d, moments)
        for label, (alpha, beta_b) in (("fitted", fits["all"]),
                                       ("reference 2us, 10GB/s", (REFERENCE_ALPHA, REFERENCE_BETA))):
            communication = alpha * latency + beta_b * volume
            print(f"{rate_name} [{label}]: compute {compute:.3e} s ({rate_text}), communication "
                  f"{communication:.3e} s, communication/compute = {communication / compute:.3g}")


if __name__ == "__main__":
    main()
