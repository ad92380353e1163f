"""The trained demo pack with its synthesis graphs re-exported by the exporter as it is now, in another folder, so
that a bench can time today's graphs on the demo's weights without touching models/demo (which only a full
`python3 -m models.train --out models/demo` rewrites). Every other file is linked from the source pack; the graphs
come from the finished checkpoints of models/train/work, as bench/torch_worker.py rebuilds them.

Usage (from the repository root):  /usr/bin/python3 bench/demo_synthesis.py OUT_DIR [SOURCE_PACK (models/demo)]
then e.g.  npm run bench -- --no-ffhq256 --demo OUT_DIR --pre-issue-pack demo=models/demo
"""
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

from bench.torch_worker import trained_parts  # noqa: E402
from models.export.domain_layout import layout_of  # noqa: E402
from models.export.pack_writer import export_synthesis, file_entry, read_manifest, write_manifest  # noqa: E402


def main(out, source):
    manifest = read_manifest(source)
    prov = manifest["provenance"]
    if prov.get("source") != "trained":
        raise SystemExit(f"{source} is not a pack trained by models/train")
    if os.path.abspath(out) == os.path.abspath(source):
        raise SystemExit("OUT_DIR must be another folder than the source pack")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name in os.listdir(source):
        if name not in ("pack.json", "synthesis.onnx", "synthesis_identity.onnx"):
            os.symlink(os.path.join(os.path.abspath(source), name), os.path.join(out, name))
    gen = trained_parts(prov["config"])["generator"].eval()
    slots, formulation = layout_of(manifest)
    with torch.no_grad():
        export_synthesis(gen, manifest["method"], os.path.join(out, "synthesis.onnx"), slots, formulation)
        export_synthesis(gen, manifest["method"], os.path.join(out, "synthesis_identity.onnx"), slots, formulation,
                         graph_method="none")
    manifest["files"]["synthesis"] = file_entry(out, "synthesis.onnx")
    manifest["files"]["synthesisIdentity"] = file_entry(out, "synthesis_identity.onnx")
    write_manifest(out, manifest)
    print(f"wrote {out}: synthesis.onnx and synthesis_identity.onnx from models/train/work, the rest linked to {source}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else os.path.join(ROOT, "models/demo"))
