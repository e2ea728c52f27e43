"""Opens attnflow's XDMF sidecars with ParaView's own readers, as a user would, and checks what
they show against the HDF5 file the sidecar names (read with h5py).

    pvpython paraview_read.py RUN.xdmf [RUN.xdmf ...]     (absolute paths)

Readers: the one ParaView picks for .xdmf (OpenDataFile: must be Xdmf3ReaderS, the default of
ParaView 5.11), Xdmf3ReaderT and the legacy XDMFReader. For every file and reader: the time steps
equal /time, and at every time step
  particles: N points at the first min(d, 3) coordinates of /positions (z = 0 for d = 2), N
             one-point cells, point arrays token_index (0..N-1) and, when the file holds it, cluster_label
             (= /cluster_label of that snapshot);
  circle:    the cell centres as points (z = 0) with the point array density (= /density);
  sphere:    /mesh/nodes as points, the triangles of /mesh/triangles as cells with the cell array
             density (= /density).
Exit status 0 when everything matches, 1 otherwise.
"""
import os
import sys
import xml.etree.ElementTree as ElementTree

import h5py
import numpy as np
from paraview import servermanager
from paraview.simple import Delete, OpenDataFile, XDMFReader, Xdmf3ReaderT
from vtkmodules.util.numpy_support import vtk_to_numpy

VTK_POLY_VERTEX, VTK_TRIANGLE = 2, 5  # Polyvertex: one cell of one point per token or cell
failures = 0


def check(condition, message):
    global failures
    if not condition:
        failures += 1
        print(f"FAIL: {message}")
    return condition


def referenced_h5(xdmf):
    """The HDF5 file the sidecar's first DataItem names (XML entities resolved by the parser)."""
    item = ElementTree.parse(xdmf).getroot().find(".//DataItem[@Format='HDF']")
    name = item.text.strip().rsplit(":", 1)[0]
    return os.path.join(os.path.dirname(xdmf), name)


def expectation(path):
    """What a reader must show per snapshot: a dict of callables and counts."""
    with h5py.File(path, "r") as f:
        kind = f.attrs["format"].decode()
        times = f["time"][:]
        if kind.startswith("attnflow-particles"):
            positions = f["positions"][:]
            labels = f["cluster_label"][:] if "cluster_label" in f else None
            d = positions.shape[2]
            points = [np.pad(p[:, :min(d, 3)], ((0, 0), (0, 3 - min(d, 3)))) for p in positions]
            n = positions.shape[1]
            point_arrays = [{"token_index": np.arange(n)} for _ in times]
            if labels is not None:
                for s, arrays in enumerate(point_arrays):
                    arrays["cluster_label"] = labels[s]
            return dict(kind=f"particles d = {d}", times=times, points=points,
                        cells=[(n, VTK_POLY_VERTEX)] * len(times), point_arrays=point_arrays,
                        cell_arrays=[{} for _ in times])
        density = f["density"][:]
        if int(f.attrs["dimension"]) == 2:
            centres = f["mesh/centres"][:]
            points = np.pad(centres, ((0, 0), (0, 1)))
            return dict(kind="circle", times=times, points=[points] * len(times),
                        cells=[(len(centres), VTK_POLY_VERTEX)] * len(times),
                        point_arrays=[{"density": rho} for rho in density],
                        cell_arrays=[{} for _ in times])
        nodes, triangles = f["mesh/nodes"][:], f["mesh/triangles"][:]
        return dict(kind="sphere", times=times, points=[nodes] * len(times),
                    cells=[(len(triangles), VTK_TRIANGLE)] * len(times), triangles=triangles,
                    point_arrays=[{} for _ in times],
                    cell_arrays=[{"density": rho} for rho in density])


def arrays_of(data):
    return {data.GetArrayName(i): vtk_to_numpy(data.GetArray(i))
            for i in range(data.GetNumberOfArrays())}


def check_reader(xdmf, reader, name, expected):
    what = f"{os.path.basename(xdmf)} [{name}, {expected['kind']}]"
    times = expected["times"]
    steps = list(reader.TimestepValues) if len(times) > 1 else [float(times[0])]
    check(len(steps) == len(times) and np.array_equal(np.array(steps), times),
          f"{what}: time steps {steps}, /time {list(times)}")
    good = True
    for s, t in enumerate(times):
        reader.UpdatePipeline(float(t))
        block = servermanager.Fetch(reader)
        while block.IsA("vtkMultiBlockDataSet"):
            block = block.GetBlock(0)
        here = f"{what} t = {t}"
        points = vtk_to_numpy(block.GetPoints().GetData()) if block.GetPoints() else np.zeros((0, 3))
        good &= check(points.shape == expected["points"][s].shape and
                      np.array_equal(points, expected["points"][s]),
                      f"{here}: {points.shape[0]} points, expected {expected['points'][s].shape[0]} "
                      f"at the file's coordinates")
        count, cell_type = expected["cells"][s]
        types = {block.GetCellType(i) for i in range(block.GetNumberOfCells())}
        good &= check(block.GetNumberOfCells() == count and types == {cell_type},
                      f"{here}: {block.GetNumberOfCells()} cells of types {types}, expected "
                      f"{count} of type {cell_type}")
        if "triangles" in expected and block.GetNumberOfCells() == count:
            connectivity = np.array([[block.GetCell(i).GetPointId(k) for k in range(3)]
                                     for i in range(count)])
            good &= check(np.array_equal(connectivity, expected["triangles"]),
                          f"{here}: the triangles are /mesh/triangles")
        for kind, shown, wanted in (("point", arrays_of(block.GetPointData()), expected["point_arrays"][s]),
                                    ("cell", arrays_of(block.GetCellData()), expected["cell_arrays"][s])):
            good &= check(sorted(shown) == sorted(wanted),
                          f"{here}: {kind} arrays {sorted(shown)}, expected {sorted(wanted)}")
            for array, values in wanted.items():
                if array in shown:
                    good &= check(np.array_equal(shown[array], values),
                                  f"{here}: {kind} array {array} equals the file's")
    print(f"{'ok' if good else 'FAIL'}: {what}: {len(times)} time steps checked")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    for xdmf in sys.argv[1:]:
        if not check(os.path.isabs(xdmf), f"{xdmf}: give an absolute path (Xdmf3 resolves file "
                                          f"names against the XDMF's directory)"):
            continue
        expected = expectation(referenced_h5(xdmf))
        default = OpenDataFile(xdmf)
        check(default is not None and default.GetXMLName() == "Xdmf3ReaderS",
              f"{xdmf}: ParaView's reader for .xdmf is "
              f"{default.GetXMLName() if default else None}, expected Xdmf3ReaderS")
        readers = [("default " + default.GetXMLName(), default),
                   ("Xdmf3ReaderT", Xdmf3ReaderT(FileName=[xdmf])),
                   ("legacy XDMFReader", XDMFReader(FileNames=[xdmf]))]
        for name, reader in readers:
            check_reader(xdmf, reader, name, expected)
            Delete(reader)
    print(f"{failures} failed checks")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
