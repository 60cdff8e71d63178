// Normalised mutual information between two labelings of the same items (e.g. k-means clusters vs.
// class labels). Invariant to renaming the labels; 1 = the same partition, 0 = independent.

/** Entropy (nats) of a count table with total n. */
function entropy(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/**
 * NMI(a, b) = I(a; b) / ((H(a) + H(b)) / 2), the arithmetic-mean normalisation (scikit-learn's
 * default). Labels are any integers. Two constant labelings count as identical (1); one constant and
 * one not share no information (0).
 */
export function nmi(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`nmi: labelings differ in length (${n} vs ${b.length}).`);
  if (n === 0) return 1;
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  const joint = new Map<string, { a: number; b: number; count: number }>();
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ca.set(x, (ca.get(x) ?? 0) + 1);
    cb.set(y, (cb.get(y) ?? 0) + 1);
    const key = `${x},${y}`;
    const cell = joint.get(key);
    if (cell) cell.count++;
    else joint.set(key, { a: x, b: y, count: 1 });
  }
  const ha = entropy(ca.values(), n);
  const hb = entropy(cb.values(), n);
  if (ha === 0 && hb === 0) return 1;
  let mi = 0;
  for (const { a: x, b: y, count } of joint.values()) {
    // p(x, y) · log(p(x, y) / (p(x) p(y))) = (c/n) · log(c·n / (c_x · c_y))
    mi += (count / n) * Math.log((count * n) / (ca.get(x)! * cb.get(y)!));
  }
  return Math.min(1, Math.max(0, mi / ((ha + hb) / 2)));
}
