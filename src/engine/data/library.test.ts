import { unzipSync, strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { datasetBytes } from '../../shared/data/chunkCheck';
import { classThumbnails, exportDatasetZip, exportFileName } from './library';
import { createMemorySource } from './memorySource';

// 6 train + 2 test images of 2×2 greyscale; pixel value = index (+100 in test), label = value % 3.
const images = (n: number, offset: number) => ({
  pixels: Uint8Array.from({ length: n * 4 }, (_, i) => offset + Math.floor(i / 4)),
  labels: Uint8Array.from({ length: n }, (_, i) => (offset + i) % 3),
});
const source = (labelled = true) =>
  createMemorySource(
    {
      id: 't',
      name: 'Tiny',
      width: 2,
      height: 2,
      channels: 1,
      classNames: labelled ? ['a', 'b', 'c,d'] : null,
    },
    {
      train: labelled ? images(6, 0) : { ...images(6, 0), labels: null },
      test: labelled ? images(2, 100) : { ...images(2, 100), labels: null },
    },
    4,
  );
// A stand-in encoder that keeps the pixels (the browser's PNG encoder is exercised in e2e tests).
const encode = async (img: { pixels: Uint8Array }) => Uint8Array.from(img.pixels);

describe('dataset library views', () => {
  it('gives thumbnails per class, in dataset order', async () => {
    const t = await classThumbnails(source(), 2);
    expect(t.map((g) => g.name)).toEqual(['a', 'b', 'c,d']);
    expect(t[0]!.images.map((i) => i.pixels[0])).toEqual([0, 3]);
    expect(t[2]!.images.map((i) => i.pixels[0])).toEqual([2, 5]);
    const u = await classThumbnails(source(false), 4);
    expect(u).toHaveLength(1);
    expect(u[0]!.label).toBeNull();
    expect(u[0]!.images).toHaveLength(4);
  });

  it('counts the stored bytes', () => {
    expect(datasetBytes(source().manifest)).toBe(8 * (4 + 1));
  });

  it('exports every image under split/class with a labels file', async () => {
    const progress: number[] = [];
    const parts = await exportDatasetZip(source(), encode, (d) => progress.push(d));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    const files = unzipSync(bytes);
    expect(Object.keys(files).filter((f) => f.endsWith('.png'))).toHaveLength(8);
    expect(Array.from(files['train/b/4.png']!)).toEqual([4, 4, 4, 4]);
    expect(Array.from(files['test/c_d/1.png']!)).toEqual([101, 101, 101, 101]);
    const csv = strFromU8(files['labels.csv']!).trim().split('\n');
    expect(csv[0]).toBe('path,split,index,label,class');
    expect(csv).toContain('test/c_d/1.png,test,1,2,"c,d"');
    expect(csv).toHaveLength(9);
    expect(progress.at(-1)).toBe(8);
    expect(strFromU8(files['ABOUT.txt']!)).toContain('Tiny');
  });

  it('stops when cancelled', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(exportDatasetZip(source(), encode, () => {}, ctrl.signal)).rejects.toThrow('cancelled');
  });
});

describe('exportFileName', () => {
  it("names the file after the dataset's name, not its id, with unsafe characters replaced", () => {
    expect(exportFileName('Cats & dogs (partial)')).toBe('Cats & dogs (partial).zip');
    expect(exportFileName('MNIST')).toBe('MNIST.zip');
    expect(exportFileName('a/b\\c: d?')).toBe('a_b_c_ d_.zip');
    expect(exportFileName(' ..hidden. ')).toBe('hidden.zip');
    expect(exportFileName('***')).toBe('_.zip');
    expect(exportFileName('')).toBe('dataset.zip');
  });
});
