// Schemas of the training config: the shape a config must have wherever it comes from (a run file, a
// stored run, a worker message). Ranges and cross-field rules stay in validateConfig (config.ts), which
// names the field and its range; the schema makes sure each field has the right type first.
import { z } from 'zod';
import {
  BACKBONE_IDS,
  FIELDS,
  METHOD_IDS,
  type BoolField,
  type NumberField,
  type TrainConfig,
  upgradeConfig,
} from '../config';

/** A finite number (JSON has no NaN or infinity; a config never holds them). */
export const finiteNumber = z.number();

const fieldSchemas = Object.fromEntries(
  (Object.entries(FIELDS) as [keyof TrainConfig, NumberField | BoolField][]).map(([key, f]) => [
    key,
    f.kind === 'bool' ? z.boolean() : finiteNumber,
  ]),
) as Record<string, z.ZodType>;

export const methodIdSchema = z.enum(METHOD_IDS);
export const backboneIdSchema = z.enum(BACKBONE_IDS);

/** Longest dataset id accepted from outside (stored ids are far shorter). */
export const MAX_DATASET_ID = 200;
export const datasetIdSchema = z.string().min(1).max(MAX_DATASET_ID);

/**
 * Every field of TrainConfig with its type; unknown keys are dropped. A config saved before a field
 * existed is completed first (upgradeConfig: the value that reproduces how it trained then).
 */
export const trainConfigSchema = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? upgradeConfig(v as TrainConfig) : v),
  z.object({
    ...fieldSchemas,
    method: methodIdSchema,
    backbone: backboneIdSchema,
    datasetId: datasetIdSchema,
  }),
) as unknown as z.ZodType<TrainConfig>;
