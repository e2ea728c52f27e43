#!/usr/bin/python3
"""The cluster list and the merge log of a particle run (docs/mathematics.md section 10.3), as data.

    /usr/bin/python3 jobs/phases/cluster_log.py run.h5 [--output prefix]

Reads every snapshot's /cluster_label (the components the `clusters` column counts: tokens with
<x_i, x_j> > 1 - cluster-tolerance linked; written with the pair diagnostics) and positions, and
writes two plain CSV tables:
  prefix.clusters.csv  time, step, cluster, mass, centre_1..centre_d   (one row per cluster and
                       snapshot; mass = fraction of the tokens, centre = normalised mean)
  prefix.merges.csv    time, previous_time, angle, mass_a, mass_b, mass_after
                       (a cluster of a snapshot made of tokens from two or more clusters of the
                       previous one: the two heaviest of those, their angle at the previous
                       snapshot; a merge between snapshots is dated at the later one, so log-spaced
                       snapshots give its time to within their factor)
prefix defaults to the run file's path without .h5. Works on a running job's .partial file.
"""
import argparse
import os
import sys

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plot"))
import run_files  # noqa: E402


def clusters_of(labels, positions):
    """{label: (mass, centre)} for one snapshot."""
    n = len(labels)
    out = {}
    for label in numpy.unique(labels):
        members = positions[labels == label]
        centre = members.sum(axis=0)
        norm = numpy.linalg.norm(centre)
        out[int(label)] = (len(members) / n, centre / norm if norm > 0 else centre)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run")
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    prefix = args.output or (args.run[:-3] if args.run.endswith(".h5") else args.run)
    try:
        with run_files.open_particle_run(args.run) as run:
            if not run.has_cluster_labels():
                raise run_files.RunFileError(
                    f"{args.run}: no /cluster_label (the run used --skip-pair-diagnostics)")
            times, steps = run.times(), run.steps()
            snapshots = [(run.cluster_labels(k), run.positions(k)) for k in range(len(times))]
    except run_files.RunFileError as error:
        print(f"cluster_log.py: error: {error}", file=sys.stderr)
        return 2
    d = snapshots[0][1].shape[1]
    cluster_rows, merge_rows = [], []
    previous = None
    for k, (labels, positions) in enumerate(snapshots):
        current = clusters_of(labels, positions)
        for label, (mass, centre) in sorted(current.items()):
            cluster_rows.append([times[k], steps[k], label, mass] + list(centre))
        if previous is not None:
            old_labels, old_clusters = previous
            for label, (mass, _) in sorted(current.items()):
                sources = numpy.unique(old_labels[labels == label])
                if len(sources) < 2:
                    continue
                heaviest = sorted(sources, key=lambda s: -old_clusters[int(s)][0])[:2]
                (mass_a, centre_a), (mass_b, centre_b) = (old_clusters[int(s)] for s in heaviest)
                angle = float(numpy.arccos(numpy.clip(numpy.dot(centre_a, centre_b), -1, 1)))
                merge_rows.append([times[k], times[k - 1], angle, mass_a, mass_b, mass])
        previous = (labels, current)
    write_csv(prefix + ".clusters.csv",
              ["time", "step", "cluster", "mass"] + [f"centre_{a + 1}" for a in range(d)],
              cluster_rows)
    write_csv(prefix + ".merges.csv",
              ["time", "previous_time", "angle", "mass_a", "mass_b", "mass_after"], merge_rows)
    print(f"{prefix}.clusters.csv: {len(cluster_rows)} rows; {prefix}.merges.csv: "
          f"{len(merge_rows)} merges")
    return 0


def write_csv(path, header, rows):
    temporary = path + ".tmp"
    with open(temporary, "w") as out:
        out.write(",".join(header) + "\n")
        for row in rows:
            out.write(",".join(repr(float(v)) if not isinstance(v, (int, numpy.integer)) else str(v)
                               for v in row) + "\n")
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main())
