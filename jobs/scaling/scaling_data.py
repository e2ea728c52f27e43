"""Reading the scaling CSVs of run_local.sh, strong.sbatch and weak.sbatch (or a --timing-csv
file written directly by attnflow-particles). They are plain CSV tables (columns study, cores,
load_average, then the --timing-csv columns); files written before the cores and load columns
began with '#' notes, which are skipped (their cores come from the '# cores: C' note)."""
import csv
import math


def read_rows(paths):
    """Rows of one or more CSV files (a path or a list of paths) as dicts with numbers
    converted; '#' lines (older files) skipped. Files written directly by --timing-csv have no
    'study' column: their rows get study = 'run'."""
    if isinstance(paths, str):
        paths = [paths]
    rows = []
    for path in paths:
        rows.extend(_read_file(path))
    return rows


def _read_file(path):
    with open(path) as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        for key in ("tokens", "dimension", "ranks", "nodes", "steps"):
            row[key] = int(row[key])
        if "cores" in row:
            row["cores"] = int(row["cores"])
            row["load_average"] = float(row["load_average"])
        for key in ("beta", "wall_seconds", "compute_seconds", "communication_seconds",
                    "output_seconds", "pairs_per_second_per_core", "peak_memory_mib_per_rank"):
            row[key] = float(row[key])
        row.setdefault("study", "run")
        # The timed loop without the output section (diagnostics and snapshots at the first and
        # last step), per step: what the scaling plots and the model compare.
        row["step_seconds"] = (row["wall_seconds"] - row["output_seconds"]) / max(row["steps"], 1)
        rows.append(row)
    return rows


def machine_cores(paths, default=None):
    """The cores the runs could use: the cores column of the first row that has one, else the
    first '# cores: C' note of the files (older files), else `default`."""
    for row in read_rows(paths):
        if row.get("cores"):
            return row["cores"]
    if isinstance(paths, str):
        paths = [paths]
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.startswith("# cores:"):
                    return int(line.split(":")[1].split(",")[0])
    return default


def work(row):
    """Work of one evaluation relative to the number of ranks' sharing: N^2 pairs for the direct
    and ring engines, N tokens for the spectral engine (its O(L^2) per token is fixed by beta)."""
    n = float(row["tokens"])
    return n if row["engine"] == "spectral" else n * n


def series(rows, study):
    return sorted((r for r in rows if r["study"] == study), key=lambda r: r["ranks"])


def log2_ceiling(p):
    return math.ceil(math.log2(p)) if p > 1 else 0
