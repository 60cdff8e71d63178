// The generated fractal dataset's parameters, their limits and the names they give (tf-free: the
// page validates the form with them; engine/data/fractals.ts renders the images).

export const FRACTAL_SIZES = [16, 28, 32, 64] as const;
export type FractalSize = (typeof FRACTAL_SIZES)[number];

export interface FractalParams {
  classes: number; // 2–100
  perClass: number; // images per class, 10–5000
  size: FractalSize; // images are size × size RGB
  seed: number; // integer 0 … 2^32 − 1
  testShare?: number; // share of each class's images (its last ones) in the test split; default 1/6
}

export const FRACTAL_DEFAULTS: Required<FractalParams> = {
  classes: 10,
  perClass: 600,
  size: 32,
  seed: 1,
  testShare: 1 / 6,
};

export const FRACTAL_LIMITS = {
  classes: [2, 100],
  perClass: [10, 5000],
  total: 200_000,
  testShare: [0, 0.5],
} as const;

/** Messages for every parameter out of range; empty when `p` is valid. */
export function validateFractalParams(p: FractalParams): string[] {
  const errors: string[] = [];
  const intIn = (v: number, [lo, hi]: readonly [number, number]) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(p.classes, FRACTAL_LIMITS.classes))
    errors.push(`The number of classes must be a whole number from 2 to 100 (got ${p.classes}).`);
  if (!intIn(p.perClass, FRACTAL_LIMITS.perClass))
    errors.push(`Images per class must be a whole number from 10 to 5,000 (got ${p.perClass}).`);
  if (!(FRACTAL_SIZES as readonly number[]).includes(p.size))
    errors.push(`The image size must be one of ${FRACTAL_SIZES.join(', ')} pixels (got ${p.size}).`);
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff)
    errors.push(`The seed must be a whole number from 0 to 4,294,967,295 (got ${p.seed}).`);
  const share = p.testShare ?? FRACTAL_DEFAULTS.testShare;
  if (!(share >= FRACTAL_LIMITS.testShare[0] && share <= FRACTAL_LIMITS.testShare[1]))
    errors.push(`The test share must be from 0 to 0.5 (got ${share}).`);
  const total = p.classes * p.perClass;
  if (Number.isFinite(total) && total > FRACTAL_LIMITS.total)
    errors.push(
      `Classes × images per class is ${total.toLocaleString('en-US')}, more than the ${FRACTAL_LIMITS.total.toLocaleString('en-US')} allowed.`,
    );
  return errors;
}

/** Images per class in the test split: the last ones of each class. */
export function fractalTestPerClass(p: FractalParams): number {
  return Math.round(p.perClass * (p.testShare ?? FRACTAL_DEFAULTS.testShare));
}

/** The generated dataset's display name, e.g. 'Fractals (10 classes × 60, 16×16, seed 1)'. */
export function fractalDatasetName(p: FractalParams): string {
  return `Fractals (${p.classes} classes × ${p.perClass}, ${p.size}×${p.size}, seed ${p.seed})`;
}

/** The stored dataset's id: the same parameters give the same id (and the same images). */
export function fractalDatasetId(p: FractalParams): string {
  const share = p.testShare ?? FRACTAL_DEFAULTS.testShare;
  const shareTag = share === FRACTAL_DEFAULTS.testShare ? '' : `-t${Math.round(share * 1000)}`;
  return `fractals-${p.classes}x${p.perClass}-${p.size}-s${p.seed}${shareTag}`;
}

/** Bytes the dataset takes: images plus labels. */
export function fractalDatasetBytes(p: FractalParams): number {
  return p.classes * p.perClass * (p.size * p.size * 3 + 1);
}
