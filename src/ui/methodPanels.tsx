// The page's half of the method registry: the panel each method panel id and each hard-example
// generator brings (typed records: a generator or panel id without its component does not compile).
// App renders the ones the shown method's descriptor lists; nothing here switches on a method's name.
import type { ComponentType } from 'react';
import type { GeneratorId, MethodPanel } from '../shared/catalog';
import { AdversarialPanel } from './panels/AdversarialPanel';
import { ClustersPanel } from './panels/ClustersPanel';
import { CutMixPanel } from './panels/CutMixPanel';
import { MixupPanel } from './panels/MixupPanel';

export const METHOD_PANELS: Record<MethodPanel, { name: string; Panel: ComponentType }> = {
  clusters: { name: 'Clusters', Panel: ClustersPanel },
};

export const GENERATOR_PANELS: Record<GeneratorId, { name: string; Panel: ComponentType }> = {
  adversarial: { name: 'Adversarial', Panel: AdversarialPanel },
  cutmix: { name: 'Cut-mix', Panel: CutMixPanel },
  mixup: { name: 'Mix-up', Panel: MixupPanel },
};
