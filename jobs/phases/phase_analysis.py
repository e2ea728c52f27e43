#!/usr/bin/python3
"""The moderate regime's phases measured against their predictions (docs/mathematics.md section 10).

    /usr/bin/python3 jobs/phases/phase_analysis.py out-dir

Reads out-dir/runs.txt ("kind name" a line, written by run_phase_study.sh) and out-dir/NAME.h5,
and writes out-dir/phase_results.csv (phase, run, tokens, beta, alpha, quantity, measured,
predicted, prediction), phase_results.txt (the same in words, with the wall times of
wall_times.csv) and one PNG per run: NAME.png. Kinds:
  alignment     (S^2, K^T Q = I): the mass outside the leading invariant plane of M = V, from the
                snapshots, decays at 2 (Re lambda_1 - Re lambda_3) as t -> infinity; on the fitted
                window [T/4, T] the beta = infinity flow normalize(e^{M t} x_0) of the same initial
                tokens is the finite-time prediction (uniform tokens near the normal of the plane
                leave it late: the mass outside is ~ t e^{-2t}, not e^{-2t}); the rotation of the
                plane against Im lambda_1 and the uniform ring's b I_1(beta)/I_0(beta);
  forward_heat  (circle, V = -I, one wrapped normal): sigma^2 = -2 ln |m_1| against the heat law
                s^2 + 2t/beta, the time it doubles against beta s^2/2, and the decay rates of
                ln |m_k| against k^2/beta;
  clustering    (circle, V = I, iid tokens): the Fourier moduli |m_k| from the snapshots, each
                mode's growth rate on the linear phase (max_k |m_k| < 0.1) against gamma_k of
                attnflow-theory (NAME.theory.txt), and the time the rms |m_k| of the leading band
                (gamma_k >= 0.8 gamma_max; N^{-1/2} at t = 0) reaches 0.1 against
                t* = ln N / (2 gamma_max) and t* + ln(0.1) / gamma_max;
  pairing       (circle, pair diagnostics, NAME.merges.csv and NAME.clusters.csv of
                cluster_log.py): every merge after t = 10 against the asymptotic waiting time
                e^{beta(1 - cos theta)} / ((m_a/m_b + m_b/m_a) beta sin^2 theta) from the previous
                event, and the staircase E_A e^{-beta} with the cluster count against log t.
"""
import csv
import math
import os
import sys

import matplotlib
import numpy
import scipy.linalg
import scipy.special

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plot"))
import run_files  # noqa: E402

PAIRING_START = 10.0  # merges before this time are the heat phase forming clusters
ONSET_AMPLITUDE = 0.1  # the clustering onset: the leading modes' rms amplitude


class Results:
    """The measured-against-predicted rows and the text report."""

    def __init__(self):
        self.rows, self.lines = [], []

    def add(self, phase, run, quantity, measured, predicted, prediction):
        self.rows.append([phase, run.name, run.token_count, run.beta, run.alpha, quantity,
                          measured, predicted, prediction])
        self.lines.append(f"{run.name} ({phase}, N = {run.token_count}, beta = {run.beta:.6g}"
                          f"{'' if run.alpha == '' else ', alpha = ' + run.alpha}): {quantity}: "
                          f"measured {measured:.4g}, predicted {predicted:.4g} ({prediction})")

    def say(self, line):
        self.lines.append(line)


class Run:
    """One run of the study: its file's attributes, input, snapshot times and diagnostics."""

    def __init__(self, directory, name):
        self.name, self.directory = name, directory
        self.path = os.path.join(directory, name + ".h5")
        with run_files.open_particle_run(self.path) as run:
            self.attributes, self.input = run.attributes, run.input()
            self.times, self.table = run.times(), run.diagnostics()
            self.token_count = run.token_count
        self.beta = float(self.attributes["beta"])
        self.alpha = self.input["beta-exponent"] if self.input["beta-scale"] else ""
        self.value = numpy.array(self.input["value"].replace(",", " ").split(), dtype=float)

    def positions(self, snapshot):
        with run_files.open_particle_run(self.path) as run:
            return run.positions(snapshot)

    def picture(self, figure):
        path = os.path.join(self.directory, self.name + ".png")
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)
        return path


def fitted_rate(times, values):
    """-d ln(values)/dt by least squares."""
    return -numpy.polyfit(times, numpy.log(values), 1)[0]


def leading_plane(m):
    """An orthonormal basis (d x k) of M's invariant subspace of the largest real part, M's
    eigenvalue of that real part with the largest imaginary part, and the next real part."""
    eigenvalues, vectors = numpy.linalg.eig(m)
    top = eigenvalues.real.max()
    leading = abs(eigenvalues.real - top) < 1e-12
    basis = numpy.linalg.qr(numpy.hstack([vectors[:, leading].real, vectors[:, leading].imag]))[0]
    rank = int(leading.sum())
    basis = basis[:, :rank]
    rest = eigenvalues.real[~leading]
    lambda_1 = eigenvalues[leading][numpy.argmax(eigenvalues[leading].imag)]
    return basis, lambda_1, rest.max() if rest.size else -math.inf


def alignment(run, results):
    d = int(run.attributes["dimension"])
    if run.input["query"] or run.input["key"]:
        raise SystemExit(f"phase_analysis.py: error: {run.name}: Q, K given; the alignment "
                         f"prediction here takes K^T Q = I")
    m = run.value.reshape(d, d)
    basis, lambda_1, lambda_3 = leading_plane(m)
    snapshots = [run.positions(k) for k in range(len(run.times))]
    times = run.times
    initial = snapshots[0]

    def outside(x):
        return 1 - numpy.mean(numpy.sum((x @ basis) ** 2, axis=1))

    def limit(t):  # the beta = infinity flow of the initial tokens (f = t since K^T Q = I)
        y = initial @ scipy.linalg.expm(m * t).T
        return y / numpy.linalg.norm(y, axis=1, keepdims=True)

    def plane_angle(x):
        return numpy.arctan2(x @ basis[:, 1], x @ basis[:, 0])

    measured = numpy.array([outside(x) for x in snapshots])
    limits = [limit(t) for t in times]
    predicted = numpy.array([outside(y) for y in limits])
    final = times[-1]
    window = (times >= final / 4) & (times <= final)
    rate, limit_rate = fitted_rate(times[window], measured[window]), fitted_rate(
        times[window], predicted[window])
    asymptotic = 2 * (lambda_1.real - lambda_3)
    span = f"t in [{final / 4:.3g}, {final:.3g}]"
    results.add("alignment", run, f"decay rate of the mass outside the leading plane, {span}",
                rate, limit_rate, "beta = infinity flow of the same initial tokens")
    results.add("alignment", run, f"decay rate of the mass outside the leading plane, {span}",
                rate, asymptotic, "2 (Re lambda_1 - Re lambda_3) of M, t -> infinity")
    # The plane's rotation: each token's in-plane angle, unwrapped from snapshot to snapshot,
    # over the window, tokens at least 0.1 from the plane's normal at the window's start.
    first, last = numpy.flatnonzero(window)[[0, -1]]

    def turn(states):
        total = 0
        for a, b in zip(states[first:last], states[first + 1:last + 1]):
            total = total + numpy.angle(numpy.exp(1j * (plane_angle(b) - plane_angle(a))))
        return total

    visible = numpy.linalg.norm(snapshots[first] @ basis, axis=1) > 0.1
    elapsed = times[last] - times[first]
    limit_turn = numpy.mean(turn(limits)[visible]) / elapsed
    sign = 1 if limit_turn >= 0 else -1
    rotation = sign * numpy.mean(turn(snapshots)[visible]) / elapsed
    b = abs(lambda_1.imag)
    ring = b * scipy.special.ive(1, run.beta) / scipy.special.ive(0, run.beta)
    results.add("alignment", run, f"rotation rate of the leading plane, {span}", rotation, b,
                "Im lambda_1 of M, beta = infinity")
    results.add("alignment", run, f"rotation rate of the leading plane, {span}", rotation, ring,
                "uniform ring b I_1(beta)/I_0(beta)")
    column = run.table.get("rotation_rate")
    if column is not None and numpy.isfinite(column[-1]):
        results.add("alignment", run, f"the run's rotation_rate column (collective angular "
                    f"velocity) at t = {run.table['time'][-1]:.3g}", column[-1], ring,
                    "uniform ring b I_1(beta)/I_0(beta)")
        results.say(f"{run.name}: leading_mass_fraction {run.table['leading_mass_fraction'][-1]:.6f} "
                    f"(snapshots: {1 - measured[-1]:.6f}); mean angle of a token to its beta = "
                    f"infinity prediction {run.table['alignment_angle_mean'][-1]:.3e} rad")
    eigenvalues = numpy.array([numpy.linalg.eigvalsh(x.T @ x / len(x)) for x in snapshots])
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    axes[0].semilogy(times, measured, "o-", label=f"particles, beta = {run.beta:.3g}")
    axes[0].semilogy(times, predicted, "k--", label="beta = inf flow, same tokens")
    axes[0].semilogy(times, measured[0] * numpy.exp(-asymptotic * times), "k:",
                     label=f"e^(-{asymptotic:.3g} t)")
    axes[0].set_xlabel("t")
    axes[0].set_ylabel("mass outside the leading plane of M")
    axes[0].legend(fontsize=8)
    for k in range(d):
        axes[1].plot(times, eigenvalues[:, d - 1 - k], label=f"M2 eigenvalue {k + 1}")
    axes[1].set_xlabel("t")
    axes[1].legend(fontsize=8)
    figure.suptitle(f"alignment on S^{d - 1}, N = {run.token_count:g}, beta = {run.beta:.4g}",
                    fontsize=10)
    results.say(f"wrote {run.picture(figure)}")


def fourier_moduli(theta, degrees):
    """|m_k| = |mean e^{i k theta}| for k = 1..degrees."""
    z = numpy.exp(1j * theta)
    power = numpy.ones_like(z)
    out = numpy.empty(degrees)
    for k in range(degrees):
        power = power * z
        out[k] = abs(power.mean())
    return out


def forward_heat(run, results):
    t = run.table["time"]
    moduli = {k: run.table[f"fourier_modulus_{k}"] for k in (1, 2, 3)}
    variance = -2 * numpy.log(moduli[1])
    s2 = variance[0]
    slope = numpy.polyfit(t, variance, 1)[0]
    results.add("heat", run, "growth of sigma^2 = -2 ln|m_1| per unit time", slope, 2 / run.beta,
                "forward heat equation: 2/beta")
    doubled = numpy.interp(2 * s2, variance, t) if variance[-1] >= 2 * s2 else math.nan
    results.add("heat", run, f"time sigma^2 doubles (sigma^2(0) = {s2:.4f})", doubled,
                run.beta * s2 / 2, "heat time beta s^2 / 2")
    for k in (2, 3):
        rate = fitted_rate(t, moduli[k])
        results.add("heat", run, f"decay rate of |m_{k}|", rate, k * k / run.beta,
                    "forward heat equation: k^2/beta")
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    axes[0].plot(t, variance, label="particles: -2 ln|m_1|")
    axes[0].plot(t, s2 + 2 * t / run.beta, "k--", label="heat: s^2 + 2t/beta")
    axes[0].axvline(run.beta * s2 / 2, color="grey", lw=0.8)
    axes[0].set_xlabel("t")
    axes[0].set_ylabel("sigma^2")
    axes[0].legend(fontsize=8)
    for k, values in moduli.items():
        axes[1].semilogy(t, values, label=f"|m_{k}|")
        axes[1].semilogy(t, values[0] * numpy.exp(-k * k * t / run.beta), "k:", lw=0.8)
    axes[1].set_xlabel("t")
    axes[1].legend(fontsize=8)
    figure.suptitle(f"forward heat on the circle (V = -I), N = {run.token_count:g}, "
                    f"beta = {run.beta:.4g}; dotted: e^(-k^2 t/beta)", fontsize=10)
    results.say(f"wrote {run.picture(figure)}")


def read_theory(path):
    """gamma_k (array, k = 1..) and t* from attnflow-theory's table."""
    gammas, star = [], math.nan
    with open(path) as text:
        for line in text:
            if line.startswith("# t*"):
                star = float(line.split(":")[-1])
            fields = line.split()
            if fields and fields[0].isdigit():
                gammas.append(float(fields[1]))
    return numpy.array(gammas), star


def clustering(run, results):
    gammas, star = read_theory(os.path.join(run.directory, run.name + ".theory.txt"))
    degrees = len(gammas)
    times = run.times
    moduli = numpy.array([fourier_moduli(numpy.arctan2(x[:, 1], x[:, 0]), degrees)
                          for x in (run.positions(k) for k in range(len(times)))])
    largest = moduli.max(axis=1)
    linear = times <= times[numpy.argmax(largest >= 0.1)] if (largest >= 0.1).any() else \
        numpy.ones_like(times, dtype=bool)
    rates = numpy.array([numpy.polyfit(times[linear], numpy.log(moduli[linear, k]), 1)[0]
                         for k in range(degrees)])
    gamma_max = gammas.max()
    band = gammas >= 0.8 * gamma_max
    results.add("heat", run, f"mean growth rate of the modes with gamma_k >= 0.8 gamma_max "
                f"(k = {numpy.flatnonzero(band)[0] + 1}..{numpy.flatnonzero(band)[-1] + 1}) on t in "
                f"[0, {times[linear][-1]:.3g}]", rates[band].mean(), gammas[band].mean(),
                "linear theory gamma_k (attnflow-theory)")
    results.say(f"{run.name}: measured rates relative to gamma_k in that band: " + ", ".join(
        f"k={k + 1}: {rates[k] / gammas[k]:.3f}" for k in numpy.flatnonzero(band)))
    # Clusters appear when the leading band's modes, iid-uniform rms N^{-1/2} at t = 0, reach
    # O(1): N^{-1/2} e^{gamma_max t} = A at t* + ln(A) / gamma_max.
    rms = numpy.sqrt(numpy.mean(moduli[:, band] ** 2, axis=1))
    onset = math.nan  # not reached within the horizon
    if rms.max() >= ONSET_AMPLITUDE:
        reach = numpy.argmax(rms >= ONSET_AMPLITUDE)
        onset = numpy.interp(math.log(ONSET_AMPLITUDE), numpy.log(rms[reach - 1:reach + 1]),
                             times[reach - 1:reach + 1])
    quantity = f"time the rms |m_k| of the band gamma_k >= 0.8 gamma_max reaches {ONSET_AMPLITUDE}"
    results.add("heat", run, quantity, onset, star, "t* = ln N / (2 gamma_max)")
    results.add("heat", run, quantity, onset, star + math.log(ONSET_AMPLITUDE) / gamma_max,
                f"t* + ln({ONSET_AMPLITUDE}) / gamma_max")
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    k = numpy.arange(1, degrees + 1)
    axes[0].plot(k, gammas, "k-", label="linear theory gamma_k")
    axes[0].plot(k, rates, "o", ms=3, label="particles (fit on the linear phase)")
    axes[0].set_xlabel("mode k")
    axes[0].set_ylabel("growth rate")
    axes[0].legend(fontsize=8)
    axes[1].semilogy(times, rms, label="rms |m_k|, gamma_k >= 0.8 gamma_max")
    axes[1].semilogy(times, numpy.exp(gamma_max * times) / math.sqrt(run.token_count), "k:",
                     label="N^(-1/2) e^(gamma_max t)")
    axes[1].set_ylim(0.5 / math.sqrt(run.token_count), 1)
    axes[1].axvline(star, color="grey", lw=0.8, label="ln N / (2 gamma_max)")
    axes[1].axhline(ONSET_AMPLITUDE, color="grey", lw=0.5, ls=":")
    axes[1].set_xlabel("t")
    axes[1].legend(fontsize=8)
    figure.suptitle(f"backward heat on the circle (V = I) from iid tokens, N = {run.token_count:g},"
                    f" beta = {run.beta:.4g}", fontsize=10)
    results.say(f"wrote {run.picture(figure)}")


def pairing(run, results):
    prefix = os.path.join(run.directory, run.name)
    merges = numpy.genfromtxt(prefix + ".merges.csv", delimiter=",", names=True, ndmin=1)
    clusters = numpy.genfromtxt(prefix + ".clusters.csv", delimiter=",", names=True)
    centre_names = [n for n in clusters.dtype.names if n.startswith("centre_")]
    previous, events = PAIRING_START, []
    for merge in merges:
        if merge["time"] < PAIRING_START:
            previous = max(previous, merge["time"])
            continue
        ma, mb = merge["mass_a"], merge["mass_b"]
        # The two clusters (found by their masses, which do not change between events) at the
        # first snapshot after the previous event.
        start = clusters["time"][clusters["time"] >= previous].min()
        rows = clusters[clusters["time"] == start]
        a = rows[numpy.argmin(abs(rows["mass"] - ma))]
        rest = rows[rows["cluster"] != a["cluster"]]
        b = rest[numpy.argmin(abs(rest["mass"] - mb))]
        theta = math.acos(max(-1.0, min(1.0, sum(a[n] * b[n] for n in centre_names))))
        predicted = math.exp(run.beta * (1 - math.cos(theta))) / (
            (ma / mb + mb / ma) * run.beta * math.sin(theta) ** 2)
        results.add("pairing", run, f"waiting time of the merge at t = {merge['time']:.4g} "
                    f"(angle {theta:.3f}, masses {ma:.3f}, {mb:.3f}; dated to within the snapshot "
                    f"factor)", merge["time"] - previous, predicted,
                    "e^{beta(1-cos theta)}/((ma/mb+mb/ma) beta sin^2 theta)")
        events.append((merge["time"], previous + predicted))
        previous = merge["time"]
    table = run.table
    positive = table["time"] > 0
    figure, axis = plt.subplots(figsize=(6.5, 3.5))
    axis.semilogx(table["time"][positive], table["energy_a_scaled"][positive], label="E_A e^{-beta}")
    for measured, predicted in events:
        axis.axvline(measured, color="grey", lw=0.8)
        axis.axvline(predicted, color="red", lw=0.8, ls="--")
    axis.set_xlabel("t (grey: merges; red dashed: predicted from the previous event)")
    axis.set_ylabel("E_A e^{-beta}")
    twin = axis.twinx()
    twin.semilogx(table["time"][positive], table["clusters"][positive], "k:")
    twin.set_ylabel("clusters (dotted)")
    axis.set_title(f"heat and pairing on the circle, N = {run.token_count}, beta = {run.beta:.4g}",
                   fontsize=10)
    results.say(f"wrote {run.picture(figure)}")


def main():
    if len(sys.argv) != 2:
        print("usage: phase_analysis.py out-dir", file=sys.stderr)
        return 2
    directory = sys.argv[1]
    kinds = {"alignment": alignment, "forward_heat": forward_heat, "clustering": clustering,
             "pairing": pairing}
    results = Results()
    with open(os.path.join(directory, "runs.txt")) as listing:
        for line in listing:
            kind, name = line.split()
            kinds[kind](Run(directory, name), results)
    walls = os.path.join(directory, "wall_times.csv")
    if os.path.exists(walls):
        with open(walls) as text:
            results.say("wall times (s): " + ", ".join(
                f"{row['name']} {float(row['wall_seconds']):.1f}" for row in csv.DictReader(text)))
    with open(os.path.join(directory, "phase_results.csv"), "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["phase", "run", "tokens", "beta", "alpha", "quantity", "measured",
                         "predicted", "prediction"])
        for row in results.rows:
            writer.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    with open(os.path.join(directory, "phase_results.txt"), "w") as out:
        out.write("\n".join(results.lines) + "\n")
    print("\n".join(results.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
