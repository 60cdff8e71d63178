// The report's charts: a dependency-free line chart (mean lines, ± std bands, legend) rendered as an
// inline SVG string, with "nice" axis ticks. No xmlns and no script, so the page holds no URL.
import { esc } from './common.mjs';

/** 'Nice' tick values covering [lo, hi]. */
function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart as an inline SVG string. series: [{label, color, dash?, points: [{x, y}], band?: [{x, lo, hi}]}].
 * No xmlns (inline SVG in HTML does not need it), so the page holds no URL at all.
 */
export function lineChart({ title, xLabel, yLabel, series, yMin, yMax }) {
  const W = 640;
  const H = 300;
  const m = { l: 56, r: 150, t: 30, b: 42 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = series
    .flatMap((s) => [
      ...s.points.filter((p) => Number.isFinite(p.y)),
      ...(s.band ?? []).flatMap((b) => [
        { x: b.x, y: b.lo },
        { x: b.x, y: b.hi },
      ]),
    ])
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const head = `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">`;
  const titleEl = `<text x="${m.l}" y="18" class="title">${esc(title)}</text>`;
  if (all.length === 0)
    return `${head}${titleEl}<text x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle" class="muted">no data</text></svg>`;
  let x0 = Math.min(...all.map((p) => p.x));
  let x1 = Math.max(...all.map((p) => p.x));
  if (x1 === x0) x1 = x0 + 1;
  let y0 = yMin ?? Math.min(...all.map((p) => p.y));
  let y1 = yMax ?? Math.max(...all.map((p) => p.y));
  if (yMin === undefined || yMax === undefined) {
    const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.05;
    if (yMin === undefined) y0 -= pad;
    if (yMax === undefined) y1 += pad;
  }
  const yt = ticks(y0, y1);
  const xt = ticks(x0, x1, 6).filter((v) => v >= x0 && v <= x1);
  const sx = (x) => (m.l + ((x - x0) / (x1 - x0)) * pw).toFixed(1);
  const sy = (y) => (m.t + ph - ((y - y0) / (y1 - y0)) * ph).toFixed(1);
  const parts = [head, titleEl];
  for (const v of yt) {
    if (v < y0 - 1e-12 || v > y1 + 1e-12) continue;
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(v)}" y2="${sy(v)}" class="grid"/>`,
      `<text x="${m.l - 6}" y="${sy(v)}" dy="0.32em" text-anchor="end" class="tick">${esc(Number(v.toPrecision(4)))}</text>`,
    );
  }
  for (const v of xt)
    parts.push(
      `<line x1="${sx(v)}" x2="${sx(v)}" y1="${m.t + ph}" y2="${m.t + ph + 4}" class="axis"/>`,
      `<text x="${sx(v)}" y="${m.t + ph + 16}" text-anchor="middle" class="tick">${esc(Number(v.toPrecision(6)))}</text>`,
    );
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" class="frame"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" class="label">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(yLabel)}</text>`,
  );
  const path = (pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x)} ${sy(p.y)}`).join(' ');
  for (const s of series) {
    const band = (s.band ?? []).filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi));
    if (band.length > 1 && band.some((b) => b.hi > b.lo)) {
      const d = `${path(band.map((b) => ({ x: b.x, y: b.hi })))} ${path([...band].reverse().map((b) => ({ x: b.x, y: b.lo }))).replace(/^M/, 'L')} Z`;
      parts.push(`<path d="${d}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`);
    }
  }
  for (const s of series) {
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    if (pts.length === 0) continue;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(`<path d="${path(pts)}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    if (pts.length <= 30)
      for (const p of pts) parts.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="2.5" fill="${s.color}"/>`);
  }
  series.forEach((s, i) => {
    const y = m.t + 8 + i * 18;
    const lx = m.l + pw + 12;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 28}" y="${y}" dy="0.32em" class="legend">${esc(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
