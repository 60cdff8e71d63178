// Wires the worker to the stores. UI components call these actions; they never touch the worker.
import { download } from '../download';
import { createWorkerClient, type WorkerClient } from '../worker/client';
import {
  handledAll,
  type ImportOptions,
  type ImportSource,
  type RunAction,
  type WorkerReply,
  type WorkerRequest,
} from '../shared/protocol';
import { useBackendStore } from './backendStore';
import { chooseTinyForSlowBackend, replaceConfig, useConfigStore } from './configStore';
import { useSavedRuns } from './savedRunsStore';
import type { TrainConfig } from '../shared/config';
import { editedLive, withChanges } from '../shared/liveSettings';
import { useDatasetStore } from './datasetStore';
import { addMetrics, addPreview, resetRun, setStatus, useLiveRun } from './liveRunStore';
import { beginAblation, cancelAblationQueue, compareOnReply } from './compareStore';
import { buildAblation, nextAblationNumber } from './compareData';
import { runFileSizeProblem } from '../shared/schema/run';
import type { BackendName } from '../shared/backendTypes';
import type { FinetuneFraction, PreviewImage } from '../shared/trainingTypes';
import { mergeFinetune } from '../shared/evaluation/finetunePoints';
import type { BuiltinId } from '../shared/data/builtinCatalog';
import type { FractalParams } from '../shared/data/fractalParams';

let client: WorkerClient | null = null;

function onReply(msg: WorkerReply): void {
  compareOnReply(msg, { launch: launchConfig, send: (req) => client?.send(req) });
  switch (msg.type) {
    case 'backend': {
      const r = msg.report;
      if (switchIfSoftware && r.name === 'webgpu' && r.adapter?.isFallbackAdapter) {
        // A software adapter (SwiftShader) trains over ten times slower than WebAssembly on the same CPU
        // (bench/README.md): start on wasm instead, and say so (the panel offers WebGPU anyway).
        const adapter = r.adapter;
        startLab('wasm', labStorageOk);
        useBackendStore.setState({ switchedFrom: adapter });
        break;
      }
      switchIfSoftware = false;
      useBackendStore.setState({ report: msg.report, error: null });
      if (r.adapter?.isFallbackAdapter || r.name === 'cpu' || r.name === 'wasm')
        chooseTinyForSlowBackend(
          r.adapter?.isFallbackAdapter
            ? `This GPU is a software adapter (${r.adapter.vendor || 'SwiftShader'}, the GPU emulated on the CPU): the Tiny preset was chosen, so that training starts at once and learning shows within its 200 steps. Pick another preset to change it.`
            : r.name === 'wasm'
              ? `WebAssembly trains on the CPU: the Tiny preset was chosen, so that learning shows within minutes. Pick another preset to change it.`
              : `The CPU backend is slow: the Tiny preset was chosen, so that learning shows within its 200 steps. Pick another preset to change it.`,
        );
      break;
    }
    case 'backend-error':
      useBackendStore.setState({ error: { backend: msg.backend, message: msg.message } });
      break;
    case 'conformance':
      useBackendStore.setState((s) => ({
        check: {
          phase: msg.phase,
          log: msg.phase === 'running' ? [...(s.check?.log ?? []), msg.message] : (s.check?.log ?? []),
          message: msg.message,
          report: msg.report,
        },
      }));
      break;
    case 'dataset-progress':
      useDatasetStore.setState({
        progress: {
          datasetId: msg.datasetId,
          name: msg.name,
          done: msg.done,
          total: msg.total,
          phase: msg.phase,
        },
      });
      break;
    case 'datasets':
      useDatasetStore.setState((s) => ({
        manifests: msg.manifests,
        damaged: msg.damaged,
        listed: true,
        usage: msg.usage,
        progress: msg.manifests.some((m) => m.id === s.progress?.datasetId && m.complete) ? null : s.progress,
      }));
      break;
    case 'thumbnails':
      useDatasetStore.setState((s) => ({ thumbnails: { ...s.thumbnails, [msg.id]: msg.groups } }));
      break;
    case 'dataset-export': {
      useDatasetStore.setState({
        progress: null,
        notice: { tone: 'info', message: `Exported ${msg.filename}.` },
      });
      const url = URL.createObjectURL(msg.blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = msg.filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      break;
    }
    case 'runs':
      useSavedRuns.setState({ runs: msg.runs, damaged: msg.damaged });
      break;
    case 'run-import-progress':
      useSavedRuns.setState((s) => ({
        importing: { phase: msg.phase, done: s.importing?.total ?? 0, total: s.importing?.total ?? 0 },
      }));
      break;
    case 'run-import':
      useSavedRuns.setState({ importing: null, importNote: { tone: msg.tone, message: msg.message } });
      break;
    case 'debug-fetch':
      debugFetchWaiters.shift()?.(msg);
      break;
    case 'run-started':
      useSavedRuns.setState({
        activeRunId: msg.runId,
        resumed: msg.resumed ? { fromStep: msg.resumed.fromStep, lostSteps: msg.resumed.lostSteps } : null,
      });
      if (msg.resumed) {
        // The charts continue the saved history; the form shows the settings it resumes with.
        useLiveRun.setState({
          metrics: msg.resumed.run.metrics,
          evals: msg.resumed.run.evals,
          baselines: msg.resumed.run.baselines ?? null,
        });
        replaceConfig(msg.config);
      }
      useLiveRun.setState({
        config: msg.config,
        events: msg.resumed?.run.events ?? [],
        formAtStart: useConfigStore.getState().config,
      });
      client?.send({ type: 'list-runs' });
      break;
    case 'run-event':
      useLiveRun.setState((s) => ({
        events: [...s.events, msg.event],
        config:
          s.config && msg.event.kind === 'settings' ? withChanges(s.config, msg.event.changes) : s.config,
      }));
      break;
    case 'run-export':
      msg.files.forEach((f) => download(new Blob([f.data], { type: f.type }), f.name));
      break;
    case 'import-report':
      useDatasetStore.setState({ importReport: msg.report, progress: null });
      break;
    case 'dataset-notice':
      useDatasetStore.setState({
        notice: { tone: msg.tone, message: msg.message },
        ...(msg.tone === 'error' ? { progress: null } : {}),
      });
      break;
    case 'storage-error':
      useDatasetStore.setState({ error: msg.error, progress: null });
      break;
    case 'status':
      setStatus(msg.phase, msg.message, msg.progress ?? null);
      break;
    case 'baselines':
      useLiveRun.setState({ baselines: msg.baselines });
      break;
    case 'metrics':
      addMetrics(msg.point);
      break;
    case 'preview':
      addPreview(msg.preview);
      break;
    case 'evaluation':
      useLiveRun.setState((s) => ({ evals: [...s.evals, msg.point] }));
      break;
    case 'clusters':
      useLiveRun.setState({ clusters: msg.snapshot });
      break;
    case 'run-error':
    case 'request-error':
      useLiveRun.setState({ error: msg.message });
      break;
    case 'embedding':
      useLiveRun.setState({ embedding: msg.snapshot });
      break;
    case 'neighbours':
      useLiveRun.setState((s) =>
        s.neighbours?.requestId === msg.requestId
          ? { neighbours: { ...s.neighbours, result: msg.result, error: msg.error } }
          : {},
      );
      break;
    case 'device-lost':
      useBackendStore.setState({ deviceLost: msg.message });
      useLiveRun.setState({ phase: 'failed', error: msg.message });
      break;
    case 'run-details':
      break; // the comparison's: compareOnReply (above) takes it
    case 'finetune-progress':
      useSavedRuns.setState((s) =>
        s.finetune?.runId === msg.runId ? { finetune: { ...s.finetune, progress: msg.progress } } : {},
      );
      break;
    case 'finetune-result':
      useSavedRuns.setState((s) => ({
        runs: s.runs.map((r) =>
          r.id === msg.runId ? { ...r, finetunes: mergeFinetune(r.finetunes, msg.point) } : r,
        ),
        // the random init comes second: its result ends the fine-tuning
        finetune:
          s.finetune?.runId === msg.runId && msg.point.fromRandomInit
            ? { ...s.finetune, running: false, progress: null }
            : s.finetune,
      }));
      break;
    case 'finetune-error':
      useSavedRuns.setState((s) => ({
        finetune: {
          runId: msg.runId,
          fraction: s.finetune?.fraction ?? 0.01,
          running: false,
          progress: null,
          error: msg.message,
        },
      }));
      break;
    default:
      handledAll(msg); // a reply type added to protocol.ts and not handled here fails to compile
  }
}

/** "Check this GPU": runs the conformance check in the worker (backendStore.check follows it). */
export function checkGpu(): void {
  useBackendStore.setState({
    check: { phase: 'running', log: [], message: 'Starting the check', report: null },
  });
  client?.send({ type: 'check-gpu' });
}

/** True from the page's first start until the first backend report: leave a software adapter for wasm. */
let switchIfSoftware = false;
let labStorageOk = true;

/**
 * The page's first start: the link's backend if it names one; else WebGPU, left for WebAssembly by
 * itself when the adapter turns out to be a software fallback.
 */
export function startLabFirst(linkBackend: BackendName | null, storageOk: boolean): void {
  startLab(linkBackend ?? 'webgpu', storageOk);
  switchIfSoftware = linkBackend === null;
}

/** Starts (or restarts, on another backend) the worker. */
export function startLab(backend: BackendName, storageOk: boolean): void {
  client?.terminate();
  switchIfSoftware = false; // a backend chosen by hand (or by the switch itself) is kept
  labStorageOk = storageOk;
  useBackendStore.setState({
    requested: backend,
    report: null,
    error: null,
    deviceLost: null,
    check: null,
    switchedFrom: null,
  });
  client = createWorkerClient(
    onReply,
    (message) => useLiveRun.setState({ phase: 'failed', error: message }),
    // A malformed reply is dropped (replyCheck.ts) and shown in the run error box; the run goes on.
    (message) => useLiveRun.setState({ error: message }),
  );
  if (!storageOk) return;
  client?.send({ type: 'init', backend, dataBaseUrl: new URL('./', location.href).href });
}

export function resumeSavedRun(id: string): void {
  resetRun();
  client?.send({ type: 'resume-run', id });
}

/** A saved-run action; the run error box is cleared (a failure of this action sets it again). */
export const runAction = (id: string, action: RunAction) => {
  if (useLiveRun.getState().error) useLiveRun.setState({ error: null });
  client?.send({ type: 'run-action', id, action });
};

/**
 * Imports a run file: refused before reading when it is over MAX_RUN_FILE_BYTES; read with progress
 * (bytes), then checked and stored by the worker (phases 'check', 'store'); the outcome is importNote.
 */
export async function importRunFileFromPage(file: File): Promise<void> {
  const tooBig = runFileSizeProblem(file.size);
  if (tooBig) {
    useSavedRuns.setState({ importing: null, importNote: { tone: 'error', message: tooBig } });
    return;
  }
  if (!client) {
    const message = 'The training worker is not running: reload the page, then import the file.';
    useSavedRuns.setState({ importing: null, importNote: { tone: 'error', message } });
    return;
  }
  const total = file.size;
  useSavedRuns.setState({ importNote: null, importing: { phase: 'read', done: 0, total } });
  try {
    const reader = file.stream().getReader();
    const decoder = new TextDecoder();
    let text = '';
    let done = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      done += chunk.value.byteLength;
      text += decoder.decode(chunk.value, { stream: true });
      useSavedRuns.setState({ importing: { phase: 'read', done, total } });
    }
    text += decoder.decode();
    client?.send({ type: 'run-action', id: '', action: { kind: 'import', text } });
  } catch (e) {
    useSavedRuns.setState({
      importing: null,
      importNote: { tone: 'error', message: `The file could not be read: ${(e as Error).message}` },
    });
  }
}

/** Fine-tunes saved run `runId` (and its random init) at `fraction` of the labels, in the worker. */
export function startFinetune(runId: string, fraction: FinetuneFraction, seed: number): void {
  if (!client) {
    const error = 'The training worker is not running: reload the page, then fine-tune.';
    useSavedRuns.setState({ finetune: { runId, fraction, running: false, progress: null, error } });
    return;
  }
  useSavedRuns.setState({ finetune: { runId, fraction, running: true, progress: null, error: null } });
  client.send({ type: 'finetune', runId, fraction, seed });
}

/** Cancels the running fine-tuning (the worker answers with a finetune-error "cancelled"). */
export function cancelFinetune(): void {
  client?.send({ type: 'cancel-finetune' });
}

/** Loads a saved run's settings into the form, to change and start again. */
export function duplicateRun(config: TrainConfig): void {
  replaceConfig(config); // validated, and mirrored to the URL
}

export function startRun(): void {
  const { config, issues } = useConfigStore.getState();
  if (issues.length > 0) {
    useLiveRun.setState({ error: `Fix the settings first: ${issues.map((i) => i.message).join(' ')}` });
    return;
  }
  launchConfig(config);
}

/** Starts a fresh run with this config (startRun's config, or the ablation queue's next one). */
function launchConfig(config: TrainConfig): void {
  useSavedRuns.setState({ resumed: null });
  resetRun();
  client?.send({ type: 'start', config });
}

/** Asks the worker for the full records of these saved runs (the comparison view). */
export const requestRunDetails = (ids: string[]) => client?.send({ type: 'get-runs', ids });

/** Queues the four-arm ablation of the current settings over `seeds` seeds and starts its first run. */
export function startAblation(seeds: number): void {
  const { config, issues } = useConfigStore.getState();
  if (issues.length > 0) {
    useLiveRun.setState({ error: `Fix the settings first: ${issues.map((i) => i.message).join(' ')}` });
    return;
  }
  const n = nextAblationNumber(useSavedRuns.getState().runs.map((r) => r.name));
  const items = buildAblation(config, seeds, n);
  beginAblation(items);
  launchConfig(items[0]!.config);
}

/** Stops the ablation queue and its current run; the runs done so far are compared. */
export function cancelAblation(): void {
  if (cancelAblationQueue((req) => client?.send(req))) client?.send({ type: 'stop' });
}

/** Sends the live settings edited in the form to the running run (its other settings stay as they are). */
export function applyLiveSettings(): void {
  const { config: running, formAtStart } = useLiveRun.getState();
  if (!running || !formAtStart) return;
  const { config, issues } = useConfigStore.getState();
  if (issues.length > 0) {
    useLiveRun.setState({ error: `Fix the settings first: ${issues.map((i) => i.message).join(' ')}` });
    return;
  }
  const changes = editedLive(formAtStart, config, running);
  useLiveRun.setState({ error: null, formAtStart: config });
  if (changes.length > 0) client?.send({ type: 'change-settings', config: withChanges(running, changes) });
}

export const pauseRun = () => client?.send({ type: 'pause' });
export const resumeRun = () => client?.send({ type: 'resume' });
export const stopRun = () => client?.send({ type: 'stop' });
export const retryDataset = () => {
  useDatasetStore.setState({ error: null });
  client?.send({ type: 'retry-dataset' });
};
export const requestThumbnails = (id: string) => client?.send({ type: 'dataset-thumbnails', id });
export const renameDataset = (id: string, name: string) => client?.send({ type: 'rename-dataset', id, name });
export const deleteDataset = (id: string) => client?.send({ type: 'delete-dataset', id });
export const exportDataset = (id: string) => client?.send({ type: 'export-dataset', id });
export const installBuiltinDataset = (id: BuiltinId) => client?.send({ type: 'install-builtin', id });
export const generateFractalDataset = (params: FractalParams) =>
  client?.send({ type: 'generate-fractals', params });
export const importDataset = (source: ImportSource, options: ImportOptions) => {
  useDatasetStore.setState({ importReport: null, notice: null });
  client?.send({ type: 'import-dataset', source, options });
};
export const cancelDatasetJob = () => {
  client?.send({ type: 'cancel-dataset-job' });
  useDatasetStore.setState({ progress: null });
};

/** Asks the browser to keep this site's data under storage pressure (main-thread only API). */
export async function requestPersistence(): Promise<void> {
  const persisted = (await navigator.storage?.persist?.()) ?? false;
  useDatasetStore.setState({ persisted });
}

/** Gallery: asks the worker for the nearest held-out images of `image` (the reply fills useLiveRun's neighbours). */
let neighbourRequests = 0;
export function requestNeighbours(image: PreviewImage, title: string): void {
  const requestId = ++neighbourRequests;
  useLiveRun.setState({ neighbours: { requestId, title, result: null, error: null } });
  client?.send({ type: 'neighbours', requestId, image });
}

export const debugLoseDevice = () => client?.send({ type: 'debug-lose-device' });

/** Test hook: asks the worker to fetch `url`; resolves with whether the fetch was allowed. */
const debugFetchWaiters: ((r: { ok: boolean; message: string }) => void)[] = [];
export function debugWorkerFetch(url: string): Promise<{ ok: boolean; message: string }> {
  return new Promise((resolve) => {
    debugFetchWaiters.push(resolve);
    client?.send({ type: 'debug-fetch', url });
  });
}

/** Tests only: posts any message to the worker, bypassing the protocol's types. */
export const debugSendRaw = (msg: unknown) => client?.send(msg as WorkerRequest);
