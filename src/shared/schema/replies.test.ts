import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config';
import type { PreviewImage, WorkerReply } from '../protocol';
import type { RunRecord } from '../records';
import { readWorkerReply, workerReplySchema } from './replies';

const config = defaultConfig();
const img = (): PreviewImage => ({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(4) });
const metrics = {
  step: 2,
  epoch: 0.5,
  totalSteps: 10,
  lr: 0.01,
  values: { loss: NaN }, // a diverged loss is a valid reading
  imagesPerSec: 100,
  elapsedMs: 50,
  numTensors: 12,
};
const evalPoint = { step: 2, epoch: 0.5, linearTop1: 0.3, knnTop1: 0.2, perClass: [0.3], confusion: [[1]] };
const finetune = {
  fraction: 0.1,
  top1: 0.5,
  fromRandomInit: false,
  trainCount: 10,
  testCount: 6,
  step: 4,
  seed: 1,
} as const;
const run: RunRecord = {
  id: 'r1',
  name: 'run',
  createdAt: 1,
  updatedAt: 2,
  config,
  datasetId: config.datasetId,
  status: 'done',
  step: 2,
  totalSteps: 10,
  metrics: [metrics],
  evals: [evalPoint],
  events: [],
  tags: [],
};
const manifest = {
  id: 'd1',
  name: 'D',
  width: 16,
  height: 16,
  channels: 3 as const,
  classNames: ['a'],
  splits: {
    train: { count: 4, chunkSize: 500, chunkCount: 1 },
    test: { count: 1, chunkSize: 500, chunkCount: 1 },
  },
  about: '',
  schemaVersion: 1,
  createdAt: 1,
  complete: true,
};
const mix = {
  own: [img()],
  partner: [img()],
  mixed: [img()],
  lambda: [0.5],
  partnerIndex: [1],
  ownLabel: [0],
  partnerLabel: [1],
};

/** One valid sample of every reply type. */
const SAMPLES: WorkerReply[] = [
  {
    type: 'backend',
    report: {
      name: 'webgpu',
      adapter: { vendor: 'v', architecture: 'a', device: 'd', description: '', isFallbackAdapter: true },
      warning: null,
      flags: { WEBGPU_CPU_FORWARD: false, N: 2 },
      kernels: ['Conv2D'],
    },
  },
  { type: 'backend-error', backend: 'webgl', message: 'no' },
  { type: 'dataset-progress', datasetId: 'mnist', name: 'MNIST', done: 1, total: 2, phase: 'download' },
  { type: 'datasets', manifests: [manifest], damaged: [{ id: 'x', reason: 'bad' }], usage: null },
  { type: 'storage-error', error: { kind: 'quota', message: 'full' } },
  { type: 'thumbnails', id: 'd1', groups: [{ label: null, name: 'all', images: [img()] }] },
  { type: 'dataset-export', id: 'd1', blob: new Blob(['x']), filename: 'd.zip' },
  {
    type: 'import-report',
    report: {
      manifest,
      imported: 5,
      skipped: [{ file: 'a.txt', reason: 'not an image' }],
      warnings: [],
      outcome: 'complete',
      message: 'ok',
    },
  },
  { type: 'dataset-notice', tone: 'info', message: 'done' },
  { type: 'status', phase: 'evaluating', message: '', progress: { done: 1, total: 2, stage: 'probe' } },
  {
    type: 'baselines',
    baselines: {
      randomInit: { linearTop1: 0.1, knnTop1: 0.1 },
      pixels: { linearTop1: 0.2, knnTop1: 0.2 },
      trainCount: 10,
      testCount: 5,
    },
  },
  { type: 'metrics', point: metrics },
  {
    type: 'preview',
    preview: {
      step: 2,
      epoch: 0.5,
      labelKind: 'key',
      views: { query: [img()], key: [img()] },
      indices: [3],
      hardest: { images: [img()], losses: [1.5], positions: [0], indices: [-1] },
      adversarial: {
        clean: [img()],
        adversarial: [img()],
        perturbation: [new Float32Array(4)],
        scale: 1,
        epsilon: 2,
        rankBefore: [0],
        rankAfter: [3],
        logitBefore: [1],
        logitAfter: [-1],
        ownLabel: [0],
        argmaxBefore: [0],
        argmaxAfter: [2],
      },
      cutmix: { ...mix, masks: [new Uint8Array(4)] },
      mixup: mix,
    },
  },
  { type: 'evaluation', point: evalPoint },
  {
    type: 'clusters',
    snapshot: {
      step: 3,
      stats: {
        epoch: 1,
        round: 1,
        images: 30,
        clusters: 3,
        empty: [0],
        largestShare: [0.5],
        sizes: [15, 10, 5],
        nmiLabels: null,
        nmiPrevious: NaN,
      },
      members: [{ cluster: 0, size: 15, images: [img()] }],
    },
  },
  { type: 'run-error', message: 'boom' },
  { type: 'device-lost', message: 'lost' },
  {
    type: 'runs',
    runs: [
      {
        id: 'r1',
        name: 'run',
        status: 'done',
        step: 2,
        totalSteps: 10,
        method: config.method,
        datasetId: config.datasetId,
        seed: 1,
        config,
        tags: ['a'],
        createdAt: 1,
        updatedAt: 2,
        loss: null,
        linearTop1: 0.3,
        knnTop1: null,
        finetunes: [finetune],
        events: [{ step: 1, kind: 'resume', label: 'resumed' }],
      },
    ],
    damaged: [],
  },
  { type: 'run-import-progress', phase: 'check' },
  { type: 'run-import', tone: 'error', message: 'no' },
  { type: 'debug-fetch', ok: false, message: 'refused' },
  { type: 'run-started', runId: 'r1', config, resumed: { fromStep: 2, lostSteps: 1, run } },
  {
    type: 'run-export',
    files: [
      { name: 'a.csv', type: 'text/csv', data: 'x' },
      { name: 'w.bin', type: 'application/octet-stream', data: new ArrayBuffer(8) },
    ],
  },
  { type: 'run-event', event: { kind: 'resume', step: 2, epoch: 0.5, elapsedMs: 9, lostSteps: 1 } },
  {
    type: 'embedding',
    snapshot: {
      step: 2,
      epoch: 0.5,
      split: 'test',
      colourBy: 'label',
      names: ['a'],
      groups: [0, 0],
      pca: new Float32Array(4),
      umap: null,
    },
  },
  {
    type: 'neighbours',
    requestId: 7,
    result: {
      split: 'test',
      reference: 6,
      neighbours: [{ index: 1, similarity: 0.9, label: 2, image: img() }],
    },
    error: null,
  },
  { type: 'run-details', runs: [run] },
  { type: 'request-error', request: 'frob', message: 'unknown' },
  {
    type: 'finetune-progress',
    runId: 'r1',
    progress: { fraction: 1, fromRandomInit: true, stage: 'training', done: 1, total: 3, loss: 0.7 },
  },
  { type: 'finetune-result', runId: 'r1', point: finetune },
  { type: 'finetune-error', runId: 'r1', message: 'no' },
  { type: 'conformance', phase: 'running', message: 'matMul', report: null },
];

const reasonOf = (data: unknown) => {
  const r = readWorkerReply(data);
  return r.ok ? 'accepted' : r.reason;
};

describe('workerReplySchema', () => {
  it('accepts a valid sample of every reply type', () => {
    const types = new Set(workerReplySchema.options.map((o) => o.shape.type.value));
    expect(new Set(SAMPLES.map((s) => s.type))).toEqual(types);
    for (const s of SAMPLES) expect([s.type, reasonOf(s)]).toEqual([s.type, 'accepted']);
  });

  it("keeps a preview's typed arrays as they are (checked by type, never copied)", () => {
    const sample = SAMPLES.find((s) => s.type === 'preview')!;
    const r = readWorkerReply(sample);
    expect(r.ok).toBe(true);
    if (r.ok && r.value.type === 'preview' && sample.type === 'preview')
      expect(r.value.preview.views.query[0]!.pixels).toBe(sample.preview.views.query[0]!.pixels);
  });

  it('refuses malformed replies, naming the field', () => {
    expect(reasonOf({ type: 'metric', point: metrics })).toMatch(
      /^type: expected one of .*"metrics".*got the text "metric"/,
    );
    expect(reasonOf(null)).toMatch(/expected an object, got null/);
    expect(reasonOf({ type: 'run-error' })).toBe('message: expected text, got nothing');
    const noTotal = { ...metrics, totalSteps: undefined };
    expect(reasonOf({ type: 'metrics', point: noTotal })).toBe(
      'point.totalSteps: expected a number, got nothing',
    );
    expect(
      reasonOf({ type: 'dataset-progress', datasetId: 'm', name: 'M', done: NaN, total: 2, phase: '' }),
    ).toMatch(/^done: expected a number, got NaN/);
    expect(reasonOf({ type: 'neighbours', requestId: NaN, result: null, error: null })).toMatch(
      /^requestId: /,
    );
    // Wrong nested shapes: pixels not a Uint8Array, pca a plain list, a run without its metrics.
    const preview = SAMPLES.find((s) => s.type === 'preview')!;
    if (preview.type !== 'preview') throw new Error('no preview sample');
    const badImage = { ...img(), pixels: [0, 0, 0, 0] };
    expect(
      reasonOf({ ...preview, preview: { ...preview.preview, views: { query: [badImage], key: [] } } }),
    ).toBe('preview.views.query[0].pixels: expected a Uint8Array, got a list of 4');
    const embedding = SAMPLES.find((s) => s.type === 'embedding')!;
    if (embedding.type !== 'embedding') throw new Error('no embedding sample');
    expect(reasonOf({ ...embedding, snapshot: { ...embedding.snapshot, pca: [0, 1] } })).toMatch(
      /^snapshot\.pca: expected a Float32Array/,
    );
    const noMetrics = { ...run, metrics: undefined };
    expect(reasonOf({ type: 'run-details', runs: [noMetrics] })).toBe(
      'runs[0].metrics: expected a list, got nothing',
    );
    expect(reasonOf({ type: 'status', phase: 'flying', message: '' })).toMatch(/^phase: expected one of /);
  });
});
