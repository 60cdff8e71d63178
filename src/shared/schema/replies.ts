// The schema of every message the worker sends the page (WorkerReply in protocol.ts). The page parses
// each reply with it before dispatching it (worker/replyCheck.ts), so a malformed reply (a bug, a worker
// from another version of the lab) is reported with its type and the first bad field, and dropped,
// instead of failing inside a store or a chart. It reuses the record schemas (run.ts, config.ts,
// manifest.ts); typed arrays and Blobs are checked by instanceof only (no copy, no per-element check),
// so the frequent 'metrics' and 'preview' replies stay cheap. No tfjs here: the page imports it.
import { z } from 'zod';
import type { WorkerReply } from '../protocol';
import { BACKENDS } from '../backendTypes';
import { FINETUNE_FRACTIONS } from '../trainingTypes';
import { describeIssue, type Checked } from './issues';
import { trainConfigSchema, methodIdSchema } from './config';
import { manifestSchema } from './manifest';
import {
  RUN_STATUSES,
  baselinesSchema,
  count,
  evalPointSchema,
  finetunePointSchema,
  metricNumber,
  metricsPointSchema,
  runEventSchema,
  runRecordSchema,
} from './run';

const instance = <T>(cls: abstract new (...args: never[]) => T, name: string) =>
  z.custom<T>((v) => v instanceof cls, { message: `expected a ${name}` });
const u8 = instance<Uint8Array>(Uint8Array, 'Uint8Array');
const f32 = instance<Float32Array>(Float32Array, 'Float32Array');
const blob = z.custom<Blob>((v) => typeof Blob !== 'undefined' && v instanceof Blob, {
  message: 'expected a file',
});
/** A computed figure: NaN and ±Infinity allowed (a diverged loss, an empty cluster's statistics). */
const num = metricNumber;
const nums = z.array(num);
const text = z.string();

/** A small image as 0–255 bytes (the pixels are checked to be a Uint8Array, not read). */
export const previewImageSchema = z.object({ width: count, height: count, channels: count, pixels: u8 });
const images = z.array(previewImageSchema);

const backendReport = z.object({
  name: z.enum(BACKENDS),
  adapter: z
    .object({
      vendor: text,
      architecture: text,
      device: text,
      description: text,
      isFallbackAdapter: z.boolean(),
    })
    .nullable(),
  warning: text.nullable(),
  flags: z.record(text, z.union([z.number(), z.boolean()])),
  kernels: z.array(text).optional(),
});

const checkResult = z.object({
  name: text,
  case: text,
  against: z.enum(['stock', 'cpu']),
  elements: num,
  maxAbsError: num,
  maxRelError: num,
  tolerance: z.object({ rtol: num, atol: num }),
  pass: z.boolean(),
  dispatches: z.object({ own: num, stock: num }).optional(),
});

const conformanceReport = z.object({
  backend: text,
  ownKernels: z.boolean(),
  checks: z.array(checkResult),
  curve: z
    .object({ steps: num, own: nums, stock: nums, maxRelError: num, tolerance: num, pass: z.boolean() })
    .nullable(),
  tensorsAfterStep: nums,
  gpuBytesAfterStep: nums,
  gpuErrors: z.array(text),
  pass: z.boolean(),
  seconds: num,
  tolerances: text,
});

const damaged = z.array(z.object({ id: text, reason: text }));

const importReport = z.object({
  manifest: manifestSchema.nullable(),
  imported: count,
  skipped: z.array(z.object({ file: text, reason: text })),
  warnings: z.array(text),
  outcome: z.enum(['complete', 'cancelled', 'failed']),
  message: text,
});

const mixRows = {
  own: images,
  partner: images,
  mixed: images,
  lambda: nums,
  partnerIndex: nums,
  ownLabel: nums,
  partnerLabel: nums,
};

const previewSet = z.object({
  step: count,
  epoch: num,
  labelKind: z.enum(['key', 'cluster', 'prototype', 'target']),
  views: z.object({ query: images, key: images }),
  indices: nums.optional(),
  hardest: z.object({ images, losses: nums, positions: nums, indices: nums }).nullable().optional(),
  adversarial: z
    .object({
      clean: images,
      adversarial: images,
      perturbation: z.array(f32),
      scale: num,
      epsilon: num,
      rankBefore: nums,
      rankAfter: nums,
      logitBefore: nums,
      logitAfter: nums,
      ownLabel: nums,
      argmaxBefore: nums,
      argmaxAfter: nums,
    })
    .nullable(),
  cutmix: z.object({ ...mixRows, masks: z.array(u8) }).nullable(),
  mixup: z.object(mixRows).nullable(),
});

const clusterSnapshot = z.object({
  step: count,
  stats: z.object({
    epoch: num,
    round: num,
    images: num,
    clusters: num,
    empty: nums,
    largestShare: nums,
    sizes: nums,
    nmiLabels: num.nullable(),
    nmiPrevious: num.nullable(),
  }),
  members: z.array(z.object({ cluster: num, size: num, images })),
});

const embeddingSnapshot = z.object({
  step: count,
  epoch: num,
  split: z.enum(['train', 'test']),
  colourBy: z.enum(['label', 'cluster']),
  names: z.array(text),
  groups: nums,
  pca: f32,
  umap: f32.nullable(),
});

const neighbourResult = z.object({
  split: z.literal('test'),
  reference: num,
  neighbours: z.array(
    z.object({ index: num, similarity: num, label: num.nullable(), image: previewImageSchema }),
  ),
});

const latest = num.nullable();
const runSummary = z.object({
  id: text,
  name: text,
  status: z.enum(RUN_STATUSES),
  step: count,
  totalSteps: count,
  method: methodIdSchema,
  datasetId: text,
  seed: num,
  config: trainConfigSchema,
  tags: z.array(text),
  createdAt: num,
  updatedAt: num,
  loss: latest,
  linearTop1: latest,
  knnTop1: latest,
  finetunes: z.array(finetunePointSchema),
  events: z.array(z.object({ step: count, kind: z.enum(['settings', 'resume']), label: text })),
});

const tone = z.enum(['info', 'error']);
const type = <T extends string>(t: T) => z.literal(t);

export const workerReplySchema = z.discriminatedUnion('type', [
  z.object({ type: type('backend'), report: backendReport }),
  z.object({ type: type('backend-error'), backend: z.enum(BACKENDS), message: text }),
  z.object({
    type: type('dataset-progress'),
    datasetId: text,
    name: text,
    done: z.number(),
    total: z.number(),
    phase: text,
  }),
  z.object({
    type: type('datasets'),
    manifests: z.array(manifestSchema),
    damaged,
    usage: z.object({ usage: z.number(), quota: z.number() }).nullable(),
  }),
  z.object({
    type: type('storage-error'),
    error: z.object({
      kind: z.enum(['unavailable', 'quota', 'not-found', 'corrupt', 'other']),
      message: text,
    }),
  }),
  z.object({
    type: type('thumbnails'),
    id: text,
    groups: z.array(z.object({ label: num.nullable(), name: text, images })),
  }),
  z.object({ type: type('dataset-export'), id: text, blob, filename: text }),
  z.object({ type: type('import-report'), report: importReport }),
  z.object({ type: type('dataset-notice'), tone, message: text }),
  z.object({
    type: type('status'),
    phase: z.enum(['idle', 'preparing', 'training', 'evaluating', 'paused', 'done', 'stopped', 'failed']),
    message: text,
    progress: z.object({ done: num, total: num, stage: text }).optional(),
  }),
  z.object({ type: type('baselines'), baselines: baselinesSchema }),
  z.object({ type: type('metrics'), point: metricsPointSchema }),
  z.object({ type: type('preview'), preview: previewSet }),
  z.object({ type: type('evaluation'), point: evalPointSchema }),
  z.object({ type: type('clusters'), snapshot: clusterSnapshot }),
  z.object({ type: type('run-error'), message: text }),
  z.object({ type: type('device-lost'), message: text }),
  z.object({ type: type('runs'), runs: z.array(runSummary), damaged }),
  z.object({ type: type('run-import-progress'), phase: z.enum(['check', 'store']) }),
  z.object({ type: type('run-import'), tone, message: text }),
  z.object({ type: type('debug-fetch'), ok: z.boolean(), message: text }),
  z.object({
    type: type('run-started'),
    runId: text,
    config: trainConfigSchema,
    resumed: z.object({ fromStep: count, lostSteps: count, run: runRecordSchema }).nullable(),
  }),
  z.object({
    type: type('run-export'),
    files: z.array(
      z.object({ name: text, type: text, data: z.union([text, instance(ArrayBuffer, 'ArrayBuffer')]) }),
    ),
  }),
  z.object({ type: type('run-event'), event: runEventSchema }),
  z.object({ type: type('embedding'), snapshot: embeddingSnapshot }),
  z.object({
    type: type('neighbours'),
    requestId: z.number(),
    result: neighbourResult.nullable(),
    error: text.nullable(),
  }),
  z.object({ type: type('run-details'), runs: z.array(runRecordSchema) }),
  z.object({ type: type('request-error'), request: text, message: text }),
  z.object({
    type: type('finetune-progress'),
    runId: text,
    progress: z.object({
      fraction: z.literal(FINETUNE_FRACTIONS),
      fromRandomInit: z.boolean(),
      stage: z.enum(['reading', 'training', 'testing']),
      done: num,
      total: num,
      loss: num.optional(),
    }),
  }),
  z.object({ type: type('finetune-result'), runId: text, point: finetunePointSchema }),
  z.object({ type: type('finetune-error'), runId: text, message: text }),
  z.object({
    type: type('conformance'),
    phase: z.enum(['running', 'done', 'failed']),
    message: text,
    report: conformanceReport.nullable(),
  }),
]);

// The schema and protocol.ts's WorkerReply cannot drift apart: every reply the schema accepts is a
// WorkerReply, and every WorkerReply is of the schema's output type (both checked by the compiler; a
// variant or a field added to one side only, or typed differently, fails `npm run check`).
type Parsed = z.output<typeof workerReplySchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Always true; its type is `never` (and this line fails to compile) when the schema and the type differ. */
export const REPLY_SCHEMA_MATCHES_PROTOCOL: Same<Parsed, WorkerReply> extends true ? true : never = true;
type SchemaTypes = Parsed['type'];
type SameTypes = [Exclude<WorkerReply['type'], SchemaTypes>, Exclude<SchemaTypes, WorkerReply['type']>];
export const REPLY_TYPES_MATCH_PROTOCOL: SameTypes extends [never, never] ? true : never = true;

const REPLY_TYPES: ReadonlySet<unknown> = new Set(workerReplySchema.options.map((o) => o.shape.type.value));

/** Whether `data` names a reply type this page knows. */
export const isKnownReplyType = (data: unknown): boolean =>
  typeof data === 'object' && data !== null && REPLY_TYPES.has((data as { type?: unknown }).type);

/** A message from the worker, checked; the reason names the first bad fields ("point.step: expected …"). */
export function readWorkerReply(data: unknown): Checked<WorkerReply> {
  const r = workerReplySchema.safeParse(data, { reportInput: true });
  if (r.success) return { ok: true, value: r.data as WorkerReply };
  const more = r.error.issues.length - 1;
  return {
    ok: false,
    reason:
      describeIssue(r.error.issues[0]!) +
      (more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''),
  };
}
