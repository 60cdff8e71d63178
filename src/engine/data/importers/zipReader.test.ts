import { Zip, ZipDeflate, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { blobOf, makePng } from './testUtils';
import { DEFAULT_IMPORT_LIMITS } from '../../../shared/data/importTypes';
import { readZip, ZipError, type ZipEvent, type ZipReadOptions } from './zipReader';

const limits = DEFAULT_IMPORT_LIMITS;

async function events(blob: Blob, opts: Partial<ZipReadOptions> = {}): Promise<ZipEvent[]> {
  const out: ZipEvent[] = [];
  for await (const ev of readZip(blob, 'test.zip', { wanted: () => true, limits, ...opts })) out.push(ev);
  return out;
}

const summary = (evs: ZipEvent[]) =>
  evs.map((e) =>
    e.type === 'file'
      ? `file ${e.entry.name} ${e.data.length}`
      : e.type === 'refused'
        ? `refused ${e.entry.name}: ${e.reason}`
        : `listed ${e.entry.name}`,
  );

/** A zip written the streaming way: sizes follow each entry's data (data descriptors), as macOS and many tools do. */
function streamedZip(name: string, data: Uint8Array, piece = 1 << 20): Blob {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  const entry = new ZipDeflate(name, { level: 6 });
  zip.add(entry);
  for (let o = 0; o < data.length; o += piece)
    entry.push(data.subarray(o, o + piece), o + piece >= data.length);
  zip.end();
  return new Blob(parts as Uint8Array<ArrayBuffer>[]);
}

describe('readZip', () => {
  it('inflates wanted entries (deflated and stored) and lists the rest, in archive order', async () => {
    const png = makePng(8, 8);
    const zip = zipSync({
      'set/cats/1.png': png,
      'set/dogs/': new Uint8Array(0),
      'set/dogs/2.png': [png, { level: 0 }],
      'set/notes.txt': new TextEncoder().encode('hi'),
    });
    const evs = await events(new Blob([zip]), { wanted: (e) => e.name.endsWith('.png') });
    expect(summary(evs)).toEqual([
      `file set/cats/1.png ${png.length}`,
      'listed set/dogs/',
      `file set/dogs/2.png ${png.length}`,
      'listed set/notes.txt',
    ]);
    const first = evs[0]!;
    expect(first.type === 'file' && [...first.data]).toEqual([...png]);
    expect(first.entry).toMatchObject({ index: 0, compression: 8, size: png.length });
  });

  it('refuses a declared zip bomb (60 MB of zeros) without inflating a byte of it', async () => {
    const zeros = new Uint8Array(60_000_000);
    const zip = zipSync({ 'bomb.png': [zeros, { level: 9 }], 'ok.png': makePng(4, 4) });
    expect(zip.length).toBeLessThan(200_000);
    const stats = { inflatedBytes: 0 };
    const evs = await events(new Blob([zip]), { stats });
    expect(summary(evs)[0]).toBe(
      'refused bomb.png: would expand to 60.0 MB, above the limit of 50.0 MB per file',
    );
    expect(evs[1]!.type).toBe('file');
    expect(stats.inflatedBytes).toBe(makePng(4, 4).length);
  });

  it('refuses by ratio an entry under the size limit that expands more than 200-fold', async () => {
    const zip = zipSync({ 'flat.bmp': [new Uint8Array(20_000_000), { level: 9 }] });
    const stats = { inflatedBytes: 0 };
    const evs = await events(new Blob([zip]), { stats });
    expect(summary(evs)[0]).toMatch(
      /^refused flat\.bmp: would expand \d+-fold .* above the limit of 200-fold: this looks like a zip bomb$/,
    );
    expect(stats.inflatedBytes).toBe(0);
  });

  it('stops a streamed bomb (no declared sizes) after a few megabytes, by counting what it inflates', async () => {
    const blob = streamedZip('streamed.png', new Uint8Array(60_000_000));
    const stats = { inflatedBytes: 0 };
    const evs = await events(blob, { stats });
    expect(evs).toHaveLength(1);
    expect(evs[0]!.entry.size).toBeNull();
    expect(summary(evs)[0]).toMatch(
      /^refused streamed\.png: expands more than 200-fold \(stopped while inflating\)/,
    );
    expect(stats.inflatedBytes).toBeLessThan(10_000_000); // one 8 KB piece at most ~8.3 MB
  });

  it('stops a streamed entry at the per-file limit even when it compresses poorly', async () => {
    const noise = new Uint8Array(3_000_000);
    let s = 1;
    for (let i = 0; i < noise.length; i++) noise[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
    const stats = { inflatedBytes: 0 };
    const evs = await events(streamedZip('big.png', noise), {
      stats,
      limits: { ...limits, maxFileBytes: 1_000_000 },
    });
    expect(summary(evs)[0]).toMatch(/^refused big\.png: expands to more than 1\.0 MB, the limit per file/);
    expect(stats.inflatedBytes).toBeLessThan(1_100_000);
  });

  it('reads a streamed entry within the limits', async () => {
    const png = makePng(16, 16);
    const evs = await events(streamedZip('a/b.png', png));
    expect(summary(evs)).toEqual([`file a/b.png ${png.length}`]);
  });

  it('fails when the images together expand beyond the zip limit, naming the entry', async () => {
    const zip = zipSync({ '1.png': new Uint8Array(600), '2.png': new Uint8Array(600) });
    await expect(events(new Blob([zip]), { limits: { ...limits, maxZipBytes: 1000 } })).rejects.toThrow(
      "The zip 'test.zip' expands to more than 1.0 kB of images, the limit for one zip (reached at '2.png')",
    );
  });

  it('names a file that is not a zip, and a truncated zip', async () => {
    await expect(events(blobOf(makePng(2, 2)))).rejects.toThrow(
      "'test.zip' is a PNG image, not a zip archive",
    );
    await expect(events(blobOf(new TextEncoder().encode('hello')))).rejects.toThrow(
      "'test.zip' is not a zip archive: it does not start with the zip signature.",
    );
    await expect(events(new Blob([]))).rejects.toThrow(ZipError);
    const zip = zipSync({ 'a.png': makePng(64, 64, 7), 'b.png': makePng(300, 300, 9) }, { level: 0 });
    const cut = zip.subarray(0, Math.floor(zip.length * 0.8));
    await expect(events(blobOf(cut))).rejects.toThrow(/damaged or truncated: it ends inside 'b\.png'/);
  });

  it('stops when cancelled', async () => {
    const ctrl = new AbortController();
    const zip = zipSync({ '1.png': makePng(2, 2), '2.png': makePng(3, 3) });
    ctrl.abort();
    await expect(events(new Blob([zip]), { signal: ctrl.signal })).rejects.toThrow('cancelled');
  });
});
