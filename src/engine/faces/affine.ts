// 2×3 affine matrices and a bilinear resampler for RGB pictures.
// Coordinates are continuous: pixel (i, j) covers [i, i+1) × [j, j+1), so its centre is (i + 0.5, j + 0.5).
import type { RgbImage } from '../types.js';

/** [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f */
export type Affine = [number, number, number, number, number, number];

export function apply(m: Affine, p: { x: number; y: number }): { x: number; y: number } {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

export function invert(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('the transform cannot be inverted');
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** m1 after m2: x ↦ m1(m2(x)) */
export function compose(m1: Affine, m2: Affine): Affine {
  const [a, b, c, d, e, f] = m1;
  const [A, B, C, D, E, F] = m2;
  return [a * A + b * D, a * B + b * E, a * C + b * F + c, d * A + e * D, d * B + e * E, d * C + e * F + f];
}

export function translation(tx: number, ty: number): Affine {
  return [1, 0, tx, 0, 1, ty];
}

/** How samples that fall outside the source are filled: mirrored back in, or marked as missing (weight 0). */
export type Border = 'reflect' | 'transparent';

/**
 * Resamples `src` into a width×height picture: output point q takes the bilinear sample at `outToSrc(q)`.
 * Also returns the coverage of each output pixel (0..1, the share of its bilinear taps inside the source), which
 * is all ones with 'reflect'.
 */
export function warp(
  src: RgbImage,
  outToSrc: Affine,
  width: number,
  height: number,
  border: Border,
): { image: RgbImage; coverage: Float32Array } {
  const out = Buffer.alloc(width * height * 3);
  const coverage = new Float32Array(width * height);
  const { width: W, height: H, data } = src;
  const [a, b, c, d, e, f] = outToSrc;
  const acc = [0, 0, 0];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const qx = i + 0.5;
      const qy = j + 0.5;
      // to sample-centre indices, where pixel k sits at k
      const sx = a * qx + b * qy + c - 0.5;
      const sy = d * qx + e * qy + f - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      acc[0] = acc[1] = acc[2] = 0;
      let weight = 0;
      for (let t = 0; t < 4; t++) {
        const w = (t & 1 ? fx : 1 - fx) * (t & 2 ? fy : 1 - fy);
        if (w === 0) continue;
        let x = x0 + (t & 1);
        let y = y0 + (t >> 1);
        if (x < 0 || y < 0 || x >= W || y >= H) {
          if (border === 'transparent') continue;
          x = reflectIndex(x, W);
          y = reflectIndex(y, H);
        }
        const o = (y * W + x) * 3;
        acc[0] += w * data[o];
        acc[1] += w * data[o + 1];
        acc[2] += w * data[o + 2];
        weight += w;
      }
      const p = j * width + i;
      coverage[p] = weight;
      if (weight > 0) for (let ch = 0; ch < 3; ch++) out[p * 3 + ch] = Math.min(255, Math.max(0, Math.round(acc[ch] / weight)));
    }
  }
  return { image: { width, height, data: out }, coverage };
}

/** Mirror an index back into [0, n), repeating the edge pixel (numpy's 'symmetric' padding). */
export function reflectIndex(k: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let m = ((k % period) + period) % period;
  if (m >= n) m = period - 1 - m;
  return m;
}
