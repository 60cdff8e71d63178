// Synthetic labelled features for the evaluation tests (seeded, no tf ops).
import { Rng } from '../runtime/random';

export interface Blobs {
  x: Float32Array; // [N, F] row-major
  y: Int32Array; // [N]
}

/** N points in F dims, class c drawn around a random centre at distance `spread`, unit noise. */
export function gaussianBlobs(n: number, f: number, k: number, spread: number, seed: number): Blobs {
  const centres = new Rng(1234); // same centres for every split
  const mu = Array.from({ length: k }, () => Array.from({ length: f }, () => centres.normal() * spread));
  const rng = new Rng(seed);
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    for (let j = 0; j < f; j++) x[i * f + j] = (mu[c]?.[j] ?? 0) + rng.normal();
  }
  return { x, y };
}

export function randomLabels(n: number, k: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(k));
}
