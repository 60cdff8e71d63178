import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRESET,
  FIELDS,
  PRESET_IDS,
  PRESETS,
  configToQuery,
  upgradeConfig,
  validateConfig,
  type BoolField,
  type NumberField,
  type TrainConfig,
} from './config';
import { trainConfigSchema } from './schema/config';
import { configFromQuery } from './schema/query';

const tiny = (): TrainConfig => ({ ...PRESETS.tiny.config });
const fieldEntries = Object.entries(FIELDS) as [keyof TrainConfig, NumberField | BoolField][];
const numberFields = fieldEntries.filter(
  (e): e is [keyof TrainConfig, NumberField] => e[1].kind === 'number',
);
const boolKeys = fieldEntries.filter(([, f]) => f.kind === 'bool').map(([k]) => k);
const fieldOf = (key: keyof TrainConfig) => fieldEntries.find(([k]) => k === key)![1] as NumberField;

/** The issue for `field` whose message names the allowed range (other checks may add more issues). */
function rangeIssue(c: TrainConfig, field: keyof TrainConfig) {
  const f = fieldOf(field);
  return validateConfig(c).find((i) => i.field === field && i.message.includes(`${f.min} and ${f.max}`));
}

describe('validateConfig', () => {
  it.each(PRESET_IDS)('accepts the %s preset', (id) => {
    expect(validateConfig(PRESETS[id].config)).toEqual([]);
  });

  it('names the label and the range of an out-of-range value', () => {
    const issues = validateConfig({ ...tiny(), epsilon: 20 });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('epsilon');
    expect(issues[0]!.message).toBe('ε (/255) is 20; it must be between 0 and 16.');
  });

  it('names the label and the range of a non-integer value', () => {
    const issues = validateConfig({ ...tiny(), attackSteps: 2.5 });
    expect(issues).toEqual([
      { field: 'attackSteps', message: 'PGD steps T must be a whole number between 1 and 10 (got 2.5).' },
    ]);
  });

  it('names the label and the range of NaN and infinite values', () => {
    const nan = validateConfig({ ...tiny(), temperature: NaN });
    expect(nan).toEqual([
      { field: 'temperature', message: 'Temperature τ must be a number between 0.01 and 2 (got NaN).' },
    ]);
    const inf = validateConfig({ ...tiny(), lr: Infinity });
    expect(inf).toHaveLength(1);
    expect(inf[0]!.field).toBe('lr');
    expect(inf[0]!.message).toContain('Learning rate');
    expect(inf[0]!.message).toContain('Infinity');
  });

  it('rejects below-min, above-max and NaN for every numeric field, naming label and range', () => {
    for (const [key, f] of numberFields) {
      for (const bad of [f.min - 1, f.max + 1, NaN]) {
        const issue = rangeIssue({ ...tiny(), [key]: bad }, key);
        expect(issue, `${key} = ${bad}`).toBeDefined();
        expect(issue!.message).toContain(f.label);
      }
    }
  });

  it('rejects a fractional value for every integer field', () => {
    const ints = numberFields.filter(([, f]) => f.integer);
    expect(ints.length).toBeGreaterThan(10);
    for (const [key, f] of ints) {
      const issue = rangeIssue({ ...tiny(), [key]: f.min + 0.5 }, key);
      expect(issue, key).toBeDefined();
      expect(issue!.message).toContain('whole number');
      expect(issue!.message).toContain(f.label);
    }
  });

  it('accepts min and max of every numeric field (on its own, where no cross-field rule applies)', () => {
    const crossField = new Set<keyof TrainConfig>(['batchSize', 'queueSize', 'bnGroups', 'trainLimit']);
    for (const [key, f] of numberFields) {
      if (crossField.has(key)) continue;
      expect(validateConfig({ ...tiny(), [key]: f.min }), `${key} = min`).toEqual([]);
      expect(validateConfig({ ...tiny(), [key]: f.max }), `${key} = max`).toEqual([]);
    }
  });

  it('rejects a switch that is not a boolean', () => {
    const c = { ...tiny(), cutmix: 1 } as unknown as TrainConfig;
    expect(validateConfig(c)).toEqual([{ field: 'cutmix', message: 'Cut-mixed queries must be on or off.' }]);
  });

  it('rejects a queue that is not a multiple of the batch size', () => {
    // batch 8; 20 = 2·8 + 4
    const b8 = { ...tiny(), batchSize: 8 };
    expect(validateConfig({ ...b8, queueSize: 20 })).toEqual([
      { field: 'queueSize', message: 'Queue size K (20) must be a multiple of the batch size (8).' },
    ]);
    expect(validateConfig({ ...b8, queueSize: 24 })).toEqual([]);
  });

  it('checks the queue only for methods that keep one (the MoCo family)', () => {
    const b8 = { ...tiny(), batchSize: 8, queueSize: 20 };
    expect(validateConfig({ ...b8, method: 'hexa-moco' }).map((i) => i.field)).toEqual(['queueSize']);
    for (const method of ['deepcluster-v2', 'simclr', 'byol', 'lejepa'] as const)
      expect(validateConfig({ ...b8, method })).toEqual([]);
  });

  it('rejects BN groups that do not divide the batch, or leave fewer than 2 images a group', () => {
    // batch 8 (queue 16); 3 does not divide 8
    const b8 = { ...tiny(), batchSize: 8, queueSize: 16 };
    expect(validateConfig({ ...b8, bnGroups: 3 })).toEqual([
      { field: 'bnGroups', message: 'BN groups (3) must divide the batch size (8).' },
    ]);
    // 8 divides 8, but 8 / 8 = 1 image per group
    const one = validateConfig({ ...b8, bnGroups: 8 });
    expect(one).toHaveLength(1);
    expect(one[0]!.field).toBe('bnGroups');
    expect(one[0]!.message).toContain('at least 2 images');
    expect(validateConfig({ ...b8, bnGroups: 4 })).toEqual([]);
  });

  it('rejects unknown method and backbone ids and an empty dataset', () => {
    const c = { ...tiny(), method: 'simsiam', backbone: 'vit', datasetId: '' } as unknown as TrainConfig;
    expect(validateConfig(c).map((i) => i.field)).toEqual(['method', 'backbone', 'datasetId']);
  });

  it('rejects a train limit smaller than one batch, but allows 0 (= all)', () => {
    expect(validateConfig({ ...tiny(), trainLimit: 4 }).map((i) => i.field)).toEqual(['trainLimit']);
    expect(validateConfig({ ...tiny(), trainLimit: 0 })).toEqual([]);
  });
});

describe('config ↔ URL query', () => {
  it('encodes only the fields that differ from the preset, and decodes them back', () => {
    const c: TrainConfig = {
      ...tiny(),
      method: 'hexa-moco',
      datasetId: 'cifar10',
      lr: 0.123,
      adversarial: false,
      attackSteps: 3,
      weightDecay: 1e-5,
    };
    const query = configToQuery(c, 'tiny');
    const params = new URLSearchParams(query);
    expect([...params.keys()].sort()).toEqual(
      ['preset', 'method', 'datasetId', 'lr', 'adversarial', 'attackSteps', 'weightDecay'].sort(),
    );
    expect(params.get('preset')).toBe('tiny');
    expect(params.get('adversarial')).toBe('false');
    expect(configFromQuery(query)).toEqual({ config: c, preset: 'tiny', backend: null, errors: [] });
  });

  it.each(PRESET_IDS)('an unchanged %s preset encodes to the preset alone', (id) => {
    expect(configToQuery(PRESETS[id].config, id)).toBe(`preset=${id}`);
    expect(configFromQuery(`preset=${id}`)).toEqual({
      config: PRESETS[id].config,
      preset: id,
      backend: null,
      errors: [],
    });
  });

  it.each(PRESET_IDS)('round-trips the %s preset with every field changed', (id) => {
    const ref = PRESETS[id].config;
    const c: TrainConfig = { ...ref, method: ref.method === 'moco-v2' ? 'hexa-moco' : 'moco-v2' };
    const rec = c as unknown as Record<string, unknown>;
    for (const [key, f] of numberFields) rec[key] = ref[key] === f.max ? f.min : f.max;
    for (const key of boolKeys) rec[key] = !ref[key];
    rec.datasetId = 'my data/set?&=';
    const query = configToQuery(c, id);
    expect([...new URLSearchParams(query).keys()]).toHaveLength(
      1 + numberFields.length + boolKeys.length + 2,
    );
    expect(configFromQuery(query)).toEqual({ config: c, preset: id, backend: null, errors: [] });
  });

  it('an empty query gives the default preset', () => {
    expect(configFromQuery('')).toEqual({
      config: PRESETS[DEFAULT_PRESET].config,
      preset: DEFAULT_PRESET,
      backend: null,
      errors: [],
    });
  });

  it('reports unknown keys, non-numbers and non-booleans in errors and keeps the preset values', () => {
    const { config, preset, errors } = configFromQuery(
      'preset=tiny&foo=1&lr=abc&epsilon=&adversarial=yes&toString=1&__proto__=x&batchSize=16',
    );
    expect(preset).toBe('tiny');
    expect(errors).toHaveLength(6);
    expect(errors.filter((e) => e.startsWith('Unknown setting'))).toHaveLength(3);
    for (const key of ['foo', 'lr', 'epsilon', 'adversarial', 'toString', '__proto__'])
      expect(
        errors.some((e) => e.includes(`"${key}"`)),
        key,
      ).toBe(true);
    expect(errors.find((e) => e.includes('"lr"'))).toContain('not a number');
    // Valid settings still apply; bad ones leave the preset's value; nothing inherited is overwritten.
    expect(config).toEqual({ ...tiny(), batchSize: 16 });
    expect(Object.hasOwn(config, 'toString')).toBe(false);
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
  });

  it('reports an unknown preset and falls back to the default', () => {
    const { config, preset, errors } = configFromQuery('preset=huge&lr=0.5');
    expect(preset).toBe(DEFAULT_PRESET);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"huge"');
    expect(config).toEqual({ ...PRESETS[DEFAULT_PRESET].config, lr: 0.5 });
  });

  it('reads the backend a link asks for, apart from the config, and names an unknown one', () => {
    const wasm = configFromQuery('preset=tiny&backend=wasm&lr=0.5');
    expect(wasm.backend).toBe('wasm');
    expect(wasm.errors).toEqual([]);
    expect(wasm.config).toEqual({ ...tiny(), lr: 0.5 }); // not a setting: the config has no backend key
    expect(configFromQuery('preset=tiny').backend).toBeNull();
    const bad = configFromQuery('backend=tpu');
    expect(bad.backend).toBeNull();
    expect(bad.errors).toEqual([
      'Backend "tpu" in the link is not one of webgpu, webgl, wasm, cpu; it was ignored.',
    ]);
  });
});

describe('presets and head BatchNorm', () => {
  it('every preset probes on ≥ 1,000 held-out images with a bank of ≥ 2,000', () => {
    for (const id of PRESET_IDS) {
      expect(PRESETS[id].config.probeTestSize).toBeGreaterThanOrEqual(1000);
      expect(PRESETS[id].config.probeTrainSize).toBeGreaterThanOrEqual(2000);
    }
  });

  it('head BN is on in the presets, where each BN group has ≥ 8 images', () => {
    for (const id of PRESET_IDS) {
      const c = PRESETS[id].config;
      expect(c.headBn).toBe(true);
      expect(c.batchSize / c.bnGroups).toBeGreaterThanOrEqual(8);
    }
  });

  it('the tiny preset is the measured recipe: 200 steps of batch 32 at 16 px', () => {
    const c = PRESETS.tiny.config;
    expect(c).toMatchObject({ imageSize: 16, batchSize: 32, width: 8, queueSize: 1024, temperature: 0.2 });
    expect((c.epochs * c.trainLimit) / c.batchSize).toBe(200);
  });

  it('a config saved before headBn existed keeps how it trained: BN for DeepCluster, none for MoCo', () => {
    const old = (method: TrainConfig['method']) => {
      const rest: Partial<TrainConfig> = { ...tiny(), method };
      delete rest.headBn;
      return rest as TrainConfig;
    };
    expect(upgradeConfig(old('moco-v2')).headBn).toBe(false);
    expect(upgradeConfig(old('hexa-moco')).headBn).toBe(false);
    expect(upgradeConfig(old('deepcluster-v2')).headBn).toBe(true);
    expect(upgradeConfig(old('hexa-dcluster')).headBn).toBe(true);
    const current = { ...tiny(), headBn: false };
    expect(upgradeConfig(current)).toBe(current);
    expect(validateConfig(upgradeConfig(old('moco-v2')))).toEqual([]);
  });

  it('a config stored before mix-up existed parses, with mix-up off (how it trained)', () => {
    const rest: Partial<TrainConfig> = { ...tiny(), method: 'hexa-moco' };
    delete rest.mixup;
    delete rest.mixupAlpha;
    delete rest.wMixup;
    const parsed = trainConfigSchema.safeParse(rest);
    expect(parsed.success).toBe(true);
    expect(parsed.success && parsed.data).toMatchObject({
      mixup: false,
      mixupAlpha: 1,
      wMixup: 1,
      cutmix: true,
    });
    // Another missing field is still damage.
    const broken: Partial<TrainConfig> = { ...rest };
    delete broken.wMix;
    expect(trainConfigSchema.safeParse(broken).success).toBe(false);
    // A link that never names mix-up gets it off.
    expect(configFromQuery('preset=tiny&method=hexa-moco').config.mixup).toBe(false);
  });

  it('a config stored before BYOL and LeJEPA existed parses, their settings at their defaults', () => {
    const stored: Partial<TrainConfig> = { ...tiny(), method: 'hexa-moco' };
    for (const k of ['byolMomentum', 'byolPredictorHidden', 'lejepaLambda', 'lejepaSlices'] as const)
      delete stored[k];
    const parsed = trainConfigSchema.safeParse(JSON.parse(JSON.stringify(stored)));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ ...tiny(), method: 'hexa-moco' });
    expect(validateConfig(parsed.data!)).toEqual([]);
    // Another missing field is still damage, not an old config.
    const damaged: Partial<TrainConfig> = { ...stored };
    delete damaged.lr;
    expect(trainConfigSchema.safeParse(damaged).success).toBe(false);
  });

  it('a BYOL config stored before the predictor lr scale and the cosine τ schedule resumes as it trained', () => {
    const stored: Partial<TrainConfig> = { ...tiny(), method: 'byol', byolMomentum: 0.99 };
    delete stored.byolPredictorLrScale;
    delete stored.byolMomentumCosine;
    const up = upgradeConfig(stored as TrainConfig);
    expect(up.byolPredictorLrScale).toBe(1);
    expect(up.byolMomentumCosine).toBe(false);
    expect(up).toEqual({
      ...tiny(),
      method: 'byol',
      byolMomentum: 0.99,
      byolPredictorLrScale: 1,
      byolMomentumCosine: false,
    });
    const parsed = trainConfigSchema.safeParse(JSON.parse(JSON.stringify(stored)));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ byolPredictorLrScale: 1, byolMomentumCosine: false });
    expect(validateConfig(parsed.data!)).toEqual([]);
  });

  it('BYOL and LeJEPA settings round-trip through a link', () => {
    const c = {
      ...tiny(),
      method: 'lejepa' as const,
      lejepaLambda: 0.2,
      lejepaSlices: 32,
      byolMomentum: 0.9,
      byolPredictorLrScale: 4,
      byolMomentumCosine: false,
    };
    const back = configFromQuery(configToQuery(c, 'tiny'));
    expect(back.config).toEqual(c);
  });
});
