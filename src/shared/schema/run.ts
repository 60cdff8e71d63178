// Schemas of saved runs: the record kept in IndexedDB, and the run file exported and imported by the
// runs panel (`{ format: 'hexa-lab-run/1', run }`). Stored records are read through readRunRecord, so
// a damaged or older record is reported, never trusted; run files through parseRunFile, with size and
// history limits checked before the schema. No tfjs here: the page imports it too.
import { z } from 'zod';
import type { RunEvent } from '../runEvents';
import { LIVE_KEYS } from '../liveSettings';
import { check, shorten, type Checked, type MustBe, type SchemaCovers } from './issues';
import { trainConfigSchema } from './config';
import { FINETUNE_FRACTIONS, type EvalPoint, type FinetunePoint, type MetricsPoint } from '../trainingTypes';
import type { RunLatest, RunRecord, StoredRun } from '../records';

export const RUN_FILE_FORMAT = 'hexa-lab-run/1';
/** Run files larger than this are refused before they are read (the page checks File.size). */
export const MAX_RUN_FILE_BYTES = 50_000_000;
/** Imported histories longer than this are refused before the schema runs (a real run has ~1,000). */
export const MAX_HISTORY_POINTS = 100_000;
/** Run names, like dataset names, are at most this long. */
export const MAX_NAME = 80;
export const MAX_TAGS = 20;
export const MAX_TAG = 40;

/** A record that no longer parses: listed with its reason, exportable raw and deletable. */
export interface DamagedRecord {
  id: string;
  reason: string;
}

/** Any number, NaN and ±Infinity included (a diverged run's loss); JSON's null (from NaN) reads as NaN. */
export const metricNumber = z.preprocess(
  (v) => (v === null ? NaN : v),
  z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' }),
);
export const count = z.number().int().min(0);

export const metricsPointSchema = z.object({
  step: count,
  epoch: metricNumber,
  totalSteps: count,
  lr: metricNumber,
  values: z.record(z.string(), metricNumber),
  imagesPerSec: metricNumber,
  elapsedMs: metricNumber,
  numTensors: metricNumber,
});

export const evalPointSchema = z.object({
  step: count,
  epoch: metricNumber,
  linearTop1: metricNumber,
  knnTop1: metricNumber,
  /** Held-out images scored (for the 95 % interval); absent in records saved before it was kept. */
  testCount: count.optional(),
  perClass: z.array(metricNumber),
  confusion: z.array(z.array(metricNumber)),
});

const probeScores = z.object({ linearTop1: metricNumber, knnTop1: metricNumber });
/** The accuracy chart's reference lines (training/baselines.ts), scored at a run's first evaluation. */
export const baselinesSchema = z.object({
  randomInit: probeScores,
  pixels: probeScores,
  trainCount: count,
  testCount: count,
});

const unitScore = z.number().min(0).max(1);
/** One fine-tuning evaluation (evaluation/finetune.ts in the engine) kept with its run. */
export const finetunePointSchema = z.object({
  fraction: z.literal(FINETUNE_FRACTIONS),
  top1: unitScore,
  top5: unitScore.optional(),
  fromRandomInit: z.boolean(),
  trainCount: count,
  testCount: count,
  step: count,
  seed: z.number().int(),
});
export type FinetuneSchemaCoversPoint = MustBe<SchemaCovers<FinetunePoint, typeof finetunePointSchema.shape>>;
/** At most this many fine-tuning points a run (3 fractions × 2 inits: a repeat replaces). */
export const MAX_FINETUNES = 6;

const eventAt = { step: count, epoch: z.number(), elapsedMs: z.number() };
const settingValue = z.union([z.number(), z.boolean()]);
export const runEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('settings'),
    ...eventAt,
    changes: z.array(
      z
        .object({ key: z.enum(LIVE_KEYS), from: settingValue, to: settingValue })
        .refine((c) => typeof c.from === typeof c.to, {
          message: 'expected "from" and "to" of the same type',
        }),
    ),
  }),
  z.object({ kind: z.literal('resume'), ...eventAt, lostSteps: count }),
]) as unknown as z.ZodType<RunEvent>;

export const RUN_STATUSES = ['running', 'paused', 'done', 'stopped', 'interrupted'] as const;

/**
 * A saved run. Migrations of older records (safe defaults): records saved before evaluations, events
 * or tags existed read them as empty lists.
 */
export type MetricsSchemaCoversPoint = MustBe<SchemaCovers<MetricsPoint, typeof metricsPointSchema.shape>>;
export type EvalSchemaCoversPoint = MustBe<SchemaCovers<EvalPoint, typeof evalPointSchema.shape>>;

const runRecordShape = {
  id: z.string().min(1),
  name: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  config: trainConfigSchema,
  datasetId: z.string(),
  status: z.enum(RUN_STATUSES),
  step: count,
  totalSteps: count,
  metrics: z.array(metricsPointSchema),
  evals: z.array(evalPointSchema).default([]),
  events: z.array(runEventSchema).default([]),
  tags: z.array(z.string()).default([]),
  notes: z.string().optional(),
  baselines: baselinesSchema.optional(),
  finetunes: z.array(finetunePointSchema).max(MAX_FINETUNES).optional(),
};
export type RunSchemaCoversRecord = MustBe<SchemaCovers<RunRecord, typeof runRecordShape>>;
export const runRecordSchema = z.object(runRecordShape) as unknown as z.ZodType<RunRecord>;

/** A score or null (none yet): JSON's null stays null here, unlike metricNumber. */
const latestNumber = z.union([z.null(), metricNumber]);
const runLatestShape = { loss: latestNumber, linearTop1: latestNumber, knnTop1: latestNumber };
export type RunLatestSchemaCovers = MustBe<SchemaCovers<RunLatest, typeof runLatestShape>>;
export const NO_LATEST: RunLatest = { loss: null, linearTop1: null, knnTop1: null };

const storedRunObject = z
  .object(runRecordShape)
  .omit({ metrics: true, evals: true })
  .extend({ latest: z.object(runLatestShape).default(NO_LATEST) });
export type StoredRunSchemaCovers = MustBe<SchemaCovers<StoredRun, typeof storedRunObject.shape>>;
/** A run as the `runs` object store keeps it since schema version 3: no histories, their latest values. */
export const storedRunSchema = storedRunObject as unknown as z.ZodType<StoredRun>;

/** A stored run (version 3 shape), checked; a failure says what is wrong with it. */
export function readStoredRun(raw: unknown): Checked<StoredRun> {
  return check(storedRunSchema, raw);
}

/** A stored run record, checked (and migrated); a failure says what is wrong with it. */
export function readRunRecord(raw: unknown): Checked<RunRecord> {
  return check(runRecordSchema, raw);
}

/** The id under which a stored record can be listed and deleted, whatever else is wrong with it. */
export function recordId(raw: unknown, key: unknown): string {
  if (typeof key === 'string') return key;
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : String(key);
}

export const runFileSchema = z.object({ format: z.literal(RUN_FILE_FORMAT), run: runRecordSchema });

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The reason a run file of this many bytes is refused before reading it, or null. */
export function runFileSizeProblem(bytes: number): string | null {
  return bytes > MAX_RUN_FILE_BYTES
    ? `This run file is ${mb(bytes)}; run files of at most ${mb(MAX_RUN_FILE_BYTES)} are imported. Nothing was imported.`
    : null;
}

/** A name capped at MAX_NAME characters. */
export const capName = (name: string) => (name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 1)}…`);

/** Trimmed, unique, non-empty tags, at most MAX_TAGS of at most MAX_TAG characters. */
export const cleanTags = (tags: readonly string[]) =>
  [...new Set(tags.map((t) => t.trim().slice(0, MAX_TAG)).filter(Boolean))].slice(0, MAX_TAGS);

/**
 * A run file's text → the run it holds, or why it is refused (nothing is stored then). The size and the
 * history length are checked before the schema, so a huge file costs no more than JSON.parse.
 */
export function parseRunFile(text: string): Checked<RunRecord> {
  const sized = runFileSizeProblem(text.length);
  if (sized) return { ok: false, reason: sized };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      reason: `This file is not a run exported by HEXA Lab: it is not JSON (${shorten((e as Error).message, 80)}). Nothing was imported.`,
    };
  }
  const run = (json as { run?: { metrics?: unknown; evals?: unknown } } | null)?.run;
  for (const key of ['metrics', 'evals'] as const) {
    const list = run?.[key];
    if (Array.isArray(list) && list.length > MAX_HISTORY_POINTS)
      return {
        ok: false,
        reason: `This run file holds ${list.length.toLocaleString('en-US')} ${key === 'metrics' ? 'metric' : 'evaluation'} points; at most ${MAX_HISTORY_POINTS.toLocaleString('en-US')} are imported. Nothing was imported.`,
      };
  }
  const r = check(runFileSchema, json);
  if (!r.ok)
    return {
      ok: false,
      reason: `This file is not a valid HEXA Lab run file (format "${RUN_FILE_FORMAT}"): ${r.reason}. Nothing was imported.`,
    };
  return { ok: true, value: r.value.run };
}
