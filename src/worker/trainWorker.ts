/// <reference lib="webworker" />
// The training worker: owns tfjs, the image store, the run store and the run session. A thin dispatcher:
// every request is checked (requestSchema.ts), then handed to the part that owns it: RunSession (the
// run's lifetime), runOps (saved runs), datasetOps (the dataset library). Talks only through protocol.ts.
import { installBuiltin } from '../engine/data/builtin';
import { openImageStore, type ImageStore } from '../engine/data/imageStore';
import { BackendUnavailableError, destroyDevice, initBackend, onDeviceLost } from '../engine/runtime/backend';
import { runConformance } from '../engine/runtime/conformance';
import { markInterrupted, openRunStore, type RunStore } from '../engine/data/runStore';
import { importRunFile, listRunsReply, runActionFor, runDetails } from './runOps';
import { isKnownRequestType, readWorkerRequest } from './requestSchema';
import { unknownRequestReply } from './unknownRequest';
import { RunSession } from './runSession';
import { FinetuneJob } from './finetuneOps';
import { storageInfo, type Post } from './replies';
import {
  handleDatasetRequest,
  recoverInterruptedImports,
  whileWriting,
  type DatasetOpsContext,
} from './datasetOps';
import { handledAll, type RunAction, type WorkerReply, type WorkerRequest } from '../shared/protocol';
import type { BackendName } from '../shared/backendTypes';
import { BUILTIN_DATASETS } from '../shared/data/builtinCatalog';
import type { RunImportPhase } from '../shared/protocol';

declare const self: DedicatedWorkerGlobalScope;

// The worker's state: its stores (opened once) and the run session. Nothing else lives here.
let store: ImageStore | null = null;
let runs: RunStore | null = null;
let dataBaseUrl = '';
let checking = false; // the GPU check is running

const post: Post = (msg: WorkerReply, transfer: Transferable[] = []) => self.postMessage(msg, transfer);

async function runStore(): Promise<RunStore> {
  if (!runs) {
    runs = await openRunStore();
    await markInterrupted(runs); // runs that were training when the page went away
  }
  return runs;
}

const session = new RunSession({ post, images: () => store, runs: runStore, runEnded: sendRuns });
const finetuner = new FinetuneJob({
  post,
  runs: runStore,
  images: () => store,
  gpuBusy: () =>
    session.deviceLost
      ? 'The GPU device was lost: reload the page, then fine-tune.'
      : session.busy
        ? 'A run is training on the GPU: stop it (or let it finish) before fine-tuning.'
        : checking
          ? 'The GPU check is running: wait for it to finish.'
          : null,
});
/** A run may not start while a fine-tuning holds the GPU: the reason, posted, or false. */
function refusedForFinetune(): boolean {
  if (!finetuner.running) return false;
  post({ type: 'run-error', message: 'A fine-tuning is running: cancel it or wait for it before training.' });
  return true;
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
    onDeviceLost((message) => session.loseDevice(message));
  } catch (e) {
    const message =
      e instanceof BackendUnavailableError ? e.message : `Backend failed: ${(e as Error).message}`;
    post({ type: 'backend-error', backend, message });
    return;
  }
  await prepareDatasets();
  await sendRuns();
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
  if (action.kind === 'delete' && finetuner.running === id) {
    post({
      type: 'run-error',
      message: 'This run is being fine-tuned: cancel the fine-tuning before deleting it.',
    });
    return;
  }
  try {
    await runActionFor(await runStore(), store, id, action, post, session.activeRunId);
  } catch (e) {
    post({ type: 'run-error', message: storageInfo(e).message });
  }
}

async function sendRuns(): Promise<void> {
  try {
    post({ type: 'runs', ...(await listRunsReply(await runStore())) });
  } catch (e) {
    post({ type: 'run-error', message: storageInfo(e).message });
  }
}

/** "Check this GPU": the conformance check, never while a run holds the GPU (it switches backends). */
async function checkGpu(): Promise<void> {
  const fail = (message: string) => post({ type: 'conformance', phase: 'failed', message, report: null });
  if (session.busy) return fail('Stop the run first: the check needs the GPU to itself.');
  if (finetuner.running) return fail('A fine-tuning is running: the check needs the GPU to itself.');
  if (session.deviceLost) return fail('The GPU device was lost: restart the backend first.');
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
  trainingOn: () => session.trainingOn,
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

/** Hands a checked request to its owner. Exhaustive: a request type added to protocol.ts and not handled here fails to compile. */
function dispatch(msg: WorkerRequest): void {
  switch (msg.type) {
    case 'init':
      void init(msg.backend, msg.dataBaseUrl);
      return;
    case 'start':
      if (!refusedForFinetune()) void session.start(msg.config);
      return;
    case 'resume-run':
      if (!refusedForFinetune()) void session.resumeSaved(msg.id);
      return;
    case 'pause':
      session.pause();
      return;
    case 'resume':
      session.resume();
      return;
    case 'change-settings':
      session.changeSettings(msg.config);
      return;
    case 'stop':
      session.stop();
      return;
    case 'neighbours':
      void session.neighbours(msg.requestId, msg.image);
      return;
    case 'list-runs':
      void sendRuns();
      return;
    case 'get-runs':
      void runStore()
        .then((r) => runDetails(r, msg.ids))
        .then((found) => post({ type: 'run-details', runs: found }))
        .catch((e: unknown) => post({ type: 'run-error', message: storageInfo(e).message }));
      return;
    case 'run-action':
      void runAction(msg.id, msg.action).then(sendRuns);
      return;
    case 'retry-dataset':
      void prepareDatasets();
      return;
    case 'refresh-datasets':
    case 'dataset-thumbnails':
    case 'rename-dataset':
    case 'delete-dataset':
    case 'export-dataset':
    case 'install-builtin':
    case 'generate-fractals':
    case 'import-dataset':
    case 'cancel-dataset-job':
      void handleDatasetRequest(msg, datasetOps);
      return;
    case 'debug-lose-device':
      destroyDevice();
      return;
    case 'debug-fetch':
      void debugFetch(msg.url);
      return;
    case 'check-gpu':
      void checkGpu();
      return;
    case 'finetune':
      void finetuner.run(msg.runId, msg.fraction, msg.seed).then(sendRuns);
      return;
    case 'cancel-finetune':
      finetuner.cancel();
      return;
    default:
      handledAll(msg); // a request type added to protocol.ts and not handled here fails to compile
      post(unknownRequestReply(msg));
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
  dispatch(checked.value);
};
