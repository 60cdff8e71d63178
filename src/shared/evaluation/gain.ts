// The sentence beside the latest evaluation: what self-supervision added over the random-init network,
// and where the features stand against raw pixels. Accuracies in [0, 1]; points = percentage points.

/** "+14.7 points over random init; 3.0 below pixels" (or "… above pixels"). */
export function gainText(value: number, randomInit: number, pixels: number): string {
  const gain = 100 * (value - randomInit);
  const vsPixels = 100 * (value - pixels);
  const sign = gain >= 0 ? '+' : '−';
  const pixelPart =
    Math.abs(vsPixels) < 0.05
      ? 'level with pixels'
      : `${Math.abs(vsPixels).toFixed(1)} ${vsPixels < 0 ? 'below' : 'above'} pixels`;
  return `${sign}${Math.abs(gain).toFixed(1)} points over random init; ${pixelPart}`;
}
