/// <reference lib="webworker" />
// The training worker: owns tfjs, the image store and the trainer. Talks only through protocol.ts.
import { validateConfig } from '../shared/config';
import { installBuiltin } from '../engine/data/builtin';
import { createStoreSource, openImageStore, StorageError, type ImageStore } from '../engine/data/imageStore';
import { BackendUnavailableError, destroyDevice, initBackend, onDeviceLost } from '../engine/runtime/backend';
import { runConformance } from '../engine/runtime/conformance';
import { Trainer } from '../engine/training/trainer';
import type { TrainConfig } from '../shared/config';
import { METHOD_INFO } from '../shared/catalog';
import {
  markInterrupted,
  openRunStore,
  prepareResume,
  type ResumePoint,
  type RunStore,
} from '../engine/data/runStore';
import { RunRecorder } from './runRecorder';
import { importRunFile, listRunsReply, runActionFor, runDetails } from './runOps';
import { isKnownRequestType, readWorkerRequest } from './requestSchema';
import { unknownRequestReply } from './unknownRequest';
import { capName } from '../shared/schema/run';
import {
  handleDatasetRequest,
  recoverInterruptedImports,
  whileWriting,
  type DatasetOpsContext,
} from './datasetOps';
import type { RunAction, StorageErrorInfo, WorkerReply, WorkerRequest } from '../shared/protocol';
import type { BackendName } from '../shared/backendTypes';
import type { PreviewImage, PreviewSet } from '../shared/trainingTypes';
import { BUILTIN_DATASETS } from '../shared/data/builtinCatalog';
import type { RunImportPhase } from '../shared/protocol';

declare const self: DedicatedWorkerGlobalScope;

let store: ImageStore | null = null;
let trainer: Trainer | null = null;
let dataBaseUrl = '';
let deviceLost = false;

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
    p.hardest?.images ?? [], // gallery
  ];
  const buffers = new Set<ArrayBuffer>();
  imgs.flat().forEach((i) => buffers.add(i.pixels.buffer as ArrayBuffer));
  p.adversarial?.perturbation.forEach((d) => buffers.add(d.buffer as ArrayBuffer));
  p.cutmix?.masks.forEach((m) => buffers.add(m.buffer as ArrayBuffer));
  return [...buffers];
}

async function sendDatasets(): Promise<void> {
  if (!store) return;
  const { manifests, damaged } = await store.scanManifests();
  post({ type: 'datasets', manifests, damaged, usage: await store.estimate() });
}

async function prepareDatasets(): Promise<void> {
  try {
    store ??= await openImageStore();
    const recovered = await recoverInterruptedImports(store);
    if (recovered) post({ type: 'dataset-notice', tone: 'info', message: recovered });
    await sendDatasets();
    const s = store;
    for (const b of BUILTIN_DATASETS.filter((d) => d.installOnStart)) {
      await whileWriting(() =>
        installBuiltin(s, b.id, `${dataBaseUrl}data/`, (done, total, phase) =>
          post({ type: 'dataset-progress', datasetId: b.id, name: b.name, done, total, phase }),
        ),
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
      deviceLost = true;
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
  await sendRuns();
}

/** Trains `cfg` (from its checkpoint when `resume` is given) while recording the run in IndexedDB. */
async function launch(cfg: TrainConfig, resume: ResumePoint | null): Promise<void> {
  const problems = validateConfig(cfg);
  if (problems.length > 0) {
    post({ type: 'run-error', message: problems.map((p) => p.message).join(' ') });
    return;
  }
  if (trainer) {
    post({ type: 'run-error', message: 'A run is already in progress: stop it first.' });
    return;
  }
  lastTrainer?.dispose(); // gallery: the previous run's model is no longer inspected
  lastTrainer = null;
  let recorder: RunRecorder | null = null;
  try {
    if (!store) throw new StorageError('unavailable', 'The dataset store is not open.');
    const manifest = await store.getManifest(cfg.datasetId);
    if (!manifest?.complete) throw new Error(`Dataset "${cfg.datasetId}" is not stored yet.`);
    post({
      type: 'status',
      phase: 'preparing',
      message: resume ? 'Restoring the checkpoint' : 'Building the model',
    });
    const runs = await runStore();
    const warn = (message: string) => post({ type: 'run-error', message });
    const t = new Trainer(
      cfg,
      createStoreSource(store, manifest),
      {
        metrics: (point) => {
          post({ type: 'metrics', point });
          recorder?.metrics(point);
        },
        preview: (preview) => post({ type: 'preview', preview }, previewBuffers(preview)),
        evaluation: (point) => {
          post({ type: 'evaluation', point });
          recorder?.evaluation(point);
        },
        clusters: (snapshot) => post({ type: 'clusters', snapshot }),
        settings: (event) => {
          post({ type: 'run-event', event });
          recorder?.event(event);
        },
        embedding: (snapshot) => post({ type: 'embedding', snapshot }),
        baselines: (baselines) => {
          post({ type: 'baselines', baselines });
          recorder?.baselines(baselines);
        },
        status: (phase, message, progress) => post({ type: 'status', phase, message, progress }),
        checkpoint: (c) => recorder?.checkpoint(c),
      },
      resume ? { resumeFrom: resume.checkpoint } : {},
    );
    trainer = t;
    recorder = resume
      ? RunRecorder.existing(runs, resume.run.id, warn)
      : await RunRecorder.create(
          runs,
          cfg,
          capName(`${METHOD_INFO[cfg.method].label} on ${manifest.name}`),
          t.totalSteps,
          warn,
        );
    activeRunId = recorder.runId;
    post({
      type: 'run-started',
      runId: recorder.runId,
      config: cfg,
      resumed: resume
        ? { fromStep: resume.checkpoint.step, lostSteps: resume.lostSteps, run: resume.run }
        : null,
    });
    await t.run();
    recorder.status(deviceLost ? 'interrupted' : t.step >= t.totalSteps ? 'done' : 'stopped');
  } catch (e) {
    recorder?.status('interrupted');
    post({ type: 'status', phase: 'failed', message: (e as Error).message });
    post({ type: 'run-error', message: (e as Error).message });
  } finally {
    await recorder?.flush();
    // Gallery: the finished run's model stays for neighbour queries until the next launch.
    if (deviceLost) trainer?.dispose();
    else lastTrainer = trainer;
    trainer = null;
    await sendRuns();
  }
}

let activeRunId: string | null = null;

// Gallery: nearest neighbours with the running model, or the last finished run's.
let lastTrainer: Trainer | null = null;
async function neighbours(requestId: number, image: PreviewImage): Promise<void> {
  const t = trainer ?? lastTrainer;
  try {
    if (!t || deviceLost) throw new Error('No model to search with: start a run first.');
    const result = await t.neighbours(image);
    const buffers = result.neighbours.map((n) => n.image.pixels.buffer as ArrayBuffer);
    post({ type: 'neighbours', requestId, result, error: null }, buffers);
  } catch (e) {
    post({ type: 'neighbours', requestId, result: null, error: (e as Error).message ?? String(e) });
  }
}

async function runAction(id: string, action: RunAction): Promise<void> {
  if (action.kind === 'import') {
    try {
      const progress = (phase: RunImportPhase) => post({ type: 'run-import-progress', phase });
      const name = await importRunFile(await runStore(), action.text, progress);
      post({ type: 'run-import', tone: 'info', message: `Imported the run “${name}”.` });
    } catch (e) {
      post({ type: 'run-import', tone: 'error', message: storageInfo(e).message });
    }
    return;
  }
  try {
    await runActionFor(await runStore(), store, id, action, post, trainer ? activeRunId : null);
  } catch (e) {
    post({ type: 'run-error', message: storageInfo(e).message });
  }
}

let runs: RunStore | null = null;
async function runStore(): Promise<RunStore> {
  if (!runs) {
    runs = await openRunStore();
    await markInterrupted(runs); // runs that were training when the page went away
  }
  return runs;
}

async function sendRuns(): Promise<void> {
  try {
    post({ type: 'runs', ...(await listRunsReply(await runStore())) });
  } catch (e) {
    post({ type: 'run-error', message: storageInfo(e).message });
  }
}

async function resumeRun(id: string): Promise<void> {
  try {
    // Checked before prepareResume, which would drop the history after the checkpoint for nothing.
    if (deviceLost) throw new Error('The GPU device was lost: reload the page, then resume this run.');
    const point = await prepareResume(await runStore(), id);
    if (!point) throw new Error('This run has no checkpoint to resume from.');
    await launch(point.config, point);
  } catch (e) {
    post({ type: 'run-error', message: storageInfo(e).message });
  }
}

/** Live settings of the running run; the trainer reports the change (settings event) or it throws. */
function changeSettings(config: TrainConfig): void {
  try {
    if (!trainer) throw new Error('No run is training.');
    trainer.changeSettings(config);
  } catch (e) {
    post({ type: 'run-error', message: `Settings not changed: ${(e as Error).message}` });
  }
}

let checking = false;

/** "Check this GPU": the conformance check, never while a run holds the GPU (it switches backends). */
async function checkGpu(): Promise<void> {
  const fail = (message: string) => post({ type: 'conformance', phase: 'failed', message, report: null });
  if (trainer) return fail('Stop the run first: the check needs the GPU to itself.');
  if (deviceLost) return fail('The GPU device was lost: restart the backend first.');
  if (checking) return;
  checking = true;
  try {
    const report = await runConformance({
      curveSteps: 3,
      log: (message) => post({ type: 'conformance', phase: 'running', message, report: null }),
    });
    const failed = report.checks.filter((c) => !c.pass).length;
    post({
      type: 'conformance',
      phase: 'done',
      message: report.pass
        ? `All ${report.checks.length} checks pass (${report.seconds} s).`
        : `${failed} of ${report.checks.length} checks fail${report.gpuErrors.length ? `, ${report.gpuErrors.length} GPU errors` : ''}.`,
      report,
    });
  } catch (e) {
    fail(`The check could not run: ${(e as Error).message}`);
  } finally {
    checking = false;
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

/** Test hook for the CSP: fetches `url` from the worker and says whether it was allowed. */
async function debugFetch(url: string): Promise<void> {
  try {
    const res = await fetch(url);
    post({ type: 'debug-fetch', ok: true, message: `HTTP ${res.status}` });
  } catch (e) {
    post({ type: 'debug-fetch', ok: false, message: (e as Error).message ?? String(e) });
  }
}

self.onmessage = (ev: MessageEvent<unknown>) => {
  const checked = readWorkerRequest(ev.data);
  if (!checked.ok) {
    post(
      isKnownRequestType(ev.data)
        ? { type: 'run-error', message: `The worker refused a message from the page: ${checked.reason}.` }
        : unknownRequestReply(ev.data),
    );
    return;
  }
  const msg: WorkerRequest = checked.value;
  switch (msg.type) {
    case 'init':
      void init(msg.backend, msg.dataBaseUrl);
      break;
    case 'start':
      void launch(msg.config, null);
      break;
    case 'resume-run':
      void resumeRun(msg.id);
      break;
    case 'list-runs':
      void sendRuns();
      break;
    case 'get-runs':
      void runStore()
        .then((r) => runDetails(r, msg.ids))
        .then((runs) => post({ type: 'run-details', runs }))
        .catch((e: unknown) => post({ type: 'run-error', message: storageInfo(e).message }));
      break;
    case 'run-action':
      void runAction(msg.id, msg.action).then(sendRuns);
      break;
    case 'pause':
      trainer?.pause();
      break;
    case 'resume':
      trainer?.resume();
      break;
    case 'change-settings':
      changeSettings(msg.config);
      break;
    case 'stop':
      trainer?.stop();
      break;
    case 'retry-dataset':
      void prepareDatasets();
      break;
    case 'neighbours':
      void neighbours(msg.requestId, msg.image);
      break;
    case 'debug-lose-device':
      destroyDevice();
      break;
    case 'debug-fetch':
      void debugFetch(msg.url);
      break;
    case 'check-gpu':
      void checkGpu();
      break;
    default:
      void handleDatasetRequest(msg, datasetOps).then((handled) => {
        if (!handled) post(unknownRequestReply(msg));
      });
  }
};
