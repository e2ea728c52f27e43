"""Reads a sphere continuum run's XDMF with ParaView's own reader (pvpython paraview_read.py run.xdmf)
and checks what a user would see: per time step a mesh of cells / 2 + 2 points and `cells`
triangles carrying a cell array `density` equal to /density of that snapshot. Exit 0 or 1."""
import os
import sys

import h5py
import numpy as np
from paraview import servermanager
from paraview.simple import XDMFReader
from vtkmodules.util.numpy_support import vtk_to_numpy

xdmf = sys.argv[1]
h5 = os.path.splitext(xdmf)[0] + ".h5"
with h5py.File(h5, "r") as f:
    times, density = f["time"][:], f["density"][:]
    cells = int(f.attrs["cell_count"])
reader = XDMFReader(FileNames=[xdmf])
failures = 0
steps = list(reader.TimestepValues) if len(times) > 1 else [times[0]]
print(f"ParaView: {len(steps)} time steps")
failures += len(steps) != len(times)
for s, t in enumerate(times):
    reader.UpdatePipeline(t)
    data = servermanager.Fetch(reader)
    block = data.GetBlock(0) if data.IsA("vtkMultiBlockDataSet") else data
    values = vtk_to_numpy(block.GetCellData().GetArray("density"))
    triangles = all(block.GetCellType(i) == 5 for i in range(block.GetNumberOfCells()))  # VTK_TRIANGLE
    good = (block.GetNumberOfCells() == cells and block.GetNumberOfPoints() == cells // 2 + 2 and
            triangles and np.array_equal(values, density[s]))
    print(f"{'ok' if good else 'FAIL'}: t = {t}: {block.GetNumberOfCells()} cells (triangles: "
          f"{triangles}), {block.GetNumberOfPoints()} points, cell density = /density[{s}]: "
          f"{np.array_equal(values, density[s])}")
    failures += not good
sys.exit(1 if failures else 0)
