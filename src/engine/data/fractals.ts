// A colour dataset generated in the browser: procedural fractal images in the spirit of FractalDB
// (Kataoka et al., ACCV 2020) and "Improving Fractal Pre-training" (Anderson & Farrell, WACV 2022).
// Each class is an iterated function system (IFS) of 2–4 contractive affine maps, drawn by a seeded
// search that keeps only systems whose attractor is well spread. Each image is a random instance of
// its class: slightly perturbed maps and weights, random scale, rotation and position, random colours
// per map on a random background, rendered by the chaos game.
//
// Determinism: the images depend only on (seed, class, instance, size) and are computed with the
// seeded Rng and +, −, ×, ÷, √ and rounding only (no Math.sin, exp, log or random, no canvas). These
// are exactly rounded in IEEE arithmetic, so the same parameters give the same bytes in every engine.
import { mixSeed, Rng } from '../runtime/random';
import { DatasetWriter } from './datasetWriter';
import type { ImageStore } from './imageStore';
import {
  fractalDatasetId,
  fractalDatasetName,
  fractalTestPerClass,
  validateFractalParams,
  type FractalParams,
  type FractalSize,
} from '../../shared/data/fractalParams';
import { MANIFEST_VERSION, type DatasetManifest } from '../../shared/data/types';

/** x' = a·x + b·y + e, y' = c·x + d·y + f */
export interface AffineMap {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** One class: its maps, the probability of each in the chaos game, and how well its attractor fills its box. */
export interface IfsClass {
  maps: AffineMap[];
  weights: number[]; // sum to 1
  fill: number; // share of a 32×32 grid over the attractor's bounding square that its points touch
}

const MIN_FILL = 0.2; // a class is accepted only when its attractor touches at least this share of its square
const MAX_SEARCH = 500; // systems tried per class before the best one so far is taken
const BURN_IN = 20; // chaos-game steps before points are drawn (contraction brings any start onto the attractor)
const MAX_SINGULAR = 0.95; // every map shrinks by at least 5%, instances included

/** Points per image of each size: enough to draw the attractor's structure without filling it solid. */
const POINTS: Record<FractalSize, number> = { 16: 2000, 28: 3000, 32: 3000, 64: 5000 };

const CLASS_STREAM = 1;
const IMAGE_STREAM = 2;

/** A uniformly random direction as (cos, sin), by rejection from the unit disc: no trigonometry. */
function randomDirection(rng: Rng): [number, number] {
  for (;;) {
    const u = rng.uniform(-1, 1);
    const v = rng.uniform(-1, 1);
    const r2 = u * u + v * v;
    if (r2 > 1e-4 && r2 <= 1) {
      const r = Math.sqrt(r2);
      return [u / r, v / r];
    }
  }
}

/** Largest singular value of [[a, b], [c, d]]. */
function largestSingular(m: AffineMap): number {
  const t = m.a * m.a + m.b * m.b + m.c * m.c + m.d * m.d;
  const det = m.a * m.d - m.b * m.c;
  return Math.sqrt((t + Math.sqrt(Math.max(0, t * t - 4 * det * det))) / 2);
}

/**
 * A random map R(θ)·diag(σ1, σ2)·R(φ)·diag(±1, ±1) + (e, f): singular values σ1 ≥ σ2 below 1, so
 * it contracts; uniform rotations and random reflections.
 */
function randomMap(rng: Rng, s1: number, s2: number): AffineMap {
  const [c1, n1] = randomDirection(rng);
  const [c2, n2] = randomDirection(rng);
  const d1 = rng.next() < 0.5 ? -1 : 1;
  const d2 = rng.next() < 0.5 ? -1 : 1;
  // R(θ)·diag(s1, s2) = [[c1·s1, −n1·s2], [n1·s1, c1·s2]]; × R(φ) = [[c2, −n2], [n2, c2]]; × diag(d1, d2).
  const p = c1 * s1;
  const q = -n1 * s2;
  const r = n1 * s1;
  const s = c1 * s2;
  return {
    a: (p * c2 + q * n2) * d1,
    b: (-p * n2 + q * c2) * d2,
    c: (r * c2 + s * n2) * d1,
    d: (-r * n2 + s * c2) * d2,
    e: rng.uniform(-1, 1),
    f: rng.uniform(-1, 1),
  };
}

/**
 * Singular values of N maps whose σ-factor Σ(σ1 + 2σ2) lies in [(5 + N)/2, (6 + N)/2], the range in
 * which Anderson & Farrell find well-spread, detailed attractors (by rejection: arithmetic only).
 */
function sigmaFactorSingulars(rng: Rng, n: number): [number, number][] {
  const lo = (5 + n) / 2;
  const hi = (6 + n) / 2;
  let best: [number, number][] = [];
  for (let attempt = 0; attempt < 200; attempt++) {
    const s: [number, number][] = [];
    let alpha = 0;
    for (let i = 0; i < n; i++) {
      const s1 = rng.uniform(0.2, MAX_SINGULAR);
      const s2 = rng.uniform(0.05, s1);
      s.push([s1, s2]);
      alpha += s1 + 2 * s2;
    }
    best = s;
    if (alpha >= lo && alpha <= hi) break;
  }
  return best;
}

/** Map probabilities proportional to |det| (the area each map covers), at least 1/(8N) each. */
function mapWeights(maps: AffineMap[]): number[] {
  const floor = 1 / (8 * maps.length);
  const raw = maps.map((m) => Math.abs(m.a * m.d - m.b * m.c));
  const sum = raw.reduce((x, y) => x + y, 0) || 1;
  const w = raw.map((x) => Math.max(floor, x / sum));
  const total = w.reduce((x, y) => x + y, 0);
  return w.map((x) => x / total);
}

/** Index of the map for uniform u ∈ [0, 1) under `weights`. */
function pick(weights: number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length - 1; i++) {
    acc += weights[i]!;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

interface Points {
  x: Float64Array;
  y: Float64Array;
  map: Uint8Array; // the map that placed each point
}

/** The chaos game: `n` points on the attractor of `maps`. */
function chaosGame(maps: AffineMap[], weights: number[], n: number, rng: Rng): Points {
  const pts: Points = { x: new Float64Array(n), y: new Float64Array(n), map: new Uint8Array(n) };
  let x = 0;
  let y = 0;
  for (let i = -BURN_IN; i < n; i++) {
    const k = pick(weights, rng.next());
    const m = maps[k]!;
    const nx = m.a * x + m.b * y + m.e;
    y = m.c * x + m.d * y + m.f;
    x = nx;
    if (i >= 0) {
      pts.x[i] = x;
      pts.y[i] = y;
      pts.map[i] = k;
    }
  }
  return pts;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function bounds(xs: Float64Array, ys: Float64Array): Box {
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x < box.x0) box.x0 = x;
    if (x > box.x1) box.x1 = x;
    if (y < box.y0) box.y0 = y;
    if (y > box.y1) box.y1 = y;
  }
  return box;
}

/** Share of a grid×grid raster over the points' bounding square that the points touch (0 when degenerate). */
export function fillRatio(pts: Points, grid = 32): number {
  const box = bounds(pts.x, pts.y);
  const extent = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  if (!(extent > 1e-9) || !Number.isFinite(extent)) return 0;
  const cells = new Uint8Array(grid * grid);
  const scale = (grid - 1e-9) / extent;
  let touched = 0;
  for (let i = 0; i < pts.x.length; i++) {
    const gx = Math.floor((pts.x[i]! - box.x0) * scale);
    const gy = Math.floor((pts.y[i]! - box.y0) * scale);
    const k = gy * grid + gx;
    if (cells[k] === 0) {
      cells[k] = 1;
      touched++;
    }
  }
  return touched / (grid * grid);
}

/**
 * Class `index` of the dataset with seed `seed`: a seeded search over IFS of 2–4 maps with σ-factor in
 * Anderson & Farrell's range, accepting the first whose attractor fills at least MIN_FILL of its
 * bounding square (or, after MAX_SEARCH tries, the best one found).
 */
export function fractalClass(seed: number, index: number): IfsClass {
  const rng = new Rng(mixSeed(seed, CLASS_STREAM, index));
  let best: IfsClass | null = null;
  for (let attempt = 0; attempt < MAX_SEARCH; attempt++) {
    const n = 2 + rng.int(3);
    const maps = sigmaFactorSingulars(rng, n).map(([s1, s2]) => randomMap(rng, s1, s2));
    const weights = mapWeights(maps);
    const fill = fillRatio(chaosGame(maps, weights, 4000, rng));
    if (!best || fill > best.fill) best = { maps, weights, fill };
    if (fill >= MIN_FILL) break;
  }
  return best!;
}

type Rgb = [number, number, number];

/** HSV in [0, 1] to RGB in [0, 1], piecewise linear. */
function hsv(h: number, s: number, v: number): Rgb {
  const h6 = (((h % 1) + 1) % 1) * 6;
  const sector = Math.floor(h6);
  const f = h6 - sector;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (sector) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

const luma = ([r, g, b]: Rgb) => 0.299 * r + 0.587 * g + 0.114 * b;

/**
 * A random background and one colour per map, every map colour at least 0.3 apart in luma from the
 * background (dark on light or light on dark), the map colours in neighbouring hues.
 */
function randomColours(rng: Rng, maps: number): { bg: Rgb; fg: Rgb[] } {
  const darkBg = rng.next() < 0.5;
  const hue = rng.next();
  for (let attempt = 0; attempt < 50; attempt++) {
    const bg = darkBg
      ? hsv(rng.next(), rng.uniform(0, 1), rng.uniform(0, 0.35))
      : hsv(rng.next(), rng.uniform(0, 0.6), rng.uniform(0.7, 1));
    const fg: Rgb[] = [];
    for (let k = 0; k < maps; k++)
      fg.push(
        darkBg
          ? hsv(hue + rng.uniform(-0.12, 0.12), rng.uniform(0.3, 1), rng.uniform(0.75, 1))
          : hsv(hue + rng.uniform(-0.12, 0.12), rng.uniform(0.5, 1), rng.uniform(0.05, 0.45)),
      );
    if (fg.every((c) => Math.abs(luma(c) - luma(bg)) >= 0.3)) return { bg, fg };
  }
  const black: Rgb = [0, 0, 0];
  const white: Rgb = [1, 1, 1];
  return { bg: darkBg ? black : white, fg: Array.from({ length: maps }, () => (darkBg ? white : black)) };
}

/** The class's maps with every coefficient moved by up to ±`amount`, kept contracting. */
function perturb(maps: AffineMap[], rng: Rng, amount: number): AffineMap[] {
  return maps.map((m) => {
    const j = () => rng.uniform(-amount, amount);
    const p: AffineMap = {
      a: m.a + j(),
      b: m.b + j(),
      c: m.c + j(),
      d: m.d + j(),
      e: m.e + j(),
      f: m.f + j(),
    };
    const s = largestSingular(p);
    if (s > MAX_SINGULAR) {
      const k = MAX_SINGULAR / s;
      p.a *= k;
      p.b *= k;
      p.c *= k;
      p.d *= k;
    }
    return p;
  });
}

/**
 * Renders one random instance of `cls` at size×size RGB ([size, size, 3] row-major, 0–255), using
 * `rng` for every choice: perturbed maps (±0.04) and weights (×0.7–1.3), rotation within ±45°, the
 * attractor's longer side 55–95% of the image at a random position, colours per map on a background.
 */
export function renderFractal(cls: IfsClass, size: FractalSize, rng: Rng): Uint8Array {
  const maps = perturb(cls.maps, rng, 0.04);
  const w = cls.weights.map((x) => x * rng.uniform(0.7, 1.3));
  const wSum = w.reduce((x, y) => x + y, 0);
  const pts = chaosGame(
    maps,
    w.map((x) => x / wSum),
    POINTS[size],
    rng,
  );

  // Rotate by an angle within ±45°: direction (1, t) with t uniform in [−1, 1].
  const t = rng.uniform(-1, 1);
  const norm = Math.sqrt(1 + t * t);
  const cos = 1 / norm;
  const sin = t / norm;
  for (let i = 0; i < pts.x.length; i++) {
    const x = pts.x[i]!;
    const y = pts.y[i]!;
    pts.x[i] = cos * x - sin * y;
    pts.y[i] = sin * x + cos * y;
  }
  const box = bounds(pts.x, pts.y);
  const extent = Math.max(box.x1 - box.x0, box.y1 - box.y0, 1e-9);
  const scale = (rng.uniform(0.55, 0.95) * (size - 1)) / extent;
  // Place the scaled box anywhere inside the image.
  const ox = rng.uniform(0, size - 1 - (box.x1 - box.x0) * scale) - box.x0 * scale;
  const oy = rng.uniform(0, size - 1 - (box.y1 - box.y0) * scale) - box.y0 * scale;
  const { bg, fg } = randomColours(rng, maps.length);

  // Splat each point bilinearly: weight and colour per pixel.
  const n = size * size;
  const weight = new Float64Array(n);
  const acc = new Float64Array(n * 3);
  const splat = (px: number, py: number, wt: number, col: Rgb) => {
    if (px < 0 || py < 0 || px >= size || py >= size || wt === 0) return;
    const k = py * size + px;
    weight[k]! += wt;
    acc[3 * k]! += wt * col[0];
    acc[3 * k + 1]! += wt * col[1];
    acc[3 * k + 2]! += wt * col[2];
  };
  for (let i = 0; i < pts.x.length; i++) {
    const x = pts.x[i]! * scale + ox;
    const y = pts.y[i]! * scale + oy;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const col = fg[pts.map[i]!]!;
    splat(x0, y0, (1 - fx) * (1 - fy), col);
    splat(x0 + 1, y0, fx * (1 - fy), col);
    splat(x0, y0 + 1, (1 - fx) * fy, col);
    splat(x0 + 1, y0 + 1, fx * fy, col);
  }

  // Coverage α = min(1, weight / τ): a pixel hit about τ times is fully covered, sparser ones blend in.
  const tau = Math.max(1, (0.25 * POINTS[size]) / n);
  const out = new Uint8Array(n * 3);
  for (let k = 0; k < n; k++) {
    const wk = weight[k]!;
    const alpha = wk >= tau ? 1 : wk / tau;
    for (let ch = 0; ch < 3; ch++) {
      const colour = wk > 0 ? acc[3 * k + ch]! / wk : 0;
      const v = bg[ch]! * (1 - alpha) + colour * alpha;
      out[3 * k + ch] = Math.min(255, Math.max(0, Math.round(v * 255)));
    }
  }
  return out;
}

/** Image `instance` of class `classIndex` for `seed` ([size, size, 3]); pass `cls` to skip the class search. */
export function fractalImage(
  seed: number,
  classIndex: number,
  instance: number,
  size: FractalSize,
  cls: IfsClass = fractalClass(seed, classIndex),
): Uint8Array {
  return renderFractal(cls, size, new Rng(mixSeed(seed, IMAGE_STREAM, classIndex, instance)));
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('Generating the fractal dataset was cancelled.', 'AbortError');
}

const YIELD_EVERY = 200; // images between returns to the event loop, so the worker stays responsive

/**
 * Generates the fractal dataset for `p` into the store through a DatasetWriter and returns its manifest.
 * Classes are interleaved (image i of class 0, 1, …, then image i + 1), so that every chunk mixes all
 * classes; per class the last round(perClass × testShare) images go to the test split. A complete copy
 * with the same parameters is returned as it is; an interrupted one is replaced. On abort (the signal's
 * reason, an AbortError, is thrown) or failure (e.g. a StorageError 'quota'), nothing is left behind.
 */
export async function generateFractals(
  store: ImageStore,
  p: FractalParams,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<DatasetManifest> {
  const errors = validateFractalParams(p);
  if (errors.length > 0) throw new Error(errors.join(' '));
  if (signal?.aborted) throw abortError(signal);
  const id = fractalDatasetId(p);
  const total = p.classes * p.perClass;
  const existing = await store.getManifest(id);
  if (existing?.complete && existing.schemaVersion === MANIFEST_VERSION) {
    onProgress(total, total);
    return existing;
  }
  if (existing) await store.deleteDataset(id); // left over from an interrupted run

  const testPerClass = fractalTestPerClass(p);
  const writer = await DatasetWriter.begin(store, {
    id,
    name: fractalDatasetName(p),
    width: p.size,
    height: p.size,
    channels: 3,
    classNames: Array.from({ length: p.classes }, (_, c) => `IFS ${c + 1}`),
    about:
      `Procedurally generated fractal images (seed ${p.seed}): each class is a random iterated function system ` +
      'of 2–4 affine maps, each image a perturbed, randomly placed and coloured instance rendered by the chaos game, ' +
      'after FractalDB (Kataoka et al., ACCV 2020) and "Improving Fractal Pre-training" (Anderson & Farrell, WACV 2022). ' +
      'Generated in this browser: no third-party data. Licence: generated, free to use.',
    chunkSize: p.size >= 64 ? 250 : 500,
  });
  try {
    onProgress(0, total);
    const classes: IfsClass[] = [];
    let done = 0;
    for (let i = 0; i < p.perClass; i++) {
      const split = i < p.perClass - testPerClass ? 'train' : 'test';
      for (let c = 0; c < p.classes; c++) {
        if (signal?.aborted) throw abortError(signal);
        const cls = (classes[c] ??= fractalClass(p.seed, c));
        await writer.add(split, fractalImage(p.seed, c, i, p.size, cls), c);
        if (++done % YIELD_EVERY === 0) {
          onProgress(done, total);
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
    }
    if (signal?.aborted) throw abortError(signal);
    const manifest = await writer.finish();
    onProgress(total, total);
    return manifest;
  } catch (e) {
    await writer.abort(false).catch(() => undefined);
    throw e;
  }
}
