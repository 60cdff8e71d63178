// The method registry's tf-free half: what the page and the worker know about each method and each
// hard-example generator, without importing tfjs (keeps the page bundle small). The engine's half,
// src/engine/methods/registry.ts, keys an implementation to every id here (a unit test checks that
// each descriptor has one). The UI, the stores and the trainer read these fields instead of switching
// on a method's or a generator's name; see docs/ADDING_A_METHOD.md.
import type { FieldGroup, MethodId, TrainConfig } from './config';
import type { GeneratorPreviews, LabelKind, PreviewImage } from './trainingTypes';

// ---- Hard-example generators ----

export const GENERATOR_IDS = ['adversarial', 'cutmix', 'mixup'] as const;
export type GeneratorId = (typeof GENERATOR_IDS)[number];

/** Boolean settings (a generator's on/off switch). */
type BoolKey = { [K in keyof TrainConfig]: TrainConfig[K] extends boolean ? K : never }[keyof TrainConfig];

/**
 * What a pseudo-label task must offer for a generator to compose with it. Every task implements
 * score() (the contract needs the query's ViewScore for metrics, the online probe and the gallery), but
 * a method declares 'score' only when that score is a loss against a pseudo-label a hard view can be
 * pushed away from (a key, a cluster). A regression method (BYOL, LeJEPA) declares no capability: its
 * score() is a retrieval check (the cosine of a view's prediction with its own target and that target's
 * rank among the batch's), and HEXA's generators, which flip or mix pseudo-labels, do not apply.
 */
export type TaskCapability =
  | 'score' // score(views): each view against its own pseudo-label (loss, logit, rank)
  | 'mixed-target'; // mixedLoss(views, partner, λ): a view against λ·own + (1 − λ)·partner's label

/** A metric a generator (or the step) reports, and where the page charts it. */
export interface MetricInfo {
  key: string; // the key in MetricsPoint.values
  label: string;
  color: string;
  /** 'loss': the loss chart; 'hard': the hard-example statistics chart. */
  chart: 'loss' | 'hard';
  axis?: 'right'; // the chart's right axis (logits)
  /** In the comparison's metric menu; `accuracy`: a share in [0, 1], drawn as a percentage there. */
  compare?: { label: string; accuracy: boolean };
}

/**
 * One image of a gallery item, read from row i of the generator's preview P. `id` names its test id
 * (`gallery-<short>-<id>`); `caption` is shown under it and names it when it is clicked.
 */
export type GalleryTileSpec<P> =
  | {
      kind: 'image';
      id: string;
      caption: string;
      /** 'sample': a view of the item's own image (named by its index); 'other': another image (a partner). */
      of: 'sample' | 'other';
      image: (p: P, i: number) => PreviewImage;
      /** Outlines these pixels ([h, w], 1 = marked), e.g. a cut-mix's pasted box. */
      mask?: (p: P, i: number) => Uint8Array;
    }
  | {
      /** A signed map ([h, w, c], e.g. a perturbation δ) on a diverging colour scale, shaped like `like`. */
      kind: 'signed';
      id: string;
      caption: string;
      values: (p: P, i: number) => Float32Array;
      like: (p: P, i: number) => PreviewImage;
    };

/**
 * What a generator's section of the hard-example gallery shows (shared/evaluation/galleryModel.ts keeps
 * the top items of each section over read-backs; GalleryPanel draws them). Read from the generator's
 * preview (GeneratorPreviews[id]): one row per shown sample.
 */
export interface GallerySpec<P> {
  title: string; // the section's heading
  /** What its ranking keeps, for the panel's explanation ('the biggest drop of the own logit'). */
  ranking: string;
  rows: (p: P) => number;
  /** Row i's rank: higher = kept first. */
  score: (p: P, i: number) => number;
  /** The images of an item, left to right. */
  tiles: readonly GalleryTileSpec<P>[];
  /** One line under an item (its numbers). */
  caption: (p: P, i: number) => string;
}

/**
 * A generator's gallery section typed by its preview, stored without the type (the gallery reads the
 * preview under the generator's id, which GeneratorPreviews ties to P).
 */
export const gallerySection = <P>(spec: GallerySpec<P>): GallerySpec<unknown> =>
  spec as unknown as GallerySpec<unknown>;

export interface GeneratorDescriptor {
  id: GeneratorId;
  label: string; // e.g. 'adversarial'
  /** The ablation arm that adds this generator alone, e.g. '+adversarial'. */
  armLabel: string;
  /** Short name in summaries ('adv', 'mix'). */
  short: string;
  /** Its on/off setting. */
  toggle: BoolKey;
  /**
   * Part of HEXA as published (adversarial + cut-mix): on by default, and on in the ablation's last arm
   * (the HEXA variant as published). A generator the paper does not use (mix-up) is off there.
   */
  published: boolean;
  /** Its settings (all in the 'hard examples' group), the toggle included. */
  fields: readonly (keyof TrainConfig)[];
  /** What the base method's task must offer (a method without it cannot compose with this generator). */
  needs: readonly TaskCapability[];
  /** The metric key of its loss term L_g (also listed in `metrics`). */
  lossKey: string;
  /** What it reports at every step: its loss term and what its metrics() returns. */
  metrics: readonly MetricInfo[];
  /** Its section of the hard-example gallery (test ids `gallery-<short>-…`). */
  gallery: GallerySpec<unknown>;
}

const f2 = (v: number) => v.toFixed(2);

const ADVERSARIAL_GALLERY = gallerySection<GeneratorPreviews['adversarial']>({
  title: 'Largest pseudo-label change (adversarial)',
  ranking:
    'the adversarial views that moved furthest from their own pseudo-label (the biggest drop of its logit)',
  rows: (p) => p.adversarial.length,
  score: (p, i) => p.logitBefore[i]! - p.logitAfter[i]!,
  tiles: [
    { kind: 'image', id: 'clean', caption: 'clean', of: 'sample', image: (p, i) => p.clean[i]! },
    {
      kind: 'signed',
      id: 'delta',
      caption: 'perturbation',
      values: (p, i) => p.perturbation[i]!,
      like: (p, i) => p.clean[i]!,
    },
    { kind: 'image', id: 'view', caption: 'adversarial', of: 'sample', image: (p, i) => p.adversarial[i]! },
  ],
  caption: (p, i) =>
    `logit ${f2(p.logitBefore[i]!)} → ${f2(p.logitAfter[i]!)}, rank ${p.rankBefore[i]!} → ${p.rankAfter[i]!}`,
});

const CUTMIX_GALLERY = gallerySection<GeneratorPreviews['cutmix']>({
  title: 'Most mixed cut-mixes',
  ranking: 'the cut-mixes with the largest pasted box (the smallest own share λ)',
  rows: (p) => p.mixed.length,
  score: (p, i) => 1 - p.lambda[i]!,
  tiles: [
    { kind: 'image', id: 'own', caption: 'own', of: 'sample', image: (p, i) => p.own[i]! },
    { kind: 'image', id: 'partner', caption: 'partner', of: 'other', image: (p, i) => p.partner[i]! },
    {
      kind: 'image',
      id: 'view',
      caption: 'mixed',
      of: 'sample',
      image: (p, i) => p.mixed[i]!,
      mask: (p, i) => p.masks[i]!,
    },
  ],
  caption: (p, i) => `λ = ${f2(p.lambda[i]!)}`,
});

const MIXUP_GALLERY = gallerySection<GeneratorPreviews['mixup']>({
  title: 'Most mixed mix-ups',
  ranking: 'the mix-ups blended most evenly (λ closest to 0.5)',
  rows: (p) => p.mixed.length,
  score: (p, i) => 0.5 - Math.abs(p.lambda[i]! - 0.5),
  tiles: [
    { kind: 'image', id: 'own', caption: 'own', of: 'sample', image: (p, i) => p.own[i]! },
    { kind: 'image', id: 'partner', caption: 'partner', of: 'other', image: (p, i) => p.partner[i]! },
    { kind: 'image', id: 'view', caption: 'mixed', of: 'sample', image: (p, i) => p.mixed[i]! },
  ],
  caption: (p, i) => `λ = ${f2(p.lambda[i]!)}`,
});

export const GENERATOR_INFO: Record<GeneratorId, GeneratorDescriptor> = {
  adversarial: {
    id: 'adversarial',
    label: 'adversarial',
    armLabel: '+adversarial',
    short: 'adv',
    toggle: 'adversarial',
    published: true,
    fields: ['adversarial', 'epsilon', 'attackSteps', 'attackStepSize', 'wAdv'],
    needs: ['score'],
    lossKey: 'loss_adv',
    metrics: [
      {
        key: 'loss_adv',
        label: 'L_adv',
        color: '#d62728',
        chart: 'loss',
        compare: { label: 'L_adv', accuracy: false },
      },
      {
        key: 'flip_rate',
        label: 'flip rate',
        color: '#d62728',
        chart: 'hard',
        compare: { label: 'flip rate (adversarial)', accuracy: true },
      },
      {
        key: 'pos_logit_adv',
        label: 'own-label logit (adversarial)',
        color: '#9467bd',
        chart: 'hard',
        axis: 'right',
      },
    ],
    gallery: ADVERSARIAL_GALLERY,
  },
  cutmix: {
    id: 'cutmix',
    label: 'cut-mix',
    armLabel: '+cut-mix',
    short: 'mix',
    toggle: 'cutmix',
    published: true,
    fields: ['cutmix', 'mixBeta', 'wMix'],
    needs: ['score', 'mixed-target'],
    lossKey: 'loss_mix',
    metrics: [
      {
        key: 'loss_mix',
        label: 'L_mix',
        color: '#ff7f0e',
        chart: 'loss',
        compare: { label: 'L_mix', accuracy: false },
      },
      { key: 'lambda', label: 'mean λ', color: '#ff7f0e', chart: 'hard' },
    ],
    gallery: CUTMIX_GALLERY,
  },
  mixup: {
    id: 'mixup',
    label: 'mix-up',
    armLabel: '+mix-up',
    short: 'mixup',
    toggle: 'mixup',
    published: false,
    fields: ['mixup', 'mixupAlpha', 'wMixup'],
    needs: ['score', 'mixed-target'],
    lossKey: 'loss_mixup',
    metrics: [
      {
        key: 'loss_mixup',
        label: 'L_mixup',
        color: '#8c564b',
        chart: 'loss',
        compare: { label: 'L_mixup', accuracy: false },
      },
      { key: 'lambda_mixup', label: 'mean λ (mix-up)', color: '#8c564b', chart: 'hard' },
    ],
    gallery: MIXUP_GALLERY,
  },
};

// ---- Label kinds ----

/** How the panels speak of a kind of pseudo-label. */
export interface LabelKindWords {
  own: string; // the own pseudo-label, e.g. 'positive key'
  unit: string; // one label, e.g. 'key'
  /** Labels shared across images (clusters): worth naming by index; a key is just a batch position. */
  named: boolean;
  /**
   * A soft pseudo-label (a distribution over the units, e.g. SwAV's Sinkhorn code): the unit the panels
   * name is its largest share, and a mixed target mixes the two distributions (never one-hot).
   */
  soft?: boolean;
}

export const LABEL_KINDS: Record<LabelKind, LabelKindWords> = {
  key: { own: 'positive key', unit: 'key', named: false },
  cluster: { own: 'assigned cluster', unit: 'cluster', named: true },
  prototype: { own: 'assigned prototype', unit: 'prototype', named: true, soft: true },
  target: { own: 'own target', unit: 'target', named: false },
};

// ---- Methods ----

/** Panels a method brings beside the common ones (the page maps each to its component). */
export type MethodPanel = 'clusters';

/** One arm of the comparison's one-click ablation: a label and the settings it changes. */
export interface AblationArm {
  label: string;
  patch: Partial<TrainConfig> & { method: MethodId };
}

export interface MethodDescriptor {
  id: MethodId;
  label: string;
  help: string; // one plain sentence for students
  /** Methods of one family share a base method (and so their settings); HEXA variants add generators. */
  family: string;
  /** What a view's pseudo-label is (names it in the panels). */
  labelKind: LabelKind;
  /** What its pseudo-label task offers to generators. */
  capabilities: readonly TaskCapability[];
  /** The settings groups of its own that it reads (beside the common ones). */
  groups: readonly FieldGroup[];
  /** The generators composed with it (empty: a plain method). */
  generators: readonly GeneratorId[];
  /** Panels of its own (the clusters panel). */
  panels: readonly MethodPanel[];
  /** The one-click ablation of its family: the plain method, each generator alone, all of them. */
  ablation: readonly AblationArm[];
  /** What its prepare() pass builds, for the progress bar (methods with one; e.g. 'memory bank'). */
  prepares?: string;
}

/** Settings groups that belong to one family of methods: shown only for the methods that list them. */
export const METHOD_GROUPS: readonly FieldGroup[] = [
  'moco',
  'deepcluster',
  'swav',
  'simclr',
  'byol',
  'lejepa',
];

/** Whether generator g can compose with a task that offers `capabilities`; the reason when not. */
export function composability(
  capabilities: readonly TaskCapability[],
  g: GeneratorId,
): { ok: true } | { ok: false; why: string } {
  const missing = GENERATOR_INFO[g].needs.filter((c) => !capabilities.includes(c));
  if (missing.length === 0) return { ok: true };
  const what: Record<TaskCapability, string> = {
    score: 'a pseudo-label for each view to score it against',
    'mixed-target': 'a target that can be mixed between two images by λ',
  };
  return {
    ok: false,
    why: `${GENERATOR_INFO[g].label} needs ${missing.map((c) => what[c]).join(' and ')}, which this method's task does not define.`,
  };
}

/**
 * The ablation of a family from its plain method and its HEXA variant: plain (every generator off),
 * each generator alone, and the HEXA variant as published (its `published` generators on, the others
 * off: adversarial + cut-mix, without mix-up).
 */
export function hexaAblation(
  plain: { id: MethodId; label: string },
  hexa: { id: MethodId; label: string },
  generators: readonly GeneratorId[],
): AblationArm[] {
  const toggles = (on: readonly GeneratorId[]) =>
    Object.fromEntries(
      generators.map((g) => [GENERATOR_INFO[g].toggle, on.includes(g)]),
    ) as Partial<TrainConfig>;
  return [
    { label: plain.label, patch: { method: plain.id, ...toggles([]) } },
    ...generators.map((g) => ({
      label: GENERATOR_INFO[g].armLabel,
      patch: { method: hexa.id, ...toggles([g]) },
    })),
    {
      label: hexa.label,
      patch: { method: hexa.id, ...toggles(generators.filter((g) => GENERATOR_INFO[g].published)) },
    },
  ];
}

/** The generators every HEXA variant composes (each is on or off by its own toggle). */
export const HARD: readonly GeneratorId[] = ['adversarial', 'cutmix', 'mixup'];
const MOCO = { id: 'moco-v2', label: 'MoCo-v2' } as const;
const HEXA_MOCO = { id: 'hexa-moco', label: 'HEXA-MoCo' } as const;
const DC = { id: 'deepcluster-v2', label: 'DeepCluster-v2' } as const;
const HEXA_DC = { id: 'hexa-dcluster', label: 'HEXA-DCluster' } as const;
const SWAV = { id: 'swav', label: 'SwAV' } as const;
const HEXA_SWAV = { id: 'hexa-swav', label: 'HEXA-SwAV' } as const;
const SIMCLR = { id: 'simclr', label: 'SimCLR' } as const;
const HEXA_SIMCLR = { id: 'hexa-simclr', label: 'HEXA-SimCLR' } as const;

const mocoFamily = {
  family: 'moco',
  labelKind: 'key',
  capabilities: ['score', 'mixed-target'],
  groups: ['moco'],
  panels: [],
  ablation: hexaAblation(MOCO, HEXA_MOCO, HARD),
} as const;

const deepClusterFamily = {
  family: 'deepcluster',
  labelKind: 'cluster',
  capabilities: ['score', 'mixed-target'],
  groups: ['deepcluster'],
  panels: ['clusters'],
  ablation: hexaAblation(DC, HEXA_DC, HARD),
  prepares: 'memory bank',
} as const;

const swavFamily = {
  family: 'swav',
  labelKind: 'prototype',
  capabilities: ['score', 'mixed-target'],
  groups: ['swav'],
  panels: [],
  ablation: hexaAblation(SWAV, HEXA_SWAV, HARD),
} as const;

// SimCLR's pseudo-label for a view is its positive (the other view of its image) among the batch's
// 2B − 1 other views: a key. Hard views are scored against the batch's 2B embeddings ('score'), and a
// mixed view's target mixes the two images' positives by λ ('mixed-target').
const simclrFamily = {
  family: 'simclr',
  labelKind: 'key',
  capabilities: ['score', 'mixed-target'],
  groups: ['simclr'],
  panels: [],
  ablation: hexaAblation(SIMCLR, HEXA_SIMCLR, HARD),
} as const;
/** A regression method on its own: no pseudo-label, so no generator and nothing to ablate. */
const regression = (id: MethodId, label: string, groups: readonly FieldGroup[]) =>
  ({
    id,
    label,
    family: id,
    labelKind: 'target',
    capabilities: [],
    groups,
    generators: [],
    panels: [],
    ablation: [{ label, patch: { method: id } }],
  }) as const;

/** Why HEXA's hard examples do not apply to a method that regresses targets (help text). */
const NO_HARD_EXAMPLES =
  'It has no pseudo-label (no key to pick out, no cluster to predict), only a target to regress, so HEXA’s hard examples, which push a view away from its pseudo-label or mix two labels, have nothing to act on.';

const BUILT_IN: Record<MethodId, MethodDescriptor> = {
  'moco-v2': {
    ...MOCO,
    ...mocoFamily,
    help: 'Contrastive: each view must pick out the other view of the same image (its key) among a queue of keys from earlier batches. MoCo-v2’s published projection head has no BatchNorm; the lab adds one after its first layer by default (Head BatchNorm), because the tiny networks here learn much faster with it.',
    generators: [],
  },
  'hexa-moco': {
    ...HEXA_MOCO,
    ...mocoFamily,
    help: 'MoCo-v2 plus hard queries: adversarially perturbed views and cut-mixed views with area-mixed labels (the published HEXA); mix-up views, two images blended pixel by pixel with λ-mixed labels, can be switched on too.',
    generators: HARD,
  },
  'deepcluster-v2': {
    ...DC,
    ...deepClusterFamily,
    help: 'Clustering: at every epoch start the remembered embeddings of all images are grouped by k-means, and each view must predict the cluster of its image. Its head has BatchNorm after the first layer, as published (Head BatchNorm); without it the tiny networks here stall.',
    generators: [],
  },
  'hexa-dcluster': {
    ...HEXA_DC,
    ...deepClusterFamily,
    help: 'DeepCluster-v2 plus hard views: adversarial perturbations that push a view out of its cluster, and cut-mixed views whose cluster labels are mixed by area (the published HEXA); mix-up views, two images blended pixel by pixel with λ-mixed cluster labels, can be switched on too.',
    generators: HARD,
  },
  swav: {
    ...SWAV,
    ...swavFamily,
    help: 'Clustering online: each batch is softly assigned to learnt prototypes (Sinkhorn-Knopp spreads the batch evenly over them, so they cannot all collapse to one), and each view must predict the assignment (code) of the other view of its image: a swapped prediction (small multi-crop views can be added; by default there are none). Measured on MNIST with the Tiny preset (200 steps, CPU backend, seed 1) its defaults gain +8.0 kNN and +14.3 linear-probe points over its random init; with the earlier 2 small views and a one-epoch prototype freeze it gained no kNN features (docs/LEARNING.md, “SwAV”).',
    generators: [],
  },
  'hexa-swav': {
    ...HEXA_SWAV,
    ...swavFamily,
    help: 'SwAV plus hard views: adversarial perturbations that push a view away from its image’s code, and cut-mixed views that must predict the two images’ codes mixed by area. Measured on MNIST with the Tiny preset before SwAV’s current defaults (seed 1, 2 small views, prototypes not frozen): kNN 1.6 points below its random init, linear probe +13.2 points; the current defaults are not measured for it yet (docs/LEARNING.md, “SwAV”).',
    generators: HARD,
  },
  simclr: {
    ...SIMCLR,
    ...simclrFamily,
    help: 'Contrastive without a queue or a momentum encoder: both views of every image in the batch go through one network, and each view must pick out the other view of its image among all 2B − 1 other views of the batch (NT-Xent); the gradient flows through both views. On MNIST the Tiny preset (200 steps, τ 0.2) gained +9.1 to +15.6 kNN points and +16.7 to +20.5 linear-probe points over the random init (seeds 1–3; docs/LEARNING.md).',
    generators: [],
  },
  'hexa-simclr': {
    ...HEXA_SIMCLR,
    ...simclrFamily,
    help: 'SimCLR plus hard views: adversarially perturbed views that push a view away from its positive among the batch, and cut-mixed views whose target mixes the two images’ positives by area. On MNIST the Tiny preset (seeds 1–3) gained +15.7 ± 2.8 kNN and +19.1 ± 2.7 linear-probe points over the random init, against SimCLR’s +12.9 ± 3.4 and +18.2 ± 2.0, and +7.3 ± 0.8 points when fine-tuned on 1 % of the labels (docs/LEARNING.md).',
    generators: HARD,
  },
  byol: {
    ...regression('byol', 'BYOL', ['byol']),
    help: `Regression without negatives: the online network's predictor must predict the projection of the other view made by a target network, a slow moving average of the online one (2 − 2·cosine, both ways round). ${NO_HARD_EXAMPLES} The pretext accuracy shown is a retrieval check: how often a view's prediction is closest to its own target among the batch's. Its predictor learns at 10× the learning rate (Predictor lr ×): on MNIST with the Tiny preset (seed 1) that gained +8.2 kNN and +9.3 linear-probe points over its random init, against +3.2 and +8.9 with the predictor at the lr (docs/LEARNING.md).`,
  },
  lejepa: {
    ...regression('lejepa', 'LeJEPA', ['lejepa']),
    help: `Prediction plus a distribution test: the views' embeddings of one image must agree (their squared distance to the views' mean), and SIGReg pushes all embeddings, seen along random 1-D directions, towards a standard Gaussian, weighted by the one trade-off λ; no teacher, no stop-gradient. ${NO_HARD_EXAMPLES} The pretext accuracy shown is a retrieval check: how often a view's embedding is closest to the other view's among the batch's. On MNIST with the Tiny preset (seeds 1–3) it gained +5.8 ± 1.8 kNN points and +8.9 ± 2.0 linear-probe points over its random init.`,
  },
};

/** Every method the page offers, by id (the method picker lists them in this order). */
export const METHOD_INFO: Readonly<Record<MethodId, MethodDescriptor>> = BUILT_IN;

const extra = new Map<string, MethodDescriptor>();

/**
 * Adds a method descriptor at run time (the engine's registerMethod calls it with the implementation).
 * Throws when the id is taken or a listed generator cannot compose with the method's task.
 */
export function registerMethodDescriptor(d: MethodDescriptor): void {
  if (d.id in BUILT_IN || extra.has(d.id)) throw new Error(`Method "${d.id}" is already registered.`);
  for (const g of d.generators) {
    if (!(g in GENERATOR_INFO)) throw new Error(`Method "${d.id}": unknown generator "${g}".`);
    const c = composability(d.capabilities, g);
    if (!c.ok) throw new Error(`Method "${d.id}": ${c.why}`);
  }
  extra.set(d.id, d);
}

/** Removes a method added with registerMethodDescriptor (tests). */
export function unregisterMethodDescriptor(id: string): void {
  extra.delete(id);
}

/** The descriptor of a method id, built-in or registered; undefined for an unknown id. */
export function findMethod(id: string): MethodDescriptor | undefined {
  return (BUILT_IN as Record<string, MethodDescriptor>)[id] ?? extra.get(id);
}

/** The descriptor of a method id; an unknown id (never stored, but never trusted) gets MoCo-v2's. */
export function methodInfo(id: string): MethodDescriptor {
  return findMethod(id) ?? BUILT_IN['moco-v2'];
}

/** The generators a method composes with, as descriptors. */
export const methodGenerators = (m: MethodDescriptor): GeneratorDescriptor[] =>
  m.generators.map((g) => GENERATOR_INFO[g]);

/** The generators switched on in cfg for its method. */
export const activeGenerators = (cfg: TrainConfig): GeneratorDescriptor[] =>
  methodGenerators(methodInfo(cfg.method)).filter((g) => cfg[g.toggle]);

/** Whether a settings group applies to a method (its own groups, the common ones, hard examples if any). */
export function usesGroup(m: MethodDescriptor, g: FieldGroup): boolean {
  if (g === 'hard examples') return m.generators.length > 0;
  return !METHOD_GROUPS.includes(g) || m.groups.includes(g);
}

/** Whether a setting applies to a method (a hard-example setting only if one of its generators reads it). */
export function usesField(m: MethodDescriptor, key: keyof TrainConfig, group: FieldGroup): boolean {
  if (!usesGroup(m, group)) return false;
  if (group !== 'hard examples') return true;
  return methodGenerators(m).some((g) => g.fields.includes(key));
}

/** Why each generator not composed with this method is absent (for the UI), by generator id. */
export function missingGenerators(m: MethodDescriptor): { id: GeneratorId; why: string }[] {
  return GENERATOR_IDS.filter((g) => !m.generators.includes(g)).map((g) => {
    const c = composability(m.capabilities, g);
    return {
      id: g,
      why: c.ok
        ? `${GENERATOR_INFO[g].label}: not in ${m.label}; its HEXA variant (or a new one) composes it.`
        : c.why,
    };
  });
}
