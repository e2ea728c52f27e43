"""The depth study of jobs/mlp/run_study.sh (sections 3 and 4): averages its particle runs over
seeds into curves against depth, fits the energy decay rates and draws the figures.

    /usr/bin/python3 jobs/mlp/depth_study.py RUNS RESULTS

RUNS holds grid_d<d>_<activation>_s<sigma>_a<sign>_seed<k>.h5 (section 3),
sphere_<activation>_seed<k>.h5 (section 4), scale_n<N>_<activation>.h5 (section 5, S^2) and
scale_d<d>_n<N>_<activation>.h5 (section 6, S^{d-1}); RESULTS
receives
  depth_curves.csv   per case and recorded layer: seed means of mean_cosine, mean_squared_cosine
                     and E_A = energy_a_scaled e^beta (the energy of docs/mathematics.md 9.6), with
                     the standard error of the E_A mean;
  depth_rates.csv    per case: the constants from the run files' metadata (kappa(1), kappa'(1),
                     lambda_1, lambda_bar, lambda_bar'(beta), odd field, coercive), the fitted
                     decay rate of ln E E_A over the fit window, and the bound check (below);
  depth_rates.md     the same as a markdown table (one row per MLP field, the three attention
                     signs side by side), quoted in README;
  depth_cosine_d<d>.png, depth_energy_d<d>.png, sphere_s3.png, sphere_s3.csv;
  scale_clusters_[d<d>_]n<N>.csv, .png  sections 5 and 6: per run (its activation, with
                     _metastable for a run started from the no-MLP run's last state) and record,
                     the cluster count, E_A e^{-beta}, mean_cosine and mean_squared_cosine, against
                     log t; the log gets the plateaus of the cluster count (the runs of equal
                     counts, from the first count below PLATEAU_MAXIMUM on) and the masses of the
                     clusters at the last snapshot with the angle between the two largest.
Fit: least squares of ln(mean over seeds of E_A) against t = layer T/L over FIT_FIRST_TIME <= t
<= T (from the first record after t = 0 instead when fewer than 3 records of that window are
resolved), keeping only records whose mean energy_a_scaled exceeds FLOOR (E_A e^{-beta} has an
absolute rounding error of about 1e-15, src/diagnostics/diagnostics.hpp); the rate's standard
error is that of the per-seed fits over the same window. Bound check: the guarantee is
E E_A(t) <= E_A(0) e^{lambda_bar'(beta) t} (docs/mathematics.md 9.6), so the margin
max_t [ln(mean E_A(t) / mean E_A(0)) - lambda_bar' t] over the recorded t > 0 (above FLOOR) must be
<= 0 up to the Monte Carlo error of ln(mean E_A(t)) (the standard error of the mean over its
mean): "holds" means margin <= 2 standard errors. It is claimed for coercive fields (lambda_bar
< 0, field not odd) with attention +1 (V = I, Q^T K = beta I) or off.
"""
import collections
import csv
import math
import os
import re
import sys
import textwrap

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plot"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "phases"))
import run_files  # noqa: E402
from cluster_log import clusters_of  # noqa: E402

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as pyplot  # noqa: E402

FIT_FIRST_TIME = 1.0
FLOOR = 1e-11
CURVE_STRIDE = 10  # layers between the rows of depth_curves.csv
ACTIVATIONS = ("none", "relu", "silu", "sigmoid", "tanh")
SIGNS = (1, 0, -1)
SIGN_NAMES = {1: "attractive (+1)", 0: "off (0)", -1: "repulsive (-1)"}
GRID = re.compile(r"grid_d(\d+)_(\w+?)_s([\d.]+)_a(-?\d)_seed(\d+)\.h5$")
SPHERE = re.compile(r"sphere_(\w+?)_seed(\d+)\.h5$")
# sections 5 (S^2) and 6 (d<d>_; _metastable: started from the no-MLP run's last snapshot)
SCALE = re.compile(r"scale_(d\d+_)?n(\d+)_([a-z]+)(_metastable)?\.h5$")
METASTABLE_COLOUR = "tab:red"
PLATEAU_MAXIMUM = 100  # cluster counts above this are the uniform cloud breaking up, not clusters
CONSTANTS = ("mlp_kappa_1", "mlp_kappa_slope_1", "mlp_lambda_1", "mlp_lambda_bar",
             "mlp_energy_rate")


def read_runs(directory, pattern):
    """{key tuple: [(seed, attributes, diagnostics, run file path)]} for the files matching."""
    groups = collections.defaultdict(list)
    for name in sorted(os.listdir(directory)):
        match = pattern.match(name)
        if not match:
            continue
        path = os.path.join(directory, name)
        with run_files.open_particle_run(path) as run:
            groups[match.groups()[:-1]].append(
                (int(match.groups()[-1]), run.attributes, run.diagnostics(), path))
    return groups


def slope(times, values):
    """Least-squares slope of values against times (NaN with fewer than 3 points)."""
    if len(times) < 3:
        return math.nan
    return float(numpy.polyfit(times, values, 1)[0])


def summarise_case(key, members):
    dimension, activation, sigma, sign = int(key[0]), key[1], float(key[2]), int(key[3])
    attributes = members[0][1]
    beta = attributes["beta"]
    time = members[0][2]["time"]
    energy = numpy.array([m[2]["energy_a_scaled"] for m in members])  # seeds x records
    cosine = numpy.array([m[2]["mean_cosine"] for m in members])
    squared = numpy.array([m[2]["mean_squared_cosine"] for m in members])
    seeds = len(members)
    mean_energy = energy.mean(axis=0)
    error_energy = energy.std(axis=0, ddof=1) / math.sqrt(seeds) if seeds > 1 else \
        numpy.full_like(mean_energy, math.nan)
    resolved = mean_energy > FLOOR
    window = resolved & (time >= FIT_FIRST_TIME - 1e-9)
    if window.sum() < 3:  # E_A reached the floor before FIT_FIRST_TIME: fit what is resolved
        window = resolved & (time > 0)
    rate = slope(time[window], numpy.log(mean_energy[window]))
    per_seed = []
    for row in energy:
        keep = window & (row > FLOOR)
        per_seed.append(slope(time[keep], numpy.log(row[keep])))
    per_seed = numpy.array(per_seed)
    rate_error = float(numpy.nanstd(per_seed, ddof=1) / math.sqrt(seeds)) \
        if seeds > 1 and numpy.isfinite(per_seed).sum() > 1 else math.nan
    constants = {name: attributes.get(name, math.nan) for name in CONSTANTS}
    coercive = attributes.get("mlp_coercive", "false") == "true"
    odd = attributes.get("mlp_odd_field", "false") == "true"
    claimed = coercive and sign in (1, 0)
    margin = margin_error = math.nan
    later = resolved & (time > 0)
    if activation != "none" and mean_energy[0] > FLOOR and later.any():
        excess = numpy.log(mean_energy[later] / mean_energy[0]) - \
            constants["mlp_energy_rate"] * time[later]
        at = int(numpy.argmax(excess))
        margin = float(excess[at])
        margin_error = float(error_energy[later][at] / mean_energy[later][at])
    window_times = time[window]
    return {
        "dimension": dimension, "activation": activation, "sigma": sigma, "attention_sign": sign,
        "seeds": seeds, "beta": beta, "width": attributes.get("mlp_width", ""),
        "kappa_1": constants["mlp_kappa_1"], "kappa_slope_1": constants["mlp_kappa_slope_1"],
        "lambda_1": constants["mlp_lambda_1"], "lambda_bar": constants["mlp_lambda_bar"],
        "lambda_bar_prime": constants["mlp_energy_rate"],
        "odd_field": odd if activation != "none" else "", "coercive": coercive
        if activation != "none" else "", "bound_claimed": claimed,
        "fit_first_time": float(window_times[0]) if len(window_times) else math.nan,
        "fit_last_time": float(window_times[-1]) if len(window_times) else math.nan,
        "measured_rate": rate, "measured_rate_standard_error": rate_error,
        "bound_margin": margin, "bound_margin_standard_error": margin_error,
        "bound_holds": (margin <= 2 * margin_error + 1e-12) if math.isfinite(margin) else "",
        "energy_a_initial": float(mean_energy[0]) * math.exp(beta),
        "energy_a_final": float(mean_energy[-1]) * math.exp(beta),
        "mean_cosine_final": float(cosine.mean(axis=0)[-1]),
        "mean_squared_cosine_final": float(squared.mean(axis=0)[-1]),
        # curves
        "_time": time, "_energy": mean_energy * math.exp(beta),
        "_energy_error": error_energy * math.exp(beta), "_cosine": cosine.mean(axis=0),
        "_squared": squared.mean(axis=0), "_layer_length": attributes.get("layer_length",
                                                                           attributes["step_size"]),
    }


def number(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([number(row[c]) for c in columns])


RATE_COLUMNS = ["dimension", "activation", "sigma", "attention_sign", "seeds", "beta", "kappa_1",
                "kappa_slope_1", "lambda_1", "lambda_bar", "lambda_bar_prime", "odd_field",
                "coercive", "bound_claimed", "fit_first_time", "fit_last_time", "measured_rate",
                "measured_rate_standard_error", "bound_margin", "bound_margin_standard_error",
                "bound_holds", "energy_a_initial", "energy_a_final", "mean_cosine_final",
                "mean_squared_cosine_final"]


def write_curves(path, cases):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dimension", "activation", "sigma", "attention_sign", "layer", "time",
                         "mean_cosine", "mean_squared_cosine", "energy_a",
                         "energy_a_standard_error"])
        for c in cases:
            layers = numpy.rint(c["_time"] / c["_layer_length"]).astype(int)
            for i, layer in enumerate(layers):
                if layer % CURVE_STRIDE:
                    continue
                writer.writerow([c["dimension"], c["activation"], number(c["sigma"]),
                                 c["attention_sign"], layer, number(float(c["_time"][i])),
                                 number(float(c["_cosine"][i])), number(float(c["_squared"][i])),
                                 number(float(c["_energy"][i])),
                                 number(float(c["_energy_error"][i]))])


def rate_text(c):
    if not math.isfinite(c["measured_rate"]):
        return "floor"
    error = c["measured_rate_standard_error"]
    text = f"{c['measured_rate']:.3f}" + (f" +- {error:.3f}" if math.isfinite(error) else "")
    if c["fit_first_time"] < FIT_FIRST_TIME - 1e-9:
        text += f" (t <= {c['fit_last_time']:.2g})"
    if c["bound_claimed"]:
        text += " ok" if c["bound_holds"] is True else " **VIOLATED**"
    return text


def write_markdown(path, cases):
    index = {(c["dimension"], c["activation"], c["sigma"], c["attention_sign"]): c for c in cases}
    lines = ["| d | activation | sigma_U = sigma_W | lambda_bar | lambda_bar'(1) | coercive | "
             "measured rate, attention +1 | attention 0 | attention -1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for dimension in sorted({c["dimension"] for c in cases}):
        for activation in ACTIVATIONS:
            for sigma in (0.0, 0.1):
                row = [index.get((dimension, activation, sigma, s)) for s in SIGNS]
                if all(r is None for r in row):
                    continue
                first = next(r for r in row if r is not None)
                if activation == "none":
                    head = [str(dimension), "no MLP", "-", "-", "-", "-"]
                else:
                    coercive = "yes" if first["coercive"] else (
                        "no (odd)" if first["odd_field"] else "no")
                    head = [str(dimension), activation, f"{sigma:g}",
                            f"{first['lambda_bar']:.4g}", f"{first['lambda_bar_prime']:.4g}",
                            coercive]
                lines.append("| " + " | ".join(head + [rate_text(r) if r else "-" for r in row])
                             + " |")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return lines


COLOURS = {"none": "black", "relu": "tab:blue", "silu": "tab:orange", "sigmoid": "tab:green",
           "tanh": "tab:red"}


def plot_dimension(results, dimension, cases):
    index = {(c["activation"], c["sigma"], c["attention_sign"]): c for c in cases
             if c["dimension"] == dimension}
    for quantity in ("cosine", "energy"):
        figure, axes = pyplot.subplots(3, 2, figsize=(11, 11), sharex=True, squeeze=False)
        for row, sign in enumerate(SIGNS):
            for column, sigma in enumerate((0.0, 0.1)):
                axis = axes[row][column]
                for activation in ACTIVATIONS:
                    c = index.get((activation, 0.0 if activation == "none" else sigma, sign))
                    if c is None:
                        continue
                    layers = c["_time"] / c["_layer_length"]
                    colour = COLOURS[activation]
                    if quantity == "cosine":
                        axis.plot(layers, c["_cosine"], color=colour, label=f"{activation} mean cos")
                        axis.plot(layers, c["_squared"], color=colour, linestyle="--",
                                  label=f"{activation} mean cos^2")
                    else:
                        keep = c["_energy"] > FLOOR * math.exp(c["beta"])
                        axis.semilogy(layers[keep], c["_energy"][keep], color=colour,
                                      label=activation)
                        if c["coercive"] is True and c["bound_claimed"]:
                            axis.semilogy(layers, c["_energy"][0] * numpy.exp(
                                c["lambda_bar_prime"] * c["_time"]), color=colour,
                                linestyle=":", linewidth=1)
                axis.set_title(f"d = {dimension}, sigma_U = sigma_W = {sigma:g}, "
                               f"attention {SIGN_NAMES[sign]}", fontsize=9)
                if row == 2:
                    axis.set_xlabel("layer l (t = l T / L, T = 5, L = 150)")
                axis.set_ylabel("mean pairwise cosine (solid), squared (dashed)"
                                if quantity == "cosine" else "E_A (dotted: E_A(0) e^{lambda_bar' t})",
                                fontsize=8)
                axis.grid(alpha=0.3)
        handles, labels = axes[0][1].get_legend_handles_labels()
        figure.legend(handles, labels, loc="lower center", ncol=5, fontsize=8)
        widths = sorted({c["width"] for c in index.values() if c["width"] != ""})
        figure.suptitle(f"N = 64 iid tokens, beta = 1, m = {widths[0] if widths else '-'}, "
                        f"mean over {cases[0]['seeds']} seeds", fontsize=10)
        figure.tight_layout(rect=(0, 0.06, 1, 0.97))
        figure.savefig(os.path.join(results, f"depth_{quantity}_d{dimension}.png"), dpi=80)
        pyplot.close(figure)


def sphere_figure(runs, results):
    groups = read_runs(runs, SPHERE)
    if not groups:
        return []
    figure, axes = pyplot.subplots(1, 3, figsize=(15, 4.5))
    rows, lines = [], []
    for (activation,), members in sorted(groups.items()):
        colour = COLOURS[activation]
        time = members[0][2]["time"]
        layers = numpy.rint(time / members[0][1]["layer_length"]).astype(int)
        cosine = numpy.array([m[2]["mean_cosine"] for m in members])
        squared = numpy.array([m[2]["mean_squared_cosine"] for m in members])
        for k in range(len(members)):
            axes[0].plot(layers, cosine[k], color=colour, alpha=0.25, linewidth=0.8)
            axes[0].plot(layers, squared[k], color=colour, alpha=0.25, linewidth=0.8,
                         linestyle="--")
        axes[0].plot(layers, cosine.mean(axis=0), color=colour, label=f"{activation}: mean cos")
        axes[0].plot(layers, squared.mean(axis=0), color=colour, linestyle="--",
                     label=f"{activation}: mean cos^2")
        for i, layer in enumerate(layers):
            rows.append([activation, layer, number(float(time[i])),
                         number(float(cosine.mean(axis=0)[i])),
                         number(float(squared.mean(axis=0)[i]))])
        seed, attributes, _, path = members[0]
        with run_files.open_particle_run(path) as run:
            points = run.positions(-1)
        reference = points[0]
        axis = axes[1 if activation == "relu" else 2]
        axis.hist(points @ reference, bins=numpy.linspace(-1, 1, 81), color=colour)
        axis.set_title(f"{activation}, seed {seed}, layer {layers[-1]}: <x_i, x_0> of the 64 tokens",
                       fontsize=9)
        axis.set_xlabel("<x_i, x_0>")
        finals = ", ".join(f"{c:.4f}/{s:.4f}" for c, s in zip(cosine[:, -1], squared[:, -1]))
        lines.append(f"# S^3 {activation} (kappa(1) = {attributes['mlp_kappa_1']:.5g}, lambda_1 = "
                     f"{attributes['mlp_lambda_1']:.5g}, lambda_bar = "
                     f"{attributes['mlp_lambda_bar']:.5g}, odd field "
                     f"{attributes['mlp_odd_field']}): layer {layers[-1]} mean_cosine/"
                     f"mean_squared_cosine per seed {finals}")
    axes[0].set_xlabel("layer l (T = 20, L = 2000)")
    axes[0].set_ylabel("pairwise cosine")
    axes[0].legend(fontsize=8)
    axes[0].grid(alpha=0.3)
    axes[0].set_title("N = 64 on S^3, attention off, m = 2048, zero biases", fontsize=9)
    figure.tight_layout()
    figure.savefig(os.path.join(results, "sphere_s3.png"), dpi=80)
    pyplot.close(figure)
    with open(os.path.join(results, "sphere_s3.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["activation", "layer", "time", "mean_cosine", "mean_squared_cosine"])
        writer.writerows(rows)
    return lines


def plateaus(time, clusters):
    """[(count, first time, last time)]: the runs of equal cluster counts from the first record
    whose count is at most PLATEAU_MAXIMUM on."""
    out = []
    for t, count in zip(time, clusters):
        if not out and count > PLATEAU_MAXIMUM:
            continue
        if out and out[-1][0] == count:
            out[-1][2] = t
        else:
            out.append([int(count), t, t])
    return out


def scale_figure(runs, results):
    lines = []
    by_study = collections.defaultdict(list)
    for name in sorted(os.listdir(runs)):
        match = SCALE.match(name)
        if match:
            by_study[(match.group(1) or "", int(match.group(2)))].append(
                (match.group(3), bool(match.group(4)), os.path.join(runs, name)))
    for (prefix, tokens), members in sorted(by_study.items()):
        members.sort(key=lambda m: (ACTIVATIONS.index(m[0]), m[1]))
        figure, axes = pyplot.subplots(1, 3, figsize=(15, 4.5))
        rows = []
        for activation, metastable, path in members:
            with run_files.open_particle_run(path) as run:
                attributes, table = run.attributes, run.diagnostics()
                tolerance = run.input().get("cluster-tolerance", "?")
                labels, points = run.cluster_labels(-1), run.positions(-1)
                last_time = run.times()[-1]
            time = table["time"]
            layers = numpy.rint(time / attributes["step_size"]).astype(int)
            if activation == "none":
                label = "no MLP"
            else:
                verdict = "coercive" if attributes["mlp_coercive"] == "true" else \
                    "not coercive" + (", odd" if attributes["mlp_odd_field"] == "true" else "")
                biases = ""
                if attributes["mlp_bias_u"] or attributes["mlp_bias_w"]:
                    biases = (f", sigma_U = {attributes['mlp_bias_u']:g}, sigma_W = "
                              f"{attributes['mlp_bias_w']:g}")
                label = (f"{activation}, m = {attributes['mlp_width']}{biases} ({verdict}; "
                         f"kappa(1) = {attributes['mlp_kappa_1']:.3g}, lambda_1 = "
                         f"{attributes['mlp_lambda_1']:.3g}, lambda_bar = "
                         f"{attributes['mlp_lambda_bar']:.3g})")
            colour = COLOURS[activation]
            if metastable:
                label += ", from the no-MLP run's last state (t counted from there)"
                colour = METASTABLE_COLOUR
            later = time > 0
            axes[0].loglog(time[later], table["clusters"][later], color=colour, marker=".",
                           label=textwrap.fill(label, 48))
            axes[1].loglog(time[later], table["energy_a_scaled"][later], color=colour, marker=".")
            axes[2].semilogx(time[later], table["mean_cosine"][later], color=colour, marker=".")
            axes[2].semilogx(time[later], table["mean_squared_cosine"][later], color=colour,
                             linestyle="--")
            for i in range(len(time)):
                rows.append([activation + ("_metastable" if metastable else ""), layers[i], number(float(time[i])),
                             int(table["clusters"][i]), number(float(table["energy_a_scaled"][i])),
                             number(float(table["mean_cosine"][i])),
                             number(float(table["mean_squared_cosine"][i]))])
            steps = "; ".join(f"{count} from t = {first:.3g} to {last:.3g}"
                              for count, first, last in plateaus(time, table["clusters"]))
            lines.append(f"# N = {tokens}, d = {attributes['dimension']}, {label}: clusters {steps}")
            found = clusters_of(labels, points)
            by_mass = sorted(found.values(), key=lambda c: -c[0])
            masses = ", ".join(f"{mass:.3g}" for mass, _ in by_mass[:12])
            # Angular radius of each cluster about its centre, and the smallest angle between two
            # centres: the count is the same for every link angle between twice the one and the
            # other (the tolerance range the plateau does not depend on). arccos resolves about
            # 1.5e-8 rad near 1 in double, so the radius is an upper bound at that level.
            radius = max(float(numpy.arccos(numpy.clip(points[labels == label] @ centre, -1, 1))
                               .max()) for label, (_, centre) in found.items())
            centres = numpy.array([centre for _, centre in by_mass])
            gaps = numpy.arccos(numpy.clip(centres @ centres.T, -1, 1))[
                numpy.triu_indices(len(centres), 1)]
            shape = f"; largest cluster radius {radius:.2g} rad"
            if len(gaps):
                shape += (f", smallest angle between centres {gaps.min():.3g} rad, between the "
                          f"two largest {math.degrees(gaps[0]):.1f} deg")
            plural = "s" if len(found) > 1 else ""
            lines.append(f"#   last snapshot t = {last_time:.4g}: {len(found)} cluster{plural}, "
                         f"masses {masses}{' ...' if len(found) > 12 else ''}{shape}")
        axes[0].set_ylabel(f"clusters (components of <x_i, x_j> > 1 - {tolerance})")
        axes[1].set_ylabel("E_A e^{-beta}")
        axes[2].set_ylabel("mean cosine (solid), mean squared cosine (dashed)")
        for axis in axes:
            axis.set_xlabel("t = layer h (log)")
            axis.grid(alpha=0.3, which="both")
        axes[0].legend(fontsize=7, loc="center left")
        figure.suptitle(f"N = {tokens} tokens on S^{attributes['dimension'] - 1}, beta = "
                        f"{attributes['beta']:g}, {attributes['engine']} attention, "
                        f"{attributes['ranks']} ranks, layer scheme h = {attributes['step_size']:g}",
                        fontsize=10)
        figure.tight_layout(rect=(0, 0, 1, 0.95))
        figure.savefig(os.path.join(results, f"scale_clusters_{prefix}n{tokens}.png"), dpi=80)
        pyplot.close(figure)
        with open(os.path.join(results, f"scale_clusters_{prefix}n{tokens}.csv"), "w",
                  newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["activation", "layer", "time", "clusters", "energy_a_scaled",
                             "mean_cosine", "mean_squared_cosine"])
            writer.writerows(rows)
    return lines


def main():
    if len(sys.argv) != 3:
        print("depth_study.py: error: usage: depth_study.py RUNS RESULTS", file=sys.stderr)
        return 2
    runs, results = sys.argv[1:]
    try:
        groups = read_runs(runs, GRID)
        cases = [summarise_case(key, members) for key, members in groups.items()]
        order = {a: i for i, a in enumerate(ACTIVATIONS)}
        cases.sort(key=lambda c: (c["dimension"], -c["attention_sign"], order[c["activation"]],
                                  c["sigma"]))
        if cases:
            write_csv(os.path.join(results, "depth_rates.csv"), cases, RATE_COLUMNS)
            write_curves(os.path.join(results, "depth_curves.csv"), cases)
            for line in write_markdown(os.path.join(results, "depth_rates.md"), cases):
                print(line)
            for dimension in sorted({c["dimension"] for c in cases}):
                plot_dimension(results, dimension, cases)
            claimed = [c for c in cases if c["bound_claimed"]]
            held = [c for c in claimed if c["bound_holds"] is True]
            print(f"# bound E E_A(t) <= E_A(0) e^(lambda_bar' t): claimed for {len(claimed)} cases "
                  f"(coercive, attention +1 or 0), holds (margin <= 2 s.e.) in {len(held)}")
            for c in claimed:
                if c["bound_holds"] is not True:
                    print(f"#   not held: d = {c['dimension']} {c['activation']} s = {c['sigma']}"
                          f" attention {c['attention_sign']}: margin {c['bound_margin']:.3g} "
                          f"+- {c['bound_margin_standard_error']:.2g}")
        for line in sphere_figure(runs, results):
            print(line)
        for line in scale_figure(runs, results):
            print(line)
    except run_files.RunFileError as error:
        print(f"depth_study.py: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
