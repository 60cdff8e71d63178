// One typed, flat training config: every field has one line of documentation, a range and a group
// in FIELDS, which drives validation, the settings form and the URL encoding alike.
import { findMethod } from './catalog';

export const METHOD_IDS = [
  'moco-v2',
  'hexa-moco',
  'deepcluster-v2',
  'hexa-dcluster',
  'swav',
  'hexa-swav',
  'simclr',
  'hexa-simclr',
  'byol',
  'lejepa',
] as const;
export type MethodId = (typeof METHOD_IDS)[number];
/**
 * The methods whose configs saved before `headBn` existed trained with head BatchNorm (upgradeConfig).
 * A historical fact about two methods, not a family test: new methods always have the setting.
 */
const HEAD_BN_BEFORE_ISSUE_10: readonly MethodId[] = ['deepcluster-v2', 'hexa-dcluster'];
export const BACKBONE_IDS = ['tiny-convnet', 'small-resnet'] as const;
export type BackboneId = (typeof BACKBONE_IDS)[number];
export const PRESET_IDS = ['tiny', 'small-gpu', 'resnet'] as const;
export type PresetId = (typeof PRESET_IDS)[number];

export interface TrainConfig {
  method: MethodId; // SSL method, a key of the method registry
  backbone: BackboneId; // feature extractor
  datasetId: string; // dataset in the image store
  seed: number; // seeds sampling, augmentation, init and hard examples
  // data
  trainLimit: number; // images of the train split used for pre-training (first N); 0 = all
  imageSize: number; // side of the square crops fed to the model, pixels
  batchSize: number; // images per step (two views each)
  // model
  width: number; // channels of the first conv stage; later stages double it
  hiddenDim: number; // projection head hidden width
  embedDim: number; // L2-normalised embedding size d
  headBn: boolean; // BatchNorm after the projection head's first layer (Linear–BN–ReLU–Linear)
  // optimiser: SGD + momentum, cosine schedule
  epochs: number; // passes over the train split
  lr: number; // peak learning rate
  sgdMomentum: number; // SGD momentum
  weightDecay: number; // L2 weight decay on conv/dense kernels
  warmupSteps: number; // linear warm-up steps before the cosine decay
  // MoCo
  queueSize: number; // K negatives in the queue; a multiple of batchSize
  keyMomentum: number; // m in θk ← m·θk + (1−m)·θq
  temperature: number; // τ of InfoNCE
  bnGroups: number; // G sub-batches for shuffled split-BatchNorm
  // DeepCluster
  clusterHeads: number; // H prototype heads, each its own k-means clustering
  clusterCount: number; // K prototypes (clusters) per head; below the number of train images
  clusterTemperature: number; // τ of the cluster logits z·Cᵀ/τ
  // SwAV
  swavPrototypes: number; // K learnable prototypes
  swavTemperature: number; // τ of the prototype softmax z·Cᵀ/τ
  swavEpsilon: number; // ε of Sinkhorn-Knopp (entropic regularisation of the codes)
  swavSinkhornIters: number; // Sinkhorn-Knopp normalisation rounds
  swavSmallCrops: number; // V small views (multi-crop) beside the two large ones
  swavSmallSize: number; // side of the small views, pixels
  swavSmallScaleMin: number; // smallest crop area of a small view (share of the image)
  swavFreezeEpochs: number; // epochs at the start during which the prototypes get no gradient
  swavQueueSize: number; // past large-view embeddings per large view that join Sinkhorn (0: none)
  // SimCLR
  simclrTemperature: number; // τ of NT-Xent over the batch's 2B views
  // BYOL
  byolMomentum: number; // τ in ξ ← τ·ξ + (1−τ)·θ (the target network follows the online one)
  byolPredictorHidden: number; // hidden width of the online predictor q (Linear–BN–ReLU–Linear)
  byolPredictorLrScale: number; // the predictor's learning rate as a multiple of the lr
  byolMomentumCosine: boolean; // raise τ from byolMomentum to 1 by a cosine schedule over the run (BYOL's)
  // LeJEPA
  lejepaLambda: number; // λ in (1−λ)·predictive + λ·SIGReg, the one trade-off weight
  lejepaSlices: number; // M random 1-D directions SIGReg tests per step
  // augmentation (probabilities and strengths)
  cropScaleMin: number; // smallest crop area as a share of the image
  flipProb: number; // horizontal flip probability
  jitterProb: number; // colour-jitter probability
  brightness: number; // brightness jitter strength (±)
  contrast: number; // contrast jitter strength (±)
  saturation: number; // saturation jitter strength (±), colour data only
  hue: number; // hue jitter strength (± of a turn), colour data only
  grayscaleProb: number; // random greyscale probability (colour data only)
  blurProb: number; // Gaussian blur probability
  blurSigmaMax: number; // largest blur σ, pixels
  // hard examples (HEXA)
  adversarial: boolean; // add adversarial queries
  cutmix: boolean; // add cut-mixed queries
  epsilon: number; // L∞ budget ε, in 1/255 pixel units
  attackSteps: number; // PGD steps T
  attackStepSize: number; // PGD step α, in 1/255 pixel units
  mixBeta: number; // a of λ0 ~ Beta(a, a)
  wAdv: number; // weight of the adversarial loss
  wMix: number; // weight of the cut-mix loss
  mixup: boolean; // add mixed-up queries (pixel-wise mix of two queries)
  mixupAlpha: number; // a of λ ~ Beta(a, a), the mix-up share of the own image
  wMixup: number; // weight of the mix-up loss
  // evaluation and read-back
  readbackEvery: number; // steps between GPU read-backs of metrics and previews
  checkpointEvery: number; // steps between saved checkpoints (weights, queue/bank, optimiser) of a run
  probeTrainSize: number; // labelled train images for the frozen linear probe / kNN bank
  probeTestSize: number; // held-out test images scored by the probe / kNN
  probeEveryEpochs: number; // epochs between frozen linear probes
  knnK: number; // neighbours of the kNN monitor
  knnTemperature: number; // temperature of the kNN vote weights exp(sim/T)
}

type NumericKey = { [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never }[keyof TrainConfig];
type BoolKey = { [K in keyof TrainConfig]: TrainConfig[K] extends boolean ? K : never }[keyof TrainConfig];

export type FieldGroup =
  | 'data'
  | 'model'
  | 'optimiser'
  | 'moco'
  | 'deepcluster'
  | 'swav'
  | 'simclr'
  | 'byol'
  | 'lejepa'
  | 'augmentation'
  | 'hard examples'
  | 'evaluation';

export interface NumberField {
  kind: 'number';
  label: string;
  help: string;
  group: FieldGroup;
  min: number;
  max: number;
  integer?: boolean;
  step?: number;
}
export interface BoolField {
  kind: 'bool';
  label: string;
  help: string;
  group: FieldGroup;
}

const num = (
  group: FieldGroup,
  label: string,
  min: number,
  max: number,
  help: string,
  opts: { integer?: boolean; step?: number } = {},
): NumberField => ({ kind: 'number', group, label, min, max, help, ...opts });
const int = (group: FieldGroup, label: string, min: number, max: number, help: string): NumberField =>
  num(group, label, min, max, help, { integer: true, step: 1 });
const bool = (group: FieldGroup, label: string, help: string): BoolField => ({
  kind: 'bool',
  group,
  label,
  help,
});

export const FIELDS: Record<NumericKey, NumberField> & Record<BoolKey, BoolField> = {
  seed: int(
    'data',
    'Seed',
    0,
    2 ** 31 - 1,
    'Seeds shuffling, augmentation, initialisation and hard examples.',
  ),
  trainLimit: int('data', 'Train images', 0, 10_000_000, 'How many train images to pre-train on (0 = all).'),
  imageSize: int('data', 'Crop size', 8, 64, 'Side in pixels of the augmented views the model sees.'),
  batchSize: int('data', 'Batch size', 2, 1024, 'Images per step; each gives two augmented views.'),
  width: int('model', 'Width', 2, 128, 'Channels of the first conv stage; later stages double it.'),
  hiddenDim: int('model', 'Head hidden', 4, 2048, 'Hidden width of the projection head.'),
  embedDim: int('model', 'Embedding dim', 2, 512, 'Size d of the L2-normalised embedding.'),
  headBn: bool(
    'model',
    'Head BatchNorm',
    "BatchNorm after the projection head's first layer (Linear–BN–ReLU–Linear). MoCo-v2's published head has none; a tiny network learns much faster with it (measured), if each BN group has at least 8 images.",
  ),
  epochs: int('optimiser', 'Epochs', 1, 1000, 'Passes over the train images.'),
  lr: num('optimiser', 'Learning rate', 1e-5, 10, 'Peak SGD learning rate (cosine decay).', { step: 0.001 }),
  sgdMomentum: num('optimiser', 'SGD momentum', 0, 0.999, 'Momentum of SGD.', { step: 0.01 }),
  weightDecay: num('optimiser', 'Weight decay', 0, 0.1, 'L2 penalty on weights.', { step: 0.0001 }),
  warmupSteps: int(
    'optimiser',
    'Warm-up steps',
    0,
    100_000,
    'Linear learning-rate warm-up before the cosine decay.',
  ),
  queueSize: int(
    'moco',
    'Queue size K',
    2,
    65536,
    'Negative keys remembered from past batches; a multiple of the batch size.',
  ),
  keyMomentum: num(
    'moco',
    'Key momentum m',
    0,
    0.99999,
    'The key encoder follows the query encoder: θk ← m·θk + (1−m)·θq.',
    {
      step: 0.001,
    },
  ),
  temperature: num('moco', 'Temperature τ', 0.01, 2, 'Sharpness of InfoNCE: logits are divided by τ.', {
    step: 0.01,
  }),
  bnGroups: int(
    'model',
    'BN groups',
    1,
    16,
    'Split BatchNorm: every method normalises its views in G sub-batches of the batch (MoCo also shuffles its keys across them, so that a query and its key never share statistics). Each group needs at least 2 images; 8 or more keep the head BatchNorm stable.',
  ),
  clusterHeads: int(
    'deepcluster',
    'Cluster heads',
    1,
    3,
    'Independent k-means clusterings, each with its own prototypes; the loss averages over them.',
  ),
  clusterCount: int(
    'deepcluster',
    'Clusters K',
    2,
    5000,
    'Prototypes per head: k-means clusters of the memory bank, re-made each epoch; fewer than the images.',
  ),
  clusterTemperature: num(
    'deepcluster',
    'Cluster τ',
    0.01,
    1,
    'Sharpness of the cluster logits: similarities to the prototypes are divided by τ.',
    { step: 0.01 },
  ),
  swavPrototypes: int(
    'swav',
    'Prototypes K',
    2,
    3000,
    'Learnable prototype vectors (like cluster centres, but trained by gradient); each image is softly assigned to them.',
  ),
  swavTemperature: num(
    'swav',
    'SwAV τ',
    0.01,
    1,
    'Sharpness of the prediction: similarities of a view to the prototypes are divided by τ before the softmax.',
    { step: 0.01 },
  ),
  swavEpsilon: num(
    'swav',
    'Sinkhorn ε',
    0.01,
    1,
    'Softness of the codes: smaller ε makes each image’s assignment to the prototypes sharper (closer to one prototype).',
    { step: 0.01 },
  ),
  swavSinkhornIters: int(
    'swav',
    'Sinkhorn iterations',
    0,
    20,
    'Rounds of Sinkhorn-Knopp that spread the batch evenly over the prototypes (so they cannot all pick one).',
  ),
  swavSmallCrops: int(
    'swav',
    'Small views V',
    0,
    8,
    'Multi-crop: extra small, zoomed-in views of each image; they predict the large views’ codes but make none. Default 0: at the Tiny budget on MNIST, 8-pixel crops of a 16-pixel digit often lose it, and with 2 of them SwAV learnt no kNN features in 200 steps (docs/LEARNING.md, “SwAV”); the paper uses 6 on ImageNet.',
  ),
  swavSmallSize: int(
    'swav',
    'Small view size',
    4,
    64,
    'Side in pixels of the small views (cheaper than large ones).',
  ),
  swavSmallScaleMin: num(
    'swav',
    'Small crop min area',
    0.05,
    1,
    'Smallest crop area of a small view (share of the image); small views show parts of the image.',
    { step: 0.01 },
  ),
  swavFreezeEpochs: int(
    'swav',
    'Freeze prototypes (epochs)',
    0,
    1000,
    'Epochs at the start during which the prototypes get no gradient (SwAV freezes them for its first epoch of 800 on ImageNet: training is steadier). Default 0: one epoch is half of the Tiny preset’s 200 steps, so a freeze counted in epochs costs half the budget here.',
  ),
  swavQueueSize: int(
    'swav',
    'Code queue',
    0,
    8192,
    'Past embeddings of each large view kept to compute the codes: Sinkhorn then spreads batch + queue evenly over the prototypes instead of one small batch (SwAV’s fix for small batches). Used once full; 0: none.',
  ),
  simclrTemperature: num(
    'simclr',
    'SimCLR τ',
    0.01,
    2,
    'Sharpness of NT-Xent: cosine similarities between the batch’s views are divided by τ. The paper’s 0.5 is for batches of thousands; 0.2 (as MoCo’s τ here) learns at the Tiny batch of 32 (docs/LEARNING.md).',
    { step: 0.01 },
  ),
  byolMomentum: num(
    'byol',
    'Target momentum τ',
    0,
    0.99999,
    'The target network is a slow average of the online one: ξ ← τ·ξ + (1−τ)·θ. Closer to 1 = slower, steadier targets.',
    { step: 0.001 },
  ),
  byolPredictorHidden: int(
    'byol',
    'Predictor hidden',
    4,
    2048,
    'Hidden width of the predictor, the small network only the online side has (it predicts the target projection).',
  ),
  byolPredictorLrScale: num(
    'byol',
    'Predictor lr ×',
    0,
    100,
    'The predictor learns at this multiple of the learning rate (same schedule), as BYOL/SimSiam follow-ups do: a faster predictor keeps up with the online network in a short run. On MNIST (Tiny, seed 1) 10 gained +8.2 kNN points over the random init against +3.2 at 1 (docs/LEARNING.md).',
    { step: 0.5 },
  ),
  byolMomentumCosine: bool(
    'byol',
    'Cosine τ schedule',
    'BYOL’s schedule: τ rises from Target momentum τ at the first step to 1 at the last, τ_k = 1 − (1 − τ)·(cos(πk/K) + 1)/2. Off (default): τ stays constant; at the Tiny budget the schedule from 0.98 did not help (docs/LEARNING.md).',
  ),
  lejepaLambda: num(
    'lejepa',
    'Trade-off λ',
    0,
    1,
    'LeJEPA’s one weight: (1−λ)·(views agree) + λ·SIGReg (embeddings look like an isotropic Gaussian). λ = 0 collapses.',
    { step: 0.01 },
  ),
  lejepaSlices: int(
    'lejepa',
    'SIGReg slices',
    1,
    4096,
    'Random 1-D directions the embeddings are projected on at each step; each projection is tested against a standard Gaussian.',
  ),
  cropScaleMin: num(
    'augmentation',
    'Min crop area',
    0.05,
    1,
    'Smallest random-resized-crop area (share of the image).',
    {
      step: 0.01,
    },
  ),
  flipProb: num('augmentation', 'Flip prob.', 0, 1, 'Probability of a horizontal flip.', { step: 0.05 }),
  jitterProb: num('augmentation', 'Jitter prob.', 0, 1, 'Probability of colour jitter.', { step: 0.05 }),
  brightness: num('augmentation', 'Brightness', 0, 1, 'Brightness jitter strength (±).', { step: 0.05 }),
  contrast: num('augmentation', 'Contrast', 0, 1, 'Contrast jitter strength (±).', { step: 0.05 }),
  saturation: num('augmentation', 'Saturation', 0, 1, 'Saturation jitter strength (±); colour data only.', {
    step: 0.05,
  }),
  hue: num(
    'augmentation',
    'Hue',
    0,
    0.5,
    'Hue jitter strength (± share of the colour wheel); colour data only.',
    {
      step: 0.01,
    },
  ),
  grayscaleProb: num(
    'augmentation',
    'Greyscale prob.',
    0,
    1,
    'Probability of converting a view to grey; colour data only.',
    {
      step: 0.05,
    },
  ),
  blurProb: num('augmentation', 'Blur prob.', 0, 1, 'Probability of a Gaussian blur.', { step: 0.05 }),
  blurSigmaMax: num('augmentation', 'Blur σ max', 0.1, 5, 'Largest Gaussian blur σ in pixels.', {
    step: 0.1,
  }),
  adversarial: bool(
    'hard examples',
    'Adversarial queries',
    'Add views perturbed (PGD) to flip their own pseudo-label.',
  ),
  cutmix: bool(
    'hard examples',
    'Cut-mixed queries',
    'Add views with a patch of another image; their label is mixed by area.',
  ),
  epsilon: num(
    'hard examples',
    'ε (/255)',
    0,
    16,
    'L∞ budget of the adversarial perturbation, in 1/255 pixel steps.',
    {
      step: 0.5,
    },
  ),
  attackSteps: int('hard examples', 'PGD steps T', 1, 10, 'Gradient-sign steps of the attack.'),
  attackStepSize: num(
    'hard examples',
    'Step α (/255)',
    0,
    16,
    'Size of each PGD step, in 1/255 pixel steps.',
    { step: 0.5 },
  ),
  mixBeta: num('hard examples', 'Beta a', 0.05, 10, 'λ0 ~ Beta(a, a) sets the cut-mix patch size.', {
    step: 0.05,
  }),
  wAdv: num('hard examples', 'w_adv', 0, 10, 'Weight of the adversarial loss term.', { step: 0.1 }),
  wMix: num('hard examples', 'w_mix', 0, 10, 'Weight of the cut-mix loss term.', { step: 0.1 }),
  mixup: bool(
    'hard examples',
    'Mixed-up queries',
    'Add views that blend two images pixel by pixel (λ·own + (1 − λ)·partner); their label is mixed by λ. Off in the published HEXA. Measured (MNIST, Tiny, HEXA-MoCo with mix-up alone, seeds 1–3): kNN +9 to +18 points over the random init, as MoCo-v2 (+12.5 to +17) and above adversarial + cut-mix (+7 to +15).',
  ),
  mixupAlpha: num(
    'hard examples',
    'Mix-up a',
    0.05,
    10,
    'λ ~ Beta(a, a) is the own image’s share of the blend: a = 1 draws λ uniformly, a small a mostly near 0 or 1 (nearly one image), a large a near 0.5 (even blends).',
    { step: 0.05 },
  ),
  wMixup: num('hard examples', 'w_mixup', 0, 10, 'Weight of the mix-up loss term.', { step: 0.1 }),
  readbackEvery: int(
    'evaluation',
    'Read back every',
    1,
    1000,
    'Steps between GPU read-backs of metrics and previews.',
  ),
  checkpointEvery: int(
    'evaluation',
    'Checkpoint every',
    1,
    100_000,
    'Steps between saved checkpoints; a reload or crash resumes from the last one, losing at most this many steps.',
  ),
  probeTrainSize: int(
    'evaluation',
    'Probe train images',
    10,
    60000,
    'Labelled images the frozen probe and kNN learn from.',
  ),
  probeTestSize: int(
    'evaluation',
    'Probe test images',
    10,
    10000,
    'Held-out labelled images the probe and kNN are scored on.',
  ),
  probeEveryEpochs: int(
    'evaluation',
    'Probe every (epochs)',
    1,
    100,
    'Epochs between frozen linear probes and kNN.',
  ),
  knnK: int('evaluation', 'kNN k', 1, 200, 'Neighbours voting in the kNN monitor.'),
  knnTemperature: num('evaluation', 'kNN temperature', 0.01, 1, 'Vote weight exp(similarity / T).', {
    step: 0.01,
  }),
};

const base: TrainConfig = {
  method: 'moco-v2',
  backbone: 'tiny-convnet',
  datasetId: 'mnist',
  seed: 1,
  trainLimit: 0,
  imageSize: 24,
  batchSize: 64,
  width: 16,
  hiddenDim: 128,
  embedDim: 64,
  headBn: true, // 16 images per BN group (batch 64, 4 groups)
  epochs: 10,
  lr: 0.06,
  sgdMomentum: 0.9,
  weightDecay: 5e-4,
  warmupSteps: 50,
  queueSize: 4096,
  keyMomentum: 0.99,
  temperature: 0.2,
  bnGroups: 4,
  clusterHeads: 3,
  clusterCount: 30,
  clusterTemperature: 0.1,
  swavPrototypes: 10,
  swavTemperature: 0.1,
  swavEpsilon: 0.05,
  swavSinkhornIters: 3,
  // Measured on MNIST at the Tiny budget (docs/LEARNING.md, "SwAV"): no small views and no freeze.
  swavSmallCrops: 0,
  swavSmallSize: 8,
  swavSmallScaleMin: 0.2,
  swavFreezeEpochs: 0,
  swavQueueSize: 0,
  simclrTemperature: 0.2,
  byolMomentum: 0.99,
  byolPredictorHidden: 64,
  byolPredictorLrScale: 10,
  byolMomentumCosine: false,
  lejepaLambda: 0.05,
  lejepaSlices: 64,
  // MNIST's augmentation defaults (withDatasetAugmentation in data/augmentationDefaults.ts): digits are
  // not mirror-symmetric (a flipped 2 is not a 2), 30 % crops of a 16–24 px digit often lose it, and
  // brightness/contrast jitter and blur cost small grey digits learning (docs/LEARNING.md).
  cropScaleMin: 0.5,
  flipProb: 0,
  jitterProb: 0,
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.4,
  hue: 0.1,
  grayscaleProb: 0.2,
  blurProb: 0,
  blurSigmaMax: 1,
  adversarial: true,
  cutmix: true,
  epsilon: 4,
  attackSteps: 1,
  attackStepSize: 4,
  mixBeta: 1,
  wAdv: 1,
  wMix: 1,
  mixup: false, // the published HEXA is adversarial + cut-mix; mix-up is its stated future work
  mixupAlpha: 1,
  wMixup: 1,
  readbackEvery: 10,
  checkpointEvery: 100,
  probeTrainSize: 2000,
  probeTestSize: 1000,
  probeEveryEpochs: 1,
  knnK: 20,
  knnTemperature: 0.1,
};

// Figures in the presets' help are measured (docs/LEARNING.md says how).
const TINY_HELP =
  'A 16-pixel tiny ConvNet (width 8), batch 32, 200 steps (2 epochs over 3,200 images), probed on 2,000 / 1,000 images: small enough for a software GPU (SwiftShader) and the tests. ' +
  'Measured on MNIST with MoCo-v2 (seeds 1–3): kNN +13 to +18 points over the step-0 network, +5 to +17 over the random init with BN on data; ' +
  '6–9 minutes a run on a busy 2-core CPU (tfjs CPU backend); on SwiftShader the first step came about 50 s after Start. DeepCluster-v2 needs more steps than this.';

/** Presets: `tiny` is what tests and CI train (CPU-emulated WebGPU), `small-gpu` the default. */
export const PRESETS: Record<PresetId, { label: string; help: string; config: TrainConfig }> = {
  tiny: {
    label: 'Tiny (software GPU, tests)',
    help: TINY_HELP,
    config: {
      ...base,
      // The measured recipe (docs/LEARNING.md): 16 px, batch 32, width 8, queue 1024, τ 0.2, head BN
      // with 16 images per BN group, 20 warm-up steps; 2 epochs of 100 steps over 3,200 digits.
      trainLimit: 3200,
      imageSize: 16,
      batchSize: 32,
      width: 8,
      hiddenDim: 64,
      embedDim: 32,
      epochs: 2,
      warmupSteps: 20,
      temperature: 0.2,
      queueSize: 1024,
      bnGroups: 2,
      readbackEvery: 10,
      checkpointEvery: 50,
    },
  },
  'small-gpu': {
    label: 'Small GPU (default)',
    help:
      'Tiny ConvNet (width 16) on 24-pixel crops of all 60,000 MNIST digits, batch 64, queue 4096: 937 steps an epoch, for a real GPU. ' +
      'Measured with MoCo-v2 (seeds 1–3): one epoch gains +14.8 to +17.8 kNN points over the random init with BN on data (+16.3 on average) and beats raw pixels on the linear probe (92 % vs 85 %); ' +
      '10–16 minutes an epoch on a busy 2-core CPU with the WebAssembly backend (no GPU figure measured yet).',
    config: { ...base },
  },
  resnet: {
    label: 'Small ResNet',
    help: 'A small ResNet (three residual stages) instead of the tiny ConvNet, batch 128: slower per step; its learning is not measured yet.',
    config: { ...base, backbone: 'small-resnet', width: 16, batchSize: 128, lr: 0.06 },
  },
};

export const DEFAULT_PRESET: PresetId = 'small-gpu';
export const defaultConfig = (): TrainConfig => ({ ...PRESETS[DEFAULT_PRESET].config });

/**
 * Fields added after configs were first stored whose absence means "saved before it existed", not
 * damage: upgradeConfig gives them their default (the base config's value). A method's own new settings
 * go here (older runs never used them, so the default changes nothing about how they trained). Any other
 * missing field still fails the schema.
 */
export const ADDED_FIELDS: readonly (keyof TrainConfig)[] = [
  'mixup',
  'mixupAlpha',
  'wMixup',
  'swavPrototypes',
  'swavTemperature',
  'swavEpsilon',
  'swavSinkhornIters',
  'swavSmallCrops',
  'swavSmallSize',
  'swavSmallScaleMin',
  'swavFreezeEpochs',
  'swavQueueSize',
  'simclrTemperature',
  'byolMomentum',
  'byolPredictorHidden',
  'byolPredictorLrScale',
  'byolMomentumCosine',
  'lejepaLambda',
  'lejepaSlices',
];

/**
 * Added fields whose default is not how runs trained before them (issue 13's BYOL settings: a BYOL
 * config stored earlier trained with a predictor at the lr and a constant τ): upgradeConfig gives a
 * config without them these values, so an old run resumes as it trained.
 */
export const BEFORE_ADDED: Partial<TrainConfig> = { byolPredictorLrScale: 1, byolMomentumCosine: false };

/**
 * A config saved before a field existed, completed with the value that reproduces how it trained then:
 * `headBn` (added with issue 10) was on for the DeepCluster family and off for MoCo; each field of
 * ADDED_FIELDS takes its BEFORE_ADDED value if it has one, else its default.
 */
export function upgradeConfig(c: TrainConfig): TrainConfig {
  const old = c as Partial<TrainConfig> & TrainConfig;
  const missing = ADDED_FIELDS.filter((k) => old[k] === undefined);
  if (typeof old.headBn === 'boolean' && missing.length === 0) return c;
  const added = Object.fromEntries(
    missing.map((k) => [k, k in BEFORE_ADDED ? BEFORE_ADDED[k] : base[k]]),
  ) as Partial<TrainConfig>;
  const headBn = typeof old.headBn === 'boolean' ? old.headBn : HEAD_BN_BEFORE_ISSUE_10.includes(c.method);
  return { ...c, ...added, headBn };
}

export interface ConfigIssue {
  field: keyof TrainConfig;
  message: string;
}

/** Returns every problem with a config, each naming the field, the value and the allowed range. */
export function validateConfig(c: TrainConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, field] of Object.entries(FIELDS) as [keyof TrainConfig, NumberField | BoolField][]) {
    const v = c[key];
    if (field.kind === 'bool') {
      if (typeof v !== 'boolean') issues.push({ field: key, message: `${field.label} must be on or off.` });
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      issues.push({
        field: key,
        message: `${field.label} must be a number between ${field.min} and ${field.max} (got ${String(v)}).`,
      });
    } else if (v < field.min || v > field.max) {
      issues.push({
        field: key,
        message: `${field.label} is ${v}; it must be between ${field.min} and ${field.max}.`,
      });
    } else if (field.integer && !Number.isInteger(v)) {
      issues.push({
        field: key,
        message: `${field.label} must be a whole number between ${field.min} and ${field.max} (got ${v}).`,
      });
    }
  }
  if (!findMethod(c.method)) issues.push({ field: 'method', message: `Unknown method "${c.method}".` });
  if (!BACKBONE_IDS.includes(c.backbone))
    issues.push({ field: 'backbone', message: `Unknown backbone "${c.backbone}".` });
  if (!c.datasetId) issues.push({ field: 'datasetId', message: 'Choose a dataset.' });
  const queue = findMethod(c.method)?.groups.includes('moco') ?? false; // only MoCo's family keeps a queue
  if (
    queue &&
    Number.isInteger(c.queueSize) &&
    Number.isInteger(c.batchSize) &&
    c.queueSize % c.batchSize !== 0
  ) {
    issues.push({
      field: 'queueSize',
      message: `Queue size K (${c.queueSize}) must be a multiple of the batch size (${c.batchSize}).`,
    });
  }
  if (Number.isInteger(c.bnGroups) && Number.isInteger(c.batchSize) && c.batchSize % c.bnGroups !== 0) {
    issues.push({
      field: 'bnGroups',
      message: `BN groups (${c.bnGroups}) must divide the batch size (${c.batchSize}).`,
    });
  }
  if (c.bnGroups > 0 && c.batchSize / c.bnGroups < 2) {
    issues.push({
      field: 'bnGroups',
      message: 'Each BN group needs at least 2 images: lower BN groups or raise the batch size.',
    });
  }
  const clusters = findMethod(c.method)?.groups.includes('deepcluster') ?? false; // it reads Clusters K
  if (clusters && c.trainLimit !== 0 && c.clusterCount >= c.trainLimit) {
    issues.push({
      field: 'clusterCount',
      message: `Clusters K (${c.clusterCount}) must be fewer than the train images (${c.trainLimit}).`,
    });
  }
  if (c.trainLimit !== 0 && c.trainLimit < c.batchSize) {
    issues.push({
      field: 'trainLimit',
      message: `Train images (${c.trainLimit}) must be 0 (all) or at least one batch (${c.batchSize}).`,
    });
  }
  return issues;
}

/** Config → URL query (only fields that differ from the preset), so a link reproduces a setup. */
export function configToQuery(c: TrainConfig, preset: PresetId = DEFAULT_PRESET): string {
  const ref = PRESETS[preset].config;
  const params = new URLSearchParams();
  params.set('preset', preset);
  for (const key of Object.keys(c) as (keyof TrainConfig)[]) {
    if (c[key] !== ref[key]) params.set(key, String(c[key]));
  }
  return params.toString();
}

/* Reading a link back (URL query → config, checked with a schema per field) is configFromQuery in
   schema/query.ts. */
