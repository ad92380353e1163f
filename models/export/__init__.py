"""DomainShift model-pack exporter: PyTorch definitions that load the official checkpoints, ONNX export,
pack.json and PyTorch reference outputs. Run as `/usr/bin/python3 -m models.export` from the repo root."""

EXPORTER_VERSION = "domainshift-export 0.1"
