#!/usr/bin/python3
"""Overlay of a particle run on a continuum run at chosen times (attnflow-compare's picture).

Circle: the particle angle histogram (as a density per radian) over the PDE cell averages.
Sphere: maps (longitude, latitude) of the PDE density and of the particles' nearest-centre
histogram density (particle fraction per cell / cell area), on one colour scale.

    /usr/bin/python3 jobs/plot/plot_overlay.py particles.h5 continuum.h5 \
        [--times 0,1] [--bins 72] [--output overlay.png] [--time-tolerance 1e-6]
"""
import argparse
import os
import sys

import h5py
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def fail(message):
    print(f"plot_overlay.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("particles")
    parser.add_argument("continuum")
    parser.add_argument("--times", default="", help="comma-separated continuum times (default: all)")
    parser.add_argument("--bins", type=int, default=72)
    parser.add_argument("--output", default="overlay.png")
    parser.add_argument("--time-tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    for path in (args.particles, args.continuum):
        if not os.path.isfile(path):
            fail(f"file '{path}' does not exist")
    try:
        p = h5py.File(args.particles, "r")
        c = h5py.File(args.continuum, "r")
    except OSError:
        fail("cannot open the input files as HDF5")
    pt, ct = p["time"][:], c["time"][:]
    wanted = [float(x) for x in args.times.split(",") if x] if args.times else list(ct)
    pairs = []
    for t in wanted:
        ci = int(np.argmin(np.abs(ct - t)))
        pi = int(np.argmin(np.abs(pt - ct[ci])))
        if abs(ct[ci] - t) > args.time_tolerance or abs(pt[pi] - ct[ci]) > args.time_tolerance:
            print(f"plot_overlay.py: time {t}: no matching snapshot pair, skipped")
            continue
        pairs.append((ct[ci], pi, ci))
    if not pairs:
        fail("no continuum time with a matching particle snapshot")
    d = int(c.attrs["dimension"])
    centres, measures = c["mesh/centres"][:], np.ravel(c["mesh/measures"][:])
    if d == 2:
        fig, axes = plt.subplots(1, len(pairs), figsize=(4.5 * len(pairs), 3.6), squeeze=False)
        for ax, (t, pi, ci) in zip(axes[0], pairs):
            x = p["positions"][pi]
            rho = c["density"][ci]
            angle = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
            ax.hist(angle, bins=args.bins, range=(0, 2 * np.pi), density=True, alpha=0.5,
                    label=f"particles N={x.shape[0]}")
            cell_angle = np.mod(np.arctan2(centres[:, 1], centres[:, 0]), 2 * np.pi)
            order = np.argsort(cell_angle)
            ax.plot(cell_angle[order], rho[order], "k-", lw=1, label=f"continuum M={rho.size}")
            ax.set_xlabel("angle")
            ax.set_ylabel("density")
            ax.set_title(f"t = {t:g}")
            ax.legend(fontsize=7, loc="upper right")
    else:
        # Sphere: per time, the PDE density and the particles' nearest-cell histogram density
        # (particle fraction per cell / cell area) as maps over longitude and latitude, one colour scale.
        fig, axes = plt.subplots(len(pairs), 2, figsize=(10, 3.4 * len(pairs)), squeeze=False,
                                 layout="constrained")
        longitude = np.degrees(np.arctan2(centres[:, 1], centres[:, 0]))
        latitude = np.degrees(np.arcsin(np.clip(centres[:, 2], -1, 1)))
        for row, (t, pi, ci) in zip(axes, pairs):
            x = p["positions"][pi]
            rho = c["density"][ci]
            nearest = np.argmax(x @ centres.T, axis=1)
            histogram = np.bincount(nearest, minlength=rho.size) / x.shape[0] / measures
            top = max(rho.max(), histogram.max())
            for ax, values, name in ((row[0], rho, f"continuum, {rho.size} cells"),
                                     (row[1], histogram, f"particles N={x.shape[0]}, cell histogram")):
                image = ax.scatter(longitude, latitude, c=values, s=6, vmin=0, vmax=top, cmap="viridis")
                ax.set_xlim(-180, 180)
                ax.set_ylim(-90, 90)
                ax.set_xlabel("longitude")
                ax.set_ylabel("latitude")
                ax.set_title(f"t = {t:g}: {name}", fontsize=9)
            fig.colorbar(image, ax=row.tolist(), label="density")
    if d == 2:
        fig.tight_layout()
    tmp = args.output + ".partial.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, args.output)
    print(f"plot_overlay.py: wrote {args.output}")


if __name__ == "__main__":
    main()
