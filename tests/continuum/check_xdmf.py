#!/usr/bin/python3
"""Checks a continuum run's XDMF sidecar against its HDF5 file (what ParaView will read).

    check_xdmf.py run.xdmf

The sidecar must be well-formed XML: a temporal collection with one Uniform grid per snapshot of
/time, each at that time. Sphere: Triangle topology over /mesh/triangles (cells x 3 int64) and
/mesh/nodes (XYZ), the density a Cell attribute (the whole dataset /views/density/<s>, whose
values are /density[s]: ParaView's default reader takes no hyperslab); every declared
dimension equals the dataset's shape, nodes[triangles] equals /mesh/vertices bit for bit, every
triangle is counter-clockwise seen from outside with the cell centre as its normalised corner mean
and the cell area as its spherical excess, and there are cells / 2 + 2 nodes (Euler's formula for
a closed triangulated sphere). Circle: Polyvertex over the points /mesh/cell_index (0..cells-1)
at /mesh/centres with a Node attribute.
Exit 0 when every check passes, 1 otherwise, 77 without numpy/h5py.
"""
import os
import sys
import xml.etree.ElementTree as ElementTree

try:
    import h5py
    import numpy as np
except ImportError:
    print("SKIP: this Python lacks numpy or h5py")
    sys.exit(77)

failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


def dimensions(item):
    return tuple(int(x) for x in item.get("Dimensions").split())


def hdf_dataset(item, directory):
    """The HDF5 dataset an XDMF DataItem of Format HDF names ('file.h5:/path')."""
    name, path = item.text.strip().rsplit(":", 1)
    return h5py.File(os.path.join(directory, name), "r")[path]


def check_item(item, directory, number_type, what):
    dataset = hdf_dataset(item, directory)
    check(dimensions(item) == dataset.shape,
          f"{what}: declared dimensions {dimensions(item)} = dataset shape {dataset.shape}")
    kind = "i" if number_type == "Int" else "f"
    check(item.get("NumberType") == number_type and item.get("Precision") == "8" and
          dataset.dtype.kind == kind and dataset.dtype.itemsize == 8,
          f"{what}: {number_type} precision 8 matches dtype {dataset.dtype}")
    return dataset[()]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    xdmf = sys.argv[1]
    directory = os.path.dirname(os.path.abspath(xdmf))
    root = ElementTree.parse(xdmf).getroot()  # raises on malformed XML
    check(root.tag == "Xdmf", "root element is Xdmf")
    collection = root.find("Domain/Grid")
    check(collection is not None and collection.get("GridType") == "Collection" and
          collection.get("CollectionType") == "Temporal", "a temporal collection")
    grids = collection.findall("Grid")
    h5_name = grids[0].find("Attribute/DataItem[@Format='HDF']").text.strip().rsplit(":", 1)[0]
    with h5py.File(os.path.join(directory, h5_name), "r") as f:
        times = f["time"][:]
        density = f["density"][:]
        dimension = int(f.attrs["dimension"])
        cells = int(f.attrs["cell_count"])
        centres = f["mesh/centres"][:]
        measures = np.ravel(f["mesh/measures"][:])
        vertices = f["mesh/vertices"][:] if dimension == 3 else None
    check(len(grids) == len(times), f"{len(grids)} grids for {len(times)} snapshots")
    for s, grid in enumerate(grids):
        check(grid.get("GridType") == "Uniform", f"grid {s} is Uniform")
        check(float(grid.find("Time").get("Value")) == times[s], f"grid {s} at time {times[s]}")
        topology, geometry = grid.find("Topology"), grid.find("Geometry")
        attribute = grid.find("Attribute")
        if dimension == 3:
            check(topology.get("TopologyType") == "Triangle" and
                  int(topology.get("NumberOfElements")) == cells, f"grid {s}: {cells} triangles")
            triangles = check_item(topology.find("DataItem"), directory, "Int", f"grid {s} connectivity")
            check(geometry.get("GeometryType") == "XYZ", f"grid {s}: XYZ geometry")
            nodes = check_item(geometry.find("DataItem"), directory, "Float", f"grid {s} nodes")
            check(attribute.get("Center") == "Cell", f"grid {s}: density is a cell attribute")
        else:
            check(topology.get("TopologyType") == "Polyvertex" and
                  int(topology.get("NumberOfElements")) == cells, f"grid {s}: {cells} points")
            points = check_item(topology.find("DataItem"), directory, "Int", f"grid {s} points")
            check(np.array_equal(np.ravel(points), np.arange(cells)), f"grid {s}: points 0..{cells - 1}")
            check(geometry.get("GeometryType") == "XY", f"grid {s}: XY geometry")
            check_item(geometry.find("DataItem"), directory, "Float", f"grid {s} centres")
            check(attribute.get("Center") == "Node", f"grid {s}: density is a point attribute")
        item = attribute.find("DataItem")
        check(item.text.strip().endswith(f":/views/density/{s}"),
              f"grid {s}: the density is the view of snapshot {s}")
        values = check_item(item, directory, "Float", f"grid {s} density")
        check(np.array_equal(values, density[s]), f"grid {s}: the view holds /density[{s}]")
    if dimension == 3:
        check(triangles.min() >= 0 and triangles.max() == nodes.shape[0] - 1 and
              len(np.unique(triangles)) == nodes.shape[0], "every node is used, none is missing")
        check(nodes.shape[0] == cells // 2 + 2, f"{nodes.shape[0]} nodes = cells / 2 + 2 (Euler)")
        check(np.array_equal(nodes[triangles], vertices), "nodes[triangles] = /mesh/vertices")
        a, b, c = vertices[:, 0], vertices[:, 1], vertices[:, 2]
        triple = np.einsum("ij,ij->i", np.cross(a, b), c)
        check(triple.min() > 0, "every triangle is counter-clockwise seen from outside")
        mean = vertices.sum(axis=1)
        mean /= np.linalg.norm(mean, axis=1)[:, None]
        check(np.abs(mean - centres).max() < 1e-15, "centres are the normalised corner means")
        excess = 2 * np.arctan2(np.abs(triple), 1 + np.einsum("ij,ij->i", a, b) +
                                np.einsum("ij,ij->i", b, c) + np.einsum("ij,ij->i", c, a))
        check(np.abs(excess / measures - 1).max() < 1e-13, "areas are the spherical excesses")
    print(f"{len(failures)} failed checks")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
