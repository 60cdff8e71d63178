// The training side of npm run experiment: Vite's dev server (which also loads the engine's
// TypeScript modules for the flag checks), Debian's headless Chromium (flags of scripts/chromium.mjs)
// on experiment/index.html, the page protocol (window.__experimentStart(plan) in, events through
// window.__experimentEvent out; types in experiment/protocol.ts), the progress lines printed for
// those events, and the results object the report is written from.
import { cpus } from 'node:os';
import { relative, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from '../chromium.mjs';
import { fmt, log, pct, root } from './common.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Vite's dev server for experiment/index.html, not listening yet. */
export function createExperimentServer() {
  return createServer({
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
}

/** The shared (tf-free) config, fractal parameters and run arithmetic, loaded through Vite (TypeScript). */
export async function loadEngine(server) {
  const config = await server.ssrLoadModule('/src/shared/config.ts');
  const fractals = await server.ssrLoadModule('/src/shared/data/fractalParams.ts');
  const runMath = await server.ssrLoadModule('/src/shared/evaluation/runMath.ts');
  const augmentation = await server.ssrLoadModule('/src/shared/data/augmentationDefaults.ts');
  const catalog = await server.ssrLoadModule('/src/shared/catalog.ts');
  const { METHOD_INFO } = catalog;
  const ranking = await server.ssrLoadModule('/src/shared/evaluation/ranking.ts');
  // Labels in the catalog's order (the report's colours follow it).
  const methodLabels = Object.fromEntries(config.METHOD_IDS.map((id) => [id, METHOD_INFO[id]?.label ?? id]));
  return { config, fractals, runMath, augmentation, methodLabels, ranking, catalog };
}

/** Starts the server on a free port and returns the experiment page's URL. */
export async function listen(server) {
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('The Vite server has no port');
  return `http://127.0.0.1:${address.port}/experiment/index.html`;
}

/** The two lines printed before training: what runs, and where the report goes. */
export function logPlan(opts, { seeds, runs, out, variants }) {
  const arms = [...new Set(runs.map((r, i) => (variants?.[i] ? `${r.method} (${variants[i]})` : r.method)))];
  log(
    `experiment: ${runs.length} run${runs.length === 1 ? '' : 's'} (${arms.join(', ')} × seeds ${seeds.join(', ')}), ` +
      `${opts.dataset}, preset ${opts.preset}, ${runs[0].epochs} epoch${runs[0].epochs === 1 ? '' : 's'}, ${opts.backend}`,
  );
  log(`experiment: report → ${relative(process.cwd(), out) || '.'}`);
}

/** Headless Chromium, with WebGPU enabled for --backend webgpu. */
export function launchBrowser(backend) {
  const flags = backend === 'webgpu' ? [...QUIET_FLAGS, WEBGPU_FLAG] : QUIET_FLAGS;
  return chromium.launch({ executablePath: CHROMIUM, args: flags, headless: true });
}

/**
 * Runs the plan in a new page of `browser`, printing progress, until the page reports done or an
 * error, or the --timeout deadline (counted from `started`) passes. Returns the results object,
 * with `error` set (null on success) and `totalSeconds`; `summary` is filled in by the report.
 */
export async function runExperiment(browser, url, opts, plan, started) {
  const { dataset, methods, seeds, runs, overrides, configChanges, finetune = [] } = plan;
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
    finetuneFractions: finetune,
    label: plan.label ?? null,
    runs: runs.map((cfg, index) => ({
      index,
      method: cfg.method,
      variant: plan.variants?.[index] ?? plan.label ?? null,
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
      baselines: null,
      clusters: [],
      finetunes: [],
    })),
    summary: [],
    error: null,
    totalSeconds: null,
  };

  let settle;
  const finished = new Promise((r) => (settle = r));
  const tag = (run) => {
    const r = results.runs[run];
    return `[run ${run + 1}/${runs.length}] ${r.method}${r.variant ? ` (${r.variant})` : ''} seed ${r.seed}`;
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
      case 'baselines': {
        r.baselines = e.baselines;
        const b = e.baselines;
        log(
          `${tag(e.run)}  baselines (${b.testCount} held-out): random init (BN on data) kNN ${pct(b.randomInit.knnTop1)}, linear ${pct(b.randomInit.linearTop1)}; pixels kNN ${pct(b.pixels.knnTop1)}, linear ${pct(b.pixels.linearTop1)}`,
        );
        break;
      }
      case 'evaluation':
        r.evaluations.push({ ...e.point, wallMs: e.wallMs });
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
      case 'finetune': {
        r.finetunes.push({ ...e.point, wallMs: e.wallMs });
        const p = e.point;
        log(
          `${tag(e.run)}  fine-tuned ${p.fromRandomInit ? 'random init' : 'trained network'} on ${p.fraction * 100} % of labels (${p.trainCount} images): top-1 ${pct(p.top1)}${p.top5 !== undefined ? `, top-5 ${pct(p.top5)}` : ''} in ${(e.wallMs / 1000).toFixed(1)} s`,
        );
        break;
      }
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
  await page.evaluate((pagePlan) => globalThis.__experimentStart(pagePlan), {
    backend: opts.backend,
    dataset,
    runs,
    finetune,
  });
  const deadline = started + opts.timeoutMin * 60_000;
  let error;
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
  return results;
}
