// Shared by the experiment modules: the repository root, the stderr logger (every progress and error
// line of npm run experiment goes to stderr) and the number / HTML formatting used by both the
// terminal lines and the report.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const log = (line) => process.stderr.write(`${line}\n`);

export const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
export const fmt = (v, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
/** Points (already ×100), signed: "+12.0". */
export const pts = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}` : '–');
export const ptsStd = (s) => (s && s.n > 0 ? `${pts(s.mean)} ± ${s.std.toFixed(1)}` : '–');
export const pctStd = (s) => (s && s.n > 0 ? `${pct(s.mean)} ± ${(100 * s.std).toFixed(1)}` : '–');
