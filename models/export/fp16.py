"""An fp16 variant of an exported synthesis graph, for GPUs: weights and activations in float16, the graph's inputs
and outputs still float32 (the pack contract is unchanged, the engine runs it as it runs synthesis.onnx), and every
normalisation kept in float32: rsqrt(x + 1e-8) underflows in fp16 (1e-8 is below its smallest subnormal, and small
energies give inf). Those islands are found in the graph itself: every Sqrt, walked back through its Add to the
MatMul/ReduceSum that feeds it and forward to the Div/Reciprocal that inverts it.

PyTorch 1.13 cannot trace a half model on the CPU (no fp16 conv kernels there), so the conversion works on the
fp32 ONNX graph. ONNX Runtime's CPU provider has no fp16 Conv on x86 either: parity is checked on CUDA
(scripts/gpu-check.sh) and, where the CPU provider runs it, by models/export/tests/test_fp16.py.
"""
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, HALF = TensorProto.FLOAT, TensorProto.FLOAT16
NORM_TAIL = {"Div", "Reciprocal"}
NORM_HEAD = {"MatMul", "ReduceSum", "Gemm"}


def _producers(graph):
    return {out: node for node in graph.node for out in node.output}


def _consumers(graph):
    users = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    return users


def fp32_islands(graph):
    """Names of the nodes that stay float32: the normalisations (energy -> +eps -> sqrt -> 1/x)."""
    produced, used = _producers(graph), _consumers(graph)
    keep = set()
    for node in graph.node:
        if node.op_type != "Sqrt":
            continue
        keep.add(node.name)
        add = produced.get(node.input[0])
        if add is not None and add.op_type == "Add":
            keep.add(add.name)
            for name in add.input:
                head = produced.get(name)
                if head is not None and head.op_type in NORM_HEAD:
                    keep.add(head.name)
        for user in used.get(node.output[0], []):
            if user.op_type in NORM_TAIL:
                keep.add(user.name)
    return keep


def _cast(name, to, suffix):
    out = f"{name}__{suffix}"
    return helper.make_node("Cast", [name], [out], to=to, name=f"{out}__cast"), out


class _FloatValues:
    """Which values of the fp32 graph are float32: all but those known to hold something else (integer shapes,
    axes, indices), from shape inference, initializers, Constant values and the ops that make integers."""

    INT_OPS = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"}

    def __init__(self, model):
        inferred = onnx.shape_inference.infer_shapes(model).graph
        values = [*inferred.value_info, *inferred.input, *inferred.output]
        self.other = {v.name for v in values if v.type.tensor_type.elem_type not in (0, FLOAT)}
        self.other |= {i.name for i in inferred.initializer if i.data_type != FLOAT}
        for node in inferred.node:
            if node.op_type in self.INT_OPS:
                self.other.update(node.output)
            if node.op_type == "Constant" and any(a.name == "value" and a.t.data_type != FLOAT for a in node.attribute):
                self.other.add(node.output[0])

    def __contains__(self, name):
        return bool(name) and name not in self.other


def convert_synthesis_fp16(src, dst):
    model = onnx.load(src)
    graph = model.graph
    floats = _FloatValues(model)
    for i, node in enumerate(graph.node):
        if not node.name:
            node.name = f"node_{i}"
    keep = fp32_islands(graph)
    used = _consumers(graph)
    constants = {i.name for i in graph.initializer} | {n.output[0] for n in graph.node if n.op_type == "Constant"}
    fp32_only = {name for name in constants if used.get(name) and all(u.name in keep for u in used[name])}

    # weights: half, unless only the fp32 islands read them
    for init in graph.initializer:
        if init.data_type == FLOAT and init.name not in fp32_only:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype("float16"), init.name))
    for node in graph.node:
        if node.op_type in ("Constant", "ConstantOfShape") and node.output[0] not in fp32_only:
            for attr in node.attribute:
                if attr.name == "value" and attr.t.data_type == FLOAT:
                    attr.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attr.t).astype("float16")))
        for attr in node.attribute:  # casts inside the graph that made float32 now make half
            if node.op_type == "Cast" and attr.name == "to" and attr.i == FLOAT and node.name not in keep:
                attr.i = HALF

    float_inputs = {i.name for i in graph.input if i.type.tensor_type.elem_type == FLOAT}
    fp32_values = float_inputs | fp32_only | {o for n in graph.node if n.name in keep for o in n.output}
    nodes, renamed = [], {}
    for name in float_inputs:  # graph inputs: cast to half once, at the top
        cast, out = _cast(name, HALF, "half")
        nodes.append(cast)
        renamed[name] = out
    for node in graph.node:
        island = node.name in keep
        for j, name in enumerate(node.input):
            if name not in floats:
                continue
            if island and name not in fp32_values:
                cast, out = _cast(name, FLOAT, f"f32_{node.name}")
                nodes.append(cast)
                node.input[j] = out
            elif not island and name in fp32_values:
                if name in float_inputs:
                    node.input[j] = renamed[name]
                else:
                    if name not in renamed:
                        cast, renamed[name] = _cast(name, HALF, "half")
                        nodes.append(cast)
                    node.input[j] = renamed[name]
            elif island and name in float_inputs:
                pass  # an island reading a graph input reads the float32 original
        nodes.append(node)
    # outputs: float32 as the contract says
    for out in graph.output:
        if out.type.tensor_type.elem_type == FLOAT and out.name not in fp32_values:
            half_name = f"{out.name}__half_out"
            for node in nodes:
                for j, name in enumerate(node.output):
                    if name == out.name:
                        node.output[j] = half_name
                for j, name in enumerate(node.input):
                    if name == out.name:
                        node.input[j] = half_name
            nodes.append(helper.make_node("Cast", [half_name], [out.name], to=FLOAT, name=f"{out.name}__cast_out"))
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.value_info[:]  # intermediate types changed; ONNX Runtime infers them
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return {"islands": len(keep)}


def add_fp16_synthesis(pack_dir):
    """Writes synthesis_fp16.onnx beside a pack's synthesis.onnx and names it in pack.json (files.synthesisFp16)."""
    import os

    from .pack_writer import file_entry, read_manifest, write_manifest

    manifest = read_manifest(pack_dir)
    src = os.path.join(pack_dir, manifest["files"]["synthesis"]["path"])
    info = convert_synthesis_fp16(src, os.path.join(pack_dir, "synthesis_fp16.onnx"))
    manifest["files"]["synthesisFp16"] = file_entry(pack_dir, "synthesis_fp16.onnx")
    write_manifest(pack_dir, manifest)
    return info
