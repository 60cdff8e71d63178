// Schema of a stored checkpoint record (the `checkpoints` object store). Its tensors are checked for
// shape (a typed array whose length matches the product of the shape); the trainer checks that they fit
// the model when it restores them. No tfjs here.
import { z } from 'zod';
import type { CheckpointRecord } from '../data/db';
import { StorageError } from '../../shared/data/storageError';
import { check } from '../../shared/schema/issues';
import { methodIdSchema } from '../../shared/schema/config';

const savedTensor = z
  .object({
    shape: z.array(z.number().int().min(0)),
    dtype: z.enum(['float32', 'int32']),
    data: z.custom<Float32Array | Int32Array>((v) => v instanceof Float32Array || v instanceof Int32Array, {
      message: 'expected a Float32Array or Int32Array',
    }),
  })
  .refine((t) => t.data.length === t.shape.reduce((a, b) => a * b, 1), {
    message: 'expected as many values as its shape holds',
  });

const count = z.number().int().min(0);

export const checkpointRecordSchema = z.object({
  runId: z.string(),
  savedAt: z.number(),
  checkpoint: z.looseObject({
    format: z.number(),
    method: methodIdSchema,
    step: count,
    totalSteps: count,
    epoch: count,
    stepInEpoch: count,
    elapsedMs: z.number(),
    savedAt: z.number(),
    rng: z.number(),
    methodState: z.array(savedTensor),
    methodExtra: z.unknown(),
    optimizer: z.array(savedTensor),
    probe: z.array(savedTensor).nullable(),
  }),
}) as unknown as z.ZodType<CheckpointRecord>;

/** A stored checkpoint record, checked; StorageError 'corrupt' naming the bad field when it fails. */
export function readCheckpointRecord(raw: unknown, runId: string): CheckpointRecord {
  const r = check(checkpointRecordSchema, raw);
  if (r.ok) return r.value;
  throw new StorageError(
    'corrupt',
    `The checkpoint of run '${runId}' is damaged (${r.reason}): this run cannot be resumed or exported as weights.`,
  );
}
