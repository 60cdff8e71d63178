// The method catalog (tf-free half of the registry): the facts the page reads instead of switching on
// a method's name: ablation arms, settings groups and fields, composability.
import { afterEach, describe, expect, it } from 'vitest';
import {
  composability,
  GENERATOR_IDS,
  GENERATOR_INFO,
  HARD,
  hexaAblation,
  METHOD_INFO,
  methodInfo,
  missingGenerators,
  registerMethodDescriptor,
  unregisterMethodDescriptor,
  usesField,
  usesGroup,
  type MethodDescriptor,
} from './catalog';
import { defaultConfig, PRESETS, validateConfig, type MethodId } from './config';

const third = (over: Partial<MethodDescriptor> = {}): MethodDescriptor => ({
  id: 'third' as MethodId,
  label: 'Third',
  help: 'A third family (test only).',
  family: 'third',
  labelKind: 'key',
  capabilities: ['score'],
  groups: [],
  generators: [],
  panels: [],
  ablation: [{ label: 'Third', patch: { method: 'third' as MethodId } }],
  ...over,
});

afterEach(() => {
  unregisterMethodDescriptor('third');
  unregisterMethodDescriptor('hexa-third');
});

describe('catalog', () => {
  it('gives MoCo and DeepCluster their five ablation arms each; the last is HEXA as published (no mix-up)', () => {
    const arms = (id: MethodId) => METHOD_INFO[id].ablation.map((a) => [a.label, a.patch]);
    expect(arms('moco-v2')).toEqual([
      ['MoCo-v2', { method: 'moco-v2', adversarial: false, cutmix: false, mixup: false }],
      ['+adversarial', { method: 'hexa-moco', adversarial: true, cutmix: false, mixup: false }],
      ['+cut-mix', { method: 'hexa-moco', adversarial: false, cutmix: true, mixup: false }],
      ['+mix-up', { method: 'hexa-moco', adversarial: false, cutmix: false, mixup: true }],
      ['HEXA-MoCo', { method: 'hexa-moco', adversarial: true, cutmix: true, mixup: false }],
    ]);
    expect(arms('hexa-dcluster').map(([l]) => l)).toEqual([
      'DeepCluster-v2',
      '+adversarial',
      '+cut-mix',
      '+mix-up',
      'HEXA-DCluster',
    ]);
    expect(arms('hexa-dcluster')[4]![1]).toEqual({
      method: 'hexa-dcluster',
      adversarial: true,
      cutmix: true,
      mixup: false,
    });
  });

  it('the published generators are exactly the ones on by default', () => {
    const cfg = defaultConfig();
    for (const g of GENERATOR_IDS) expect(cfg[GENERATOR_INFO[g].toggle]).toBe(GENERATOR_INFO[g].published);
    expect(GENERATOR_INFO.mixup.published).toBe(false);
    expect(METHOD_INFO['hexa-moco'].generators).toEqual(HARD);
    expect(METHOD_INFO['hexa-dcluster'].generators).toContain('mixup');
  });

  it("gives a third family its own arms, never DeepCluster's", () => {
    expect(third().ablation).toHaveLength(1); // see compareData.test.ts: its ablation is its own
    // With a HEXA variant that composes the adversarial generator only: plain, +adversarial, all.
    registerMethodDescriptor(
      third({ id: 'hexa-third' as MethodId, label: 'HEXA-Third', generators: ['adversarial'] }),
    );
    const arms = hexaAblation(
      { id: 'third' as MethodId, label: 'Third' },
      { id: 'hexa-third' as MethodId, label: 'HEXA-Third' },
      ['adversarial'],
    );
    expect(arms.map((a) => [a.label, a.patch])).toEqual([
      ['Third', { method: 'third', adversarial: false }],
      ['+adversarial', { method: 'hexa-third', adversarial: true }],
      ['HEXA-Third', { method: 'hexa-third', adversarial: true }],
    ]);
  });

  it('says which settings groups and fields apply to a method', () => {
    const moco = METHOD_INFO['moco-v2'];
    expect(usesGroup(moco, 'moco')).toBe(true);
    expect(usesGroup(moco, 'deepcluster')).toBe(false);
    expect(usesGroup(moco, 'hard examples')).toBe(false);
    expect(usesGroup(moco, 'optimiser')).toBe(true);
    const dc = METHOD_INFO['hexa-dcluster'];
    expect(usesGroup(dc, 'deepcluster') && usesGroup(dc, 'hard examples')).toBe(true);
    expect(usesGroup(dc, 'moco')).toBe(false);
    expect(usesField(dc, 'mixBeta', 'hard examples')).toBe(true);
    // A method composed with the adversarial generator only shows its settings, not cut-mix's.
    const adv = third({ groups: [], generators: ['adversarial'] });
    expect(usesField(adv, 'epsilon', 'hard examples')).toBe(true);
    expect(usesField(adv, 'mixBeta', 'hard examples')).toBe(false);
    expect(usesField(adv, 'cutmix', 'hard examples')).toBe(false);
  });

  it('says why a generator cannot compose with a task, and refuses such a descriptor', () => {
    expect(composability(['score', 'mixed-target'], 'cutmix')).toEqual({ ok: true });
    const no = composability(['score'], 'cutmix');
    expect(no.ok).toBe(false);
    expect(!no.ok && no.why).toMatch(/cut-mix needs a target that can be mixed between two images/);
    expect(composability([], 'adversarial')).toMatchObject({ ok: false });
    expect(() => registerMethodDescriptor(third({ generators: ['cutmix'] }))).toThrow(/cut-mix needs/);
    expect(() => registerMethodDescriptor(third({ id: 'moco-v2' }))).toThrow(/already registered/);
    expect(missingGenerators(third()).map((m) => m.id)).toEqual(['adversarial', 'cutmix', 'mixup']);
    expect(composability(['score'], 'mixup')).toMatchObject({ ok: false });
    expect(composability(['score', 'mixed-target'], 'mixup')).toEqual({ ok: true });
    expect(missingGenerators(METHOD_INFO['hexa-moco'])).toEqual([]);
  });

  it("checks Clusters K against the train images for methods that read it (their descriptor's group)", () => {
    const base = { ...PRESETS.tiny.config, trainLimit: 64, batchSize: 32, clusterCount: 64 };
    const issue = (c: typeof base) => validateConfig(c).some((i) => i.field === 'clusterCount');
    expect(issue({ ...base, method: 'deepcluster-v2' })).toBe(true);
    expect(issue({ ...base, method: 'moco-v2' })).toBe(false);
    registerMethodDescriptor(third({ groups: ['deepcluster'] }));
    expect(issue({ ...base, method: 'third' as MethodId })).toBe(true);
    // A registered method is a known method; an unregistered id is named.
    const method = (m: string) =>
      validateConfig({ ...base, method: m as MethodId }).filter((i) => i.field === 'method');
    expect(method('third')).toEqual([]);
    expect(method('fourth')).toEqual([{ field: 'method', message: 'Unknown method "fourth".' }]);
    expect(methodInfo('nope').id).toBe('moco-v2'); // an unknown id shows MoCo-v2's facts
  });
});
