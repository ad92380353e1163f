// Seed 004's evaluation protocol with the pack's own CLIP.
import { cosine } from './clip.js';

/** Semantic-Score: mean cosine between each adapted sample's CLIP embedding and the target's. */
export function semanticScore(samples: Float32Array[], target: Float32Array): number {
  if (!samples.length) throw new RangeError('semantic score needs at least one sample');
  return samples.reduce((s, e) => s + cosine(e, target), 0) / samples.length;
}

/** Diversity: mean pairwise cosine distance (1 − cos) between the adapted samples' CLIP embeddings. */
export function diversity(samples: Float32Array[]): number {
  if (samples.length < 2) throw new RangeError('diversity needs at least two samples');
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length; j++) {
      sum += 1 - cosine(samples[i], samples[j]);
      pairs++;
    }
  }
  return sum / pairs;
}
