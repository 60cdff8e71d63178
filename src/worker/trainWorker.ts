/// <reference lib="webworker" />
// The training worker: owns tfjs, the image store and the trainer. Talks only through protocol.ts.
import { validateConfig } from '../engine/config';
import { BUILTIN_DATASETS, installBuiltin } from '../engine/data/builtin';
import { createStoreSource, openImageStore, StorageError, type ImageStore } from '../engine/data/imageStore';
import {
  BackendUnavailableError,
  destroyDevice,
  initBackend,
  onDeviceLost,
  type BackendName,
} from '../engine/runtime/backend';
import { Trainer } from '../engine/training/trainer';
import type { PreviewSet } from '../engine/training/previews';
import { handleDatasetRequest, type DatasetOpsContext } from './datasetOps';
import type { StorageErrorInfo, WorkerReply, WorkerRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let store: ImageStore | null = null;
let trainer: Trainer | null = null;
let dataBaseUrl = '';

function post(msg: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function storageInfo(e: unknown): StorageErrorInfo {
  if (e instanceof StorageError) return { kind: e.kind, message: e.message };
  return { kind: 'other', message: (e as Error).message ?? String(e) };
}

function previewBuffers(p: PreviewSet): Transferable[] {
  const imgs = [
    p.views.query,
    p.views.key,
    p.adversarial?.adversarial ?? [],
    p.cutmix?.partner ?? [],
    p.cutmix?.mixed ?? [],
  ];
  const buffers = new Set<ArrayBuffer>();
  imgs.flat().forEach((i) => buffers.add(i.pixels.buffer as ArrayBuffer));
  p.adversarial?.perturbation.forEach((d) => buffers.add(d.buffer as ArrayBuffer));
  p.cutmix?.masks.forEach((m) => buffers.add(m.buffer as ArrayBuffer));
  return [...buffers];
}

async function sendDatasets(): Promise<void> {
  if (!store) return;
  post({ type: 'datasets', manifests: await store.listManifests(), usage: await store.estimate() });
}

async function prepareDatasets(): Promise<void> {
  try {
    store ??= await openImageStore();
    await sendDatasets();
    for (const b of BUILTIN_DATASETS.filter((d) => d.installOnStart)) {
      await installBuiltin(store, b.id, `${dataBaseUrl}data/`, (done, total, phase) =>
        post({ type: 'dataset-progress', datasetId: b.id, done, total, phase }),
      );
    }
    await sendDatasets();
  } catch (e) {
    post({ type: 'storage-error', error: storageInfo(e) });
    await sendDatasets().catch(() => {});
  }
}

async function init(backend: BackendName, baseUrl: string): Promise<void> {
  dataBaseUrl = baseUrl;
  try {
    const report = await initBackend(backend);
    post({ type: 'backend', report });
    onDeviceLost((message) => {
      trainer?.stop();
      post({
        type: 'device-lost',
        message: `The GPU device was ${message}. Training stopped; reload the page to start again.`,
      });
    });
  } catch (e) {
    const message =
      e instanceof BackendUnavailableError ? e.message : `Backend failed: ${(e as Error).message}`;
    post({ type: 'backend-error', backend, message });
    return;
  }
  await prepareDatasets();
}

async function start(config: WorkerRequest & { type: 'start' }): Promise<void> {
  const cfg = config.config;
  const problems = validateConfig(cfg);
  if (problems.length > 0) {
    post({ type: 'run-error', message: problems.map((p) => p.message).join(' ') });
    return;
  }
  if (trainer) {
    post({ type: 'run-error', message: 'A run is already in progress: stop it first.' });
    return;
  }
  try {
    if (!store) throw new StorageError('unavailable', 'The dataset store is not open.');
    const manifest = await store.getManifest(cfg.datasetId);
    if (!manifest?.complete) throw new Error(`Dataset "${cfg.datasetId}" is not stored yet.`);
    post({ type: 'status', phase: 'preparing', message: 'Building the model' });
    trainer = new Trainer(cfg, createStoreSource(store, manifest), {
      metrics: (point) => post({ type: 'metrics', point }),
      preview: (preview) => post({ type: 'preview', preview }, previewBuffers(preview)),
      evaluation: (point) => post({ type: 'evaluation', point }),
      clusters: (snapshot) => post({ type: 'clusters', snapshot }),
      status: (phase, message) => post({ type: 'status', phase, message }),
    });
    await trainer.run();
  } catch (e) {
    post({ type: 'status', phase: 'failed', message: (e as Error).message });
    post({ type: 'run-error', message: (e as Error).message });
  } finally {
    trainer?.dispose();
    trainer = null;
  }
}

const datasetOps: DatasetOpsContext = {
  store: () => store,
  post,
  trainingOn: () => (trainer ? trainer.source.manifest.id : null),
  sendDatasets,
  describeError: (e) => storageInfo(e).message,
  dataUrl: () => `${dataBaseUrl}data/`,
};

self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'init':
      void init(msg.backend, msg.dataBaseUrl);
      break;
    case 'start':
      void start(msg);
      break;
    case 'pause':
      trainer?.pause();
      break;
    case 'resume':
      trainer?.resume();
      break;
    case 'stop':
      trainer?.stop();
      break;
    case 'retry-dataset':
      void prepareDatasets();
      break;
    case 'debug-lose-device':
      destroyDevice();
      break;
    default:
      void handleDatasetRequest(msg, datasetOps);
  }
};
