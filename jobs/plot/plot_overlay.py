#!/usr/bin/python3
"""Overlay of a particle run on a continuum run at chosen times (attnflow-compare's picture).

Circle: the particle angle histogram (as a density per radian) over the PDE cell averages.
Sphere: maps (longitude, latitude) of the PDE density and of the particles' histogram density
(fraction of the particles in each cell's spherical triangle / cell area; the triangles are read
from /mesh/vertices), on one colour scale.

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


def containing_triangles(points, centres, vertices, chunk=16384):
    """For each point (n x 3) the index of the spherical triangle (vertices: cells x 3 x 3,
    counter-clockwise) containing it, as geometry::containing_triangles does: the nearest centre's
    triangle and those sharing a corner with it are candidates, the one the point is deepest in
    (largest smallest signed sine distance to its edges) wins, ties to the smaller index."""
    cells = centres.shape[0]
    normals = np.cross(vertices, np.roll(vertices, -1, axis=1))  # edge k: v_k x v_(k+1)
    normals /= np.linalg.norm(normals, axis=2)[..., None]
    _, node = np.unique(vertices.reshape(-1, 3), axis=0, return_inverse=True)
    node = node.reshape(cells, 3)
    around = [[] for _ in range(node.max() + 1)]
    for cell, corners in enumerate(node):
        for n in corners:
            around[n].append(cell)
    rings = [sorted(set(around[a] + around[b] + around[c])) for a, b, c in node]
    ring = np.full((cells, max(len(r) for r in rings)), -1)
    for cell, r in enumerate(rings):
        ring[cell, :len(r)] = r
    located = np.empty(points.shape[0], dtype=np.int64)
    for start in range(0, points.shape[0], chunk):
        x = points[start:start + chunk]
        nearest = np.argmax(x @ centres.T, axis=1)
        candidates = ring[nearest]
        depth = np.einsum("ckej,cj->cke", normals[candidates], x).min(axis=2)
        depth[candidates < 0] = -np.inf
        best = np.argmax(depth, axis=1)  # the first maximum: the smaller index
        found = depth[np.arange(x.shape[0]), best] >= -1e-13
        located[start:start + chunk] = np.where(found, candidates[np.arange(x.shape[0]), best], nearest)
    return located


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
        # Sphere: per time, the PDE density and the particles' triangle histogram density
        # (particle fraction per cell / cell area) as maps over longitude and latitude, one colour scale.
        if "mesh/vertices" not in c:
            fail(f"continuum file '{args.continuum}' has no /mesh/vertices: it predates the stored "
                 "cell triangles; regenerate it with this attnflow-continuum")
        vertices = c["mesh/vertices"][:]
        fig, axes = plt.subplots(len(pairs), 2, figsize=(10, 3.4 * len(pairs)), squeeze=False,
                                 layout="constrained")
        longitude = np.degrees(np.arctan2(centres[:, 1], centres[:, 0]))
        latitude = np.degrees(np.arcsin(np.clip(centres[:, 2], -1, 1)))
        for row, (t, pi, ci) in zip(axes, pairs):
            x = p["positions"][pi]
            rho = c["density"][ci]
            located = containing_triangles(x, centres, vertices)
            histogram = np.bincount(located, minlength=rho.size) / x.shape[0] / measures
            top = max(rho.max(), histogram.max())
            for ax, values, name in ((row[0], rho, f"continuum, {rho.size} cells"),
                                     (row[1], histogram, f"particles N={x.shape[0]}, triangle histogram")):
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
