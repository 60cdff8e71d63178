// The name of what is dispatching right now, for the per-kernel breakdown of the counters
// (counters.ts, `dispatchKinds` / `uploadKinds`): the tfjs kernel being run (its registry name, e.g.
// "Mul", "Conv2DBackpropFilter") or an own kernel's key (e.g. "hexa-sgd-2"). A module of its own so
// that inPlace.ts can set it without importing the counters.
let current: string | null = null;

/** The current label (null outside any kernel). */
export function currentKernelLabel(): string | null {
  return current;
}

/** Runs `fn` under `label`, restoring the previous one afterwards (kernels nest: a kernel may call others). */
export function withKernelLabel<T>(label: string, fn: () => T): T {
  const previous = current;
  current = label;
  try {
    return fn();
  } finally {
    current = previous;
  }
}
