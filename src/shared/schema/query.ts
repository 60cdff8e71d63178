// The link codec's reading side: URL query → config. Every parameter is parsed with a schema for its
// field; unknown keys, unparsable values and unknown method, backbone or preset ids are named (values
// shortened) and replaced by the preset's value, never silently dropped and never trusted.
import { z } from 'zod';
import {
  BACKBONE_IDS,
  DEFAULT_PRESET,
  FIELDS,
  METHOD_IDS,
  PRESET_IDS,
  PRESETS,
  type PresetId,
  type TrainConfig,
} from '../config';
import { METHOD_INFO } from '../catalog';
import { shorten } from './issues';
import { datasetIdSchema, MAX_DATASET_ID } from './config';
import { BACKENDS, type BackendName } from '../backendTypes';

const numberParam = z
  .string()
  .refine((s) => s.trim() !== '' && !Number.isNaN(Number(s)))
  .transform(Number);
const boolParam = z.enum(['true', 'false']).transform((s) => s === 'true');
const presetParam = z.enum(PRESET_IDS);
const backendParam = z.enum(BACKENDS);

const BACKBONE_LABELS: Record<(typeof BACKBONE_IDS)[number], string> = {
  'tiny-convnet': 'Tiny ConvNet',
  'small-resnet': 'Small ResNet',
};

/** Parses one parameter; on failure returns the message naming it (with a shortened value). */
function parseParam(
  key: keyof TrainConfig,
  raw: string,
  preset: TrainConfig,
): { value?: unknown; error?: string } {
  const v = `"${shorten(raw)}"`;
  if (key === 'method') {
    const r = z.enum(METHOD_IDS).safeParse(raw);
    if (r.success) return { value: r.data };
    const known = METHOD_IDS.map((id) => `${METHOD_INFO[id].label} (${id})`).join(', ');
    return {
      error: `Method ${v} in the link is not one of ${known}; using ${METHOD_INFO[preset.method].label}.`,
    };
  }
  if (key === 'backbone') {
    const r = z.enum(BACKBONE_IDS).safeParse(raw);
    if (r.success) return { value: r.data };
    const known = BACKBONE_IDS.map((id) => `${BACKBONE_LABELS[id]} (${id})`).join(', ');
    return {
      error: `Backbone ${v} in the link is not one of ${known}; using ${BACKBONE_LABELS[preset.backbone]}.`,
    };
  }
  if (key === 'datasetId') {
    const r = datasetIdSchema.safeParse(raw);
    if (r.success) return { value: r.data };
    return {
      error: `Dataset ${v} in the link is not a dataset id (1 to ${MAX_DATASET_ID} characters); using "${preset.datasetId}".`,
    };
  }
  const field = FIELDS[key as keyof typeof FIELDS];
  if (field.kind === 'bool') {
    const r = boolParam.safeParse(raw);
    return r.success
      ? { value: r.data }
      : { error: `Setting "${key}" in the link must be true or false (got ${v}).` };
  }
  const r = numberParam.safeParse(raw);
  return r.success ? { value: r.data } : { error: `Setting "${key}" in the link is not a number: ${v}.` };
}

/** The link's parts: a config, the preset it starts from, the backend asked for (null: WebGPU, as usual). */
export interface LinkQuery {
  config: TrainConfig;
  preset: PresetId;
  backend: BackendName | null;
  errors: string[];
}

/** URL query → config. Unknown keys and unparsable values are reported, never silently dropped. */
export function configFromQuery(query: string): LinkQuery {
  const params = new URLSearchParams(query);
  const errors: string[] = [];
  // `backend=wasm` (or webgl, cpu, webgpu) starts the lab on that backend: a machine without a GPU, or a
  // test farm that wants one path. It is not a training setting, so it is not part of the config.
  const backendRaw = params.get('backend');
  let backend: BackendName | null = null;
  if (backendRaw !== null) {
    const r = backendParam.safeParse(backendRaw);
    if (r.success) backend = r.data;
    else
      errors.push(
        `Backend "${shorten(backendRaw)}" in the link is not one of ${BACKENDS.join(', ')}; it was ignored.`,
      );
  }
  const presetRaw = params.get('preset');
  let preset: PresetId = DEFAULT_PRESET;
  if (presetRaw !== null) {
    const r = presetParam.safeParse(presetRaw);
    if (r.success) preset = r.data;
    else errors.push(`Unknown preset "${shorten(presetRaw)}" in the link; using "${DEFAULT_PRESET}".`);
  }
  const config: TrainConfig = { ...PRESETS[preset].config };
  const record = config as unknown as Record<string, unknown>;
  for (const [key, raw] of params) {
    if (key === 'preset' || key === 'backend') continue;
    // Own keys only: `key in config` would accept inherited names such as toString or __proto__.
    if (!Object.hasOwn(config, key)) {
      errors.push(`Unknown setting "${shorten(key)}" in the link was ignored.`);
      continue;
    }
    const { value, error } = parseParam(key as keyof TrainConfig, raw, PRESETS[preset].config);
    if (error) errors.push(error);
    else record[key] = value;
  }
  return { config, preset, backend, errors };
}
