"""Reading attnflow's HDF5 files: the one Python reader of them, used by the plotting scripts.

The layouts are those of the C++ writers (the reference):
  particle run file (src/particles/particle_file.hpp, format "attnflow-particles 1"):
    /positions snapshots x N x d, /cluster_label snapshots x N (with the pair diagnostics),
    /token_index, /time, /step, /diagnostics, /input, root attributes dimension, token_count,
    model, beta, log_time_scale, time_unit, engine, integrator, step_size, ranks;
  continuum run file (src/continuum/writer.hpp, format "attnflow-continuum 1"):
    /mesh/centres, /mesh/measures, /mesh/cell_index, on the sphere /mesh/vertices, /mesh/nodes,
    /mesh/triangles; /density snapshots x cells (canonical cell order); /time, /step,
    /diagnostics, /input; root attributes domain, dimension, cell_count, log_time_scale,
    time_unit, ranks, ...;
  the common part of both (src/output/run_file.hpp): /time (attribute units), /step,
    /diagnostics with the attributes "columns" and "units" (fixed-length strings), /input (the
    resolved input text, each "key = value" also an attribute of it), /views (per-snapshot
    virtual views for the XDMF sidecar);
  comparison histograms (attnflow-compare --histograms, src/comparison/compare.hpp, format
    "attnflow-comparison-histograms 1"): /time rows x 1, /particle_density rows x cells.

    import run_files
    with run_files.open_particle_run("run.h5") as run:
        positions = run.positions(-1)          # N x d, the last snapshot
        table = run.diagnostics()              # {"time": array, "energy_scaled": array, ...}

A running job's file (run.h5.partial) can be read too: the solvers flush it at every output step
(README "Live output"). A reader that opens it while an output step is being written may find it
half-updated; open_hdf5 then retries for up to LIVE_RETRY_SECONDS, and a read that fails later
raises OSError: reopen and read again.

Every problem with a file (missing, not HDF5, another format, a dataset missing or of the wrong
shape, no such snapshot) raises RunFileError with one line naming the file and what is wrong; the
scripts print it and exit with status 2. Needs numpy and h5py (Debian's /usr/bin/python3).
"""
import os
import time

import h5py
import numpy

PARTICLE_FORMAT = "attnflow-particles 1"
CONTINUUM_FORMAT = "attnflow-continuum 1"
HISTOGRAMS_FORMAT = "attnflow-comparison-histograms 1"

# Root attributes that are numbers. Files written before the typed attributes stored them as text
# ("4"); both forms are read as Python numbers.
INTEGER_ATTRIBUTES = ("dimension", "token_count", "cell_count", "ranks")
REAL_ATTRIBUTES = ("beta", "log_time_scale", "time_rescaling_log", "step_size")

# How long open_hdf5 keeps trying to open a running job's .partial file that a writer is
# updating (an output step takes milliseconds).
LIVE_RETRY_SECONDS = 5.0

# What each format is called in messages.
FORMAT_NAMES = {PARTICLE_FORMAT: "particle run file", CONTINUUM_FORMAT: "continuum run file",
                HISTOGRAMS_FORMAT: "comparison histograms file"}


class RunFileError(Exception):
    """A file that cannot be read as the attnflow file it was given as (one-line message)."""


def decode_text(value):
    """A string attribute value as str (h5py returns fixed-length strings as bytes)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def decode_attribute(name, value, where):
    """An HDF5 attribute value as a Python int, float or str. The attributes of INTEGER_ATTRIBUTES
    and REAL_ATTRIBUTES are numbers whether stored as numbers or as text; RunFileError (naming
    `where`, e.g. "particle run file 'run.h5'") when such text is not a number."""
    if isinstance(value, numpy.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, numpy.generic):
        value = value.item()
    if name in INTEGER_ATTRIBUTES or name in REAL_ATTRIBUTES:
        kind = int if name in INTEGER_ATTRIBUTES else float
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise RunFileError(f"{where}: attribute {name} is '{value}', not "
                               f"{'an integer' if kind is int else 'a number'}") from None
    return value


def open_hdf5(path, expected_format):
    """The h5py.File of `path` opened for reading, after checking that it is an HDF5 file whose
    format attribute is `expected_format`; RunFileError naming the file otherwise."""
    role = FORMAT_NAMES[expected_format]
    if not os.path.exists(path):
        raise RunFileError(f"{role} '{path}' does not exist")
    if not os.path.isfile(path):
        raise RunFileError(f"{role} '{path}' is not a regular file")
    deadline = time.monotonic() + (LIVE_RETRY_SECONDS if path.endswith(".partial") else 0)
    while True:
        handle = None
        try:
            handle = h5py.File(path, "r")
            found = decode_text(handle.attrs["format"]) if "format" in handle.attrs else None
            break
        except OSError:
            if handle is not None:
                handle.close()
            if time.monotonic() >= deadline:
                raise RunFileError(f"{role} '{path}' is not an HDF5 file (or is damaged)") from None
            time.sleep(0.05)
    if found != expected_format:
        handle.close()
        what = (f"is a {FORMAT_NAMES[found]} ('{found}')" if found in FORMAT_NAMES
                else f"has format attribute '{found}'" if found is not None
                else "has no format attribute")
        raise RunFileError(f"{role} '{path}' {what}; expected format '{expected_format}'")
    return handle


def require_datasets(handle, path, role, names):
    """RunFileError naming the file and the first dataset of `names` it lacks."""
    for name in names:
        if name not in handle or not isinstance(handle[name], h5py.Dataset):
            raise RunFileError(f"{role} '{path}' lacks the dataset /{name}")


class RunFile:
    """The common part of an attnflow run file, opened for reading: /time, /step, /diagnostics,
    /input and the root attributes. A context manager (closes the file on exit); close() too."""

    FORMAT = None
    SNAPSHOT_DATASET = None  # the per-snapshot state: "positions" or "density"

    def __init__(self, path):
        self.path = path
        self.role = FORMAT_NAMES[self.FORMAT]
        self.file = open_hdf5(path, self.FORMAT)
        try:
            require_datasets(self.file, path, self.role,
                             ("time", "step", "diagnostics", "input", self.SNAPSHOT_DATASET))
            self.attributes = {name: decode_attribute(name, value, f"{self.role} '{path}'")
                               for name, value in self.file.attrs.items()}
            if "dimension" not in self.attributes:
                raise RunFileError(f"{self.role} '{path}' has no attribute dimension")
            self.dimension = self.attributes["dimension"]
            self.snapshot_count = self.file["time"].shape[0]
            self.check_state_datasets(self.file[self.SNAPSHOT_DATASET].shape)
        except BaseException:
            self.file.close()
            raise

    def check_state_datasets(self, shape):
        """The solver's part: RunFileError unless its datasets are there and the snapshot
        dataset's `shape` fits the attributes; sets the solver's own fields."""
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def close(self):
        """Closes the file."""
        self.file.close()

    def times(self):
        """The simulated time of every snapshot: float64 array (snapshots,)."""
        return numpy.ravel(self.file["time"][...]).astype(numpy.float64)

    def steps(self):
        """The step count of every snapshot: int64 array (snapshots,)."""
        return numpy.ravel(self.file["step"][...]).astype(numpy.int64)

    def snapshot_index(self, index):
        """The snapshot number of `index` (negative counts from the end: -1 = the last), as an int;
        RunFileError when the file holds no such snapshot."""
        count = self.snapshot_count
        resolved = index + count if index < 0 else index
        if not 0 <= resolved < count:
            holds = f"{count} (0..{count - 1})" if count else "none"
            raise RunFileError(f"{self.role} '{self.path}': snapshot {index} does not exist; "
                               f"it holds {holds}")
        return resolved

    def time_units(self):
        """The units of the time (str; "t" for files written before /time had them)."""
        units = self.file["time"].attrs.get("units")
        return "t" if units is None else decode_text(units)

    def diagnostic_units(self):
        """The units of each diagnostics column as a dict {column name: str} (empty for files
        written before the table had them)."""
        table = self.file["diagnostics"]
        if "units" not in table.attrs or "columns" not in table.attrs:
            return {}
        return {decode_text(name): decode_text(unit) for name, unit in
                zip(numpy.ravel(table.attrs["columns"]), numpy.ravel(table.attrs["units"]))}

    def diagnostics(self):
        """The diagnostics table as a dict {column name: float64 array (records,)}, in the file's
        column order (empty arrays when no record was written)."""
        table = self.file["diagnostics"]
        if "columns" not in table.attrs:
            raise RunFileError(f"{self.role} '{self.path}': /diagnostics has no attribute columns")
        names = [decode_text(name) for name in numpy.ravel(table.attrs["columns"])]
        values = numpy.asarray(table[...], dtype=numpy.float64)
        if values.ndim != 2 or values.shape[1] != len(names):
            raise RunFileError(f"{self.role} '{self.path}': /diagnostics has shape {values.shape}, "
                               f"its columns attribute names {len(names)} columns")
        return {name: values[:, i] for i, name in enumerate(names)}

    def input_text(self):
        """The resolved input file the run was started with (str)."""
        return decode_text(self.file["input"][()])

    def input(self):
        """The resolved input as a dict {key: value}, both str (the "key = value" attributes the
        writer stores on /input)."""
        return {name: decode_text(value) for name, value in self.file["input"].attrs.items()}


class ParticleRun(RunFile):
    """A particle run file (attnflow-particles) opened for reading. Attributes: path, attributes
    (root attributes, decoded), dimension (d), token_count (N), snapshot_count."""

    FORMAT = PARTICLE_FORMAT
    SNAPSHOT_DATASET = "positions"

    def check_state_datasets(self, shape):
        expected = (self.snapshot_count, self.attributes.get("token_count"), self.dimension)
        if len(shape) != 3 or shape[0] != expected[0] or shape[2] != expected[2] or (
                expected[1] is not None and shape[1] != expected[1]):
            raise RunFileError(f"{self.role} '{self.path}': /positions has shape {shape}, expected "
                               f"{expected[0]} snapshots x {expected[1] or 'N'} tokens x "
                               f"{expected[2]} (the /time length and the attributes token_count "
                               f"and dimension)")
        self.token_count = shape[1]

    def positions(self, snapshot):
        """The token positions of snapshot `snapshot` (negative counts from the end): float64
        array N x d."""
        return numpy.asarray(self.file["positions"][self.snapshot_index(snapshot)],
                             dtype=numpy.float64)

    def has_cluster_labels(self):
        """True when the file holds /cluster_label (runs with the pair diagnostics)."""
        return "cluster_label" in self.file

    def cluster_labels(self, snapshot):
        """Each token's cluster at snapshot `snapshot` (0, 1, ... in the order of the clusters'
        smallest token index): int array (N,); RunFileError when the file has no labels."""
        if not self.has_cluster_labels():
            raise RunFileError(f"{self.role} '{self.path}' has no /cluster_label (a run with "
                               f"--skip-pair-diagnostics, or written before attnflow stored them)")
        return numpy.asarray(self.file["cluster_label"][self.snapshot_index(snapshot)])


class Mesh:
    """The cells of a continuum run, in canonical cell order: centres cells x d (unit vectors),
    measures (cells,) (lengths on the circle, spherical areas on the sphere), cell_index (cells,)
    int64 or None. Sphere only (None on the circle, and in sphere files written before the
    triangles were stored): vertices cells x 3 x 3 (each cell's triangle, counter-clockwise seen
    from outside), nodes (nodes x 3) and triangles (cells x 3 int64 node numbers)."""

    def __init__(self, centres, measures, cell_index, vertices, nodes, triangles):
        self.centres = centres
        self.measures = measures
        self.cell_index = cell_index
        self.vertices = vertices
        self.nodes = nodes
        self.triangles = triangles


class ContinuumRun(RunFile):
    """A continuum run file (attnflow-continuum) opened for reading. Attributes: path, attributes
    (root attributes, decoded), domain ("circle" or "sphere"), dimension, cell_count,
    snapshot_count."""

    FORMAT = CONTINUUM_FORMAT
    SNAPSHOT_DATASET = "density"

    def check_state_datasets(self, shape):
        cells = self.attributes.get("cell_count")
        if len(shape) != 2 or shape[0] != self.snapshot_count or (
                cells is not None and shape[1] != cells):
            raise RunFileError(f"{self.role} '{self.path}': /density has shape {shape}, expected "
                               f"{self.snapshot_count} snapshots x {cells or 'cells'} (the /time "
                               f"length and the attribute cell_count)")
        require_datasets(self.file, self.path, self.role, ("mesh/centres", "mesh/measures"))
        self.domain = self.attributes.get("domain")
        self.cell_count = shape[1]

    def density(self, snapshot):
        """The cell averages of snapshot `snapshot` (negative counts from the end): float64 array
        (cells,), canonical cell order."""
        return numpy.asarray(self.file["density"][self.snapshot_index(snapshot)],
                             dtype=numpy.float64)

    def mesh(self):
        """The cells as a Mesh (centres, measures, cell_index; the sphere's triangles)."""
        mesh = self.file["mesh"]

        def optional(name, kind):
            return numpy.asarray(mesh[name][...], dtype=kind) if name in mesh else None

        centres = numpy.asarray(mesh["centres"][...], dtype=numpy.float64)
        measures = numpy.ravel(mesh["measures"][...]).astype(numpy.float64)
        if centres.shape != (self.cell_count, self.dimension) or measures.shape != (self.cell_count,):
            raise RunFileError(f"{self.role} '{self.path}': /mesh/centres {centres.shape} or "
                               f"/mesh/measures {measures.shape} do not fit {self.cell_count} cells "
                               f"in dimension {self.dimension}")
        cell_index = optional("cell_index", numpy.float64)
        return Mesh(centres, measures,
                    None if cell_index is None else numpy.ravel(cell_index).astype(numpy.int64),
                    optional("vertices", numpy.float64), optional("nodes", numpy.float64),
                    optional("triangles", numpy.int64))


class Histograms:
    """The particles' cell-histogram densities of attnflow-compare --histograms (sphere): time
    (rows,) the continuum times compared, particle_density rows x cells (fraction of the particles
    in each cell's triangle / cell area, the continuum file's cell order), cell_count, path."""

    def __init__(self, path, time, particle_density):
        self.path = path
        self.time = time
        self.particle_density = particle_density
        self.cell_count = particle_density.shape[1]

    def row_at(self, time, tolerance):
        """The row whose time is within `tolerance` of `time` (the nearest), or None."""
        if self.time.size == 0:
            return None
        row = int(numpy.argmin(numpy.abs(self.time - time)))
        return row if abs(self.time[row] - time) <= tolerance else None


def open_particle_run(path):
    """A ParticleRun of `path`; RunFileError naming the file when it is not a particle run file."""
    return ParticleRun(path)


def open_continuum_run(path):
    """A ContinuumRun of `path`; RunFileError naming the file when it is not a continuum run
    file."""
    return ContinuumRun(path)


def read_histograms(path):
    """The Histograms of an attnflow-compare --histograms file (read whole, file closed);
    RunFileError naming the file when it is not one or its datasets do not fit together."""
    role = FORMAT_NAMES[HISTOGRAMS_FORMAT]
    with open_hdf5(path, HISTOGRAMS_FORMAT) as handle:
        require_datasets(handle, path, role, ("time", "particle_density"))
        time = numpy.ravel(handle["time"][...]).astype(numpy.float64)
        density = numpy.asarray(handle["particle_density"][...], dtype=numpy.float64)
    if density.ndim != 2 or density.shape[0] != time.size:
        raise RunFileError(f"{role} '{path}': /particle_density has shape {density.shape}, "
                           f"expected {time.size} rows (one per /time) x cells")
    return Histograms(path, time, density)
