#!/usr/bin/python3
"""Overlay of a particle run on a continuum run at chosen times (attnflow-compare's picture).

Circle: the particle angle histogram (as a density per radian) over the PDE cell averages.
Sphere: maps (longitude, latitude) of the PDE density and of the particles' histogram density
(fraction of the particles in each cell's spherical triangle / cell area), on one colour scale.
The sphere's histogram densities are attnflow-compare's (its one point location,
geometry::containing_triangles), read from the file it writes with --histograms:

    mpiexec -n 1 build/apps/attnflow-compare --particles particles.h5 --continuum continuum.h5 \
        --output comparison.csv --histograms histograms.h5
    /usr/bin/python3 jobs/plot/plot_overlay.py particles.h5 continuum.h5 \
        [--histograms histograms.h5 (sphere: required)] [--times 0,1] [--bins 72] \
        [--output overlay.png] [--time-tolerance 1e-6]

The files are read through run_files.py (this directory). Bad input (a missing or foreign file,
runs of different dimensions, no matching times, a histograms file missing for the sphere or not
matching the continuum run): one line on stderr, exit status 2, nothing written.
"""
import argparse
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import run_files

PROGRAM = "plot_overlay.py"


def fail(message):
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_arguments():
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("particles", help="particle run file (attnflow-particles)")
    parser.add_argument("continuum", help="continuum run file (attnflow-continuum)")
    parser.add_argument("--histograms", default=None,
                        help="sphere (required there): the particles' cell-histogram densities, "
                        "written by attnflow-compare --histograms for these two runs")
    parser.add_argument("--times", default="", help="comma-separated continuum times (default: all)")
    parser.add_argument("--bins", type=int, default=72, help="circle: angle histogram bins (default 72)")
    parser.add_argument("--output", default="overlay.png")
    parser.add_argument("--time-tolerance", type=float, default=1e-6)
    return parser.parse_args()


def parse_times(text):
    """The --times list as floats (failing with one line on an item that is not a number)."""
    times = []
    for item in text.split(","):
        if not item:
            continue
        try:
            times.append(float(item))
        except ValueError:
            fail(f"--times: '{item}' is not a number; give continuum times such as 0,1,5")
    return times


def matching_pairs(wanted, continuum_times, particle_times, tolerance):
    """(time, particle snapshot, continuum snapshot) for each wanted time that has a continuum
    snapshot and a particle snapshot at it within the tolerance (the others reported, skipped)."""
    pairs = []
    for t in wanted:
        ci = int(np.argmin(np.abs(continuum_times - t)))
        pi = int(np.argmin(np.abs(particle_times - continuum_times[ci])))
        if (abs(continuum_times[ci] - t) > tolerance
                or abs(particle_times[pi] - continuum_times[ci]) > tolerance):
            print(f"{PROGRAM}: time {t}: no matching snapshot pair, skipped")
            continue
        pairs.append((continuum_times[ci], pi, ci))
    return pairs


def histogram_rows(path, pairs, continuum, tolerance):
    """For each pair, the row of the --histograms file at its time (failing with one line when
    the file is missing, not one, or does not match the continuum run)."""
    if path is None:
        fail(f"--histograms: the sphere overlay needs the particles' cell histograms; write them "
             f"with attnflow-compare --particles ... --continuum {continuum.path} --histograms "
             f"PATH.h5 and pass --histograms PATH.h5")
    try:
        histograms = run_files.read_histograms(path)
    except run_files.RunFileError as error:
        fail(f"--histograms: {error}")
    if histograms.cell_count != continuum.cell_count:
        fail(f"--histograms: '{path}' has {histograms.cell_count} cells, continuum file "
             f"'{continuum.path}' has {continuum.cell_count}: it was written for another run")
    rows = []
    for t, _, _ in pairs:
        row = histograms.row_at(t, tolerance)
        if row is None:
            held = ", ".join(f"{x:g}" for x in histograms.time) or "none"
            fail(f"--histograms: '{path}' has no histogram at t = {t:g} (it holds t = {held}): "
                 f"it was written for other runs or times")
        rows.append(histograms.particle_density[row])
    return rows


def plot_circle(pairs, particles, continuum, mesh, bins):
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.5 * len(pairs), 3.6), squeeze=False)
    centres = mesh.centres
    for ax, (t, pi, ci) in zip(axes[0], pairs):
        x = particles.positions(pi)
        rho = continuum.density(ci)
        angle = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
        ax.hist(angle, bins=bins, range=(0, 2 * np.pi), density=True, alpha=0.5,
                label=f"particles N={x.shape[0]}")
        cell_angle = np.mod(np.arctan2(centres[:, 1], centres[:, 0]), 2 * np.pi)
        order = np.argsort(cell_angle)
        ax.plot(cell_angle[order], rho[order], "k-", lw=1, label=f"continuum M={rho.size}")
        ax.set_xlabel("angle")
        ax.set_ylabel("density")
        ax.set_title(f"t = {t:g}")
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def plot_sphere(pairs, particles, continuum, mesh, histograms):
    """Per time, the PDE density and the particles' triangle histogram density (particle fraction
    per cell / cell area, attnflow-compare's) as maps over longitude and latitude, one colour
    scale."""
    fig, axes = plt.subplots(len(pairs), 2, figsize=(10, 3.4 * len(pairs)), squeeze=False,
                             layout="constrained")
    centres = mesh.centres
    longitude = np.degrees(np.arctan2(centres[:, 1], centres[:, 0]))
    latitude = np.degrees(np.arcsin(np.clip(centres[:, 2], -1, 1)))
    for row, (t, pi, ci), histogram in zip(axes, pairs, histograms):
        rho = continuum.density(ci)
        top = max(rho.max(), histogram.max())
        for ax, values, name in ((row[0], rho, f"continuum, {rho.size} cells"),
                                 (row[1], histogram,
                                  f"particles N={particles.token_count}, triangle histogram")):
            image = ax.scatter(longitude, latitude, c=values, s=6, vmin=0, vmax=top, cmap="viridis")
            ax.set_xlim(-180, 180)
            ax.set_ylim(-90, 90)
            ax.set_xlabel("longitude")
            ax.set_ylabel("latitude")
            ax.set_title(f"t = {t:g}: {name}", fontsize=9)
        fig.colorbar(image, ax=row.tolist(), label="density")
    return fig


def main():
    args = parse_arguments()
    if args.bins < 1:
        fail(f"--bins: {args.bins}; give at least 1")
    if not args.time_tolerance >= 0:
        fail(f"--time-tolerance: {args.time_tolerance}; give a number >= 0")
    wanted = parse_times(args.times)
    directory = os.path.dirname(args.output)
    if directory and not os.path.isdir(directory):
        fail(f"--output: directory '{directory}' does not exist")
    try:
        particles = run_files.open_particle_run(args.particles)
        continuum = run_files.open_continuum_run(args.continuum)
        mesh = continuum.mesh()
    except run_files.RunFileError as error:
        fail(str(error))
    d = continuum.dimension
    if particles.dimension != d:
        fail(f"particle file '{args.particles}' has dimension {particles.dimension}, continuum "
             f"file '{args.continuum}' has {d}")
    if d not in (2, 3):
        fail(f"continuum file '{args.continuum}' has dimension {d}; the overlay is for the circle "
             f"(2) and the sphere (3)")
    if d == 2 and args.histograms is not None:
        fail("--histograms: only for the sphere; the circle overlay bins the particle angles itself")
    for run in (particles, continuum):
        if run.snapshot_count == 0:
            fail(f"{run.role} '{run.path}' holds no snapshots")
    continuum_times = continuum.times()
    pairs = matching_pairs(wanted if args.times else list(continuum_times), continuum_times,
                           particles.times(), args.time_tolerance)
    if not pairs:
        fail("no continuum time with a matching particle snapshot")
    if d == 2:
        fig = plot_circle(pairs, particles, continuum, mesh, args.bins)
    else:
        histograms = histogram_rows(args.histograms, pairs, continuum, args.time_tolerance)
        fig = plot_sphere(pairs, particles, continuum, mesh, histograms)
    tmp = args.output + ".partial.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, args.output)
    print(f"{PROGRAM}: wrote {args.output}")


if __name__ == "__main__":
    main()
