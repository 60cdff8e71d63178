// The one registry of SSL methods. A method = a base (pseudo-label task) + hard-example generators;
// HEXA variants reuse their base unchanged. See docs/ADDING_A_METHOD.md.
import type { MethodId } from '../config';
import { adversarialGenerator } from '../hardExamples/adversarial';
import { cutMixGenerator } from '../hardExamples/cutmix';
import { MocoV2 } from './mocoV2';
import type { MethodDefinition } from './types';

export const METHODS: Record<MethodId, MethodDefinition> = {
  'moco-v2': {
    id: 'moco-v2',
    label: 'MoCo-v2',
    help: 'Contrastive: each view must pick out the other view of the same image (its key) among a queue of keys from earlier batches.',
    family: 'moco',
    createBase: (cfg, channels, rng) => new MocoV2(cfg, channels, rng),
    generators: [],
  },
  'hexa-moco': {
    id: 'hexa-moco',
    label: 'HEXA-MoCo',
    help: 'MoCo-v2 plus hard queries: adversarially perturbed views and cut-mixed views with area-mixed labels.',
    family: 'moco',
    createBase: (cfg, channels, rng) => new MocoV2(cfg, channels, rng),
    generators: [adversarialGenerator, cutMixGenerator],
  },
};
