import { describe, expect, it } from 'vitest';
import { drawRect, fromRgba, luma, resizeArea, rgbToGrey } from './pixels';

describe('drawRect', () => {
  it('center-crop takes the centred square of the shorter side', () => {
    expect(drawRect(300, 100, 32, 'center-crop')).toEqual({
      sx: 100,
      sy: 0,
      sw: 100,
      sh: 100,
      dx: 0,
      dy: 0,
      dw: 32,
      dh: 32,
    });
    expect(drawRect(100, 301, 32, 'center-crop')).toMatchObject({ sx: 0, sy: 100, sw: 100, sh: 100 });
  });
  it('pad fits the whole image, centred', () => {
    expect(drawRect(300, 100, 30, 'pad')).toEqual({
      sx: 0,
      sy: 0,
      sw: 300,
      sh: 100,
      dx: 0,
      dy: 10,
      dw: 30,
      dh: 10,
    });
    expect(drawRect(1, 1000, 16, 'pad')).toMatchObject({ dw: 1, dh: 16, dx: 7, dy: 0 });
  });
  it('stretch maps the whole image to the whole square', () => {
    expect(drawRect(300, 100, 16, 'stretch')).toEqual({
      sx: 0,
      sy: 0,
      sw: 300,
      sh: 100,
      dx: 0,
      dy: 0,
      dw: 16,
      dh: 16,
    });
  });
});

describe('pixel conversions', () => {
  it('RGBA to RGB or BT.601 luma', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 10, 20, 30, 0]);
    expect([...fromRgba(rgba, 3)]).toEqual([255, 0, 0, 10, 20, 30]);
    expect([...fromRgba(rgba, 1)]).toEqual([luma(255, 0, 0), luma(10, 20, 30)]);
    expect(luma(255, 255, 255)).toBe(255);
    expect([...rgbToGrey(Uint8Array.from([0, 255, 0]))]).toEqual([150]);
  });

  it('resizeArea averages 2×2 blocks when halving, and repeats pixels when doubling', () => {
    const src = Uint8Array.from([0, 100, 10, 20, 200, 40, 30, 50, 1, 2, 3, 4, 5, 6, 7, 8]); // 4×4×1
    expect([...resizeArea(src, 4, 4, 1, 2, 2)]).toEqual([
      Math.round((0 + 100 + 200 + 40) / 4),
      Math.round((10 + 20 + 30 + 50) / 4),
      Math.round((1 + 2 + 5 + 6) / 4),
      Math.round((3 + 4 + 7 + 8) / 4),
    ]);
    expect([...resizeArea(Uint8Array.from([1, 2, 3, 4]), 2, 2, 1, 4, 4)]).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
    ]);
  });
});
