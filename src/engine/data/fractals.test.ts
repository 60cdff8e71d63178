import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { createMemoryStore, type MemoryImageStore } from '../testing/memoryStore';
import { fractalClass, fractalImage, generateFractals, renderFractal } from './fractals';
import { createStoreSource } from './imageStore';
import { readSubset } from './sampler';
import { StorageError } from '../../shared/data/storageError';
import {
  fractalDatasetBytes,
  fractalDatasetId,
  validateFractalParams,
  type FractalParams,
} from '../../shared/data/fractalParams';

const small: FractalParams = { classes: 3, perClass: 12, size: 16, seed: 5 };

/** SHA-256 of every stored chunk's pixels and labels, in key order. */
function hashStore(store: MemoryImageStore): string {
  const h = createHash('sha256');
  for (const k of [...store.chunks.keys()].sort()) {
    const c = store.chunks.get(k)!;
    h.update(k);
    h.update(c.pixels);
    h.update(c.labels ?? new Uint8Array());
  }
  return h.digest('hex');
}

async function generate(p: FractalParams): Promise<MemoryImageStore> {
  const store = createMemoryStore();
  await generateFractals(store, p, () => undefined);
  return store;
}

function std(a: Uint8Array): number {
  let s = 0;
  let s2 = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
  }
  const m = s / a.length;
  return Math.sqrt(s2 / a.length - m * m);
}

/** Pixels that differ from the image's per-channel median (its background) by more than 40 in a channel. */
function foreground(im: Uint8Array, n: number): Float64Array {
  const med = [0, 1, 2].map((ch) => {
    const v = Array.from({ length: n }, (_, k) => im[3 * k + ch]!).sort((a, b) => a - b);
    return v[n >> 1]!;
  });
  const mask = new Float64Array(n);
  for (let k = 0; k < n; k++)
    mask[k] = [0, 1, 2].some((ch) => Math.abs(im[3 * k + ch]! - med[ch]!) > 40) ? 1 : 0;
  return mask;
}

describe('fractal dataset', () => {
  it('the same parameters give the same bytes; another seed gives other images', async () => {
    const a = hashStore(await generate(small));
    expect(hashStore(await generate(small))).toBe(a);
    expect(hashStore(await generate({ ...small, seed: 6 }))).not.toBe(a);
    // Pinned: a change here changes every stored fractal dataset of the same id. Update deliberately.
    expect(a).toBe('225b52826ef3d9bd11b23dcb08a804a72e1331114bd429388bf965d3ec70e212');
  });

  it('renders single images as the generator stores them', async () => {
    const store = await generate(small);
    const m = (await store.getManifest(fractalDatasetId(small)))!;
    const train = await readSubset(createStoreSource(store, m), 'train', 30);
    const bytes = 16 * 16 * 3;
    // Classes are interleaved: train image 3·i + c is instance i of class c.
    expect(Array.from(train.labels!.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(train.pixels.subarray(4 * bytes, 5 * bytes)).toEqual(fractalImage(5, 1, 1, 16));
    const test = await readSubset(createStoreSource(store, m), 'test', 6);
    expect(test.pixels.subarray(5 * bytes, 6 * bytes)).toEqual(fractalImage(5, 2, 11, 16));
    // renderFractal is a pure function of its class and Rng.
    const cls = fractalClass(5, 0);
    expect(renderFractal(cls, 32, new Rng(9))).toEqual(renderFractal(cls, 32, new Rng(9)));
  });

  it('writes a complete, labelled, interleaved dataset with a 1/6 test share', async () => {
    const store = createMemoryStore();
    const progress: [number, number][] = [];
    const m = await generateFractals(store, { ...small, perClass: 150 }, (d, t) => progress.push([d, t]));
    expect(m).toMatchObject({
      id: 'fractals-3x150-16-s5',
      width: 16,
      height: 16,
      channels: 3,
      classNames: ['IFS 1', 'IFS 2', 'IFS 3'],
      complete: true,
    });
    expect(m.name).toMatch(/^Fractals \(/);
    expect(m.about).toMatch(/Anderson & Farrell/);
    expect(m.about).toMatch(/FractalDB \(Kataoka et al/);
    expect(m.splits.train.count).toBe(3 * 125);
    expect(m.splits.test.count).toBe(3 * 25);
    expect(store.usage).toBe(fractalDatasetBytes({ ...small, perClass: 150 }));
    expect(progress[0]).toEqual([0, 450]);
    expect(progress).toContainEqual([200, 450]);
    expect(progress.at(-1)).toEqual([450, 450]);
    // A complete copy is returned as it is.
    const putCalls = store.putCalls;
    expect(await generateFractals(store, { ...small, perClass: 150 }, () => undefined)).toEqual(m);
    expect(store.putCalls).toBe(putCalls);
    expect(fractalDatasetId({ ...small, testShare: 0.25 })).toBe('fractals-3x12-16-s5-t250');
  });

  it('images are not blank, and classes differ more than instances of a class', () => {
    const classes = 8;
    const per = 40;
    const size = 32;
    const n = size * size;
    const masks: Float64Array[][] = [];
    for (let c = 0; c < classes; c++) {
      const cls = fractalClass(1, c);
      masks.push(
        Array.from({ length: per }, (_, i) => {
          const im = fractalImage(1, c, i, size, cls);
          expect(std(im)).toBeGreaterThan(15);
          const fg = foreground(im, n);
          const cover = fg.reduce((a, b) => a + b, 0) / n;
          expect(cover).toBeGreaterThan(0.03);
          expect(cover).toBeLessThan(0.6);
          return fg;
        }),
      );
    }
    const means = masks.map((ms) => {
      const mean = new Float64Array(n);
      for (const m of ms) m.forEach((v, k) => (mean[k]! += v / ms.length));
      return mean;
    });
    const dist = (a: Float64Array, b: Float64Array) => a.reduce((s, v, k) => s + Math.abs(v - b[k]!), 0) / n;
    let own = 0;
    let other = 0;
    let nearestOwn = 0;
    masks.forEach((ms, c) =>
      ms.forEach((m) => {
        const d = means.map((mean) => dist(m, mean));
        own += d[c]!;
        other += (d.reduce((a, b) => a + b, 0) - d[c]!) / (classes - 1);
        if (d.indexOf(Math.min(...d)) === c) nearestOwn++;
      }),
    );
    expect(own).toBeLessThan(0.97 * other);
    expect(nearestOwn / (classes * per)).toBeGreaterThan(2 / classes); // twice chance
  });

  it('validates parameters with clear messages', () => {
    expect(validateFractalParams({ classes: 10, perClass: 600, size: 32, seed: 1 })).toEqual([]);
    expect(validateFractalParams({ classes: 100, perClass: 2000, size: 64, seed: 0xffffffff })).toEqual([]);
    const errs = validateFractalParams({
      classes: 1,
      perClass: 5000.5,
      size: 48 as 32,
      seed: -1,
      testShare: 0.9,
    });
    expect(errs).toEqual([
      'The number of classes must be a whole number from 2 to 100 (got 1).',
      'Images per class must be a whole number from 10 to 5,000 (got 5000.5).',
      'The image size must be one of 16, 28, 32, 64 pixels (got 48).',
      'The seed must be a whole number from 0 to 4,294,967,295 (got -1).',
      'The test share must be from 0 to 0.5 (got 0.9).',
    ]);
    expect(validateFractalParams({ classes: 100, perClass: 2001, size: 16, seed: 1 })).toEqual([
      'Classes × images per class is 200,100, more than the 200,000 allowed.',
    ]);
    expect(validateFractalParams({ classes: 2, perClass: 9, size: 16, seed: 1 })).toHaveLength(1);
    expect(validateFractalParams({ classes: NaN, perClass: 10, size: 16, seed: 1 })).toHaveLength(1);
    return expect(
      generateFractals(createMemoryStore(), { ...small, classes: 101 }, () => undefined),
    ).rejects.toThrow(/from 2 to 100 \(got 101\)/);
  });

  it('an abort rolls everything back and rejects with the AbortError', async () => {
    const store = createMemoryStore();
    const ctl = new AbortController();
    const err = await generateFractals(
      store,
      { ...small, perClass: 2000 },
      (done) => {
        if (done >= 4200) ctl.abort(); // after the first transaction of 8 chunks of 500
      },
      ctl.signal,
    ).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(store.putCalls).toBeGreaterThan(0); // it had written chunks
    expect(await store.listManifests()).toEqual([]);
    expect(store.chunks.size).toBe(0);
    // An already aborted signal writes nothing.
    await expect(generateFractals(store, small, () => undefined, AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(await store.listManifests()).toEqual([]);
  });

  it('a full quota rolls back and rethrows the StorageError; an interrupted copy is replaced', async () => {
    // 6,000 images of 769 bytes: the first transaction (8 chunks of 500) fits, the rest does not.
    const store = createMemoryStore({ quotaBytes: 3_500_000 });
    const err = await generateFractals(store, { ...small, perClass: 2000 }, () => undefined).catch(
      (e: unknown) => e,
    );
    // At least the first transaction was written (more when the writer's time-based flush fires first,
    // as on a loaded machine) before the quota stopped it.
    expect(store.putCalls).toBeGreaterThanOrEqual(1);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('quota');
    expect(await store.listManifests()).toEqual([]);
    expect(store.usage).toBe(0);

    const id = fractalDatasetId(small);
    await store.putManifest({
      ...(await generateFractals(createMemoryStore(), small, () => undefined)),
      complete: false,
      name: 'left over',
    });
    const m = await generateFractals(store, small, () => undefined);
    expect(m).toMatchObject({ id, complete: true });
    expect(m.name).not.toBe('left over');
  });
});
