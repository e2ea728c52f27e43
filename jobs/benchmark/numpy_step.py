#!/usr/bin/python3
"""NumPy reference for one interaction step (the baseline attnflow-benchmark is compared with).

The same kernel sums as the direct engine (SA, Q = K = V = I, w = 1/N, shift beta):
    Z_i = sum_j w e^{beta(<x_i, x_j> - 1)},  N_i = sum_j w e^{beta(<x_i, x_j> - 1)} x_j,
vectorised over blocks of targets (a block x N matrix at a time, so memory stays bounded).
Prints one key=value line, and the BLAS library NumPy loaded (the matrix products use it).
Run with Debian's /usr/bin/python3 (it has numpy).
"""
import argparse
import time

import numpy as np


def step(x, beta, block):
    n, d = x.shape
    w = 1.0 / n
    numerator = np.empty_like(x)
    normaliser = np.empty(n)
    for start in range(0, n, block):
        e = x[start:start + block] @ x.T
        e -= 1.0
        e *= beta
        np.exp(e, out=e)
        e *= w
        normaliser[start:start + block] = e.sum(axis=1)
        numerator[start:start + block] = e @ x
    return numerator, normaliser


def loaded_blas():
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return ",".join(sorted(names)) or "none"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimension", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=8192)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--block", type=int, default=512, help="targets per block")
    parser.add_argument("--repeats", type=int, default=3, help="the best time is reported")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    x = rng.standard_normal((args.tokens, args.dimension))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    best = float("inf")
    best_cpu = float("inf")
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        step(x, args.beta, args.block)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu_start)
    pairs = float(args.tokens) ** 2
    print(f"engine=numpy dimension={args.dimension} tokens={args.tokens} "
          f"seconds_per_evaluation={best:.6g} pairs_per_second_per_core={pairs / best:.4g} "
          f"pairs_per_cpu_second={pairs / best_cpu:.4g} numpy={np.__version__} "
          f"blas={loaded_blas()}")


if __name__ == "__main__":
    main()
