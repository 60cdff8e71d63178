// The registry's two halves agree: every tf-free descriptor (src/shared/catalog.ts) has an engine
// implementation under the same id, and every generator descriptor its generator.
import { describe, expect, it } from 'vitest';
import { composability, GENERATOR_IDS, GENERATOR_INFO, METHOD_INFO } from '../../shared/catalog';
import { METHOD_IDS } from '../../shared/config';
import { findImplementation, GENERATORS, methodDefinition } from './registry';

describe('method registry', () => {
  it('has an implementation for every method descriptor, and a descriptor for every method id', () => {
    expect(Object.keys(METHOD_INFO).sort()).toEqual([...METHOD_IDS].sort());
    for (const id of METHOD_IDS) {
      expect(METHOD_INFO[id].id, id).toBe(id);
      expect(findImplementation(id), id).toBeDefined();
      const def = methodDefinition(id);
      expect(def.generatorImpls.map((g) => g.id)).toEqual([...METHOD_INFO[id].generators]);
    }
  });

  it('has a generator for every generator descriptor, under the same id, declaring its loss term', () => {
    expect(Object.keys(GENERATORS).sort()).toEqual([...GENERATOR_IDS].sort());
    for (const id of GENERATOR_IDS) {
      expect(GENERATORS[id].id).toBe(id);
      expect(GENERATOR_INFO[id].id).toBe(id);
      expect(GENERATOR_INFO[id].metrics.map((m) => m.key)).toContain(GENERATOR_INFO[id].lossKey);
      expect(GENERATOR_INFO[id].fields).toContain(GENERATOR_INFO[id].toggle);
    }
  });

  it('lists for each method only generators its task can serve', () => {
    for (const id of METHOD_IDS)
      for (const g of METHOD_INFO[id].generators)
        expect(composability(METHOD_INFO[id].capabilities, g), `${id} + ${g}`).toEqual({ ok: true });
  });
});
