#!/usr/bin/python3
"""Plots the long-context attention study and prints its collapse measure.

Reads every longcontext_d*_n*.csv (and large_*.csv) in the results directory written by
attnflow-longcontext. For each dimension d and exponent a of beta = c n^a it measures how far
the curves c -> mean largest weight lie apart across n:
    spread(c) = max_n L(n, c) - min_n L(n, c),   collapse measure = max_c spread(c),
next to the statistical noise level max_c 2 sqrt(se_max^2 + se_min^2) of that difference.
The curves collapse (an n-independent limit, docs/mathematics.md section 6) exactly at a = 2/(d-1).
Usage: plot.py RESULTS_DIR   (writes longcontext_collapse.png, longcontext_at_critical.png and
collapse.txt there).
"""
import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(pattern):
    tables = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as source:  # the '#' lines echo the run's input
            body = [line for line in source if not line.startswith("#")]
        data = np.genfromtxt(body, delimiter=",", names=True)
        tables.append(np.atleast_1d(data))
    return np.concatenate(tables) if tables else None


def collapse(rows, n_values):
    """Max over c of the spread of the mean largest weight across n, and its noise level."""
    scales = np.unique(rows["scale"])
    spreads, noises = [], []
    for c in scales:
        at_c = rows[(rows["scale"] == c) & np.isin(rows["keys"], n_values)]
        if len(at_c) < 2:
            continue
        high, low = np.argmax(at_c["largest_weight"]), np.argmin(at_c["largest_weight"])
        spreads.append(at_c["largest_weight"][high] - at_c["largest_weight"][low])
        noises.append(2 * np.hypot(at_c["largest_weight_stderr"][high],
                                   at_c["largest_weight_stderr"][low]))
    return max(spreads), max(noises)


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "results"
    data = load(os.path.join(results, "longcontext_d*_n*.csv"))
    large = load(os.path.join(results, "large_*.csv"))
    if data is None:
        sys.exit("plot.py: error: no longcontext_d*_n*.csv in " + results)
    dimensions = np.unique(data["dimension"]).astype(int)
    lines = ["# collapse measure: max over c of (max_n - min_n) of the mean largest weight",
             "# noise: max over c of 2 sqrt(se_max^2 + se_min^2); n_min: smallest n included",
             "d  a        a_role      n_min  spread   noise"]
    figure, axes = plt.subplots(len(dimensions), 3, figsize=(13, 3.6 * len(dimensions)),
                                squeeze=False, sharey=True)
    for row_index, d in enumerate(dimensions):
        rows_d = data[data["dimension"] == d]
        critical = 2.0 / (d - 1)
        exponents = np.unique(rows_d["exponent"])
        n_all = np.unique(rows_d["keys"]).astype(int)
        for column, a in enumerate(exponents[:3]):
            role = "critical" if abs(a - critical) < 1e-9 else (
                "below" if a < critical else "above")
            rows = rows_d[np.isclose(rows_d["exponent"], a)]
            axis = axes[row_index, column]
            colours = plt.cm.viridis(np.linspace(0, 0.9, len(n_all)))
            for colour, n in zip(colours, n_all):
                curve = rows[rows["keys"] == n]
                order = np.argsort(curve["scale"])
                axis.errorbar(curve["scale"][order], curve["largest_weight"][order],
                              yerr=curve["largest_weight_stderr"][order], color=colour,
                              marker="o", markersize=3, capsize=2, label=f"n = {n:.0e}")
            if large is not None and role == "critical":
                extra = large[(large["dimension"] == d) & np.isclose(large["exponent"], a)]
                if len(extra):
                    axis.errorbar(extra["scale"], extra["largest_weight"],
                                  yerr=extra["largest_weight_stderr"], color="red", marker="*",
                                  markersize=9, linestyle="none",
                                  label=f"n = {int(extra['keys'][0]):.0e}")
            for n_min in (n_all[0], n_all[min(1, len(n_all) - 1)]):
                spread, noise = collapse(rows, n_all[n_all >= n_min])
                lines.append(f"{d}  {a:<7.4f}  {role:<10}  {n_min:<5.0e}  {spread:.4f}   {noise:.4f}")
            spread, noise = collapse(rows, n_all)
            axis.set_xscale("log")
            axis.set_title(f"d = {d}, a = {a:.3g} ({role}): spread {spread:.3f}", fontsize=10)
            axis.set_xlabel("c  (beta = c n^a)")
            if column == 0:
                axis.set_ylabel("mean largest weight")
            axis.grid(alpha=0.3)
        axes[row_index, 1].legend(fontsize=7, loc="upper left")
    figure.suptitle("Largest softmax weight of one query over n uniform keys: collapse across n "
                    "exactly at a = 2/(d-1)")
    figure.tight_layout()
    figure.savefig(os.path.join(results, "longcontext_collapse.png.tmp.png"), dpi=110)
    os.replace(os.path.join(results, "longcontext_collapse.png.tmp.png"),
               os.path.join(results, "longcontext_collapse.png"))

    # At the critical exponent: effective number of keys, output distance and angle, scaled.
    figure, axes = plt.subplots(len(dimensions), 3, figsize=(15, 3.4 * len(dimensions)),
                                squeeze=False)
    for row_index, d in enumerate(dimensions):
        critical = 2.0 / (d - 1)
        rows = data[(data["dimension"] == d) & np.isclose(data["exponent"], critical)]
        n_all = np.unique(rows["keys"]).astype(int)
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(n_all)))
        for colour, n in zip(colours, n_all):
            curve = rows[rows["keys"] == n]
            order = np.argsort(curve["scale"])
            axes[row_index, 0].errorbar(curve["scale"][order], curve["effective_keys"][order],
                                        yerr=curve["effective_keys_stderr"][order], color=colour,
                                        marker="o", markersize=3, label=f"n = {n:.0e}")
            # At the critical scale the selected keys sit at distance ~ n^{-1/(d-1)} from q.
            length = n ** (1.0 / (d - 1))
            for column, name in ((1, "output_distance"), (2, "output_angle")):
                axes[row_index, column].errorbar(
                    curve["scale"][order], curve[name][order] * length,
                    yerr=curve[name + "_stderr"][order] * length, color=colour, marker="o",
                    markersize=3, label=f"n = {n:.0e}")
        for axis, label in zip(axes[row_index], ["mean effective keys 1/sum a_j^2",
                                                 "mean |output - q| * n^{1/(d-1)}",
                                                 "mean angle(output, q) * n^{1/(d-1)}"]):
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel("c  (beta = c n^{2/(d-1)})")
            axis.set_ylabel(label)
            axis.set_title(f"d = {d}, critical a = {critical:.3g}", fontsize=10)
            axis.grid(alpha=0.3)
        axes[row_index, 0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(os.path.join(results, "longcontext_at_critical.png.tmp.png"), dpi=110)
    os.replace(os.path.join(results, "longcontext_at_critical.png.tmp.png"),
               os.path.join(results, "longcontext_at_critical.png"))

    if large is not None:
        lines.append("# n = 1e7 demonstration point(s) against the largest-n sweep curve")
        lines.append("d  a       c       n         largest_weight  stderr    sweep_n  sweep_value  sweep_stderr")
        for point in large:
            d, a, c = int(point["dimension"]), point["exponent"], point["scale"]
            sweep = data[(data["dimension"] == d) & np.isclose(data["exponent"], a) &
                         np.isclose(data["scale"], c)]
            if len(sweep):
                best = sweep[np.argmax(sweep["keys"])]
                lines.append(f"{d}  {a:.3f}  {c:<6.3g}  {int(point['keys']):.0e}  "
                             f"{point['largest_weight']:.4f}          {point['largest_weight_stderr']:.4f}"
                             f"    {int(best['keys']):.0e}    {best['largest_weight']:.4f}       "
                             f"{best['largest_weight_stderr']:.4f}")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(results, "collapse.txt.tmp"), "w") as out:
        out.write(text)
    os.replace(os.path.join(results, "collapse.txt.tmp"), os.path.join(results, "collapse.txt"))
    print(text, end="")


if __name__ == "__main__":
    main()
