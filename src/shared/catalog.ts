// What the UI needs to know about each method, without importing tfjs (keeps the page bundle small).
import type { MethodId } from './config';

export interface MethodInfo {
  id: MethodId;
  label: string;
  help: string; // one plain sentence for students
  family: 'moco' | 'deepcluster';
  hardExamples: boolean; // composed with the adversarial and cut-mix generators
}

export const METHOD_INFO: Record<MethodId, MethodInfo> = {
  'moco-v2': {
    id: 'moco-v2',
    label: 'MoCo-v2',
    help: 'Contrastive: each view must pick out the other view of the same image (its key) among a queue of keys from earlier batches. MoCo-v2’s published projection head has no BatchNorm; the lab adds one after its first layer by default (Head BatchNorm), because the tiny networks here learn much faster with it.',
    family: 'moco',
    hardExamples: false,
  },
  'hexa-moco': {
    id: 'hexa-moco',
    label: 'HEXA-MoCo',
    help: 'MoCo-v2 plus hard queries: adversarially perturbed views and cut-mixed views with area-mixed labels.',
    family: 'moco',
    hardExamples: true,
  },
  'deepcluster-v2': {
    id: 'deepcluster-v2',
    label: 'DeepCluster-v2',
    help: 'Clustering: at every epoch start the remembered embeddings of all images are grouped by k-means, and each view must predict the cluster of its image. Its head has BatchNorm after the first layer, as published (Head BatchNorm); without it the tiny networks here stall.',
    family: 'deepcluster',
    hardExamples: false,
  },
  'hexa-dcluster': {
    id: 'hexa-dcluster',
    label: 'HEXA-DCluster',
    help: 'DeepCluster-v2 plus hard views: adversarial perturbations that push a view out of its cluster, and cut-mixed views whose cluster labels are mixed by area.',
    family: 'deepcluster',
    hardExamples: true,
  },
};
