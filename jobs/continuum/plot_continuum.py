#!/usr/bin/python3
"""Plots an attnflow-continuum output file: density snapshots (circle: against the angle;
sphere: against the polar angle of the cell centres) and the diagnostics (mass, min density,
energy_scaled, moments) against time.

    /usr/bin/python3 jobs/continuum/plot_continuum.py run.h5 out.png

The file is read through jobs/plot/run_files.py. A missing or foreign file: one line on stderr,
exit status 2, nothing written."""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plot"))
import run_files  # noqa: E402 (jobs/plot, found through the path above)

PROGRAM = "plot_continuum.py"


def fail(message):
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(path, image):
    directory = os.path.dirname(image)
    if directory and not os.path.isdir(directory):
        fail(f"output image: directory '{directory}' does not exist")
    try:
        with run_files.open_continuum_run(path) as run:
            domain = run.domain
            centres = run.mesh().centres
            times = run.times()
            snapshot_count = 6 if domain == "circle" else 4
            shown = np.linspace(0, len(times) - 1, snapshot_count).astype(int) if len(times) else []
            density = {s: run.density(s) for s in shown}
            column = run.diagnostics()
    except run_files.RunFileError as error:
        fail(str(error))
    for name in ("time", "energy_scaled", "min_density", "mass"):
        if name not in column:
            fail(f"continuum file '{path}': the diagnostics lack the column {name}")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    if domain == "circle":
        angle = np.arctan2(centres[:, 1], centres[:, 0])
        order = np.argsort(angle)
        for s in shown:
            axes[0].plot(angle[order], density[s][order], label=f"t = {times[s]:.3g}")
        axes[0].set_xlabel("theta")
    else:
        polar = np.arccos(np.clip(centres[:, 2], -1, 1))
        for s in shown:
            axes[0].plot(polar, density[s], ".", ms=2, label=f"t = {times[s]:.3g}")
        axes[0].set_xlabel("polar angle of the cell centre")
    axes[0].set_ylabel("density")
    axes[0].legend(fontsize=7)
    t = column["time"]
    axes[1].plot(t, column["energy_scaled"], label="energy_scaled")
    axes[1].plot(t, column["min_density"], label="min density")
    axes[1].plot(t, np.abs(column["mass"] - column["mass"][:1]) + 1e-17, label="|mass - mass(0)|")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("time")
    axes[1].legend(fontsize=7)
    moments = [c for c in column if c.startswith("fourier_modulus") or c.startswith("harmonic_power")]
    for c in moments[:8]:
        axes[2].semilogy(t, column[c], label=c)
    axes[2].set_xlabel("time")
    axes[2].legend(fontsize=6)
    fig.suptitle(f"{path} ({domain})")
    fig.tight_layout()
    fig.savefig(image, dpi=110)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="continuum run file written by attnflow-continuum (run.h5)")
    parser.add_argument("image", help="the PNG to write")
    arguments = parser.parse_args()
    main(arguments.run, arguments.image)
