// The method registry's engine half: an implementation for every method descriptor and every generator
// descriptor of src/shared/catalog.ts, keyed by the same ids. A method = a base method (its pseudo-label
// task) + the generators its descriptor lists; HEXA variants reuse their base and the same generator
// objects. The typed records below fail to compile when a built-in descriptor has no implementation
// (registry.test.ts checks the pairing at run time too). See docs/ADDING_A_METHOD.md.
import type { MethodId } from '../../shared/config';
import {
  findMethod,
  METHOD_INFO,
  registerMethodDescriptor,
  unregisterMethodDescriptor,
  type GeneratorId,
  type MethodDescriptor,
} from '../../shared/catalog';
import type { GeneratorPreviews } from '../../shared/trainingTypes';
import { adversarialGenerator } from '../hardExamples/adversarial';
import { cutMixGenerator } from '../hardExamples/cutmix';
import { mixupGenerator } from '../hardExamples/mixup';
import { Byol } from './byol';
import { DeepClusterV2 } from './deepClusterV2';
import { Lejepa } from './lejepa';
import { MocoV2 } from './mocoV2';
import { Swav } from './swav';
import { Simclr } from './simclr';
import type { HardExampleGenerator, MethodDefinition, MethodImplementation } from './types';

/** Every generator's implementation, by id (typed by its preview, so each id needs both). */
export const GENERATORS: { [K in GeneratorId]: HardExampleGenerator<GeneratorPreviews[K]> } = {
  adversarial: adversarialGenerator,
  cutmix: cutMixGenerator,
  mixup: mixupGenerator,
};

const moco: MethodImplementation = { createBase: (cfg, channels, rng) => new MocoV2(cfg, channels, rng) };
const deepCluster: MethodImplementation = {
  createBase: (cfg, channels, rng) => new DeepClusterV2(cfg, channels, rng),
};
const swav: MethodImplementation = { createBase: (cfg, channels, rng) => new Swav(cfg, channels, rng) };
const simclr: MethodImplementation = { createBase: (cfg, channels, rng) => new Simclr(cfg, channels, rng) };

/** Every built-in method's implementation, by id (a missing one does not compile). */
const IMPLEMENTATIONS: Record<MethodId, MethodImplementation> = {
  'moco-v2': moco,
  'hexa-moco': moco,
  'deepcluster-v2': deepCluster,
  'hexa-dcluster': deepCluster,
  swav,
  'hexa-swav': swav,
  simclr,
  'hexa-simclr': simclr,
  byol: { createBase: (cfg, channels, rng) => new Byol(cfg, channels, rng) },
  lejepa: { createBase: (cfg, channels, rng) => new Lejepa(cfg, channels, rng) },
};

const registered = new Map<string, MethodImplementation>();

/** The implementation keyed to a method id, built-in or registered; undefined when there is none. */
export function findImplementation(id: string): MethodImplementation | undefined {
  return (IMPLEMENTATIONS as Record<string, MethodImplementation>)[id] ?? registered.get(id);
}

/**
 * The method as the trainer uses it: descriptor + implementation + its generators' implementations.
 * Throws, naming the id, when either half is missing.
 */
export function methodDefinition(id: string): MethodDefinition {
  const descriptor = findMethod(id);
  const impl = findImplementation(id);
  if (!descriptor || !impl) throw new Error(`Unknown method "${id}": it is not in the method registry.`);
  return {
    ...descriptor,
    createBase: impl.createBase,
    generatorImpls: descriptor.generators.map((g) => GENERATORS[g] as HardExampleGenerator),
  };
}

/**
 * Adds a method at run time: its tf-free descriptor (to the catalog the UI reads) and its engine
 * implementation, under one id. The public way in for a plug-in (and for tests: see
 * methods/pluginMethod.test.ts); a built-in method is instead added to METHOD_IDS, METHOD_INFO and
 * IMPLEMENTATIONS above so that links, stored runs and the page know it. Returns a function that
 * removes it again.
 */
export function registerMethod(descriptor: MethodDescriptor, impl: MethodImplementation): () => void {
  if (findImplementation(descriptor.id))
    throw new Error(`Method "${descriptor.id}" already has an implementation.`);
  registerMethodDescriptor(descriptor);
  registered.set(descriptor.id, impl);
  return () => {
    registered.delete(descriptor.id);
    unregisterMethodDescriptor(descriptor.id);
  };
}

/** The built-in methods as the trainer uses them, by id. */
export const METHODS = Object.fromEntries(
  (Object.keys(METHOD_INFO) as MethodId[]).map((id) => [id, methodDefinition(id)]),
) as Record<MethodId, MethodDefinition>;
