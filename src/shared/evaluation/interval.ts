// The 95 % interval of an accuracy measured on n independent test images (binomial, Wilson score):
// with 64 images one reading spans about ±12 points, with 1,000 about ±3.
export interface Interval {
  low: number;
  high: number;
}

const Z95 = 1.959964; // two-sided 95 % normal quantile

/** Wilson score interval of a proportion p observed on n trials (p in [0, 1], n ≥ 1). */
export function wilsonInterval(p: number, n: number, z = Z95): Interval {
  if (!(n >= 1) || !Number.isFinite(p)) return { low: 0, high: 1 };
  const q = Math.min(1, Math.max(0, p));
  const z2 = z * z;
  const centre = (q + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((q * (1 - q)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
