#!/usr/bin/python3
"""Bitwise comparison of attnflow-particles HDF5 outputs (ctest slurm_workflow).

    /usr/bin/python3 tests/jobs/compare_outputs.py REFERENCE[:STEPS] OTHER[:STEPS] ...

Every file's last snapshot must be at step STEPS when given (the run reached its end). Every
OTHER must hold the datasets /positions, /time, /step and /diagnostics of REFERENCE with the same
shape, type and bytes (NaN included), or, when it ends earlier, of REFERENCE's leading rows: the
snapshots up to its last step and the diagnostics rows up to its last time (a shorter run of the
same input and output schedule is a prefix of a longer one, bit for bit). Prints one line per
file; exit status 1 on any difference, 2 when a file cannot be read or an argument is wrong.
"""
import sys

import h5py
import numpy as np

DATASETS = ("positions", "time", "step", "diagnostics")


def load(path):
    try:
        with h5py.File(path, "r") as f:
            return {name: np.asarray(f[name][...]) for name in DATASETS}
    except (OSError, KeyError) as error:
        print(f"compare_outputs.py: cannot read {', '.join(DATASETS)} from {path}: {error}")
        sys.exit(2)


def parse(argument):
    path, separator, steps = argument.rpartition(":")
    if not separator:
        return argument, None
    if not steps.isdigit():
        print(f"compare_outputs.py: '{argument}' must be FILE or FILE:STEPS (STEPS a whole number)")
        sys.exit(2)
    return path, int(steps)


def leading_rows(reference, other):
    """REFERENCE cut to the snapshots and diagnostics rows that OTHER's run also wrote."""
    if other["step"].size == 0:
        return reference
    last_step, last_time = other["step"][-1], other["time"][-1]
    snapshots = int(np.count_nonzero(reference["step"] <= last_step))
    rows = int(np.count_nonzero(reference["diagnostics"][:, 0] <= last_time))
    return {"positions": reference["positions"][:snapshots], "time": reference["time"][:snapshots],
            "step": reference["step"][:snapshots], "diagnostics": reference["diagnostics"][:rows]}


def differences(reference, other):
    found = []
    for name in DATASETS:
        a, b = reference[name], other[name]
        if a.shape != b.shape or a.dtype != b.dtype:
            found.append(f"/{name}: {b.shape} {b.dtype}, reference {a.shape} {a.dtype}")
        elif a.tobytes() != b.tobytes():
            # Compared as bytes per element, so that NaN equals the same NaN.
            bytes_a = np.ascontiguousarray(a).reshape(-1).view(np.uint8).reshape(a.size, -1)
            bytes_b = np.ascontiguousarray(b).reshape(-1).view(np.uint8).reshape(b.size, -1)
            first = int(np.argmax((bytes_a != bytes_b).any(axis=1)))
            found.append(f"/{name}: differs, first at flat index {first} "
                         f"({a.reshape(-1)[first]!r} against {b.reshape(-1)[first]!r})")
    return found


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(2 if len(sys.argv) < 3 else 0)
    files = [parse(argument) for argument in sys.argv[1:]]
    reference = load(files[0][0])
    failed = False
    for index, (path, steps) in enumerate(files):
        data = reference if index == 0 else load(path)
        problems = []
        last = int(data["step"][-1]) if data["step"].size else None
        if steps is not None and last != steps:
            problems.append(f"last snapshot at step {last}, expected {steps}")
        expected = reference
        if index > 0:
            expected = leading_rows(reference, data)
            problems += differences(expected, data)
        shape = " ".join(f"{name}{list(data[name].shape)}" for name in DATASETS)
        if problems:
            failed = True
            print(f"compare_outputs.py: {path}: " + "; ".join(problems))
        elif index == 0:
            print(f"compare_outputs.py: {path}: reference, {shape}, last step {last}")
        else:
            part = "" if expected["step"].size == reference["step"].size else "leading rows of the "
            print(f"compare_outputs.py: {path}: bitwise identical to the {part}reference, {shape}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
