// Normalised mutual information between two labelings of the same items (e.g. k-means clusters vs.
// class labels). Invariant to renaming the labels; 1 = the same partition, 0 = independent.

/** Labels → dense ids 0 … m−1 (in order of first appearance) and the count of each id. */
function dense(labels: Int32Array): { ids: Int32Array; counts: number[] } {
  const idOf = new Map<number, number>();
  const ids = new Int32Array(labels.length);
  const counts: number[] = [];
  labels.forEach((l, i) => {
    let id = idOf.get(l);
    if (id === undefined) {
      id = counts.length;
      idOf.set(l, id);
      counts.push(0);
    }
    ids[i] = id;
    counts[id]!++;
  });
  return { ids, counts };
}

/** Entropy (nats) of a count table with total n. */
function entropy(counts: number[], n: number): number {
  return counts.reduce((h, c) => (c > 0 ? h - (c / n) * Math.log(c / n) : h), 0);
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
  const da = dense(a);
  const db = dense(b);
  const ha = entropy(da.counts, n);
  const hb = entropy(db.counts, n);
  if (ha === 0 && hb === 0) return 1;
  const mb = db.counts.length;
  const joint = new Map<number, number>(); // key ia·mb + ib → count
  for (let i = 0; i < n; i++) {
    const key = da.ids[i]! * mb + db.ids[i]!;
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  let mi = 0;
  for (const [key, c] of joint) {
    const ca = da.counts[Math.floor(key / mb)]!;
    const cb = db.counts[key % mb]!;
    mi += (c / n) * Math.log((c * n) / (ca * cb)); // p(x,y)·log(p(x,y) / (p(x)·p(y)))
  }
  return Math.min(1, Math.max(0, mi / ((ha + hb) / 2)));
}
