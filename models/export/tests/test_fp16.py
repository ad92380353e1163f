"""The fp16 synthesis variant: float32 at the graph's edges and in every normalisation, float16 everywhere else.
Its numbers are checked against fp32 by scripts/fp16-parity.ts (ONNX Runtime, CPU here, CUDA on a GPU host)."""
import os
import tempfile
import unittest

import onnx
from onnx import TensorProto

from models.export.fp16 import convert_synthesis_fp16

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "fixtures", "packs", "tiny", "synthesis.onnx")


class Fp16SynthesisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.dir.name, "synthesis_fp16.onnx")
        cls.info = convert_synthesis_fp16(TINY, cls.path)
        cls.model = onnx.load(cls.path)
        cls.types = {v.name: v.type.tensor_type.elem_type
                     for v in onnx.shape_inference.infer_shapes(cls.model, strict_mode=True).graph.value_info}

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_edges_stay_float32(self):
        for value in [*self.model.graph.input, *self.model.graph.output]:
            self.assertEqual(value.type.tensor_type.elem_type, TensorProto.FLOAT, value.name)

    def test_weights_are_half(self):
        kinds = [i.data_type for i in self.model.graph.initializer if i.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16)]
        self.assertGreater(kinds.count(TensorProto.FLOAT16), 10 * max(1, kinds.count(TensorProto.FLOAT)))

    def test_every_normalisation_runs_in_float32(self):
        sqrt = [n for n in self.model.graph.node if n.op_type == "Sqrt"]
        self.assertGreater(len(sqrt), 0)
        self.assertGreaterEqual(self.info["islands"], 3 * len(sqrt))  # sqrt, its add and its 1/x at least
        for node in sqrt:
            self.assertEqual(self.types[node.input[0]], TensorProto.FLOAT, node.name)  # x + eps in fp32
            self.assertEqual(self.types[node.output[0]], TensorProto.FLOAT, node.name)
        convs = [n for n in self.model.graph.node if n.op_type in ("Conv", "ConvTranspose")]
        self.assertTrue(all(self.types[n.output[0]] == TensorProto.FLOAT16 for n in convs))


if __name__ == "__main__":
    unittest.main()
