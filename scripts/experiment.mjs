// npm run experiment -- --methods moco-v2,hexa-moco --dataset fractals --epochs 3 --seeds 3
// Headless experiment runner: serves experiment/index.html with Vite's dev server, opens it in
// Debian's headless Chromium (flags of scripts/chromium.mjs), runs the lab's own Trainer for every
// method × seed on WebGPU (or --backend webgl / cpu), prints progress, and writes a report folder:
// results.json, metrics.csv, evaluations.csv and index.html (self-contained, charts as inline SVG).
// See docs/EXPERIMENTS.md. Exits non-zero with a message on any error.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BACKENDS = ['webgpu', 'webgl', 'cpu'];
const BUILTINS = ['mnist', 'fashion-mnist'];
const RESERVED = { method: '--methods', seed: '--seeds / --seed-list', datasetId: '--dataset' };

const HELP = `Usage: npm run experiment -- [options]
       node scripts/experiment.mjs [options]

Trains each method with each seed using the lab's own engine (the real Trainer) in headless
Chromium, then writes a report folder: results.json, metrics.csv, evaluations.csv, index.html.

Options:
  --methods LIST      comma-separated method ids (required): moco-v2, hexa-moco, deepcluster-v2,
                      hexa-dcluster
  --dataset NAME      mnist | fashion-mnist | fractals[:CLASSESxPERCLASS[@SIZE]] (default fractals,
                      i.e. fractals:10x600@32; SIZE one of 16, 28, 32, 64; fractal seed 1)
  --preset ID         tiny | small-gpu | resnet (default tiny)
  --epochs N          epochs per run (default: the preset's)
  --seeds N           seeds 1..N (default 1)
  --seed-list LIST    explicit comma-separated seeds instead of --seeds
  --train-limit N     train images per run, the first N (default: the preset's; 0 = all)
  --backend NAME      webgpu | webgl | cpu (default webgpu)
  --set KEY=VALUE     any TrainConfig field, e.g. --set lr=0.03 --set adversarial=false;
                      repeatable; validated like the lab's settings form
  --out DIR           report folder (default reports/<timestamp>/)
  --timeout MIN       give up after MIN minutes in all (default 180)
  --render DIR        only rewrite DIR's CSV files and index.html from its results.json
  -h, --help          this text
`;

class UsageError extends Error {}
const fail = (message) => {
  throw new UsageError(message);
};

const log = (line) => process.stderr.write(`${line}\n`);

function parseArgs(argv) {
  const opts = {
    methods: null,
    dataset: 'fractals',
    preset: 'tiny',
    epochs: null,
    seeds: null,
    seedList: null,
    trainLimit: null,
    backend: 'webgpu',
    set: [],
    out: null,
    timeoutMin: 180,
    render: null,
    help: false,
  };
  const int = (flag, raw, min) => {
    const n = Number(raw);
    if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isInteger(n) || n < min)
      fail(`${flag} must be a whole number ≥ ${min} (got "${raw}")`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      opts.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) fail(`${flag} needs a value`);
      return v;
    };
    if (flag === '--methods') opts.methods = value();
    else if (flag === '--dataset') opts.dataset = value();
    else if (flag === '--preset') opts.preset = value();
    else if (flag === '--epochs') opts.epochs = int(flag, value(), 1);
    else if (flag === '--seeds') opts.seeds = int(flag, value(), 1);
    else if (flag === '--seed-list') opts.seedList = value();
    else if (flag === '--train-limit') opts.trainLimit = int(flag, value(), 0);
    else if (flag === '--backend') opts.backend = value();
    else if (flag === '--set') opts.set.push(value());
    else if (flag === '--out') opts.out = value();
    else if (flag === '--timeout') opts.timeoutMin = int(flag, value(), 1);
    else if (flag === '--render') opts.render = value();
    else fail(`Unknown option ${arg}`);
  }
  if (opts.help || opts.render) return opts;
  if (!opts.methods) fail('--methods is required, e.g. --methods moco-v2,hexa-moco');
  if (!BACKENDS.includes(opts.backend)) fail(`Unknown backend "${opts.backend}" (${BACKENDS.join(', ')})`);
  if (opts.seeds !== null && opts.seedList !== null) fail('Give --seeds or --seed-list, not both');
  return opts;
}

/** mnist | fashion-mnist | fractals[:CxP[@S]] → the page's DatasetSpec. */
function parseDataset(raw, fractals) {
  if (BUILTINS.includes(raw)) {
    const meta = resolve(root, 'public/data', raw, 'meta.json');
    if (!existsSync(meta)) fail(`${relative(root, meta)} is missing: run npm run prepare-data`);
    return { kind: 'builtin', id: raw };
  }
  const m = /^fractals(?::(\d+)x(\d+)(?:@(\d+))?)?$/.exec(raw);
  if (!m)
    fail(
      `Unknown dataset "${raw}": use mnist, fashion-mnist or fractals[:CLASSESxPERCLASS[@SIZE]], e.g. fractals:10x60@32`,
    );
  const d = fractals.FRACTAL_DEFAULTS;
  const params = {
    classes: m[1] ? Number(m[1]) : d.classes,
    perClass: m[2] ? Number(m[2]) : d.perClass,
    size: m[3] ? Number(m[3]) : d.size,
    seed: d.seed,
  };
  const problems = fractals.validateFractalParams(params);
  if (problems.length > 0) fail(`--dataset ${raw}: ${problems.join(' ')}`);
  return { kind: 'fractals', params };
}

/** One validated TrainConfig per run (seeds outer, methods inner), or a UsageError naming the field. */
function buildRuns(opts, config, datasetId) {
  const methods = opts.methods.split(',').map((s) => s.trim());
  for (const m of methods) {
    if (!config.METHOD_IDS.includes(m)) fail(`Unknown method "${m}" (${config.METHOD_IDS.join(', ')})`);
  }
  if (new Set(methods).size !== methods.length) fail('--methods lists a method twice');
  if (!config.PRESET_IDS.includes(opts.preset))
    fail(`Unknown preset "${opts.preset}" (${config.PRESET_IDS.join(', ')})`);
  let seeds;
  if (opts.seedList !== null) {
    const parts = opts.seedList.split(',').map((s) => s.trim());
    if (parts.some((s) => !/^\d+$/.test(s)))
      fail(`--seed-list must be comma-separated whole numbers (got "${opts.seedList}")`);
    seeds = parts.map(Number);
    if (new Set(seeds).size !== seeds.length) fail('--seed-list lists a seed twice');
  } else seeds = Array.from({ length: opts.seeds ?? 1 }, (_, i) => i + 1);

  const common = { ...config.PRESETS[opts.preset].config, datasetId };
  if (opts.epochs !== null) common.epochs = opts.epochs;
  if (opts.trainLimit !== null) common.trainLimit = opts.trainLimit;
  const overrides = {};
  for (const kv of opts.set) {
    const eq = kv.indexOf('=');
    if (eq <= 0) fail(`--set needs KEY=VALUE (got "${kv}")`);
    const key = kv.slice(0, eq).trim();
    const raw = kv.slice(eq + 1).trim();
    if (RESERVED[key]) fail(`--set ${key}: use ${RESERVED[key]} instead`);
    if (!Object.hasOwn(common, key)) fail(`--set ${key}: unknown TrainConfig field`);
    if ((key === 'epochs' && opts.epochs !== null) || (key === 'trainLimit' && opts.trainLimit !== null))
      fail(`--set ${key} and its own flag are both given`);
    const current = common[key];
    if (typeof current === 'number') {
      const v = Number(raw);
      if (raw === '' || Number.isNaN(v)) fail(`--set ${key}: "${raw}" is not a number`);
      overrides[key] = v;
    } else if (typeof current === 'boolean') {
      if (raw !== 'true' && raw !== 'false') fail(`--set ${key}: must be true or false (got "${raw}")`);
      overrides[key] = raw === 'true';
    } else overrides[key] = raw;
  }
  Object.assign(common, overrides);

  const runs = [];
  for (const seed of seeds) {
    for (const method of methods) {
      const cfg = { ...common, method, seed };
      const issues = config.validateConfig(cfg);
      if (issues.length > 0)
        fail(
          `Invalid settings for ${method}, seed ${seed}: ${issues.map((i) => `${i.field}: ${i.message}`).join(' ')}`,
        );
      runs.push(cfg);
    }
  }
  return { methods, seeds, runs, overrides };
}

// ---------------------------------------------------------------- report

const PALETTE = {
  'moco-v2': '#1f77b4',
  'hexa-moco': '#d62728',
  'deepcluster-v2': '#2ca02c',
  'hexa-dcluster': '#9467bd',
};

const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const fmt = (v, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const pctStd = (s) => (s && s.n > 0 ? `${pct(s.mean)} ± ${(100 * s.std).toFixed(1)}` : '–');

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
function lineChart({ title, xLabel, yLabel, series, yMin, yMax }) {
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

/** Mean ± std over seeds of a per-step series: rows at the steps all runs share (same config). */
function acrossSeeds(runs, pick, meanStd) {
  const byX = new Map();
  for (const r of runs)
    for (const { x, y } of pick(r)) {
      if (!Number.isFinite(y)) continue;
      if (!byX.has(x)) byX.set(x, []);
      byX.get(x).push(y);
    }
  return [...byX.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ x, ...meanStd(ys) }));
}

function renderHtml(results, runMath, methodLabels) {
  const { meanStd, smooth } = runMath;
  const byMethod = results.methods.map((method) => ({
    method,
    label: methodLabels[method] ?? method,
    color: PALETTE[method] ?? '#555',
    runs: results.runs.filter((r) => r.method === method && r.metrics.length > 0),
  }));
  const evalSeries = (key) =>
    byMethod.map((g) => {
      const rows = acrossSeeds(g.runs, (r) => r.evaluations.map((e) => ({ x: e.step, y: e[key] })), meanStd);
      return {
        label: g.label,
        color: g.color,
        points: rows.map((r) => ({ x: r.x, y: r.mean })),
        band: rows.map((r) => ({ x: r.x, lo: r.mean - r.std, hi: r.mean + r.std })),
      };
    });
  const metricSeries = (key, smoothing) =>
    byMethod.map((g) => {
      const rows = acrossSeeds(
        g.runs,
        (r) => r.metrics.map((p) => ({ x: p.step, y: p.values[key] })),
        meanStd,
      );
      const ys =
        smoothing > 0 && rows.length > 2
          ? smooth(
              rows.map((r) => r.mean),
              smoothing,
            )
          : rows.map((r) => r.mean);
      return {
        label: g.label,
        color: g.color,
        points: rows.map((r, i) => ({ x: r.x, y: ys[i] })),
        band: rows.map((r) => ({ x: r.x, lo: r.mean - r.std, hi: r.mean + r.std })),
      };
    });
  const seedsNote = `${results.seeds.length} seed${results.seeds.length === 1 ? '' : 's'}`;
  const band = results.seeds.length > 1 ? '; band: ± 1 std over seeds' : '';
  const charts = [
    lineChart({
      title: 'Linear probe top-1 (frozen features, held-out split)',
      xLabel: 'step',
      yLabel: 'top-1 accuracy',
      series: evalSeries('linearTop1'),
      yMin: 0,
      yMax: 1,
    }),
    lineChart({
      title: 'kNN top-1 (frozen features, held-out split)',
      xLabel: 'step',
      yLabel: 'top-1 accuracy',
      series: evalSeries('knnTop1'),
      yMin: 0,
      yMax: 1,
    }),
    lineChart({
      title: 'Training loss (mean per read-back window, smoothed 0.6)',
      xLabel: 'step',
      yLabel: 'loss',
      series: metricSeries('loss', 0.6),
    }),
  ];
  if (results.runs.some((r) => r.metrics.some((p) => Number.isFinite(p.values.probe_acc))))
    charts.push(
      lineChart({
        title: 'Online probe accuracy (training batches, smoothed 0.6)',
        xLabel: 'step',
        yLabel: 'accuracy',
        series: metricSeries('probe_acc', 0.6),
        yMin: 0,
        yMax: 1,
      }),
    );

  const summaryRows = results.summary
    .map((s) => {
      const runs = results.runs.filter((r) => r.method === s.method && r.metrics.length > 0);
      const lastLoss = meanStd(runs.map((r) => r.metrics.at(-1)?.values.loss).filter(Number.isFinite));
      const wall = meanStd(runs.map((r) => r.wallMs / 1000).filter(Number.isFinite));
      const ips = meanStd(
        runs
          .map((r) => (r.trainMs > 0 ? (r.metrics.at(-1).step * r.config.batchSize * 1000) / r.trainMs : NaN))
          .filter(Number.isFinite),
      );
      return `<tr><th style="border-left:4px solid ${PALETTE[s.method] ?? '#555'}">${esc(methodLabels[s.method] ?? s.method)}</th><td>${esc(s.seeds.join(', '))}</td><td class="num"><b>${pctStd(s.linearTop1)}</b></td><td class="num"><b>${pctStd(s.knnTop1)}</b></td><td class="num">${fmt(lastLoss.mean)} ± ${fmt(lastLoss.std)}</td><td class="num">${fmt(ips.mean, 1)}</td><td class="num">${fmt(wall.mean, 1)}</td></tr>`;
    })
    .join('\n');
  const runRows = results.runs
    .map((r) => {
      const last = r.evaluations.at(-1);
      return `<tr><td>${r.index + 1}</td><td>${esc(methodLabels[r.method] ?? r.method)}</td><td>${r.seed}</td><td class="num">${r.metrics.at(-1)?.step ?? 0}</td><td class="num">${pct(last?.linearTop1)}</td><td class="num">${pct(last?.knnTop1)}</td><td class="num">${fmt(r.metrics.at(-1)?.values.loss)}</td><td class="num">${fmt(r.wallMs / 1000, 1)}</td><td class="num">${r.leakedTensors ?? '–'}</td><td>${esc(r.status)}</td></tr>`;
    })
    .join('\n');
  const ds = results.dataset;
  const be = results.backend;
  const adapter = be?.adapter
    ? `${be.adapter.vendor} ${be.adapter.architecture}${be.adapter.isFallbackAdapter ? ' (software fallback)' : ''}`
    : '';
  const changed = Object.entries(results.configChanges)
    .map(([k, v]) => `${esc(k)} = ${esc(v)}`)
    .join(', ');
  const common = results.runs[0]?.config ?? {};
  const probeTrain = ds ? Math.min(common.probeTrainSize, ds.train) : common.probeTrainSize;
  const probeTest = ds ? Math.min(common.probeTestSize, ds.test) : common.probeTestSize;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HEXA Lab experiment ${esc(results.date)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1340px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
thead th { background: #f4f4f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { border: 1px solid #e3e3e3; border-radius: 4px; background: #fff; max-width: 100%; height: auto; }
.chart .title { font-size: 13px; font-weight: 600; fill: #222; }
.chart .tick { font-size: 11px; fill: #555; } .chart .label { font-size: 12px; fill: #333; }
.chart .legend { font-size: 12px; fill: #222; } .chart .muted { fill: #999; }
.chart .grid { stroke: #eee; } .chart .axis { stroke: #888; } .chart .frame { fill: none; stroke: #bbb; }
.error { color: #a00; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; } dt { color: #666; } dd { margin: 0; }
code { font-size: 12px; }
</style>
</head>
<body>
<h1>HEXA Lab experiment</h1>
<p class="sub">${esc(results.date)} · ${esc(results.methods.map((m) => methodLabels[m] ?? m).join(' vs '))} · ${esc(ds?.name ?? results.datasetArg)} · ${esc(seedsNote)}</p>
${results.error ? `<p class="error">The experiment stopped early: ${esc(results.error)}</p>` : ''}
<h2>Final accuracy (mean ± std over seeds)</h2>
<table>
<thead><tr><th>method</th><th>seeds</th><th>linear top-1</th><th>kNN top-1</th><th>final loss</th><th>images/s</th><th>s per run</th></tr></thead>
<tbody>
${summaryRows}
</tbody>
</table>
<p class="sub">Final evaluation after the last step: frozen backbone features of ${esc(probeTrain)} train and ${esc(probeTest)} held-out images; linear probe and kNN (k = ${esc(common.knnK)}). Std is the sample std (n − 1); 0 for one seed. Images/s and seconds per run include the first steps' shader compilation.</p>
<h2>Curves (mean over seeds${esc(band)})</h2>
<div class="charts">
${charts.join('\n')}
</div>
<h2>Runs</h2>
<table>
<thead><tr><th>#</th><th>method</th><th>seed</th><th>steps</th><th>linear top-1</th><th>kNN top-1</th><th>final loss</th><th>wall-clock s</th><th>leaked tensors</th><th>status</th></tr></thead>
<tbody>
${runRows}
</tbody>
</table>
<h2>Setup</h2>
<dl>
<dt>command</dt><dd><code>${esc(results.command)}</code></dd>
<dt>dataset</dt><dd>${esc(ds ? `${ds.name} (${ds.id}): ${ds.width}×${ds.height}×${ds.channels}, ${ds.classNames?.length ?? 0} classes; ${ds.train} of ${ds.fullTrain} train and ${ds.test} of ${ds.fullTest} test images loaded` : results.datasetArg)}</dd>
<dt>preset</dt><dd>${esc(results.preset)}</dd>
<dt>changed from the preset</dt><dd>${changed || 'nothing'}</dd>
<dt>per run</dt><dd>${esc(`${common.epochs} epoch${common.epochs === 1 ? '' : 's'}, batch ${common.batchSize}, train images ${common.trainLimit === 0 ? 'all' : common.trainLimit}, crop ${common.imageSize}px, ${common.backbone}, lr ${common.lr}`)}</dd>
<dt>backend</dt><dd>${esc(`${results.backendArg}${adapter ? ` · ${adapter}` : ''} · tfjs ${results.tfjsVersion ?? '?'} · Chromium ${results.chromium ?? '?'}`)}</dd>
<dt>machine</dt><dd>${esc(`${results.machine.cpus} CPUs`)}</dd>
<dt>total time</dt><dd>${esc(fmt(results.totalSeconds, 1))} s</dd>
</dl>
<p class="sub">Data: results.json (every run: config, metrics, evaluations, timings), metrics.csv, evaluations.csv.</p>
</body>
</html>
`;
}

function writeReport(out, results, runMath, methodLabels) {
  mkdirSync(out, { recursive: true });
  // Per-method mean ± std of the final linear / kNN top-1 over seeds (runMath.groupBySeed).
  const done = results.runs.filter((r) => r.evaluations.length > 0 && r.status === 'done');
  const groups = runMath.groupBySeed(
    done.map((r) => ({
      config: r.config,
      final: { linearTop1: r.evaluations.at(-1).linearTop1, knnTop1: r.evaluations.at(-1).knnTop1 },
    })),
  );
  results.summary = results.methods.map((method) => {
    const g = groups.find((x) => x.config.method === method);
    return {
      method,
      seeds: g ? g.seeds : [],
      linearTop1: g?.stats.linearTop1 ?? runMath.meanStd([]),
      knnTop1: g?.stats.knnTop1 ?? runMath.meanStd([]),
    };
  });
  writeFileSync(resolve(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  // metrics.csv: run, method, seed + runMath.metricsToCsv's columns (union of the metric keys).
  const points = results.runs.flatMap((r) => r.metrics.map((p) => ({ ...p, __run: r })));
  const parsed = runMath.parseCsv(runMath.metricsToCsv(points));
  const header = parsed[0] ?? [...runMath.CSV_BASE_COLUMNS];
  const rows = parsed.slice(1).map((row, i) => {
    const r = points[i].__run;
    return [String(r.index + 1), r.method, String(r.seed), ...row];
  });
  writeFileSync(resolve(out, 'metrics.csv'), runMath.toCsv([['run', 'method', 'seed', ...header], ...rows]));
  const evalRows = results.runs.flatMap((r) =>
    r.evaluations.map((e) =>
      [r.index + 1, r.method, r.seed, e.step, e.epoch, e.linearTop1, e.knnTop1].map(String),
    ),
  );
  writeFileSync(
    resolve(out, 'evaluations.csv'),
    runMath.toCsv([['run', 'method', 'seed', 'step', 'epoch', 'linearTop1', 'knnTop1'], ...evalRows]),
  );
  writeFileSync(resolve(out, 'index.html'), renderHtml(results, runMath, methodLabels));
}

// ---------------------------------------------------------------- main

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function defaultOut() {
  const t = new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');
  return resolve(root, 'reports', t);
}

async function main() {
  const started = Date.now();
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    log(`experiment: ${e.message}\nRun with --help for the options.`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: resolve(root, 'node_modules/.vite-experiment'),
    optimizeDeps: {
      entries: ['experiment/index.html'],
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb'],
    },
    // No watcher, no HMR: edits made elsewhere during a run must not reload the page.
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  });
  let browser = null;
  try {
    // The engine's own config, fractal parameters and run arithmetic, loaded through Vite (TypeScript).
    const config = await server.ssrLoadModule('/src/engine/config.ts');
    const fractals = await server.ssrLoadModule('/src/engine/data/fractals.ts');
    const runMath = await server.ssrLoadModule('/src/engine/evaluation/runMath.ts');
    const { METHOD_INFO } = await server.ssrLoadModule('/src/engine/methods/catalog.ts');
    const methodLabels = Object.fromEntries(Object.values(METHOD_INFO).map((m) => [m.id, m.label]));

    if (opts.render) {
      const dir = resolve(opts.render);
      const file = resolve(dir, 'results.json');
      if (!existsSync(file)) fail(`${file} does not exist`);
      writeReport(dir, JSON.parse(readFileSync(file, 'utf8')), runMath, methodLabels);
      log(`experiment: rewrote the report in ${relative(process.cwd(), dir) || '.'}`);
      return 0;
    }
    const dataset = parseDataset(opts.dataset, fractals);
    const datasetId = dataset.kind === 'builtin' ? dataset.id : fractals.fractalDatasetId(dataset.params);
    const { methods, seeds, runs, overrides } = buildRuns(opts, config, datasetId);
    const out = resolve(opts.out ?? defaultOut());
    const preset = config.PRESETS[opts.preset].config;
    const configChanges = Object.fromEntries(
      Object.entries(runs[0]).filter(
        ([k, v]) => !['method', 'seed', 'datasetId'].includes(k) && preset[k] !== v,
      ),
    );

    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('The Vite server has no port');
    const url = `http://127.0.0.1:${address.port}/experiment/index.html`;
    log(
      `experiment: ${runs.length} run${runs.length === 1 ? '' : 's'} (${methods.join(', ')} × seeds ${seeds.join(', ')}), ` +
        `${opts.dataset}, preset ${opts.preset}, ${runs[0].epochs} epoch${runs[0].epochs === 1 ? '' : 's'}, ${opts.backend}`,
    );
    log(`experiment: report → ${relative(process.cwd(), out) || '.'}`);

    const flags = opts.backend === 'webgpu' ? [...QUIET_FLAGS, WEBGPU_FLAG] : QUIET_FLAGS;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: flags, headless: true });
    const page = await browser.newPage();

    const results = {
      tool: 'hexa-lab npm run experiment',
      date: new Date().toISOString(),
      command: `npm run experiment -- ${process.argv.slice(2).join(' ')}`,
      methods,
      seeds,
      preset: opts.preset,
      datasetArg: opts.dataset,
      dataset: null,
      backendArg: opts.backend,
      backend: null,
      tfjsVersion: null,
      chromium: browser.version(),
      machine: { cpus: cpus().length },
      configChanges,
      overrides,
      runs: runs.map((cfg, index) => ({
        index,
        method: cfg.method,
        seed: cfg.seed,
        config: cfg,
        status: 'pending',
        totalSteps: null,
        stepsPerEpoch: null,
        wallMs: null,
        trainMs: null,
        leakedTensors: null,
        metrics: [],
        evaluations: [],
        clusters: [],
      })),
      summary: [],
      error: null,
      totalSeconds: null,
    };

    let settle;
    const finished = new Promise((r) => (settle = r));
    const tag = (run) => {
      const r = results.runs[run];
      return `[run ${run + 1}/${runs.length}] ${r.method} seed ${r.seed}`;
    };
    const onEvent = (e) => {
      const r = e.run !== undefined && e.run !== null ? results.runs[e.run] : null;
      switch (e.type) {
        case 'log':
          log(`page: ${e.message}`);
          break;
        case 'backend': {
          results.backend = e.report;
          results.tfjsVersion = e.tfjsVersion;
          const a = e.report.adapter;
          log(
            `backend: ${e.report.name}${a ? ` (${a.vendor} ${a.architecture}${a.isFallbackAdapter ? ', software fallback' : ''})` : ''}`,
          );
          if (e.report.warning) log(`backend: ${e.report.warning}`);
          break;
        }
        case 'dataset':
          results.dataset = e.info;
          log(
            `dataset: ${e.info.name}: ${e.info.train} train, ${e.info.test} test images in ${(e.info.loadMs / 1000).toFixed(1)} s`,
          );
          break;
        case 'run-start':
          r.status = 'running';
          r.totalSteps = e.totalSteps;
          r.stepsPerEpoch = e.stepsPerEpoch;
          log(`${tag(e.run)}: ${e.totalSteps} steps (${e.stepsPerEpoch} per epoch)`);
          break;
        case 'metrics': {
          r.metrics.push(e.point);
          const p = e.point;
          const probe = Number.isFinite(p.values.probe_acc) ? `  probe ${p.values.probe_acc.toFixed(3)}` : '';
          log(
            `${tag(e.run)}  step ${p.step}/${p.totalSteps} (epoch ${p.epoch.toFixed(2)})  loss ${fmt(p.values.loss, 4)}${probe}  ${p.imagesPerSec.toFixed(1)} img/s`,
          );
          break;
        }
        case 'evaluation':
          r.evaluations.push({ ...e.point });
          log(
            `${tag(e.run)}  eval @ step ${e.point.step}: linear top-1 ${pct(e.point.linearTop1)}, kNN top-1 ${pct(e.point.knnTop1)}`,
          );
          break;
        case 'clusters':
          r.clusters.push({ step: e.step, ...e.stats });
          log(
            `${tag(e.run)}  clusters @ step ${e.step}: ${e.stats.clusters} per head, NMI with labels ${fmt(e.stats.nmiLabels ?? NaN)}`,
          );
          break;
        case 'run-end':
          r.status = 'done';
          r.wallMs = e.wallMs;
          r.trainMs = e.trainMs;
          r.leakedTensors = e.leakedTensors;
          log(
            `${tag(e.run)}: done in ${(e.wallMs / 1000).toFixed(1)} s (${e.leakedTensors} tensors left over)`,
          );
          break;
        case 'done':
          settle(null);
          break;
        case 'error':
          if (r) r.status = 'failed';
          settle(e.run !== null ? `${tag(e.run)}: ${e.message}` : e.message);
          break;
      }
    };
    await page.exposeFunction('__experimentEvent', onEvent);
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    page.on('crash', () => settle('The page crashed'));
    page.on('console', (m) => {
      if (m.type() === 'error') log(`console error: ${m.text()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => typeof globalThis.__experimentStart === 'function', null, {
      timeout: 120_000,
    });
    await page.evaluate((plan) => globalThis.__experimentStart(plan), {
      backend: opts.backend,
      dataset,
      runs,
    });
    const deadline = started + opts.timeoutMin * 60_000;
    let error = null;
    for (;;) {
      const outcome = await Promise.race([finished, sleep(1000).then(() => undefined)]);
      if (outcome !== undefined) {
        error = outcome;
        break;
      }
      if (Date.now() > deadline) {
        error = `The experiment did not finish within ${opts.timeoutMin} min`;
        break;
      }
    }
    results.error = error;
    results.totalSeconds = Math.round((Date.now() - started) / 100) / 10;
    const anyDone = results.runs.some((r) => r.metrics.length > 0);
    if (!error || anyDone) {
      writeReport(out, results, runMath, methodLabels);
      log(
        `experiment: wrote ${['results.json', 'metrics.csv', 'evaluations.csv', 'index.html'].map((f) => relative(process.cwd(), resolve(out, f))).join(', ')}`,
      );
      for (const s of results.summary)
        log(
          `  ${(methodLabels[s.method] ?? s.method).padEnd(15)} linear top-1 ${pctStd(s.linearTop1).padEnd(16)} kNN top-1 ${pctStd(s.knnTop1)}  (seeds ${s.seeds.join(', ') || 'none'})`,
        );
    }
    if (error) {
      log(`experiment failed: ${error}`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      log(`experiment: ${e.message}\nRun with --help for the options.`);
      return 2;
    }
    log(`experiment failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`experiment failed: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
