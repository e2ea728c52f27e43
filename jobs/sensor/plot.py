#!/usr/bin/python3
"""PNG plots of the attnflow-sensor CSV outputs in one directory (written by run_all.sh)."""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def table(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    return np.genfromtxt(path, delimiter=",", names=True)  # a plain CSV table


def header_value(directory, name, key):
    """An input ("key = value") or derived ("#! key = value") value from the sidecar of table
    `name` (chronoamperometry.csv -> chronoamperometry.input.ini)."""
    sidecar = os.path.join(directory, os.path.splitext(name)[0] + ".input.ini")
    with open(sidecar) as handle:
        for line in handle:
            if line.startswith(key + " = ") or line.startswith("#! " + key + " = "):
                return line.split("=", 1)[1].split("(")[0].strip()
    return None


def chronoamperometry(directory):
    data = table(directory, "chronoamperometry.csv")
    if data is None:
        return
    aerobic = table(directory, "chronoamperometry-aerobic.csv")
    after = data["time_s"] > 0.5  # conversions after the step (quiet ones end at t <= 0)
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, log in zip(axes, (False, True)):
        axis.step(data["time_s"][after], 1e9 * data["estimated_current_amps"][after], where="pre",
                  label="code x I_ref / N (1 s conversions)")
        axis.plot(data["time_s"][after], 1e9 * data["model_current_amps"][after], "k--",
                  label="noise-free cell current (window mean)")
        axis.plot(data["time_s"][after], 1e9 * data["glucose_current_amps"][after], ":",
                  label="glucose part")
        axis.plot(data["time_s"][after], 1e9 * data["ascorbic_current_amps"][after], ":",
                  label="ascorbic acid part")
        if aerobic is not None:
            keep = aerobic["time_s"] > 0.5
            axis.step(aerobic["time_s"][keep], 1e9 * aerobic["estimated_current_amps"][keep],
                      where="pre", alpha=0.6, label="aerobic (oxygen background)")
        axis.set_xlabel("time after step [s]")
        axis.set_ylabel("current [nA]")
        if log:
            axis.set_xscale("log")
            axis.set_yscale("log")
    axes[0].legend(fontsize=7)
    glucose = header_value(directory, "chronoamperometry.csv", "glucose")
    figure.suptitle(f"Chronoamperometry, {glucose} mM glucose (default model)")
    figure.tight_layout()
    figure.savefig(os.path.join(directory, "chronoamperometry.png"), dpi=120)


def calibration(directory):
    data = table(directory, "calibration.csv")
    if data is None:
        return
    roughness = table(directory, "calibration-roughness.csv")
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    c = data["glucose_mm"]
    blank = data["reading_amps"][0]
    r2 = header_value(directory, "calibration.csv", "r_squared")
    axes[0].plot(c, 1e9 * data["blank_subtracted_amps"], "o", label="readings (blank subtracted)")
    axes[0].plot(c, 1e9 * (data["reading_with_ascorbic_amps"] - blank), "s", mfc="none",
                 label="with ascorbic acid")
    axes[0].plot(c, 1e9 * data["fit_amps"], "-", label=f"least squares, R^2 = {float(r2):.4f}")
    axes[0].plot(c, 1e9 * data["model_current_amps"], "k:", label="noise-free model")
    axes[0].set_xlabel("glucose [mM]")
    axes[0].set_ylabel("current at sampling time [nA]")
    axes[0].legend(fontsize=8)
    axes[0].set_title("Calibration (paper: R^2 = 0.991)")
    if roughness is not None:
        axes[1].plot(roughness["roughness_factor"], 100 * roughness["interference_error"], "o",
                     label="simulated readings")
        axes[1].plot(roughness["roughness_factor"], 100 * roughness["model_interference_error"],
                     "k-", label="noise-free model")
        axes[1].set_xscale("log")
        axes[1].axhline(5, color="grey", ls="--", lw=0.8)
        axes[1].set_xlabel("roughness factor")
        axes[1].set_ylabel("ascorbic acid shift of 5 mM reading [%]")
        axes[1].legend(fontsize=8)
        axes[1].set_title("Selectivity versus roughness")
    figure.tight_layout()
    figure.savefig(os.path.join(directory, "calibration.png"), dpi=120)


def current_range(directory):
    data = table(directory, "current-range.csv")
    if data is None:
        return
    figure, axis = plt.subplots(figsize=(7, 4.2))
    i = data["current_amps"]
    axis.plot(i, data["ideal_max_error_lsb"], "-", label="ideal loop (quantisation only)")
    axis.plot(i, data["max_error_lsb"], ".", ms=3, label="with offset, comparator noise, jitter")
    axis.axhline(1, color="grey", ls="--", lw=0.8)
    for edge, text in ((600e-12, "600 pA"), (650e-9, "650 nA")):
        axis.axvline(edge, color="red", ls=":", lw=0.8)
        axis.text(edge, 2.5, "paper " + text, rotation=90, fontsize=7, color="red")
    axis.set_xscale("log")
    axis.set_ylim(0, 3)
    axis.set_xlabel("input current (ideal source) [A]")
    axis.set_ylabel("max |code - I N / I_ref| [LSB]")
    axis.legend(fontsize=8)
    axis.set_title("Code error versus input current")
    figure.tight_layout()
    figure.savefig(os.path.join(directory, "current-range.png"), dpi=120)


def power(directory):
    data = table(directory, "power.csv")
    if data is None:
        return
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for clock in np.unique(data["clock_hz"]):
        rows = data["clock_hz"] == clock
        axis.plot(data["vdd_v"][rows], 1e9 * data["circuit_power_w"][rows],
                  label=f"circuit, f_clk = {clock:g} Hz")
    rows = data["clock_hz"] == data["clock_hz"][0]
    axis.plot(data["vdd_v"][rows], 1e9 * data["cell_power_w"][rows], "k--",
              label="delivered to the cell (separate)")
    points = [float(header_value(directory, "power.csv", key))
              for key in ("power-low-vdd", "power-low", "power-high-vdd", "power-high")]
    axis.plot(points[0::2], [1e9 * p for p in points[1::2]], "r*", ms=12,
              label="paper (calibration targets)")
    axis.set_yscale("log")
    axis.set_xlabel("VDD [V]")
    axis.set_ylabel("power [nW]")
    axis.legend(fontsize=8)
    axis.set_title("Supply power versus VDD (2 parameters calibrated to the red points)")
    figure.tight_layout()
    figure.savefig(os.path.join(directory, "power.png"), dpi=120)


def noise(directory):
    data = table(directory, "noise.csv")
    if data is None:
        return
    figure, axis = plt.subplots(figsize=(7, 4.2))
    f = data["frequency_hz"]
    axis.loglog(f, data["simulated_psd_a2_per_hz"], lw=0.7, label="time-domain simulation (Welch)")
    axis.loglog(f, data["predicted_psd_a2_per_hz"], "k-", label="linearised model")
    axis.loglog(f, data["predicted_shaped_psd"], "k:", label="model: quantisation + comparator")
    axis.loglog(f, data["predicted_input_psd"], "k-.", label="model: input noise")
    axis.set_xlabel("frequency [Hz]")
    axis.set_ylabel("PSD of I_ref b [A^2/Hz]")
    axis.legend(fontsize=8)
    axis.set_title("Bitstream noise spectrum")
    transfer = table(directory, "noise-transfer.csv")
    if transfer is not None:
        inset = axis.inset_axes([0.62, 0.1, 0.35, 0.35])
        inset.loglog(transfer["frequency_hz"], transfer["counter_response"], lw=0.6,
                     label="counter |sinc_N|")
        inset.loglog(transfer["frequency_hz"], transfer["noise_transfer"], lw=0.8,
                     label="|1 - z^-1|")
        inset.loglog(transfer["frequency_hz"], transfer["continuous_signal_response"], lw=0.8,
                     label="CT low-pass")
        inset.set_ylim(1e-4, 3)
        inset.tick_params(labelsize=6)
        inset.legend(fontsize=5)
    figure.tight_layout()
    figure.savefig(os.path.join(directory, "noise.png"), dpi=120)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    for plot in (chronoamperometry, calibration, current_range, power, noise):
        plot(directory)


if __name__ == "__main__":
    main()
