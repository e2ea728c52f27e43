#!/usr/bin/python3
"""Plot an attnflow particle run file (run.h5 from attnflow-particles): the tokens at chosen
snapshots and the diagnostics against time, as PNG files.

Tokens: on the circle (d = 2) each snapshot shows the tokens on the unit circle and a histogram of
their angles; on the sphere (d = 3) two orthographic views (looking down +z and -z, tokens on the
hidden hemisphere omitted); for d >= 4 the first two coordinates (a projection, said in the title).
Diagnostics: energy_scaled, order_parameter, clusters, max/min inner product and the Fourier moduli
|m_k| (circle) or harmonic power C_l (sphere) on a log scale, all against time.

The file is read through run_files.py (this directory). Needs Debian's /usr/bin/python3 (numpy,
h5py, matplotlib).
"""
import argparse
import os
import sys

PROGRAM = "plot_run.py"


def fail(message):
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_arguments():
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Render the tokens (at chosen snapshots) and the diagnostics of an attnflow "
        "particle run file to PNG.")
    parser.add_argument("run", help="particle run file written by attnflow-particles (run.h5)")
    parser.add_argument("--snapshots", default="0,-1",
                        help="comma-separated snapshot indices, negative counts from the end "
                        "(default 0,-1)")
    parser.add_argument("--output", default=None,
                        help="prefix of the PNG files (default: the run file without .h5); writes "
                        "PREFIX_tokens.png and PREFIX_diagnostics.png")
    parser.add_argument("--histogram-bins", type=int, default=72,
                        help="bins of the angle histogram on the circle (default 72)")
    return parser.parse_args()


def open_run(path):
    """The particle run file as a run_files.ParticleRun (fails with one line when it is not one)."""
    try:
        import run_files
    except ImportError as missing:
        fail(f"{missing}; run with Debian's /usr/bin/python3 (python3-h5py, python3-numpy)")
    try:
        return run_files.open_particle_run(path)
    except run_files.RunFileError as error:
        fail(str(error))


def choose_snapshots(text, run):
    import run_files
    if run.snapshot_count == 0:
        fail(f"{run.role} '{run.path}' holds no snapshots")
    chosen = []
    for item in text.split(","):
        try:
            index = int(item)
        except ValueError:
            fail(f"--snapshots: '{item}' is not an integer; give e.g. 0,5,-1")
        try:
            resolved = run.snapshot_index(index)
        except run_files.RunFileError as error:
            fail(f"--snapshots: {error}")
        if resolved not in chosen:
            chosen.append(resolved)
    return chosen


def title_of(run):
    meta = run.attributes
    parts = [f"d={run.dimension}", f"N={run.token_count}"]
    for key in ("model", "beta", "engine"):
        if key in meta:
            value = meta[key]
            parts.append(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(parts)


def plot_tokens(run, snapshots, prefix, bins):
    import matplotlib.pyplot as plt
    import numpy
    d = run.dimension
    times = run.times()
    columns = len(snapshots)
    rows = 2
    figure, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 7.2), squeeze=False)
    for c, index in enumerate(snapshots):
        x = run.positions(index)
        label = f"snapshot {index}, t = {times[index]:.4g}"
        if d == 2:
            angles = numpy.arctan2(x[:, 1], x[:, 0])
            circle = numpy.linspace(0, 2 * numpy.pi, 400)
            top = axes[0][c]
            top.plot(numpy.cos(circle), numpy.sin(circle), color="0.8", linewidth=1)
            top.scatter(x[:, 0], x[:, 1], s=6, alpha=0.6)
            top.set_aspect("equal")
            top.set_xlim(-1.15, 1.15)
            top.set_ylim(-1.15, 1.15)
            top.set_title(label, fontsize=9)
            bottom = axes[1][c]
            bottom.hist(angles, bins=bins, range=(-numpy.pi, numpy.pi), density=True)
            bottom.set_xlabel("angle t")
            bottom.set_ylabel("density")
        elif d == 3:
            for r, (sign, name) in enumerate(((1, "+z"), (-1, "-z"))):
                axis = axes[r][c]
                visible = sign * x[:, 2] >= 0
                circle = numpy.linspace(0, 2 * numpy.pi, 400)
                axis.plot(numpy.cos(circle), numpy.sin(circle), color="0.8", linewidth=1)
                # Looking down -z mirrors x so that the view is the sphere seen from below.
                axis.scatter(sign * x[visible, 0], x[visible, 1], s=6, alpha=0.6)
                axis.set_aspect("equal")
                axis.set_xlim(-1.1, 1.1)
                axis.set_ylim(-1.1, 1.1)
                axis.set_title(f"{label}\nseen from {name}", fontsize=9)
        else:
            axes[0][c].scatter(x[:, 0], x[:, 1], s=6, alpha=0.6)
            axes[0][c].set_aspect("equal")
            axes[0][c].set_title(f"{label}\n(x1, x2) projection", fontsize=9)
            axes[1][c].hist(x @ x.mean(axis=0) / max(numpy.linalg.norm(x.mean(axis=0)), 1e-300),
                            bins=bins, density=True)
            axes[1][c].set_xlabel("<x, mean direction>")
    figure.suptitle(title_of(run))
    figure.tight_layout()
    name = f"{prefix}_tokens.png"
    figure.savefig(name, dpi=110)
    plt.close(figure)
    return name


def plot_diagnostics(run, prefix):
    import matplotlib.pyplot as plt
    import numpy
    column = run.diagnostics()
    columns = list(column)
    records = len(column[columns[0]]) if columns else 0
    if records == 0:
        return None
    time = column.get("time", numpy.arange(records))
    panels = [("energy_scaled", ["energy_scaled"], False), ("order parameter", ["order_parameter"], False),
              ("clusters", ["clusters"], False), ("pairwise inner product", ["max_inner", "min_inner"], False)]
    fourier = [c for c in columns if c.startswith("fourier_modulus_")]
    harmonic = [c for c in columns if c.startswith("harmonic_power_")]
    if fourier:
        panels.append(("Fourier moduli |m_k|", fourier, True))
    if harmonic:
        panels.append(("harmonic power C_l", harmonic, True))
    panels = [p for p in panels if all(name in column for name in p[1])]
    figure, axes = plt.subplots(len(panels), 1, figsize=(7, 2.4 * len(panels)), sharex=True, squeeze=False)
    for axis, (label, names, logarithmic) in zip(axes[:, 0], panels):
        colours = plt.cm.viridis(numpy.linspace(0, 1, len(names))) if len(names) > 2 else [None] * len(names)
        for name, colour in zip(names, colours):
            values = column[name]
            if logarithmic:
                values = numpy.where(values > 0, values, numpy.nan)
            axis.plot(time, values, label=name.rsplit("_", 1)[-1] if len(names) > 2 else name, color=colour)
        if logarithmic:
            axis.set_yscale("log")
        axis.set_ylabel(label, fontsize=9)
        if len(names) > 1:
            axis.legend(fontsize=6, ncol=min(len(names), 9))
    axes[-1][0].set_xlabel("time")
    figure.suptitle(title_of(run))
    figure.tight_layout()
    name = f"{prefix}_diagnostics.png"
    figure.savefig(name, dpi=110)
    plt.close(figure)
    return name


def main():
    arguments = parse_arguments()
    try:
        import matplotlib
    except ImportError as missing:
        fail(f"{missing}; run with Debian's /usr/bin/python3 (python3-matplotlib)")
    matplotlib.use("Agg")
    if arguments.histogram_bins < 1:
        fail("--histogram-bins must be at least 1")
    run = open_run(arguments.run)
    snapshots = choose_snapshots(arguments.snapshots, run)
    prefix = arguments.output or os.path.splitext(arguments.run)[0]
    directory = os.path.dirname(prefix)
    if directory and not os.path.isdir(directory):
        fail(f"--output: directory '{directory}' does not exist")
    with run:
        written = [plot_tokens(run, snapshots, prefix, arguments.histogram_bins),
                   plot_diagnostics(run, prefix)]
    for name in written:
        if name:
            print(name)


if __name__ == "__main__":
    main()
