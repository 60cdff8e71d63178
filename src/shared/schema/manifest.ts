// Schema of a stored dataset manifest (the `manifests` object store). Manifests read back from
// IndexedDB go through readManifest: a damaged one is listed with its reason and can be deleted, and
// never hides the other datasets. No tfjs here.
import { z } from 'zod';
import type { DatasetManifest } from '../data/types';
import { check, type Checked, type MustBe, type SchemaCovers } from './issues';

const split = z.object({
  count: z.number().int().min(0),
  chunkSize: z.number().int().min(1),
  chunkCount: z.number().int().min(0),
});

const manifestShape = {
  id: z.string().min(1),
  name: z.string(),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  channels: z.literal([1, 3]),
  classNames: z.array(z.string()).nullable(),
  splits: z.object({ train: split, test: split }),
  about: z.string().default(''),
  schemaVersion: z.number().int(),
  createdAt: z.number(),
  complete: z.boolean(),
  onInterrupt: z.enum(['rollback', 'keep']).optional(),
};
export type ManifestSchemaCoversRecord = MustBe<SchemaCovers<DatasetManifest, typeof manifestShape>>;
export const manifestSchema = z.object(manifestShape) as unknown as z.ZodType<DatasetManifest>;

export function readManifest(raw: unknown): Checked<DatasetManifest> {
  return check(manifestSchema, raw);
}
