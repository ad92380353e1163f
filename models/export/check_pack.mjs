// Runs every graph of a pack on its reference inputs with onnxruntime-node and compares with PyTorch's outputs
// (reference/index.json). Usage: node models/export/check_pack.mjs PACK_DIR   (exit 1 on a mismatch)
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
const dir = process.argv[2];
let failed = 0;
function npy(p) {
  const b = fs.readFileSync(p); const hl = b.readUInt16LE(8); const h = b.slice(10, 10 + hl).toString();
  const shape = JSON.parse(h.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).length ? '[' + h.match(/'shape': \(([^)]*)\)/)[1].replace(/,\s*$/, '') + ']' : '[]');
  const data = b.slice(10 + hl); const i64 = h.includes('<i8');
  const arr = i64 ? new BigInt64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) : new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  return new ort.Tensor(i64 ? 'int64' : 'float32', arr, shape);
}
const man = JSON.parse(fs.readFileSync(dir + '/pack.json'));
const idx = JSON.parse(fs.readFileSync(dir + '/reference/index.json'));
for (const c of idx.checks) {
  const s = await ort.InferenceSession.create(dir + '/' + man.files[c.graph].path);
  const feeds = {}; for (const [k, v] of Object.entries(c.inputs)) feeds[k] = npy(dir + '/reference/' + idx.tensors[v].file);
  const t0 = Date.now(); const out = await s.run(feeds); const ms = Date.now() - t0;
  for (const [k, v] of Object.entries(c.outputs)) {
    const ref = npy(dir + '/reference/' + idx.tensors[v].file).data; const got = out[k].data;
    let mx = 0, sum = 0; for (let i = 0; i < ref.length; i++) { const d = Math.abs(ref[i] - got[i]); mx = Math.max(mx, d); sum += d; }
    console.log(c.graph, k, out[k].dims.join('x'), 'maxAbs', mx.toExponential(2), 'meanAbs', (sum / ref.length).toExponential(2), ms + 'ms', mx <= c.atol ? 'OK' : 'FAIL');
    if (!(mx <= c.atol) || (c.meanAbs && sum / ref.length > c.meanAbs)) failed++;
  }
}
process.exit(failed ? 1 : 0);
