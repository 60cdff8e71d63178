// The report folder: results.json (with the per-method summary over seeds), metrics.csv,
// evaluations.csv and a self-contained index.html (tables + inline SVG charts), written after a run
// or re-rendered from an existing results.json by --render.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fail } from './args.mjs';
import { lineChart } from './chart.mjs';
import { esc, fmt, log, pct, pctStd, pts, ptsStd, root } from './common.mjs';

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#393b79',
  '#ad494a',
];

/**
 * The names and colours of a results object's groups (a method, or a method and its experiment's
 * --label): labels from the catalog (engine.methodLabels), colours by the method's place in the
 * catalog so a method keeps its colour in every report.
 */
function namesOf(results, engine) {
  const { groupKey } = engine.ranking;
  const ids = Object.keys(engine.methodLabels);
  const runOf = new Map();
  for (const r of results.runs) if (!runOf.has(groupKey(r))) runOf.set(groupKey(r), r);
  const keys = [...runOf.keys()];
  const label = (key) => {
    const r = runOf.get(key);
    if (!r) return engine.methodLabels[key] ?? key;
    const base = engine.methodLabels[r.method] ?? r.method;
    return r.variant ? `${base} (${r.variant})` : base;
  };
  const color = (key) => {
    const r = runOf.get(key);
    const i = ids.indexOf(r?.method ?? key);
    return PALETTE[(i >= 0 ? i : ids.length + keys.indexOf(key)) % PALETTE.length];
  };
  return { keys, keyOf: groupKey, label, color };
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

function renderHtml(results, engine) {
  const { meanStd, smooth } = engine.runMath;
  const n = namesOf(results, engine);
  const byMethod = n.keys.map((method) => ({
    method,
    label: n.label(method),
    color: n.color(method),
    runs: results.runs.filter((r) => n.keyOf(r) === method && r.metrics.length > 0),
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
      const runs = results.runs.filter((r) => n.keyOf(r) === s.method && r.metrics.length > 0);
      const lastLoss = meanStd(runs.map((r) => r.metrics.at(-1)?.values.loss).filter(Number.isFinite));
      const wall = meanStd(runs.map((r) => r.wallMs / 1000).filter(Number.isFinite));
      const ips = meanStd(
        runs
          .map((r) => (r.trainMs > 0 ? (r.metrics.at(-1).step * r.config.batchSize * 1000) / r.trainMs : NaN))
          .filter(Number.isFinite),
      );
      return `<tr><th style="border-left:4px solid ${n.color(s.method)}">${esc(n.label(s.method))}</th><td>${esc(s.seeds.join(', '))}</td><td class="num"><b>${pctStd(s.linearTop1)}</b></td><td class="num"><b>${pctStd(s.knnTop1)}</b></td><td class="num">${fmt(lastLoss.mean)} ± ${fmt(lastLoss.std)}</td><td class="num">${fmt(ips.mean, 1)}</td><td class="num">${fmt(wall.mean, 1)}</td></tr>`;
    })
    .join('\n');
  const baselineRows = (results.baselines ?? [])
    .map(
      (b) =>
        `<tr><th>${esc(b.label)}</th><td>${esc(b.seeds.join(', '))}</td><td class="num">${pctStd(b.linearTop1)}</td><td class="num">${pctStd(b.knnTop1)}</td><td colspan="3" class="sub">${esc(b.note)}</td></tr>`,
    )
    .join('\n');
  const gainRows = results.summary
    .filter((s) => s.gain)
    .map(
      (s) =>
        `<tr><th style="border-left:4px solid ${n.color(s.method)}">${esc(n.label(s.method))}</th><td class="num">${ptsStd(s.gain.knn)}</td><td class="num">${esc(s.gain.knnPerSeed.map(pts).join(' / '))}</td><td class="num">${ptsStd(s.gain.linear)}</td><td class="num">${esc(s.gain.linearPerSeed.map(pts).join(' / '))}</td></tr>`,
    )
    .join('\n');
  const finetuneRows = results.summary
    .flatMap((s) =>
      (s.finetune ?? []).map(
        (f) =>
          `<tr><th style="border-left:4px solid ${n.color(s.method)}">${esc(n.label(s.method))}</th><td class="num">${esc(`${f.fraction * 100} %`)}</td><td class="num">${esc([...new Set(f.trainCount)].join(' / '))}</td><td>${esc(f.seeds.join(', '))}</td><td class="num"><b>${pctStd(f.top1)}</b></td><td class="num">${pctStd(f.randomTop1)}</td><td class="num">${ptsStd(f.gainTop1)}</td><td class="num">${f.top5 ? `${pctStd(f.top5)} (${pctStd(f.randomTop5)})` : '–'}</td></tr>`,
      ),
    )
    .join('\n');
  const rk = results.ranking;
  const rankTable = (table, withSteps) => {
    const ftCols = table.criteria.filter((c) => c.startsWith('finetune:'));
    const cell = (row, crit, v) =>
      `<td class="num">${row.rank[crit] ? `<span class="rank">${row.rank[crit]}.</span> ` : ''}${row.rank[crit] === 1 ? `<b>${pctStd(v)}</b>` : pctStd(v)}</td>`;
    const head = `<tr><th>method</th><th>seeds</th>${withSteps ? '<th>steps (per seed)</th>' : ''}<th>linear top-1</th><th>kNN top-1</th>${ftCols.map((c) => `<th>fine-tuned, ${esc(Number(c.slice(9)) * 100)} % labels</th>`).join('')}</tr>`;
    const body = table.rows
      .map((row) => {
        const style = row.baseline
          ? ' class="baseline"'
          : ` style="border-left:4px solid ${n.color(row.key)}"`;
        return `<tr data-key="${esc(row.key)}"><th${style}>${esc(row.baseline ? row.label : n.label(row.key))}</th><td>${esc(row.seeds.join(', '))}</td>${withSteps ? `<td class="num">${esc(row.steps.join(' / ') || '–')}</td>` : ''}${cell(row, 'linear', row.linear)}${cell(row, 'knn', row.knn)}${ftCols.map((c) => cell(row, c, row.finetune[c.slice(9)])).join('')}</tr>`;
      })
      .join('\n');
    return `<table class="ranking">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  };
  const rankingHtml = rk
    ? `<h2>Ranking at equal steps (step ${esc(rk.equalSteps.step)})</h2>
${rankTable(rk.equalSteps, true)}
<p class="sub">Mean ± std over seeds; the number before each value is its rank in that column (1 = best; equal means share a rank), baselines ranked with the methods. Linear probe and kNN at step ${esc(rk.equalSteps.step)}, the last step every run was evaluated at; fine-tuning from each run's final network${rk.fractions.length ? '' : ' (not measured here: --finetune)'}; the random-init row is the same seeds' step-0 networks (its fine-tuning: the same labelled images).</p>
${
  rk.equalTime
    ? `<h2>Ranking at equal wall-clock time (${esc(fmt(rk.equalTime.budgetSeconds, 0))} s per run)</h2>
${rankTable(rk.equalTime, true)}
<p class="sub">Each run scored by its last evaluation made within this wall time, the slowest run of the fastest method (evaluations at step 0, each epoch end and the end; wall time from building the trainer, evaluations included): a slower method is shown at the steps it had reached by then.${/ \+ /.test(results.backendArg ?? '') ? ' Merged from experiments on different backends: compare wall-clock times with care.' : ''}</p>`
    : ''
}`
    : '';
  const runRows = results.runs
    .map((r) => {
      const last = r.evaluations.at(-1);
      return `<tr><td>${r.index + 1}</td><td>${esc(n.label(n.keyOf(r)))}</td><td>${r.seed}</td><td class="num">${r.metrics.at(-1)?.step ?? 0}</td><td class="num">${pct(last?.linearTop1)}</td><td class="num">${pct(last?.knnTop1)}</td><td class="num">${fmt(r.metrics.at(-1)?.values.loss)}</td><td class="num">${fmt(r.wallMs / 1000, 1)}</td><td class="num">${r.leakedTensors ?? '–'}</td><td>${esc(r.status)}</td></tr>`;
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
.rank { color: #888; font-size: 12px; } th.baseline { font-style: italic; font-weight: normal; border-left: 4px solid #ccc; }
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
<p class="sub">${esc(results.date)} · ${esc(n.keys.map(n.label).join(' vs '))} · ${esc(ds?.name ?? results.datasetArg)} · ${esc(seedsNote)}</p>
${results.error ? `<p class="error">The experiment stopped early: ${esc(results.error)}</p>` : ''}
${rankingHtml}
<h2>Final accuracy (mean ± std over seeds)</h2>
<table>
<thead><tr><th>method</th><th>seeds</th><th>linear top-1</th><th>kNN top-1</th><th>final loss</th><th>images/s</th><th>s per run</th></tr></thead>
<tbody>
${summaryRows}
</tbody>
</table>
<p class="sub">Final evaluation after the last step: frozen backbone features of ${esc(probeTrain)} train and ${esc(probeTest)} held-out images; linear probe and kNN (k = ${esc(common.knnK)}). Std is the sample std (n − 1); 0 for one seed. Images/s and seconds per run include the first steps' shader compilation.</p>
${
  baselineRows
    ? `<h2>Baselines (no self-supervised training)</h2>
<table>
<thead><tr><th>features</th><th>seeds</th><th>linear top-1</th><th>kNN top-1</th><th colspan="3"></th></tr></thead>
<tbody>
${baselineRows}
</tbody>
</table>`
    : ''
}
${
  gainRows
    ? `<h2>Gain over the random-init network (BN on data), points</h2>
<table>
<thead><tr><th>method</th><th>kNN gain</th><th>per seed</th><th>linear gain</th><th>per seed</th></tr></thead>
<tbody>
${gainRows}
</tbody>
</table>
<p class="sub">Final accuracy minus the same seed's random-init network with its BatchNorm statistics recalibrated on the probe's train images (the run's step-0 weights).</p>`
    : ''
}
${
  finetuneRows
    ? `<h2>Fine-tuning (mean ± std over seeds)</h2>
<table>
<thead><tr><th>method</th><th>labels</th><th>images</th><th>seeds</th><th>top-1</th><th>random init top-1</th><th>gain, points</th><th>top-5 (random init)</th></tr></thead>
<tbody>
${finetuneRows}
</tbody>
</table>
<p class="sub">The whole backbone plus a linear classifier trained on a seeded, class-balanced share of the labelled train images (the run's train images), scored on the held-out images; the random init is the same seed's step-0 network, fine-tuned on the same images.</p>`
    : ''
}
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

function writeReport(out, results, engine) {
  const { runMath, ranking } = engine;
  mkdirSync(out, { recursive: true });
  const n = namesOf(results, engine);
  // Per group (method, or method and --label) mean ± std of the final linear / kNN top-1 over seeds.
  const done = results.runs.filter((r) => r.evaluations.length > 0 && r.status === 'done');
  results.summary = n.keys.map((key) => {
    const runs = done.filter((r) => n.keyOf(r) === key).sort((a, b) => a.seed - b.seed);
    return {
      method: key,
      label: n.label(key),
      seeds: runs.map((r) => r.seed),
      linearTop1: runMath.meanStd(runs.map((r) => r.evaluations.at(-1).linearTop1)),
      knnTop1: runMath.meanStd(runs.map((r) => r.evaluations.at(-1).knnTop1)),
    };
  });
  addGains(results, runMath, n);
  addFinetunes(results, runMath, n);
  results.ranking = ranking.rankRuns(results.runs, n.label);
  results.equalTime = undefined; // older reports' table, now the ranking's equalTime
  writeFileSync(resolve(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  // metrics.csv: run, method, seed + runMath.metricsToCsv's columns (union of the metric keys).
  const points = results.runs.flatMap((r) => r.metrics.map((p) => ({ ...p, __run: r })));
  const [header, ...fields] = runMath.metricsCsvRows(points);
  const rows = fields.map((row, i) => {
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
  writeFileSync(resolve(out, 'index.html'), renderHtml(results, engine));
  writeFileSync(resolve(out, 'ranking.md'), rankingMarkdown(results));
}

/** The rankings as Markdown tables (for a README): "rank. mean ± std" per column, baselines in italics. */
function rankingMarkdown(results) {
  const rk = results.ranking;
  const table = (t) => {
    const ft = t.criteria.filter((c) => c.startsWith('finetune:'));
    const head = [
      'features',
      'seeds',
      'steps',
      'linear top-1',
      'kNN top-1',
      ...ft.map((c) => `fine-tuned, ${Number(c.slice(9)) * 100} % labels`),
    ];
    const cell = (row, c, v) => (row.rank[c] ? `${row.rank[c]}. ${pctStd(v)}` : pctStd(v));
    const rows = t.rows.map((row) => [
      row.baseline ? `_${row.label}_` : row.label,
      row.seeds.join(', '),
      row.steps.length ? [...new Set(row.steps)].join(' / ') : '',
      cell(row, 'linear', row.linear),
      cell(row, 'knn', row.knn),
      ...ft.map((c) => cell(row, c, row.finetune[c.slice(9)])),
    ]);
    return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  };
  const parts = [
    `Ranked at equal steps (step ${rk.equalSteps.step}); "rank. mean ± std over seeds", 1 = best. From: \`${results.command}\``,
    '',
    table(rk.equalSteps),
  ];
  if (rk.equalTime)
    parts.push(
      '',
      `Ranked at equal wall-clock time (${fmt(rk.equalTime.budgetSeconds, 0)} s per run):`,
      '',
      table(rk.equalTime),
    );
  return `${parts.join('\n')}\n`;
}

/**
 * Baseline rows (random init with BN on data, raw pixels: mean ± std over the runs' seeds) and each
 * group's gain over its own seed's random-init network.
 */
function addGains(results, runMath, n) {
  const done = results.runs.filter((r) => r.status === 'done' && r.evaluations.length > 0);
  const withBase = done.filter((r) => r.baselines);
  const bySeed = new Map(withBase.map((r) => [r.seed, r.baselines]));
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const pick = (f) => runMath.meanStd(seeds.map((s) => f(bySeed.get(s))));
  results.baselines =
    seeds.length === 0
      ? []
      : [
          {
            label: 'random-init network (BN on data)',
            seeds,
            linearTop1: pick((b) => b.randomInit.linearTop1),
            knnTop1: pick((b) => b.randomInit.knnTop1),
            note: 'the step-0 network of each seed, BatchNorm statistics recalibrated on the probe train images',
          },
          {
            label: 'raw pixels',
            seeds,
            linearTop1: pick((b) => b.pixels.linearTop1),
            knnTop1: pick((b) => b.pixels.knnTop1),
            note: 'the images resized to the crop size, flattened; the same for every seed',
          },
        ];
  for (const s of results.summary) {
    const runs = withBase.filter((r) => n.keyOf(r) === s.method).sort((a, b) => a.seed - b.seed);
    if (runs.length === 0) continue;
    const knn = runs.map((r) => 100 * (r.evaluations.at(-1).knnTop1 - r.baselines.randomInit.knnTop1));
    const lin = runs.map((r) => 100 * (r.evaluations.at(-1).linearTop1 - r.baselines.randomInit.linearTop1));
    s.gain = {
      seeds: runs.map((r) => r.seed),
      knn: runMath.meanStd(knn),
      linear: runMath.meanStd(lin),
      knnPerSeed: knn,
      linearPerSeed: lin,
    };
  }
}

/**
 * Per method and label fraction: fine-tuned top-1 (and top-5) of the trained networks and of their
 * random inits, mean ± std over seeds, and the gain (trained minus the same seed's random init, points).
 */
function addFinetunes(results, runMath, n) {
  const fractions = results.finetuneFractions ?? [];
  for (const s of results.summary) {
    const runs = results.runs.filter((r) => n.keyOf(r) === s.method && (r.finetunes ?? []).length > 0);
    s.finetune = fractions
      .map((fraction) => {
        const pairs = runs
          .map((r) => ({
            seed: r.seed,
            trained: r.finetunes.find((p) => p.fraction === fraction && !p.fromRandomInit),
            random: r.finetunes.find((p) => p.fraction === fraction && p.fromRandomInit),
          }))
          .filter((p) => p.trained && p.random)
          .sort((a, b) => a.seed - b.seed);
        if (pairs.length === 0) return null;
        const top5 = pairs.every((p) => p.trained.top5 !== undefined && p.random.top5 !== undefined);
        return {
          fraction,
          seeds: pairs.map((p) => p.seed),
          trainCount: pairs.map((p) => p.trained.trainCount),
          top1: runMath.meanStd(pairs.map((p) => p.trained.top1)),
          randomTop1: runMath.meanStd(pairs.map((p) => p.random.top1)),
          gainTop1: runMath.meanStd(pairs.map((p) => 100 * (p.trained.top1 - p.random.top1))),
          top5: top5 ? runMath.meanStd(pairs.map((p) => p.trained.top5)) : null,
          randomTop5: top5 ? runMath.meanStd(pairs.map((p) => p.random.top5)) : null,
        };
      })
      .filter((x) => x !== null);
  }
}

/** Writes the report of a finished (or cut-short) experiment and prints its files and summary. */
export function writeFinalReport(out, results, engine) {
  writeReport(out, results, engine);
  log(
    `experiment: wrote ${['results.json', 'metrics.csv', 'evaluations.csv', 'index.html', 'ranking.md'].map((f) => relative(process.cwd(), resolve(out, f))).join(', ')}`,
  );
  logRanking(results);
}

/** The ranking at equal steps as terminal lines. */
function logRanking(results) {
  const t = results.ranking.equalSteps;
  const ft = t.criteria.filter((c) => c.startsWith('finetune:'));
  log(`experiment: ranked at step ${t.step} (rank. mean ± std over seeds; 1 = best)`);
  const cell = (row, c, v) => `${row.rank[c] ? `${row.rank[c]}.` : '  '} ${pctStd(v)}`.padEnd(18);
  for (const row of t.rows)
    log(
      `  ${row.label.padEnd(34)} linear ${cell(row, 'linear', row.linear)} kNN ${cell(row, 'knn', row.knn)}${ft.map((c) => ` fine-tuned ${Number(c.slice(9)) * 100} % ${cell(row, c, row.finetune[c.slice(9)])}`).join('')}`,
    );
  for (const s of results.summary)
    for (const f of s.finetune ?? [])
      log(
        `  ${s.label.padEnd(15)} fine-tuned on ${f.fraction * 100} % of labels: top-1 ${pctStd(f.top1)} (random init ${pctStd(f.randomTop1)}, ${ptsStd(f.gainTop1)} points)  (seeds ${f.seeds.join(', ')})`,
      );
}

const readResults = (dir) => {
  const file = resolve(dir, 'results.json');
  if (!existsSync(file)) fail(`${file} does not exist`);
  return JSON.parse(readFileSync(file, 'utf8'));
};

/** --render DIR: rewrites DIR's summary, ranking, CSV files and index.html from its results.json. */
export function rerenderReport(dirArg, engine) {
  const dir = resolve(dirArg);
  const results = readResults(dir);
  writeReport(dir, results, engine);
  log(`experiment: rewrote the report in ${relative(process.cwd(), dir) || '.'}`);
  logRanking(results);
}

/** --merge A,B,... --out DIR: one report (and ranking) from several experiments' results.json. */
export function mergeReports(dirs, out, engine) {
  const sources = dirs.map((d) => ({ dir: relative(root, resolve(d)), results: readResults(resolve(d)) }));
  let merged;
  try {
    merged = engine.ranking.mergeResults(sources);
  } catch (e) {
    fail(e.message);
  }
  writeReport(resolve(out), merged, engine);
  log(`experiment: merged ${dirs.length} results into ${relative(process.cwd(), resolve(out)) || '.'}`);
  logRanking(merged);
}
