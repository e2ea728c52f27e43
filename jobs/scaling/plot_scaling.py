#!/usr/bin/python3
"""Speed-up and parallel efficiency plots from scaling CSVs (run_local.sh, strong.sbatch, weak.sbatch).

    /usr/bin/python3 jobs/scaling/plot_scaling.py scaling.csv [more.csv ...] [--output prefix]
        [--cores C]

Writes prefix_strong.png (speed-up T(1)/T(P) and efficiency T(1)/(P T(P)) of every strong-*
study) and prefix_weak.png (weak efficiency (W(P)/P) T(1) / (W(1) T(P)), W = N^2 for direct and
ring, N for spectral, so 1 is perfect for both the constant-tokens and constant-work series).
T is the time per step without the output section. The dotted line is what C cores allow when
P > C ranks time-share them (oversubscription): speed-up min(P, C).
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaling_data import machine_cores, read_rows, series, work  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", nargs="+", help="scaling CSVs; their rows are read together")
    parser.add_argument("--output", help="prefix of the PNGs (default: the first CSV without .csv)")
    parser.add_argument("--cores", type=int, help="cores of the machine (default: the CSV's cores column)")
    args = parser.parse_args()
    rows = read_rows(args.csv)
    prefix = args.output or os.path.splitext(args.csv[0])[0]
    cores = args.cores or machine_cores(args.csv)
    studies = sorted({r["study"] for r in rows})
    written = []

    strong = [s for s in studies if s.startswith("strong")]
    if strong:
        figure, (speed_axis, efficiency_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
        top = 1
        for study in strong:
            runs = series(rows, study)
            base = next((r for r in runs if r["ranks"] == 1), None)
            if base is None:
                continue
            ranks = [r["ranks"] for r in runs]
            speed = [base["step_seconds"] / r["step_seconds"] for r in runs]
            label = f"{study} (N = {base['tokens']})"
            speed_axis.plot(ranks, speed, "o-", label=label)
            efficiency_axis.plot(ranks, [s / p for s, p in zip(speed, ranks)], "o-", label=label)
            top = max(top, max(ranks))
        p = list(range(1, top + 1))
        speed_axis.plot(p, p, "k--", lw=0.8, label="ideal")
        efficiency_axis.axhline(1, color="k", ls="--", lw=0.8)
        if cores:
            speed_axis.plot(p, [min(x, cores) for x in p], "k:", lw=0.8,
                            label=f"{cores} cores (oversubscribed beyond)")
            efficiency_axis.plot(p, [min(x, cores) / x for x in p], "k:", lw=0.8)
        speed_axis.set(xlabel="ranks P", ylabel="speed-up T(1) / T(P)", title="strong scaling")
        efficiency_axis.set(xlabel="ranks P", ylabel="efficiency T(1) / (P T(P))",
                            title="strong scaling efficiency", ylim=(0, 1.2))
        speed_axis.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(prefix + "_strong.png", dpi=120)
        written.append(prefix + "_strong.png")

    weak = [s for s in studies if s.startswith("weak")]
    if weak:
        figure, axis = plt.subplots(figsize=(6.5, 4.2))
        top = 1
        for study in weak:
            runs = series(rows, study)
            base = next((r for r in runs if r["ranks"] == 1), None)
            if base is None:
                continue
            ranks = [r["ranks"] for r in runs]
            efficiency = [(work(r) / r["ranks"]) / work(base) * base["step_seconds"]
                          / r["step_seconds"] for r in runs]
            axis.plot(ranks, efficiency, "o-", label=study)
            top = max(top, max(ranks))
        axis.axhline(1, color="k", ls="--", lw=0.8)
        if cores:
            p = list(range(1, top + 1))
            axis.plot(p, [min(x, cores) / x for x in p], "k:", lw=0.8, label=f"{cores} cores")
        axis.set(xlabel="ranks P", ylabel="weak efficiency", ylim=(0, 1.2),
                 title="weak scaling (work per rank over time per step, relative to P = 1)")
        axis.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(prefix + "_weak.png", dpi=120)
        written.append(prefix + "_weak.png")
    for path in written:
        print(path)
    if not written:
        found = ", ".join(studies) or "no rows"
        sys.exit(f"plot_scaling.py: no strong-* or weak-* study with a P = 1 run in "
                 f"{' '.join(args.csv)} (studies found: {found})")


if __name__ == "__main__":
    main()
