// The schema of every message the page sends the worker (WorkerRequest in protocol.ts). The worker parses
// each message with it before acting, so a malformed message (a bug, an extension, a stale tab) is
// refused with the field path and what was expected, instead of failing deep inside a job. Typed as
// z.ZodType<WorkerRequest>: the compiler keeps it in step with protocol.ts. No tfjs here.
import { z } from 'zod';
import { trainConfigSchema } from '../shared/schema/config';
import { check, type Checked } from '../shared/schema/issues';
import { previewImageSchema } from '../shared/schema/replies';
import type { ImportSize } from '../shared/data/importTypes';
import type { RunAction, WorkerRequest } from '../shared/protocol';
import type { BackendName } from '../shared/backendTypes';
import type { BuiltinId } from '../shared/data/builtinCatalog';
import type { FractalSize } from '../shared/data/fractalParams';
import { FINETUNE_FRACTIONS } from '../shared/trainingTypes';

const blob = z.custom<Blob>((v) => typeof Blob !== 'undefined' && v instanceof Blob, {
  message: 'expected a file',
});
const id = z.string().max(1000);
const num = z.number();

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const satisfies readonly BackendName[];
const BUILTINS = ['mnist', 'fashion-mnist'] as const satisfies readonly BuiltinId[];
const SIZES = [16, 28, 32, 64] as const satisfies readonly ImportSize[];
const FRACTAL_SIZES = [16, 28, 32, 64] as const satisfies readonly FractalSize[];

const importSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), files: z.array(z.object({ path: z.string(), file: blob })) }),
  z.object({ kind: z.literal('zip'), file: blob, name: z.string() }),
  z.object({ kind: z.literal('cifar'), files: z.array(z.object({ name: z.string(), file: blob })) }),
]);

const importOptions = z.object({
  name: z.string(),
  size: z.literal(SIZES),
  channels: z.literal([1, 3]),
  cropPolicy: z.enum(['center-crop', 'pad', 'stretch']),
  testShare: num,
  seed: num,
  onPartial: z.enum(['rollback', 'keep']),
  limits: z.record(z.string(), num).optional(),
  chunkSize: num.optional(),
});

const runAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rename'), name: z.string() }),
  z.object({ kind: z.literal('tags'), tags: z.array(z.string()) }),
  z.object({ kind: z.literal('delete') }),
  z.object({ kind: z.literal('export-metrics') }),
  z.object({ kind: z.literal('export-weights') }),
  z.object({ kind: z.literal('export-raw') }),
  z.object({ kind: z.literal('import'), text: z.string() }),
]) satisfies z.ZodType<RunAction>;

const previewImage = previewImageSchema; // the same image the 'preview' reply carries

const type = <T extends string>(t: T) => z.literal(t);

export const workerRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: type('init'), backend: z.enum(BACKENDS), dataBaseUrl: z.string() }),
  z.object({ type: type('start'), config: trainConfigSchema }),
  z.object({ type: type('pause') }),
  z.object({ type: type('resume') }),
  z.object({ type: type('change-settings'), config: trainConfigSchema }),
  z.object({ type: type('stop') }),
  z.object({ type: type('retry-dataset') }),
  z.object({ type: type('refresh-datasets') }),
  z.object({ type: type('dataset-thumbnails'), id }),
  z.object({ type: type('rename-dataset'), id, name: z.string() }),
  z.object({ type: type('delete-dataset'), id }),
  z.object({ type: type('export-dataset'), id }),
  z.object({ type: type('install-builtin'), id: z.enum(BUILTINS) }),
  z.object({
    type: type('generate-fractals'),
    params: z.object({
      classes: num,
      perClass: num,
      size: z.literal(FRACTAL_SIZES),
      seed: num,
      testShare: num.optional(),
    }),
  }),
  z.object({ type: type('import-dataset'), source: importSource, options: importOptions }),
  z.object({ type: type('cancel-dataset-job') }),
  z.object({ type: type('list-runs') }),
  z.object({ type: type('resume-run'), id }),
  z.object({ type: type('run-action'), id, action: runAction }),
  z.object({ type: type('debug-lose-device') }),
  z.object({ type: type('debug-fetch'), url: z.string() }),
  z.object({ type: type('check-gpu') }),
  z.object({ type: type('neighbours'), requestId: num, image: previewImage }),
  z.object({ type: type('get-runs'), ids: z.array(id) }),
  z.object({ type: type('finetune'), runId: id, fraction: z.literal(FINETUNE_FRACTIONS), seed: num }),
  z.object({ type: type('cancel-finetune') }),
]) satisfies z.ZodType<WorkerRequest>;

// The schema and protocol.ts's WorkerRequest list the same request types. `satisfies` above proves that
// every message the schema accepts is a WorkerRequest; this proves the converse for the types: a request
// added to protocol.ts and not to the schema (or a schema entry with no request) fails to compile.
type SchemaTypes = z.infer<typeof workerRequestSchema>['type'];
type SameTypes = [Exclude<WorkerRequest['type'], SchemaTypes>, Exclude<SchemaTypes, WorkerRequest['type']>];
/** Always true; its type is `never` (and this line fails to compile) when the two lists differ. */
export const SCHEMA_MATCHES_PROTOCOL: SameTypes extends [never, never] ? true : never = true;

const REQUEST_TYPES: ReadonlySet<unknown> = new Set(
  workerRequestSchema.options.map((o) => o.shape.type.value),
);

/** Whether `data` names a request this worker knows (so a failed parse is a bad field, not an unknown request). */
export const isKnownRequestType = (data: unknown): boolean =>
  typeof data === 'object' && data !== null && REQUEST_TYPES.has((data as { type?: unknown }).type);

/** A message from the page, checked; the reason names the bad field ("config.lr: expected a number …"). */
export function readWorkerRequest(data: unknown): Checked<WorkerRequest> {
  return check(workerRequestSchema, data);
}
