// Saved-run requests inside the worker: rename, tag, delete, export (metrics as CSV/JSON, the
// backbone in the tfjs layers format from the run's checkpoint) and import of an exported run file.
import type { ImageStore } from '../engine/data/imageStore';
import { createStoreSource } from '../engine/data/imageStore';
import type { RunStore } from '../engine/data/runStore';
import { metricsToCsv } from '../shared/evaluation/runMath';
import { exportBackboneArtifacts, modelFiles } from '../engine/nn/exportLayers';
import { Trainer } from '../engine/training/trainer';
import { describeEvent } from '../shared/runEvents';
import {
  capName,
  cleanTags,
  MAX_NAME,
  parseRunFile,
  RUN_FILE_FORMAT,
  type DamagedRecord,
} from '../shared/schema/run';
import type { ExportFile, RunAction, RunSummary, WorkerReply } from '../shared/protocol';
import type { RunRecord, StoredRun } from '../shared/records';
import type { RunImportPhase } from '../shared/protocol';

export { RUN_FILE_FORMAT };

/** The runs list's line for a run, from its stored record alone (its histories are not read). */
export function summariseRun(r: StoredRun): RunSummary {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    step: r.step,
    totalSteps: r.totalSteps,
    method: r.config.method,
    datasetId: r.datasetId,
    seed: r.config.seed,
    config: r.config,
    tags: r.tags,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    loss: r.latest.loss,
    linearTop1: r.latest.linearTop1,
    knnTop1: r.latest.knnTop1,
    finetunes: r.finetunes ?? [],
    events: (r.events ?? []).map((e) => ({ step: e.step, kind: e.kind, label: describeEvent(e) })),
  };
}

/**
 * The runs panel's list: a summary of every run whose record parses, and the damaged records with their
 * reason. Reads the runs' records only, never their histories. Never throws for a bad record: one that
 * cannot even be summarised is listed as damaged too.
 */
export async function listRunsReply(
  runs: RunStore,
): Promise<{ runs: RunSummary[]; damaged: DamagedRecord[] }> {
  const scan = await runs.scanRuns();
  const summaries: RunSummary[] = [];
  const damaged = [...scan.damaged];
  for (const r of scan.runs) {
    try {
      summaries.push(summariseRun(r));
    } catch (e) {
      damaged.push({ id: r.id, reason: `it cannot be summarised (${(e as Error).message})` });
    }
  }
  return { runs: summaries, damaged };
}

const safe = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 60);

/**
 * Stores a run file's run as a new saved run (a new id, "(imported)" after its name, an interrupted status
 * for runs that were training). Throws with the reason, naming the bad field, when the file is refused:
 * then nothing is stored. Returns the stored run's name.
 */
export async function importRunFile(
  runs: RunStore,
  text: string,
  progress: (phase: RunImportPhase) => void = () => {},
): Promise<string> {
  progress('check');
  const parsed = parseRunFile(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  const r = parsed.value;
  const now = Date.now();
  const suffix = ' (imported)';
  const name = capName(r.name.slice(0, MAX_NAME - suffix.length) + suffix);
  progress('store');
  await runs.saveRun({
    ...r,
    id: `run-${now}-imported`,
    name,
    tags: cleanTags(r.tags),
    status: r.status === 'running' || r.status === 'paused' ? 'interrupted' : r.status,
    updatedAt: now,
  });
  return name;
}

/** A stored value as JSON text, whatever it holds (typed arrays as lists, BigInts as text, no cycles). */
function rawJson(raw: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(
    raw,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[cycle]';
        seen.add(v);
      }
      return v;
    },
    1,
  );
}

export async function runActionFor(
  runs: RunStore,
  images: ImageStore | null,
  id: string,
  action: RunAction,
  post: (msg: WorkerReply, transfer?: Transferable[]) => void,
  activeRunId: string | null,
): Promise<void> {
  const sendFiles = (files: ExportFile[]) => post({ type: 'run-export', files });
  // Actions that work on any stored record, damaged ones included: they never parse it.
  switch (action.kind) {
    case 'import':
      await importRunFile(runs, action.text);
      return;
    case 'delete':
      if (activeRunId === id) throw new Error('This run is training: stop it before deleting it.');
      await runs.deleteRun(id);
      return;
    case 'export-raw': {
      const raw = await runs.getRawRun(id);
      if (raw === undefined) throw new Error(`There is no saved run "${id}".`);
      sendFiles([{ name: `${safe(id)}.raw.json`, type: 'application/json', data: rawJson(raw) }]);
      return;
    }
  }
  switch (action.kind) {
    case 'rename': {
      const name = action.name.trim();
      if (!name) throw new Error('A run needs a name.');
      if (name.length > MAX_NAME) throw new Error(`Run names are at most ${MAX_NAME} characters.`);
      await runs.renameRun(id, name);
      return;
    }
    case 'tags':
      await runs.setTags(id, cleanTags(action.tags));
      return;
  }
  // Exports need the whole run, histories included.
  const run = await runs.getRun(id);
  if (!run) throw new Error(`There is no saved run "${id}".`);
  switch (action.kind) {
    case 'export-metrics': {
      const base = safe(run.name);
      sendFiles([
        { name: `${base}.metrics.csv`, type: 'text/csv', data: metricsToCsv(run.metrics) },
        {
          name: `${base}.run.json`,
          type: 'application/json',
          data: JSON.stringify({ format: RUN_FILE_FORMAT, run }),
        },
      ]);
      return;
    }
    case 'export-weights': {
      const ckpt = await runs.getCheckpoint(id);
      if (!ckpt) throw new Error('This run has no checkpoint yet: weights are saved every few steps.');
      const manifest = await images?.getManifest(run.datasetId);
      if (!images || !manifest) throw new Error(`The run's dataset "${run.datasetId}" is no longer stored.`);
      const cfg = run.config;
      const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };
      const t = new Trainer(cfg, createStoreSource(images, manifest), silent, { resumeFrom: ckpt });
      try {
        const spec = {
          backbone: cfg.backbone,
          channels: manifest.channels,
          width: cfg.width,
          imageSize: cfg.imageSize,
        };
        const m = modelFiles(await exportBackboneArtifacts(t.base.encoder.backbone, spec), safe(run.name));
        sendFiles([
          { name: m.jsonName, type: 'application/json', data: m.json },
          { name: m.weightsName, type: 'application/octet-stream', data: m.weights },
        ]);
      } finally {
        t.dispose();
      }
      return;
    }
  }
}

/** The full records of these runs, in the order asked; ids no longer stored are left out. */
export async function runDetails(runs: RunStore, ids: readonly string[]): Promise<RunRecord[]> {
  // A damaged record is left out like a missing one (the runs list shows it as damaged).
  const found = await Promise.all(ids.map((id) => runs.getRun(id).catch(() => undefined)));
  return found.filter((r): r is RunRecord => r !== undefined);
}
