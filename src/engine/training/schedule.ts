/** Learning rate at `step` of `total`: linear warm-up, then cosine decay to zero. */
export function cosineLr(peak: number, step: number, total: number, warmup: number): number {
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  const t = Math.min(1, (step - warmup) / span);
  return 0.5 * peak * (1 + Math.cos(Math.PI * t));
}
