#!/usr/bin/python3
"""Figures and tables of the long-context attention study (jobs/longcontext/run.sh).

Reads the summary CSVs of attnflow-longcontext in RESULTS_DIR and the distribution CSVs in
RUNS_DIR, and writes into RESULTS_DIR one PNG and one table (.txt) per stage that has data:
  critical     mean largest weight, critical deficit n^{1/p}(1 - <q,O>) and ordered weights against
               n = 1e2..1e12 and the Poisson limit (quadrature and sampler); their distributions
  agreement    full against nearest sampling: differences of the means in standard errors and the
               Kolmogorov-Smirnov distance of the distributions; seconds per query of both
  exponents    mean largest weight against c at a = 2/(d-1) and +- 0.25 (collapse measure)
  subsphere    keys on a great S^{k-1} in R^4: collapse at 2/(k-1), drift at 2/(d-1)
  vmf          von Mises-Fisher mixtures at beta = c n against the Poisson limit with lambda =
               kappa_eff / c
  subcritical  <q,O> against A_k(beta) + b/n, variances against v_rad and v_tan, QQ plots
  heat         beta P_q O against the n = inf value and grad log p(q)
  cost         seconds per query of full sampling at the largest n
Every "predicted" value is computed by attnflow from the theory (no fit). Usage:
  plot.py RESULTS_DIR [RUNS_DIR]
"""
import glob
import os
import re
import sys
from statistics import NormalDist

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

RESULTS = sys.argv[1] if len(sys.argv) > 1 else "results"
RUNS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(RESULTS, "..", "runs")
SCALES_SHOWN = (0.1, 0.3, 1.0, 3.0, 10.0)


def load(path):
    """A summary or distribution CSV as a numpy structured array. The tables are plain CSV (the
    input is in <stem>.input.ini); files written before that began with '#' input lines, which
    are skipped."""
    with open(path) as source:
        body = [line for line in source if not line.startswith("#")]
    return np.atleast_1d(np.genfromtxt(body, delimiter=",", names=True, dtype=None,
                                       encoding="utf-8"))


def load_all(pattern):
    tables = [load(path) for path in sorted(glob.glob(pattern))]
    if not tables:
        return None
    names = tables[0].dtype.names
    return np.concatenate([t[list(names)] for t in tables]) if len(tables) > 1 else tables[0]


def save(figure, name):
    path = os.path.join(RESULTS, name)
    figure.savefig(path + ".tmp.png", dpi=100)
    os.replace(path + ".tmp.png", path)
    plt.close(figure)


def write_table(name, lines):
    text = "\n".join(lines) + "\n"
    path = os.path.join(RESULTS, name)
    with open(path + ".tmp", "w") as out:
        out.write(text)
    os.replace(path + ".tmp", path)
    print(f"--- {name}\n{text}", end="")


def near(values, target):
    return np.isclose(values, target, rtol=1e-9, atol=0)


def keys_label(n):
    return "inf" if not np.isfinite(n) else f"1e{int(round(np.log10(n)))}"


def distribution(rows, quantity, kind):
    """(x, width, value) of one distribution block."""
    block = rows[(rows["quantity"] == quantity) & (rows["kind"] == kind)]
    return block["x"], block["width"], block["value"]


def ks_from_quantiles(first, second):
    """Kolmogorov-Smirnov distance of two samples given by their quantiles at 0, 0.01, ..., 1:
    the empirical distribution functions are interpolated between the quantiles, so the value is
    exact to about the 0.01 spacing of the probabilities."""
    p = np.linspace(0, 1, len(first))
    grid = np.union1d(first, second)
    f = np.interp(grid, first, p, left=0, right=1)
    g = np.interp(grid, second, p, left=0, right=1)
    return np.max(np.abs(f - g))


# --- critical ---------------------------------------------------------------------------------


def critical():
    lines = ["# Critical scale beta = c n^{2/(d-1)}, uniform keys: measured mean +- standard error",
             "# (nearest-key sampler at n, Poisson-limit sampler at n = inf) against the",
             "# Poisson-limit reference by quadrature (Mecke formula; d = 3: the 1-D integral).",
             "# z = (measured - predicted) / stderr. W = largest weight, S2 = sum of squared weights,",
             "# R = critical deficit n^{1/p} (1 - <q,O>).",
             f"{'d':>2} {'c':>5} {'n':>6} {'W':>18} {'pred W':>8} {'z':>6} {'S2':>18} {'pred S2':>8}"
             f" {'z':>6} {'R':>20} {'pred R':>8} {'z':>6} {'keys/query':>10}"]
    dims = [d for d in (2, 3, 4) if os.path.exists(os.path.join(RESULTS, f"critical_d{d}_nearest.csv"))]
    if not dims:
        return
    figure, axes = plt.subplots(len(dims), 3, figsize=(16, 4.2 * len(dims)), squeeze=False)
    worst = {}
    for row_index, d in enumerate(dims):
        nearest = load(os.path.join(RESULTS, f"critical_d{d}_nearest.csv"))
        poisson_path = os.path.join(RESULTS, f"critical_d{d}_poisson.csv")
        poisson = load(poisson_path) if os.path.exists(poisson_path) else None
        scales = [c for c in np.unique(nearest["scale"]) if any(near(c, s) for s in SCALES_SHOWN)]
        colours = plt.cm.plasma(np.linspace(0, 0.85, len(scales)))
        for column, (name, reference, label) in enumerate(
                [("weight_1", "poisson_largest_weight", "mean largest weight"),
                 ("critical_deficit", "poisson_critical_deficit",
                  "mean n^{2/(d-1)} (1 - <q,O>)")]):
            axis = axes[row_index, column]
            for colour, c in zip(colours, scales):
                rows = nearest[near(nearest["scale"], c)]
                rows = rows[np.argsort(rows["keys"])]
                axis.errorbar(rows["keys"], rows[name], yerr=rows[name + "_stderr"], color=colour,
                              marker="o", ms=3, capsize=2, label=f"c = {c:g}")
                axis.axhline(rows[reference][0], color=colour, ls="--", lw=0.8)
                if poisson is not None:
                    limit = poisson[near(poisson["scale"], c)]
                    axis.errorbar([3e13], limit[name], yerr=limit[name + "_stderr"], color=colour,
                                  marker="s", ms=5, capsize=2)
            axis.set_xscale("log")
            if column == 1:
                axis.set_yscale("log")
            axis.set_xlabel("n (squares at the right: Poisson-limit sampler, n = inf)")
            axis.set_ylabel(label)
            axis.set_title(f"d = {d}: {label}; dashed: Poisson limit (quadrature)", fontsize=9)
            axis.grid(alpha=0.3)
        axes[row_index, 0].legend(fontsize=7)
        # Ordered weights at c = 1.
        axis = axes[row_index, 2]
        one = nearest[near(nearest["scale"], 1.0)]
        top = [n for n in one.dtype.names if re.fullmatch(r"weight_\d+", n)]
        ranks = np.arange(1, len(top) + 1)
        shown = np.unique(one["keys"])[::max(1, len(np.unique(one["keys"])) // 4)]
        for colour, n in zip(plt.cm.viridis(np.linspace(0, 0.9, len(shown))), shown):
            row = one[one["keys"] == n][0]
            axis.errorbar(ranks, [row[t] for t in top], yerr=[row[t + "_stderr"] for t in top],
                          color=colour, marker="o", ms=3, capsize=2, label=f"n = {keys_label(n)}")
        if poisson is not None:
            row = poisson[near(poisson["scale"], 1.0)][0]
            axis.errorbar(ranks, [row[t] for t in top], yerr=[row[t + "_stderr"] for t in top],
                          color="black", marker="s", ms=4, capsize=2, lw=2, label="Poisson limit")
        axis.set_yscale("log")
        axis.set_xlabel("rank i")
        axis.set_ylabel("mean i-th largest weight")
        axis.set_title(f"d = {d}, c = 1: ordered weights", fontsize=9)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
        # Table.
        for c in scales:
            rows = nearest[near(nearest["scale"], c)]
            rows = rows[np.argsort(rows["keys"])]
            if poisson is not None:
                rows = np.concatenate([rows, poisson[near(poisson["scale"], c)][list(rows.dtype.names)]])
            for row in rows:
                z = [(row[m] - row[p]) / row[m + "_stderr"] for m, p in
                     (("weight_1", "poisson_largest_weight"),
                      ("squared_weights", "poisson_squared_weights"),
                      ("critical_deficit", "poisson_critical_deficit"))]
                key = keys_label(row["keys"])
                worst.setdefault(key, {})[d] = max(worst.get(key, {}).get(d, 0),
                                                   max(abs(v) for v in z))
                lines.append(
                    f"{d:>2} {c:>5g} {keys_label(row['keys']):>6} "
                    f"{row['weight_1']:8.4f} +- {row['weight_1_stderr']:6.4f} "
                    f"{row['poisson_largest_weight']:8.4f} {z[0]:6.2f} "
                    f"{row['squared_weights']:8.4f} +- {row['squared_weights_stderr']:6.4f} "
                    f"{row['poisson_squared_weights']:8.4f} {z[1]:6.2f} "
                    f"{row['critical_deficit']:9.4g} +- {row['critical_deficit_stderr']:7.3g} "
                    f"{row['poisson_critical_deficit']:8.4g} {z[2]:6.2f} {row['used_keys']:10.1f}")
    lines.append("# largest |z| over the scales c and the three observables, per n (columns: d);")
    lines.append("# with sampling noise alone the largest of the 15 |z| of a cell exceeds 3.4 with")
    lines.append("# probability ~0.01: larger values are finite-n corrections.")
    lines.append("     n " + " ".join(f"{f'd = {d}':>7}" for d in dims))
    for key in sorted(worst, key=lambda k: np.inf if k == "inf" else float(k)):
        lines.append(f"{key:>6} " + " ".join(f"{worst[key].get(d, np.nan):7.2f}" for d in dims))
    figure.suptitle("Critical scale: the laws of the weights and of the output settle to the "
                    "Poisson limit from n = 1e2 to n = 1e12")
    figure.tight_layout()
    save(figure, "critical_collapse.png")
    write_table("critical.txt", lines)
    critical_distributions(dims)


def critical_distributions(dims):
    quantities = [("weight_1", "largest weight W_max"),
                  ("critical_deficit", "n^{2/(d-1)} (1 - <q,O>)"),
                  ("critical_tangential", "n^{1/(d-1)} |P_q O|")]
    available = [d for d in dims if os.path.exists(os.path.join(RUNS, f"critical_d{d}_nearest.csv"))]
    if not available:
        return
    figure, axes = plt.subplots(len(available), 3, figsize=(15, 3.8 * len(available)),
                                squeeze=False)
    lines = ["# Distributions at c = 1: Kolmogorov-Smirnov distance between the nearest sampler at",
             "# n and the Poisson-limit sampler (from the 101 quantiles of each: exact to ~0.01);",
             "# 0.001-level critical value 1.95 sqrt(1/N + 1/M) in the last column.",
             f"{'d':>2} {'n':>6} " + " ".join(f"{q:>20}" for q, _ in quantities) + f" {'critical':>9}"]
    for row_index, d in enumerate(available):
        nearest = load(os.path.join(RUNS, f"critical_d{d}_nearest.csv"))
        poisson_path = os.path.join(RUNS, f"critical_d{d}_poisson.csv")
        poisson = load(poisson_path) if os.path.exists(poisson_path) else None
        summary = load(os.path.join(RESULTS, f"critical_d{d}_nearest.csv"))
        limit_summary = load(os.path.join(RESULTS, f"critical_d{d}_poisson.csv")) \
            if poisson is not None else None
        one = nearest[near(nearest["scale"], 1.0)]
        all_n = np.unique(one["keys"])
        shown = all_n[::max(1, len(all_n) // 4)]
        # The largest weight as a histogram; the output laws, spread over decades, as
        # distribution functions read off the 101 quantiles.
        for column, (quantity, label) in enumerate(quantities):
            axis = axes[row_index, column]
            blocks = [(one[one["keys"] == n], colour, f"n = {keys_label(n)}", 1)
                      for n, colour in zip(shown, plt.cm.viridis(np.linspace(0, 0.9, len(shown))))]
            if poisson is not None:
                blocks.append((poisson[near(poisson["scale"], 1.0)], "black", "Poisson limit", 2))
            for block, colour, name, width in blocks:
                if quantity == "weight_1":
                    x, _, value = distribution(block, quantity, "density")
                    axis.step(x, value, where="mid", color=colour, lw=width, label=name)
                else:
                    probability, _, value = distribution(block, quantity, "quantile")
                    axis.plot(value, probability, color=colour, lw=width, label=name)
            if quantity != "weight_1":
                axis.set_xscale("log")
            axis.set_xlabel(label)
            axis.set_ylabel("density" if quantity == "weight_1" else "distribution function")
            axis.set_title(f"d = {d}, c = 1", fontsize=9)
            axis.grid(alpha=0.3)
        axes[row_index, 0].legend(fontsize=7)
        if poisson is None:
            continue
        limit = poisson[near(poisson["scale"], 1.0)]
        queries_limit = limit_summary[near(limit_summary["scale"], 1.0)]["queries"][0]
        for n in all_n:
            block = one[one["keys"] == n]
            distances = []
            for quantity, _ in quantities:
                _, _, mine = distribution(block, quantity, "quantile")
                _, _, theirs = distribution(limit, quantity, "quantile")
                distances.append(ks_from_quantiles(mine, theirs))
            queries = summary[(summary["keys"] == n) & near(summary["scale"], 1.0)]["queries"][0]
            critical_value = 1.95 * np.sqrt(1 / queries + 1 / queries_limit)
            lines.append(f"{d:>2} {keys_label(n):>6} " +
                         " ".join(f"{v:>20.3f}" for v in distances) + f" {critical_value:>9.3f}")
    figure.suptitle("Critical scale, c = 1: laws of the largest weight (histogram) and of the "
                    "rescaled output (distribution functions); black: Poisson-limit sampler")
    figure.tight_layout()
    save(figure, "critical_distributions.png")
    write_table("critical_distributions.txt", lines)


# --- agreement of the samplers ------------------------------------------------------------------


def agreement():
    paths = sorted(glob.glob(os.path.join(RESULTS, "agreement_d*_n*_full.csv")))
    if not paths:
        return
    lines = ["# Full against nearest-key sampling (independent seeds) at beta = c n^{2/(d-1)}:",
             "# z = (mean_nearest - mean_full) / sqrt(se_full^2 + se_nearest^2) for the largest",
             "# weight W, sum of squared weights S2, critical deficit R and tangential part T; KS:",
             "# Kolmogorov-Smirnov distance of W and R (from 101 quantiles, ~0.01) and its",
             "# 0.001-level critical value; seconds per query of each sampler (all 3 scales, one pass).",
             f"{'d':>2} {'n':>5} {'c':>4} {'Q':>5} {'z W':>6} {'z S2':>6} {'z R':>6} {'z T':>6}"
             f" {'KS W':>6} {'KS R':>6} {'crit':>6} {'s/query full':>13} {'s/query nearest':>16}"
             f" {'keys nearest':>12}"]
    timing = {}
    for path in paths:
        match = re.search(r"agreement_d(\d)_n([0-9e.+]+)_full.csv", path)
        d, n_text = int(match.group(1)), match.group(2)
        other = path.replace("_full.csv", "_nearest.csv")
        if not os.path.exists(other):
            continue
        full, nearest = load(path), load(other)
        dist_full = os.path.join(RUNS, os.path.basename(path))
        dist_nearest = os.path.join(RUNS, os.path.basename(other))
        have = os.path.exists(dist_full) and os.path.exists(dist_nearest)
        if have:
            dist_full, dist_nearest = load(dist_full), load(dist_nearest)
        for row_full in full:
            c = row_full["scale"]
            row = nearest[near(nearest["scale"], c)][0]
            z = [(row[m] - row_full[m]) / np.hypot(row[m + "_stderr"], row_full[m + "_stderr"])
                 for m in ("weight_1", "squared_weights", "critical_deficit", "critical_tangential")]
            ks = []
            for quantity in ("weight_1", "critical_deficit"):
                if not have:
                    ks.append(np.nan)
                    continue
                _, _, a = distribution(dist_full[near(dist_full["scale"], c)], quantity, "quantile")
                _, _, b = distribution(dist_nearest[near(dist_nearest["scale"], c)], quantity,
                                       "quantile")
                ks.append(ks_from_quantiles(a, b))
            q = row_full["queries"]
            critical_value = 1.95 * np.sqrt(2 / q)
            lines.append(f"{d:>2} {keys_label(row_full['keys']):>5} {c:>4g} {q:>5} " +
                         " ".join(f"{v:6.2f}" for v in z) + " " +
                         " ".join(f"{v:6.3f}" for v in ks) + f" {critical_value:6.3f}"
                         f" {row_full['seconds_per_query']:13.3g} {row['seconds_per_query']:16.3g}"
                         f" {row['used_keys']:12.1f}")
            timing[(d, row_full["keys"])] = (row_full["seconds_per_query"],
                                             row["seconds_per_query"])
    write_table("agreement.txt", lines)


# --- exponents ---------------------------------------------------------------------------------


def collapse_measure(rows, name="weight_1"):
    """max over c of (max_n - min_n) of the mean, and 2 combined standard errors there (max)."""
    spreads, noises = [], []
    for c in np.unique(rows["scale"]):
        at = rows[near(rows["scale"], c)]
        if len(at) < 2:
            continue
        high, low = np.argmax(at[name]), np.argmin(at[name])
        spreads.append(at[name][high] - at[name][low])
        noises.append(2 * np.hypot(at[name + "_stderr"][high], at[name + "_stderr"][low]))
    return max(spreads), max(noises)


def exponents():
    paths = sorted(glob.glob(os.path.join(RESULTS, "exponents_d*.csv")))
    if not paths:
        return
    figure, axes = plt.subplots(len(paths), 3, figsize=(14, 3.6 * len(paths)), squeeze=False,
                                sharey=True)
    lines = ["# Collapse measure: max over c of (max_n - min_n) of the mean largest weight (full",
             "# sampling), against the noise 2 sqrt(se_max^2 + se_min^2) (max over c).",
             f"{'d':>2} {'a':>7} {'role':>9} {'spread':>8} {'noise':>8}"]
    for row_index, path in enumerate(paths):
        data = load(path)
        d = int(data["dimension"][0])
        critical_a = 2.0 / (d - 1)
        for column, a in enumerate(np.unique(data["exponent"])[:3]):
            rows = data[near(data["exponent"], a)]
            role = "critical" if np.isclose(a, critical_a) else ("below" if a < critical_a else "above")
            axis = axes[row_index, column]
            n_all = np.unique(rows["keys"])
            for colour, n in zip(plt.cm.viridis(np.linspace(0, 0.9, len(n_all))), n_all):
                curve = rows[rows["keys"] == n]
                order = np.argsort(curve["scale"])
                axis.errorbar(curve["scale"][order], curve["weight_1"][order],
                              yerr=curve["weight_1_stderr"][order], color=colour, marker="o",
                              ms=3, capsize=2, label=f"n = {keys_label(n)}")
            spread, noise = collapse_measure(rows)
            lines.append(f"{d:>2} {a:7.4f} {role:>9} {spread:8.4f} {noise:8.4f}")
            axis.set_xscale("log")
            axis.set_title(f"d = {d}, a = {a:.3g} ({role}): spread {spread:.3f}, noise {noise:.3f}",
                           fontsize=9)
            axis.set_xlabel("c  (beta = c n^a)")
            axis.set_ylabel("mean largest weight")
            axis.grid(alpha=0.3)
        axes[row_index, 1].legend(fontsize=7)
    figure.suptitle("Largest weight against c: collapse across n exactly at a = 2/(d-1)")
    figure.tight_layout()
    save(figure, "exponents.png")
    write_table("exponents.txt", lines)


# --- sub-sphere --------------------------------------------------------------------------------


def subsphere():
    paths = sorted(glob.glob(os.path.join(RESULTS, "subsphere_k*_nearest.csv")))
    if not paths:
        return
    figure, axes = plt.subplots(1, len(paths), figsize=(7 * len(paths), 4.5), squeeze=False)
    lines = ["# Keys on a great S^{k-1} through q in R^4 (d = 4): mean largest weight at",
             "# beta = c n^{2/(k-1)} (nearest sampler, to n = 1e12) against the Poisson limit with",
             "# p = (k-1)/2, and at the ambient exponent 2/(d-1) = 2/3 (full sampling, to n = 1e5).",
             "# spread: max_n - min_n of the mean; noise: 2 combined standard errors.",
             f"{'k':>2} {'exponent':>9} {'c':>4} {'n range':>13} {'W at largest n':>18} "
             f"{'predicted':>9} {'z':>6} {'spread':>7} {'noise':>7}"]
    for column, path in enumerate(paths):
        nearest = load(path)
        k = int(nearest["support_dimension"][0])
        ambient_path = path.replace("_nearest.csv", "_ambient.csv")
        ambient = load(ambient_path) if os.path.exists(ambient_path) else None
        axis = axes[0, column]
        for data, style, exponent_label in ((nearest, "-", f"a = 2/(k-1) = {2 / (k - 1):.3g}"),
                                            (ambient, ":", "a = 2/(d-1) = 0.667")):
            if data is None:
                continue
            for colour, c in zip(plt.cm.plasma(np.linspace(0, 0.8, 3)), np.unique(data["scale"])):
                rows = data[near(data["scale"], c)]
                rows = rows[np.argsort(rows["keys"])]
                axis.errorbar(rows["keys"], rows["weight_1"], yerr=rows["weight_1_stderr"],
                              color=colour, ls=style, marker="o", ms=3, capsize=2,
                              label=f"c = {c:g}, {exponent_label}")
                if data is nearest:
                    axis.axhline(rows["poisson_largest_weight"][0], color=colour, ls="--", lw=0.8)
                last = rows[-1]
                predicted = last["poisson_largest_weight"] if data is nearest else np.nan
                z = (last["weight_1"] - predicted) / last["weight_1_stderr"]
                spread = rows["weight_1"].max() - rows["weight_1"].min()
                noise = 2 * np.hypot(rows["weight_1_stderr"][np.argmax(rows["weight_1"])],
                                     rows["weight_1_stderr"][np.argmin(rows["weight_1"])])
                lines.append(f"{k:>2} {last['exponent']:9.4f} {c:>4g} "
                             f"{keys_label(rows['keys'][0]) + '..' + keys_label(last['keys']):>13} "
                             f"{last['weight_1']:8.4f} +- {last['weight_1_stderr']:6.4f} "
                             f"{predicted:9.4f} {z:6.2f} {spread:7.4f} {noise:7.4f}")
        axis.set_xscale("log")
        axis.set_xlabel("n")
        axis.set_ylabel("mean largest weight")
        axis.set_title(f"keys on S^{k - 1} in R^4: collapse at 2/(k-1) (solid, dashed: Poisson "
                       f"limit p = {(k - 1) / 2:g}); drift at 2/(d-1) (dotted)", fontsize=8)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    save(figure, "subsphere.png")
    write_table("subsphere.txt", lines)


# --- von Mises-Fisher mixtures -------------------------------------------------------------------


def vmf():
    paths = sorted(glob.glob(os.path.join(RESULTS, "vmf_*.csv")))
    if not paths:
        return
    figure, axes = plt.subplots(1, len(paths), figsize=(7 * len(paths), 4.5), squeeze=False)
    lines = ["# von Mises-Fisher mixtures (d = 3) at beta = c n: mean largest weight against the",
             "# Poisson limit with lambda = kappa_3 p(q) |S^2| / c (the density at q sets the",
             "# intensity); z = (measured - predicted) / stderr.",
             f"{'law':>7} {'c':>4} {'n':>5} {'lambda':>8} {'W':>18} {'predicted':>9} {'z':>6}"]
    for column, path in enumerate(paths):
        data = load(path)
        law = re.search(r"vmf_(\w+)\.csv", path).group(1)
        axis = axes[0, column]
        for colour, c in zip(plt.cm.plasma(np.linspace(0, 0.8, 3)), np.unique(data["scale"])):
            rows = data[near(data["scale"], c)]
            rows = rows[np.argsort(rows["keys"])]
            axis.errorbar(rows["keys"], rows["weight_1"], yerr=rows["weight_1_stderr"],
                          color=colour, marker="o", ms=3, capsize=2, label=f"c = {c:g}")
            axis.axhline(rows["poisson_largest_weight"][0], color=colour, ls="--", lw=0.8)
            for row in rows:
                z = (row["weight_1"] - row["poisson_largest_weight"]) / row["weight_1_stderr"]
                lines.append(f"{law:>7} {c:>4g} {keys_label(row['keys']):>5} {row['lambda']:8.4g} "
                             f"{row['weight_1']:8.4f} +- {row['weight_1_stderr']:6.4f} "
                             f"{row['poisson_largest_weight']:9.4f} {z:6.2f}")
        axis.set_xscale("log")
        axis.set_xlabel("n")
        axis.set_ylabel("mean largest weight")
        axis.set_title(f"vMF mixture {law} q: dashed = Poisson limit at lambda = kappa_eff / c",
                       fontsize=9)
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    save(figure, "vmf.png")
    write_table("vmf.txt", lines)


# --- subcritical -------------------------------------------------------------------------------


def subcritical():
    data = load_all(os.path.join(RESULTS, "subcritical_d*_n*.csv"))
    if data is None:
        return
    lines = ["# Subcritical regime, beta fixed (full sampling): measured 1 - <q,O> +- stderr against",
             "# 1 - A_k(beta) - b/n (b: first-order bias of the ratio), and the mean squared",
             "# fluctuations n (<q,O> - A)^2 / v_rad and n |P_q O|^2 / ((k-1) v_tan) against 1.",
             f"{'d':>2} {'beta':>5} {'n':>5} {'lambda_n':>9} {'regime':>13} {'1 - <q,O>':>22}"
             f" {'predicted':>10} {'z':>6} {'radial var / v_rad':>19} {'tangential / v_tan':>19}"]
    dims = np.unique(data["dimension"]).astype(int)
    figure, axes = plt.subplots(len(dims), 3, figsize=(15, 3.8 * len(dims)), squeeze=False)
    for row_index, d in enumerate(dims):
        rows_d = data[data["dimension"] == d]
        betas = np.unique(rows_d["beta"])
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(betas)))
        for colour, beta in zip(colours, betas):
            rows = rows_d[near(rows_d["beta"], beta)]
            rows = rows[np.argsort(rows["keys"])]
            predicted = rows["limit_deficit"] - rows["alignment_bias"] / rows["keys"]
            axes[row_index, 0].errorbar(rows["keys"], rows["deficit"] / predicted,
                                        yerr=rows["deficit_stderr"] / predicted, color=colour,
                                        marker="o", ms=3, capsize=2, label=f"beta = {beta:g}")
            for name, style in (("radial_square", "-"), ("tangential_square", ":")):
                axes[row_index, 1].errorbar(rows["keys"], rows[name], yerr=rows[name + "_stderr"],
                                            color=colour, ls=style, marker="o", ms=3, capsize=2)
            for row, p in zip(rows, predicted):
                z = (row["deficit"] - p) / row["deficit_stderr"]
                lines.append(
                    f"{d:>2} {beta:>5g} {keys_label(row['keys']):>5} {row['lambda']:9.3g} "
                    f"{row['regime']:>13} {row['deficit']:10.6g} +- {row['deficit_stderr']:8.2g}"
                    f" {p:10.6g} {z:6.2f} {row['radial_square']:8.3f} +- "
                    f"{row['radial_square_stderr']:6.3f} {row['tangential_square']:8.3f} +- "
                    f"{row['tangential_square_stderr']:6.3f}")
        for axis, label in ((axes[row_index, 0], "(1 - <q,O>) / (1 - A_k - b/n)"),
                            (axes[row_index, 1], "n Var / v (solid: radial, dotted: tangential)")):
            axis.axhline(1, color="black", lw=0.8)
            axis.set_xscale("log")
            axis.set_xlabel("n")
            axis.set_ylabel(label)
            axis.set_title(f"d = {d}", fontsize=9)
            axis.grid(alpha=0.3)
        axes[row_index, 0].legend(fontsize=7)
        # QQ plot at the n with the most queries (largest n among those).
        path = None
        for candidate in sorted(glob.glob(os.path.join(RUNS, f"subcritical_d{d}_n*.csv"))):
            summary = load(os.path.join(RESULTS, os.path.basename(candidate)))
            if path is None or (summary["queries"][0], summary["keys"][0]) > best:
                path, best = candidate, (summary["queries"][0], summary["keys"][0])
        axis = axes[row_index, 2]
        if path is not None:
            dist = load(path)
            normal = [NormalDist().inv_cdf(p) for p in np.linspace(0.01, 0.99, 99)]
            for colour, beta in zip(colours, betas):
                block = dist[near(dist["beta"], beta)]
                for quantity, marker in (("radial_fluctuation", "o"),
                                         ("tangential_fluctuation", "^")):
                    _, _, quantiles = distribution(block, quantity, "quantile")
                    if len(quantiles):
                        axis.plot(normal, quantiles[1:-1], marker, color=colour, ms=3)
            axis.plot([-2.5, 2.5], [-2.5, 2.5], color="black", lw=0.8)
            axis.set_title(f"d = {d}, n = {keys_label(best[1])}, {best[0]} queries: QQ against "
                           "N(0, 1) (o radial, ^ tangential)", fontsize=8)
        axis.set_xlabel("normal quantile")
        axis.set_ylabel("sqrt(n / v) (O - O_inf) quantile")
        axis.grid(alpha=0.3)
    figure.suptitle("Subcritical regime: <q,O> -> A_k(beta) with Gaussian fluctuations of "
                    "variance v_rad / n and v_tan / n")
    figure.tight_layout()
    save(figure, "subcritical.png")
    write_table("subcritical.txt", lines)


# --- backward heat -----------------------------------------------------------------------------


def heat():
    data = load_all(os.path.join(RESULTS, "heat_beta*.csv"))
    if data is None:
        return
    data = data[np.argsort(data["beta"])]
    d = int(data["dimension"][0])
    lines = ["# Backward heat (vMF mixture, d = 3): measured beta (P_q O)_i +- stderr against the",
             "# n = inf value beta (P_q O_inf(beta))_i (closed form) and its beta -> inf limit",
             "# grad log p(q)_i; z = (measured - n = inf value) / stderr; n = 1e4 beta.",
             f"{'beta':>5} {'n':>8} {'i':>2} {'beta (P_q O)_i':>22} {'n = inf value':>13} {'z':>6}"
             f" {'grad log p':>10} {'|n=inf - grad|':>14}"]
    figure, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for i, colour in zip(range(1, d), ("tab:blue", "tab:orange", "tab:green")):
        name = f"tangent_{i}"
        measured = data["beta"] * data[name]
        error = data["beta"] * data[name + "_stderr"]
        exact = data["beta"] * data[f"limit_tangent_{i}"]
        gradient = data[f"gradient_{i}"][0]
        axes[0].errorbar(data["beta"], measured, yerr=error, color=colour, marker="o", ms=4,
                         capsize=2, ls="none", label=f"measured, component {i + 1}")
        axes[0].plot(data["beta"], exact, color=colour, label=f"n = inf, component {i + 1}")
        axes[0].axhline(gradient, color=colour, ls="--", lw=0.8)
        axes[1].errorbar(data["beta"], np.abs(measured - gradient), yerr=error, color=colour,
                         marker="o", ms=4, capsize=2, ls="none")
        axes[1].plot(data["beta"], np.abs(exact - gradient), color=colour)
        for row, m, e, x in zip(data, measured, error, exact):
            lines.append(f"{row['beta']:>5g} {row['keys']:>8} {i + 1:>2} {m:10.5f} +- {e:8.5f} "
                         f"{x:13.5f} {(m - x) / e:6.2f} {gradient:10.5f} {abs(x - gradient):14.5f}")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("beta")
    axes[0].set_ylabel("beta (P_q O)_i")
    axes[0].set_title("beta P_q O -> grad log p(q) (dashed)", fontsize=9)
    axes[0].legend(fontsize=7)
    # A slope -1 guide through the first n = inf point of component 2 (a visual, not a fit).
    first = abs(data["beta"][0] * data["limit_tangent_1"][0] - data["gradient_1"][0])
    axes[1].plot(data["beta"], first * data["beta"][0] / data["beta"], color="grey", ls=":",
                 label="slope -1")
    axes[1].legend(fontsize=7)
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("beta")
    axes[1].set_ylabel("|beta (P_q O)_i - grad_i log p(q)|")
    axes[1].set_title("distance to the limit: O(1/beta) (lines: n = inf closed form)", fontsize=9)
    for axis in axes:
        axis.grid(alpha=0.3)
    figure.tight_layout()
    save(figure, "backward_heat.png")
    write_table("backward_heat.txt", lines)


# --- cost --------------------------------------------------------------------------------------


def cost():
    data = load_all(os.path.join(RESULTS, "cost_full_n*.csv"))
    if data is None:
        return
    lines = ["# Full (distributed) sampling cost, d = 3, one beta, measured wall seconds per query",
             f"{'n':>6} {'queries':>7} {'seconds/query':>13} {'keys/second':>12}"]
    for row in data[np.argsort(data["keys"])]:
        lines.append(f"{keys_label(row['keys']):>6} {row['queries']:>7} "
                     f"{row['seconds_per_query']:13.3f} {row['keys'] / row['seconds_per_query']:12.3g}")
    write_table("cost.txt", lines)


if __name__ == "__main__":
    for stage in (critical, agreement, exponents, subsphere, vmf, subcritical, heat, cost):
        stage()
