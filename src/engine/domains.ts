// Domain vectors: strength and blends are linear around the identity domain (DESIGN.md, "the model pack contract").
import type { DomainVector } from './types.js';

/** identity + α·(d − identity): α = 0 gives the unchanged generator, 1 the domain, > 1 extrapolates. */
export function withStrength(domain: DomainVector, identity: DomainVector, alpha: number): DomainVector {
  checkLength(domain, identity);
  if (alpha === 1) return domain;
  const out = new Float32Array(domain.length);
  for (let i = 0; i < out.length; i++) out[i] = identity[i] + alpha * (domain[i] - identity[i]);
  return out;
}

/** identity + Σ wᵢ·(dᵢ − identity). */
export function blendDomains(domains: DomainVector[], weights: number[], identity: DomainVector): DomainVector {
  if (domains.length === 0) throw new RangeError('blend needs at least one domain');
  if (domains.length !== weights.length) throw new RangeError(`blend got ${domains.length} domains and ${weights.length} weights`);
  if (weights.some((w) => !Number.isFinite(w))) throw new RangeError('blend weights must be finite numbers');
  const out = new Float32Array(identity);
  domains.forEach((d, j) => {
    checkLength(d, identity);
    const w = weights[j];
    for (let i = 0; i < out.length; i++) out[i] += w * (d[i] - identity[i]);
  });
  return out;
}

/** n frames from identity (t = 0) to the domain (t = 1). */
export function morphSteps(domain: DomainVector, identity: DomainVector, frames: number): DomainVector[] {
  const out: DomainVector[] = [];
  for (let f = 0; f < frames; f++) out.push(withStrength(domain, identity, frames === 1 ? 1 : f / (frames - 1)));
  return out;
}

/** [n, D] batch of the same domain repeated, or of per-sample domains. */
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
