// Domain vectors: strength and blends scale and add what a domain changes (DESIGN.md, "the model pack contract").
// Plain packs (HyperDomainNet) are linear around the identity domain; HyperGAN-CLIP packs hold residual slots
// (pack.json `domainLayout`): strength multiplies each slot's gain γ, a blend puts the domains' slots side by side.
import type { DomainLayout, SlotLayout } from './manifest.js';
import type { DomainVector } from './types.js';

/** α = 0 gives the unchanged generator, 1 the domain, 0.5 half of its change, > 1 extrapolates. */
export function withStrength(domain: DomainVector, identity: DomainVector, alpha: number, layout?: DomainLayout): DomainVector {
  checkLength(domain, identity);
  if (alpha === 1) return domain;
  if (layout?.kind === 'residual-slots') {
    const out = new Float32Array(domain);
    for (let s = 0; s < layout.slots; s++) out[s * layout.slotSize + layout.gainIndex] *= alpha;
    return out;
  }
  const out = new Float32Array(domain.length);
  for (let i = 0; i < out.length; i++) out[i] = identity[i] + alpha * (domain[i] - identity[i]);
  return out;
}

/** identity + Σ wᵢ·(what dᵢ changes). With residual slots: every non-empty slot of every domain, its γ times wᵢ. */
export function blendDomains(domains: DomainVector[], weights: number[], identity: DomainVector, layout?: DomainLayout): DomainVector {
  if (domains.length === 0) throw new RangeError('blend needs at least one domain');
  if (domains.length !== weights.length) throw new RangeError(`blend got ${domains.length} domains and ${weights.length} weights`);
  if (weights.some((w) => !Number.isFinite(w))) throw new RangeError('blend weights must be finite numbers');
  domains.forEach((d) => checkLength(d, identity));
  if (layout?.kind === 'residual-slots') return blendSlots(domains, weights, identity, layout);
  const out = new Float32Array(identity);
  domains.forEach((d, j) => {
    const w = weights[j];
    for (let i = 0; i < out.length; i++) out[i] += w * (d[i] - identity[i]);
  });
  return out;
}

function blendSlots(domains: DomainVector[], weights: number[], identity: DomainVector, layout: SlotLayout): DomainVector {
  const { slots, slotSize: P, gainIndex } = layout;
  const out = new Float32Array(identity);
  let next = 0;
  domains.forEach((d, j) => {
    for (let s = 0; s < slots; s++) {
      const gain = d[s * P + gainIndex] * weights[j];
      if (gain === 0) continue;
      if (next === slots)
        throw new RangeError(
          `this pack blends at most ${slots} domains at once (each blended domain counts as the domains it was made of)`,
        );
      out.set(d.subarray(s * P, (s + 1) * P), next * P);
      out[next * P + gainIndex] = gain;
      next++;
    }
  });
  return out;
}

/** n frames from identity (t = 0) to the domain (t = 1). */
export function morphSteps(domain: DomainVector, identity: DomainVector, frames: number, layout?: DomainLayout): DomainVector[] {
  const out: DomainVector[] = [];
  for (let f = 0; f < frames; f++) out.push(withStrength(domain, identity, frames === 1 ? 1 : f / (frames - 1), layout));
  return out;
}

/** [n, D] batch of the same domain repeated, or of per-sample domains. */
/** Whether every one of the n rows of a batch is the identity domain (value for value). */
export function allIdentity(batch: Float32Array, identity: DomainVector, n: number): boolean {
  const D = identity.length;
  for (let b = 0; b < n; b++) for (let i = 0; i < D; i++) if (batch[b * D + i] !== identity[i]) return false;
  return true;
}

export function domainBatch(domains: DomainVector | DomainVector[], n: number, dim: number): Float32Array {
  const list = Array.isArray(domains) ? domains : Array.from({ length: n }, () => domains);
  if (list.length !== n) throw new RangeError(`expected ${n} domains, got ${list.length}`);
  const out = new Float32Array(n * dim);
  list.forEach((d, i) => {
    if (d.length !== dim) throw new RangeError(`a domain of this pack has ${dim} values, got ${d.length}`);
    out.set(d, i * dim);
  });
  return out;
}

function checkLength(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new RangeError(`domain has ${a.length} values, this pack's domains have ${b.length}`);
}
