"""Checks generated draw.io files: well-formed XML, the mxGraphModel root cells, unique ids, and
every edge's source and target naming an existing vertex."""
import sys
import xml.etree.ElementTree as ET

failed = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
        cells = root.findall("./diagram/mxGraphModel/root/mxCell")
        ids = [c.get("id") for c in cells]
        assert ids[:2] == ["0", "1"], "missing the two root cells"
        assert len(ids) == len(set(ids)), "duplicate cell ids"
        vertices = {c.get("id") for c in cells if c.get("vertex") == "1"}
        edges = [c for c in cells if c.get("edge") == "1"]
        for e in edges:
            for end in ("source", "target"):
                assert e.get(end) in vertices, f"edge {e.get('id')} {end} {e.get(end)} is not a vertex"
        assert vertices and edges, "no boxes or no arrows"
    except Exception as err:  # noqa: BLE001 - report every file
        failed += 1
        print(f"FAILED  {path}: {err}")
print(f"draw.io: {len(sys.argv) - 1 - failed} of {len(sys.argv) - 1} files valid")
sys.exit(1 if failed or len(sys.argv) < 2 else 0)
