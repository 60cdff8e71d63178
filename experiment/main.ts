// The experiment page: runs the lab's own engine (the real Trainer, on the chosen tfjs backend) for
// every run of a plan, one after the other, and streams what the Trainer reports back to
// scripts/experiment.mjs. Data are held in memory (createMemorySource): the built-in datasets are
// fetched from this server's public/data/<id>/ files, fractals are generated here with the lab's
// generator (the same bytes, in the same order, as the stored dataset the lab would make).
import * as tf from '@tensorflow/tfjs';
import { fractalClass, fractalImage, type IfsClass } from '../src/engine/data/fractals';
import { createMemorySource } from '../src/engine/data/memorySource';
import type { ChunkSource } from '../src/shared/data/types';
import { validateConfig, type TrainConfig } from '../src/shared/config';
import { initBackend, onDeviceLost } from '../src/engine/runtime/backend';
import { Trainer } from '../src/engine/training/trainer';
import { finetune } from '../src/engine/evaluation/finetune';
import type { Encoder } from '../src/engine/nn/encoder';
import type { FinetuneFraction } from '../src/shared/trainingTypes';
import type { DatasetInfo, ExperimentEvent, ExperimentPlan } from './protocol';
import { builtinDataset } from '../src/shared/data/builtinCatalog';
import {
  fractalDatasetId,
  fractalTestPerClass,
  validateFractalParams,
  type FractalParams,
} from '../src/shared/data/fractalParams';

const logEl = document.getElementById('log');

// Events go out in order: each waits for the previous one's delivery.
let chain: Promise<void> = Promise.resolve();
function send(e: ExperimentEvent): void {
  const deliver = window.__experimentEvent;
  if (!deliver) return;
  chain = chain.then(() => deliver(e)).catch(() => undefined);
}

function log(message: string): void {
  if (logEl) logEl.textContent += `${message}\n`;
  send({ type: 'log', message });
}

const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

/** Images of a split the runs need: the train images in use or the probe's, whichever is more. */
function needed(runs: TrainConfig[], full: { train: number; test: number }) {
  const train = Math.max(
    ...runs.map((c) => Math.max(c.trainLimit === 0 ? full.train : c.trainLimit, c.probeTrainSize)),
  );
  const test = Math.max(...runs.map((c) => c.probeTestSize));
  return { train: Math.min(train, full.train), test: Math.min(test, full.test) };
}

async function fetchBytes(url: string, expected: number): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not fetch ${url}: HTTP ${res.status}`);
  if (res.headers.get('content-type')?.includes('text/html'))
    throw new Error(`${url} is missing on the server; run npm run prepare-data`);
  const buf = new Uint8Array(await res.arrayBuffer());
  if (buf.length < expected)
    throw new Error(`${url} has ${buf.length} bytes, expected ${expected}; run npm run prepare-data`);
  return buf;
}

interface MetaSplit {
  count: number;
  images: string;
  labels: string;
}

async function loadBuiltin(
  id: 'mnist' | 'fashion-mnist',
  runs: TrainConfig[],
): Promise<{ source: ChunkSource; info: Omit<DatasetInfo, 'loadMs'> }> {
  const d = builtinDataset(id);
  if (!d) throw new Error(`Unknown built-in dataset "${id}"`);
  const base = `/data/${d.folder}/`;
  const res = await fetch(`${base}meta.json`);
  if (!res.ok || res.headers.get('content-type')?.includes('text/html'))
    throw new Error(`${base}meta.json is missing on the server; run npm run prepare-data`);
  const meta = (await res.json()) as { splits: { train: MetaSplit; test: MetaSplit } };
  const full = { train: meta.splits.train.count, test: meta.splits.test.count };
  const need = needed(runs, full);
  const rowBytes = d.width * d.height * d.channels;
  const split = async (s: MetaSplit, n: number) => {
    log(`dataset: fetching ${n} of ${s.count} images from ${base}${s.images}`);
    const [pixels, labels] = await Promise.all([
      fetchBytes(`${base}${s.images}`, s.count * rowBytes),
      fetchBytes(`${base}${s.labels}`, s.count),
    ]);
    return { pixels: pixels.slice(0, n * rowBytes), labels: labels.slice(0, n) };
  };
  const train = await split(meta.splits.train, need.train);
  const test = await split(meta.splits.test, need.test);
  const info = {
    id: d.id,
    name: d.name,
    width: d.width,
    height: d.height,
    channels: d.channels,
    classNames: d.classNames,
  };
  return {
    source: createMemorySource(info, { train, test }, 500),
    info: { ...info, train: need.train, test: need.test, fullTrain: full.train, fullTest: full.test },
  };
}

/**
 * The first n images of a split of the fractal dataset `p`, exactly as generateFractals stores them:
 * classes interleaved (instance i of class 0, 1, …, then instance i + 1); per class the last
 * fractalTestPerClass(p) instances are the test split.
 */
async function fractalSplit(
  p: FractalParams,
  classes: IfsClass[],
  split: 'train' | 'test',
  n: number,
): Promise<{ pixels: Uint8Array; labels: Uint8Array }> {
  const rowBytes = p.size * p.size * 3;
  const pixels = new Uint8Array(n * rowBytes);
  const labels = new Uint8Array(n);
  const offset = split === 'train' ? 0 : p.perClass - fractalTestPerClass(p);
  for (let k = 0; k < n; k++) {
    const c = k % p.classes;
    const instance = offset + Math.floor(k / p.classes);
    pixels.set(fractalImage(p.seed, c, instance, p.size, classes[c]), k * rowBytes);
    labels[k] = c;
    if ((k + 1) % 200 === 0) {
      log(`dataset: ${split} ${k + 1}/${n} fractal images`);
      await yieldToEvents();
    }
  }
  return { pixels, labels };
}

async function loadFractals(
  p: FractalParams,
  runs: TrainConfig[],
): Promise<{ source: ChunkSource; info: Omit<DatasetInfo, 'loadMs'> }> {
  const problems = validateFractalParams(p);
  if (problems.length > 0) throw new Error(problems.join(' '));
  const testPer = fractalTestPerClass(p);
  const full = { train: p.classes * (p.perClass - testPer), test: p.classes * testPer };
  const need = needed(runs, full);
  log(`dataset: generating ${need.train} train and ${need.test} test fractal images (${p.size}×${p.size})`);
  const classes: IfsClass[] = [];
  for (let c = 0; c < p.classes; c++) {
    classes.push(fractalClass(p.seed, c));
    await yieldToEvents();
  }
  const train = await fractalSplit(p, classes, 'train', need.train);
  const test = await fractalSplit(p, classes, 'test', need.test);
  const info = {
    id: fractalDatasetId(p),
    name: `Fractals (${p.classes} classes × ${p.perClass}, ${p.size}×${p.size}, seed ${p.seed})`,
    width: p.size,
    height: p.size,
    channels: 3 as const,
    classNames: Array.from({ length: p.classes }, (_, c) => `IFS ${c + 1}`),
  };
  return {
    source: createMemorySource(info, { train, test }, 500),
    info: { ...info, train: need.train, test: need.test, fullTrain: full.train, fullTest: full.test },
  };
}

const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };

/**
 * Fine-tunes run `run`'s trained encoder and, beside it, the same seed's random init (a Trainer built
 * afresh: its step-0 network) at each fraction, on the labelled subset of the run's seed; one event each.
 */
async function finetuneRun(
  run: number,
  cfg: TrainConfig,
  source: ChunkSource,
  trained: Encoder,
  step: number,
  fractions: readonly FinetuneFraction[],
): Promise<void> {
  for (const fraction of fractions) {
    for (const fromRandomInit of [false, true]) {
      const fresh = fromRandomInit ? new Trainer(cfg, source, silent) : null;
      try {
        const t0 = performance.now();
        log(
          `run ${run + 1}: fine-tuning ${fromRandomInit ? 'the random init' : 'the trained network'} on ${fraction * 100} % of the labels`,
        );
        const r = await finetune(source, fresh ? fresh.base.encoder : trained, {
          fraction,
          seed: cfg.seed,
          imageSize: cfg.imageSize,
          testSize: cfg.probeTestSize,
          poolSize: cfg.trainLimit,
        });
        send({
          type: 'finetune',
          run,
          wallMs: Math.round(performance.now() - t0),
          point: {
            fraction,
            top1: r.top1,
            ...(r.top5 === null ? {} : { top5: r.top5 }),
            fromRandomInit,
            trainCount: r.trainCount,
            testCount: r.testCount,
            step: fromRandomInit ? 0 : step,
            seed: cfg.seed,
          },
        });
      } finally {
        fresh?.dispose();
      }
    }
  }
}

async function runPlan(plan: ExperimentPlan): Promise<void> {
  let current: number | null = null;
  try {
    for (const cfg of plan.runs) {
      const issues = validateConfig(cfg);
      if (issues.length > 0) throw new Error(issues.map((i) => i.message).join(' '));
    }
    const report = await initBackend(plan.backend);
    send({ type: 'backend', report, tfjsVersion: tf.version.tfjs });
    let deviceLost: string | null = null;
    onDeviceLost((m) => (deviceLost = m));

    const t0 = performance.now();
    const { source, info } =
      plan.dataset.kind === 'builtin'
        ? await loadBuiltin(plan.dataset.id, plan.runs)
        : await loadFractals(plan.dataset.params, plan.runs);
    send({ type: 'dataset', info: { ...info, loadMs: Math.round(performance.now() - t0) } });

    for (let run = 0; run < plan.runs.length; run++) {
      current = run;
      const cfg = { ...plan.runs[run]!, datasetId: info.id };
      const tensorsBefore = tf.memory().numTensors;
      const started = performance.now();
      let ranMs = 0; // the run's wall time, fine-tuning excluded
      const trainer = new Trainer(cfg, source, {
        metrics: (point) => send({ type: 'metrics', run, point }),
        evaluation: (point) =>
          send({ type: 'evaluation', run, point, wallMs: Math.round(performance.now() - started) }),
        baselines: (baselines) => send({ type: 'baselines', run, baselines }),
        clusters: (s) => send({ type: 'clusters', run, step: s.step, stats: s.stats }),
        preview: () => undefined,
        status: () => undefined,
      });
      send({
        type: 'run-start',
        run,
        totalSteps: trainer.totalSteps,
        stepsPerEpoch: trainer.sampler.stepsPerEpoch,
      });
      let trainMs = 0;
      try {
        await trainer.run();
        trainMs = trainer.elapsed;
        const wallMs = Math.round(performance.now() - started);
        if (plan.finetune?.length && !deviceLost) {
          await finetuneRun(run, cfg, source, trainer.base.encoder, trainer.step, plan.finetune);
        }
        ranMs = wallMs;
      } finally {
        trainer.dispose();
      }
      if (deviceLost) throw new Error(`The WebGPU device was ${deviceLost}`);
      send({
        type: 'run-end',
        run,
        wallMs: ranMs,
        trainMs: Math.round(trainMs),
        leakedTensors: tf.memory().numTensors - tensorsBefore,
      });
      await chain;
    }
    current = null;
    send({ type: 'done' });
  } catch (e) {
    const err = e as Error;
    if (logEl) logEl.textContent += `failed: ${err.stack ?? String(e)}\n`;
    send({ type: 'error', message: err.message ?? String(e), run: current });
  }
  await chain;
}

window.__experimentStart = (plan) => void runPlan(plan);
log('experiment page ready');
