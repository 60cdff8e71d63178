import { describe, expect, it } from 'vitest';
import { pixelLimitProblem, sniffImage } from './sniff';
import { concatBytes, makeBmp, makeGif, makeJpegHeader, makePng, makeWebp } from './testUtils';

const dims = (b: Uint8Array) => {
  const s = sniffImage(b);
  return s.ok ? `${s.format} ${s.width}×${s.height}` : `fail: ${s.reason}`;
};

describe('sniffImage', () => {
  it('reads the format and size of each format from real headers', () => {
    expect(dims(makePng(37, 21))).toBe('png 37×21');
    expect(dims(makePng(20000, 20000, 0, false))).toBe('png 20000×20000');
    expect(dims(makeJpegHeader(640, 480))).toBe('jpeg 640×480');
    expect(dims(makeJpegHeader(300, 200, 0, 0xc2))).toBe('jpeg 300×200'); // progressive SOF2
    expect(dims(makeGif(5, 300))).toBe('gif 5×300');
    expect(dims(makeBmp(123, 45))).toBe('bmp 123×45');
    expect(dims(makeBmp(12, 34, 'core'))).toBe('bmp 12×34');
    expect(dims(makeWebp('VP8 ', 400, 301))).toBe('webp 400×301');
    expect(dims(makeWebp('VP8L', 16383, 2))).toBe('webp 16383×2');
    expect(dims(makeWebp('VP8X', 70000, 9))).toBe('webp 70000×9');
  });

  it('reads a top-down BMP (negative height) as its absolute height', () => {
    const b = makeBmp(10, 20);
    new DataView(b.buffer).setInt32(22, -20, true);
    expect(dims(b)).toBe('bmp 10×20');
  });

  it('skips JPEG segments before the frame header, and asks for more bytes when it lies beyond', () => {
    const jpeg = makeJpegHeader(1024, 768, 60_000);
    expect(dims(jpeg)).toBe('jpeg 1024×768');
    const cut = sniffImage(jpeg.subarray(0, 1000));
    expect(cut).toMatchObject({ ok: false, needMore: true });
  });

  it('names empty files, non-images and truncated headers', () => {
    expect(dims(new Uint8Array(0))).toBe('fail: is empty (0 bytes)');
    expect(dims(new TextEncoder().encode('hello, this is text'))).toMatch(
      /^fail: is not an image.*PNG, JPEG/,
    );
    expect(dims(makePng(4, 4).subarray(0, 20))).toMatch(
      /^fail: is truncated: the PNG ends before its header/,
    );
    expect(dims(makePng(4, 4).subarray(0, 5))).toMatch(
      /^fail: is truncated: it ends inside the image signature/,
    );
    expect(dims(makeGif(4, 4).subarray(0, 8))).toMatch(/^fail: is truncated/);
    expect(dims(concatBytes([0xff, 0xd8, 0xff, 0xd9]))).toMatch(/no frame header/);
    const riffWav = concatBytes(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '), new Uint8Array(30));
    expect(dims(riffWav)).toMatch(/^fail: is not an image/);
  });

  it('refuses a zero-sized header as damaged', () => {
    expect(dims(makePng(0, 10, 0, false))).toMatch(/damaged: its PNG header gives a size of 0×10/);
  });
});

describe('pixelLimitProblem', () => {
  it('allows up to the limit and names the size beyond it', () => {
    expect(pixelLimitProblem(5000, 10000, 50e6)).toBeNull();
    expect(pixelLimitProblem(20000, 20000, 50e6)).toBe(
      'is 20000×20000 pixels (400 megapixels), above the limit of 50 megapixels',
    );
  });
});
