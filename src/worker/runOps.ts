// Saved-run requests inside the worker: rename, tag, delete, export (metrics as CSV/JSON, the
// backbone in the tfjs layers format from the run's checkpoint) and import of an exported run file.
import type { ImageStore } from '../engine/data/imageStore';
import { createStoreSource } from '../engine/data/imageStore';
import type { RunRecord, RunStore } from '../engine/data/runStore';
import { metricsToCsv } from '../engine/evaluation/runMath';
import { exportBackboneArtifacts, modelFiles } from '../engine/nn/exportLayers';
import { Trainer } from '../engine/training/trainer';
import { describeEvent, isRunEvent } from '../engine/training/runEvents';
import { upgradeConfig } from '../engine/config';
import type { ExportFile, RunAction, RunSummary, WorkerReply } from './protocol';

export const RUN_FILE_FORMAT = 'hexa-lab-run/1';

export function summariseRun(r: RunRecord): RunSummary {
  const last = r.metrics.at(-1);
  const lastEval = r.evals.at(-1);
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
    loss: last?.values.loss ?? null,
    linearTop1: lastEval?.linearTop1 ?? null,
    knnTop1: lastEval?.knnTop1 ?? null,
    events: (r.events ?? []).map((e) => ({ step: e.step, kind: e.kind, label: describeEvent(e) })),
  };
}

const safe = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 60);

export async function runActionFor(
  runs: RunStore,
  images: ImageStore | null,
  id: string,
  action: RunAction,
  post: (msg: WorkerReply, transfer?: Transferable[]) => void,
  activeRunId: string | null,
): Promise<void> {
  const run = action.kind === 'import' ? null : await runs.getRun(id);
  if (action.kind !== 'import' && !run) throw new Error(`There is no saved run "${id}".`);
  const sendFiles = (files: ExportFile[]) => post({ type: 'run-export', files });
  switch (action.kind) {
    case 'rename': {
      const name = action.name.trim();
      if (!name) throw new Error('A run needs a name.');
      await runs.renameRun(id, name);
      return;
    }
    case 'tags':
      await runs.setTags(id, [...new Set(action.tags.map((t) => t.trim()).filter(Boolean))].slice(0, 20));
      return;
    case 'delete':
      if (activeRunId === id) throw new Error('This run is training: stop it before deleting it.');
      await runs.deleteRun(id);
      return;
    case 'export-metrics': {
      const base = safe(run!.name);
      sendFiles([
        { name: `${base}.metrics.csv`, type: 'text/csv', data: metricsToCsv(run!.metrics) },
        {
          name: `${base}.run.json`,
          type: 'application/json',
          data: JSON.stringify({ format: RUN_FILE_FORMAT, run: run! }),
        },
      ]);
      return;
    }
    case 'export-weights': {
      const ckpt = await runs.getCheckpoint(id);
      if (!ckpt) throw new Error('This run has no checkpoint yet: weights are saved every few steps.');
      const manifest = await images?.getManifest(run!.datasetId);
      if (!images || !manifest) throw new Error(`The run's dataset "${run!.datasetId}" is no longer stored.`);
      const cfg = run!.config;
      const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };
      const t = new Trainer(cfg, createStoreSource(images, manifest), silent, { resumeFrom: ckpt });
      try {
        const spec = {
          backbone: cfg.backbone,
          channels: manifest.channels,
          width: cfg.width,
          imageSize: cfg.imageSize,
        };
        const m = modelFiles(await exportBackboneArtifacts(t.base.encoder.backbone, spec), safe(run!.name));
        sendFiles([
          { name: m.jsonName, type: 'application/json', data: m.json },
          { name: m.weightsName, type: 'application/octet-stream', data: m.weights },
        ]);
      } finally {
        t.dispose();
      }
      return;
    }
    case 'import': {
      let parsed: { format?: string; run?: RunRecord };
      try {
        parsed = JSON.parse(action.text) as typeof parsed;
      } catch {
        throw new Error('This file is not a run exported by HEXA Lab (it is not JSON).');
      }
      const r = parsed.run;
      if (
        parsed.format !== RUN_FILE_FORMAT ||
        !r ||
        !Array.isArray(r.metrics) ||
        typeof r.config !== 'object'
      )
        throw new Error(
          `This file is not a run exported by HEXA Lab (expected format "${RUN_FILE_FORMAT}").`,
        );
      if (r.events !== undefined && (!Array.isArray(r.events) || !r.events.every(isRunEvent)))
        throw new Error('This run file has malformed events (settings changes, resumptions): not imported.');
      const now = Date.now();
      await runs.saveRun({
        ...r,
        config: upgradeConfig(r.config),
        id: `run-${now}-imported`,
        name: `${r.name} (imported)`,
        status: r.status === 'running' || r.status === 'paused' ? 'interrupted' : r.status,
        updatedAt: now,
      });
      return;
    }
  }
}

/** The full records of these runs, in the order asked; ids no longer stored are left out. */
export async function runDetails(runs: RunStore, ids: readonly string[]): Promise<RunRecord[]> {
  const found = await Promise.all(ids.map((id) => runs.getRun(id)));
  return found.filter((r): r is RunRecord => r !== undefined);
}
