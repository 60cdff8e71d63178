// What a headless bench page exposes to its driver script (scripts/bench.mjs, scripts/conformance.mjs):
// window.__bench with a timestamped log, the result JSON and an error, and the log shown in #log.

export interface BenchState {
  log: string[];
  result: Record<string, unknown> | null;
  error: string | null;
}

declare global {
  interface Window {
    __bench: BenchState;
  }
}

/** Installs window.__bench; returns it, the page's `log` (seconds since the page started) and that start. */
export function installBenchState(): {
  state: BenchState;
  log: (message: string) => void;
  started: number; // performance.now() when the page started
} {
  const state: BenchState = { log: [], result: null, error: null };
  window.__bench = state;
  const started = performance.now();
  const logEl = document.getElementById('log');
  const log = (message: string): void => {
    const line = `[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`;
    state.log.push(line);
    if (logEl) logEl.textContent += `${line}\n`;
  };
  return { state, log, started };
}
