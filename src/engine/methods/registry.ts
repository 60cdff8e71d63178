// The one registry of SSL methods. A method = a base (pseudo-label task) + hard-example generators;
// HEXA variants reuse their base unchanged. See docs/ADDING_A_METHOD.md.
import type { MethodId } from '../config';
import { adversarialGenerator } from '../hardExamples/adversarial';
import { cutMixGenerator } from '../hardExamples/cutmix';
import { DeepClusterV2 } from './deepClusterV2';
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
  'deepcluster-v2': {
    id: 'deepcluster-v2',
    label: 'DeepCluster-v2',
    help: 'Clustering: at every epoch start the remembered embeddings of all images are grouped by k-means, and each view must predict the cluster of its image.',
    family: 'deepcluster',
    createBase: (cfg, channels, rng) => new DeepClusterV2(cfg, channels, rng),
    generators: [],
  },
  'hexa-dcluster': {
    id: 'hexa-dcluster',
    label: 'HEXA-DCluster',
    help: 'DeepCluster-v2 plus hard views: adversarial perturbations that push a view out of its cluster, and cut-mixed views whose cluster labels are mixed by area.',
    family: 'deepcluster',
    createBase: (cfg, channels, rng) => new DeepClusterV2(cfg, channels, rng),
    generators: [adversarialGenerator, cutMixGenerator],
  },
};
