// The one registry of SSL methods. A method = a base (pseudo-label task) + hard-example generators;
// HEXA variants reuse their base and the same generator objects. See docs/ADDING_A_METHOD.md.
import type { MethodId } from '../../shared/config';
import { adversarialGenerator } from '../hardExamples/adversarial';
import { cutMixGenerator } from '../hardExamples/cutmix';
import { METHOD_INFO } from '../../shared/catalog';
import { DeepClusterV2 } from './deepClusterV2';
import { MocoV2 } from './mocoV2';
import type { MethodDefinition } from './types';

const HARD = [adversarialGenerator, cutMixGenerator];

export const METHODS: Record<MethodId, MethodDefinition> = {
  'moco-v2': {
    ...METHOD_INFO['moco-v2'],
    createBase: (cfg, channels, rng) => new MocoV2(cfg, channels, rng),
    generators: [],
  },
  'hexa-moco': {
    ...METHOD_INFO['hexa-moco'],
    createBase: (cfg, channels, rng) => new MocoV2(cfg, channels, rng),
    generators: HARD,
  },
  'deepcluster-v2': {
    ...METHOD_INFO['deepcluster-v2'],
    createBase: (cfg, channels, rng) => new DeepClusterV2(cfg, channels, rng),
    generators: [],
  },
  'hexa-dcluster': {
    ...METHOD_INFO['hexa-dcluster'],
    createBase: (cfg, channels, rng) => new DeepClusterV2(cfg, channels, rng),
    generators: HARD,
  },
};
