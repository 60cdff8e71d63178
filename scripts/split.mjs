// The fixed, seeded train/test split of the built-in datasets (used by prepare-data.mjs, tested by
// src/engine/data/builtin.test.ts). Plain JS so that Node runs it at install time without a build step.

/**
 * Seeded uniform numbers in [0, 1): mulberry32, the same stream as `new Rng(seed).next()` in
 * src/engine/runtime/random.ts (Node cannot import that TypeScript file at install time; a unit
 * test checks that both give the same numbers).
 */
export function mulberry32(seed) {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `a` in place (Fisher–Yates) with `random`, as Rng.shuffle does. */
function shuffle(a, random) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * A stratified split: of each class, `testPerClass` images chosen at random go to the test split and
 * the rest to the train split; each split is then shuffled, so that every chunk of a few hundred
 * images mixes all classes. Depends only on `labels` (in source order) and `seed`.
 * Returns source indices: train and test, in their stored order.
 */
export function stratifiedSplit(labels, classes, testPerClass, seed) {
  const random = mulberry32(seed);
  const byClass = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new Error(`label ${l} at ${i} is not a class`);
    byClass[l].push(i);
  }
  const train = [];
  const test = [];
  byClass.forEach((indices, c) => {
    if (indices.length <= testPerClass)
      throw new Error(`class ${c} has ${indices.length} images, not more than the ${testPerClass} for test`);
    shuffle(indices, random);
    for (let k = 0; k < indices.length; k++) (k < testPerClass ? test : train).push(indices[k]);
  });
  return { train: Int32Array.from(shuffle(train, random)), test: Int32Array.from(shuffle(test, random)) };
}
