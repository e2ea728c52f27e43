#!/usr/bin/python3
"""Plots an attnflow-continuum output file: density snapshots (circle: against the angle;
sphere: against the polar angle of the cell centres) and the diagnostics (mass, min density,
energy_scaled, moments) against time. Usage: plot_continuum.py run.h5 out.png"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def main(path, image):
    with h5py.File(path, "r") as f:
        domain = f.attrs["domain"].decode()
        centres = f["mesh/centres"][...]
        density = f["density"][...]
        times = f["time"][...]
        table = f["diagnostics"][...]
        columns = [c.decode() for c in f["diagnostics"].attrs["columns"]]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    if domain == "circle":
        angle = np.arctan2(centres[:, 1], centres[:, 0])
        order = np.argsort(angle)
        for s in np.linspace(0, len(times) - 1, 6).astype(int):
            axes[0].plot(angle[order], density[s, order], label=f"t = {times[s]:.3g}")
        axes[0].set_xlabel("theta")
    else:
        polar = np.arccos(np.clip(centres[:, 2], -1, 1))
        for s in np.linspace(0, len(times) - 1, 4).astype(int):
            axes[0].plot(polar, density[s], ".", ms=2, label=f"t = {times[s]:.3g}")
        axes[0].set_xlabel("polar angle of the cell centre")
    axes[0].set_ylabel("density")
    axes[0].legend(fontsize=7)
    t = table[:, columns.index("time")]
    axes[1].plot(t, table[:, columns.index("energy_scaled")], label="energy_scaled")
    axes[1].plot(t, table[:, columns.index("min_density")], label="min density")
    axes[1].plot(t, np.abs(table[:, columns.index("mass")] - table[0, columns.index("mass")]) + 1e-17,
                 label="|mass - mass(0)|")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("time")
    axes[1].legend(fontsize=7)
    moments = [c for c in columns if c.startswith("fourier_modulus") or c.startswith("harmonic_power")]
    for c in moments[:8]:
        axes[2].semilogy(t, table[:, columns.index(c)], label=c)
    axes[2].set_xlabel("time")
    axes[2].legend(fontsize=6)
    fig.suptitle(f"{path} ({domain})")
    fig.tight_layout()
    fig.savefig(image, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
