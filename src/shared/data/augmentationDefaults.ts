// Each dataset's augmentation defaults: what a random-resized crop and a horizontal flip may do to its
// images without changing what they show. Measured on MNIST (docs/LEARNING.md): a flipped 2 is not a
// 2, and crops of 30 % of a 16–24 px digit often lose it; without flips and with crops of at least
// half the image, the Tiny preset's kNN gain after 200 steps rose from +9.3/+3.9/+11.5 to
// +21.0/+13.6/+21.9 points (seeds 1–3, with head BN). Brightness/contrast jitter and blur on 16 px
// grey digits cost learning too: with them off the lab's Tiny MoCo-v2 gains +16.6/+12.5/+15.7 kNN points
// over its random init with BN on data instead of +12.0/+5.0/+16.9 (docs/LEARNING.md). Clothes and
// fractals look the same mirrored and keep MoCo-v2's usual colour jitter and blur.
import type { TrainConfig } from '../config';

export type ImageKind = 'digits' | 'clothes' | 'fractals' | 'images';

export interface AugmentationDefaults {
  kind: ImageKind;
  flipProb: number;
  cropScaleMin: number;
  jitterProb: number;
  blurProb: number;
  /** One sentence for the settings: why these values for this kind of image. */
  why: string;
}

const DEFAULTS: Record<ImageKind, AugmentationDefaults> = {
  digits: {
    kind: 'digits',
    flipProb: 0,
    cropScaleMin: 0.5,
    jitterProb: 0,
    blurProb: 0,
    why: 'Digits: no flips (a mirrored 2 or 7 is not a digit), crops of at least half the image (smaller crops of a small digit often lose it), and no brightness/contrast jitter or blur (on small grey digits they cost the Tiny preset 4 to 8 kNN points).',
  },
  clothes: {
    kind: 'clothes',
    flipProb: 0.5,
    cropScaleMin: 0.3,
    jitterProb: 0.8,
    blurProb: 0.2,
    why: 'Clothes: a mirrored shirt is still a shirt, so flips are on; crops down to 30 % of the image.',
  },
  fractals: {
    kind: 'fractals',
    flipProb: 0.5,
    cropScaleMin: 0.3,
    jitterProb: 0.8,
    blurProb: 0.2,
    why: 'Fractals: the class is the shape family and its colours, unchanged by a mirror, so flips are on; crops down to 30 %.',
  },
  images: {
    kind: 'images',
    flipProb: 0.5,
    cropScaleMin: 0.3,
    jitterProb: 0.8,
    blurProb: 0.2,
    why: 'Your images: MoCo-v2’s usual flips and crops down to 30 %; turn flips off if mirrored images mean something else (text, digits).',
  },
};

/** The kind of images a stored dataset holds, from its id (built-ins and generated fractals). */
export function imageKind(datasetId: string): ImageKind {
  if (datasetId === 'mnist') return 'digits';
  if (datasetId === 'fashion-mnist') return 'clothes';
  if (datasetId.startsWith('fractals-') || datasetId === 'fractals') return 'fractals';
  return 'images';
}

export function augmentationDefaults(datasetId: string): AugmentationDefaults {
  return DEFAULTS[imageKind(datasetId)];
}

/** The settings a dataset's augmentation defaults set. */
export const DATASET_AUGMENTATION_KEYS = ['flipProb', 'cropScaleMin', 'jitterProb', 'blurProb'] as const;

/** `cfg` with the dataset's augmentation defaults (flip, smallest crop, colour jitter and blur probabilities). */
export function withDatasetAugmentation(cfg: TrainConfig, datasetId = cfg.datasetId): TrainConfig {
  const d = augmentationDefaults(datasetId);
  const out = { ...cfg, datasetId };
  for (const k of DATASET_AUGMENTATION_KEYS) out[k] = d[k];
  return out;
}

/** Whether `cfg` differs from its dataset's augmentation defaults. */
export const differsFromDatasetAugmentation = (cfg: TrainConfig): boolean => {
  const d = augmentationDefaults(cfg.datasetId);
  return DATASET_AUGMENTATION_KEYS.some((k) => cfg[k] !== d[k]);
};
