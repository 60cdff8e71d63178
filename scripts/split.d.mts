// Types of scripts/split.mjs for the TypeScript tests.

/** Seeded uniform numbers in [0, 1): the same stream as `new Rng(seed).next()`. */
export function mulberry32(seed: number): () => number;

/** Stratified seeded split: source indices of the train and test splits, in stored order. */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  classes: number,
  testPerClass: number,
  seed: number,
): { train: Int32Array; test: Int32Array };
