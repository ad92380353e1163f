"""The convolution micro-benchmark's graph: every Conv and ConvTranspose of a synthesis graph, and nothing else, in
one graph (the same shapes, kernels, strides, pads and groups at a given batch, each convolution fed by an input of
its own; the weights constant, so ONNX Runtime prepacks them as it can for a trained generator's).
`bench/profile-synthesis.ts --conv-limit` times it in turns with the whole graph: its time is what the graph's
convolutions take with nothing else running, the floor no graph surgery goes under on this CPU.

Usage (from the repository root):  /usr/bin/python3 bench/conv_limit.py SYNTHESIS.onnx BATCH OUT.onnx
beside OUT.onnx: OUT.json ({inputs: {name: shape}, gflop}).
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

CONVOLUTIONS = ("Conv", "ConvTranspose")


def dims(value):
    return [d.dim_value if d.HasField("dim_value") else None for d in value.type.tensor_type.shape.dim]


def infer(graph_path, batch):
    """The model with every tensor's shape known at this batch size."""
    model = onnx.load(graph_path)
    for value in model.graph.input:
        value.type.tensor_type.shape.dim[0].dim_value = batch
    return shape_inference.infer_shapes(model, data_prop=True)


def weight_shape(node, x_shape, known, attributes):
    """A weight computed inside the graph (the blur's depthwise kernels) has no inferred shape; groups say it."""
    if known and None not in known:
        return known
    group, kernel = attributes.get("group", 1), attributes["kernel_shape"]
    channels = x_shape[1]
    if node.op_type == "Conv":  # [out, in / group, kh, kw]; depthwise: out = in
        return [channels, channels // group, *kernel]
    return [channels, 1, *kernel]  # ConvTranspose: [in, out / group, kh, kw], depthwise


def gflop(op, x_shape, w_shape, y_shape, group):
    """Multiply-adds × 2: a Conv's per output element, a ConvTranspose's per input element."""
    kernel = w_shape[2] * w_shape[3]
    if op == "Conv":
        return 2 * np.prod(y_shape) * (x_shape[1] // group) * kernel / 1e9
    return 2 * np.prod(x_shape) * w_shape[1] * kernel / 1e9


def cut(model):
    """[(node, x shape, w shape, y shape, attributes, bias?)] for every convolution of the graph."""
    shapes = {v.name: dims(v) for v in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output)}
    shapes.update({i.name: list(i.dims) for i in model.graph.initializer})
    found = []
    for node in model.graph.node:
        if node.op_type not in CONVOLUTIONS:
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        x_shape, y_shape = shapes[node.input[0]], shapes[node.output[0]]
        w_shape = weight_shape(node, x_shape, shapes.get(node.input[1]), attributes)
        if y_shape[1] is None:  # a computed weight leaves the channels open: out = weight's out × groups
            y_shape = [y_shape[0], w_shape[0] if node.op_type == "Conv" else w_shape[1] * attributes.get("group", 1),
                       *y_shape[2:]]
        if None in x_shape or None in y_shape:
            raise SystemExit(f"{node.name}: shape inference left {x_shape} -> {y_shape} open")
        bias = len(node.input) > 2 and node.input[2] != ""
        found.append((node, x_shape, w_shape, y_shape, attributes, bias))
    return found


def convolutions_graph(found):
    """One graph running every convolution once, each from its own input (so one session run costs the
    convolutions and one call's overhead, as the synthesis graph's run does)."""
    rng = np.random.default_rng(0)
    nodes, inits, inputs, outputs = [], [], [], []
    for i, (node, x_shape, w_shape, y_shape, attributes, bias) in enumerate(found):
        names = [f"x{i}", f"w{i}"]
        inits.append(numpy_helper.from_array((rng.standard_normal(w_shape) * 0.1).astype(np.float32), f"w{i}"))
        if bias:
            inits.append(numpy_helper.from_array(np.zeros(y_shape[1], np.float32), f"b{i}"))
            names.append(f"b{i}")
        nodes.append(helper.make_node(node.op_type, names, [f"y{i}"], **attributes))
        inputs.append(helper.make_tensor_value_info(f"x{i}", TensorProto.FLOAT, x_shape))
        outputs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, y_shape))
    model = helper.make_model(helper.make_graph(nodes, "convolutions", inputs, outputs, inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main(graph_path, batch, out):
    found = cut(infer(graph_path, batch))
    onnx.save(convolutions_graph(found), out)
    listing = {"inputs": {f"x{i}": x for i, (_, x, _, _, _, _) in enumerate(found)},
               "gflop": float(sum(gflop(n.op_type, x, w, y, a.get("group", 1)) for n, x, w, y, a, _ in found))}
    with open(out[:-len(".onnx")] + ".json", "w") as f:
        json.dump(listing, f)
    print(f"{len(found)} convolutions, {listing['gflop']:.3f} GFLOP per run")


if __name__ == "__main__":
    if len(sys.argv) != 4 or not sys.argv[3].endswith(".onnx"):
        raise SystemExit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
