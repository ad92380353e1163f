// Separable bicubic resampling (Keys kernel, a = −0.5) with the pixel-centre convention and antialiasing of PIL's
// Image.resize(BICUBIC), which is what CLIP's own preprocessing uses. sharp (libvips) upsamples with a different
// convention (its output differs from PIL's by ~3/255 on average on the demo pack), so CLIP's resize is done here.
import type { RgbImage } from './types.js';

function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  width: number; // taps per output pixel (max)
}

/** Per output pixel: the first input index, how many inputs, and normalised weights. */
function taps(inSize: number, outSize: number, offset: number, span: number): Taps {
  const scale = span / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const width = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * width);
  for (let x = 0; x < outSize; x++) {
    const centre = offset + (x + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inSize, Math.ceil(centre + support));
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const w = cubic((j - centre + 0.5) / filterScale);
      weights[x * width + (j - lo)] = w;
      sum += w;
    }
    for (let j = 0; j < hi - lo; j++) weights[x * width + j] /= sum || 1;
    start[x] = lo;
    count[x] = hi - lo;
  }
  return { start, count, weights, width };
}

/**
 * Resizes the box (left, top, width, height) of an RGB image to outW×outH and returns float RGB in [0,255]
 * (row-major, interleaved), without the intermediate 8-bit rounding PIL does between its two passes.
 */
export function resizeBicubicF32(
  img: RgbImage,
  outW: number,
  outH: number,
  box = { left: 0, top: 0, width: img.width, height: img.height },
): Float32Array {
  const tx = taps(img.width, outW, box.left, box.width);
  const ty = taps(img.height, outH, box.top, box.height);
  // horizontal pass over the rows the vertical pass needs
  const rowLo = ty.start[0];
  const rowHi = ty.start[outH - 1] + ty.count[outH - 1];
  const mid = new Float32Array((rowHi - rowLo) * outW * 3);
  for (let y = rowLo; y < rowHi; y++) {
    const src = y * img.width * 3;
    const dst = (y - rowLo) * outW * 3;
    for (let x = 0; x < outW; x++) {
      let r = 0,
        g = 0,
        b = 0;
      const s = tx.start[x];
      for (let k = 0; k < tx.count[x]; k++) {
        const w = tx.weights[x * tx.width + k];
        const p = src + (s + k) * 3;
        r += w * img.data[p];
        g += w * img.data[p + 1];
        b += w * img.data[p + 2];
      }
      mid[dst + x * 3] = r;
      mid[dst + x * 3 + 1] = g;
      mid[dst + x * 3 + 2] = b;
    }
  }
  const out = new Float32Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const s = ty.start[y] - rowLo;
    for (let x = 0; x < outW; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let k = 0; k < ty.count[y]; k++) {
        const w = ty.weights[y * ty.width + k];
        const p = ((s + k) * outW + x) * 3;
        r += w * mid[p];
        g += w * mid[p + 1];
        b += w * mid[p + 2];
      }
      const o = (y * outW + x) * 3;
      out[o] = Math.min(255, Math.max(0, r));
      out[o + 1] = Math.min(255, Math.max(0, g));
      out[o + 2] = Math.min(255, Math.max(0, b));
    }
  }
  return out;
}
