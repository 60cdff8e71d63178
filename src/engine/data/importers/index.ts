// The import engine: the worker calls importImages with a createBrowserDecoder().
export { importImages } from './importImages';
export { createBrowserDecoder } from './browserDecoder';
export { newDatasetId, slugify } from './begin';
export { CIFAR10_CLASSES, CIFAR100_CLASSES, isCifarBatchName } from './cifar';
export { sniffImage, type ImageFormat, type SniffResult } from './sniff';
export {
  DEFAULT_IMPORT_LIMITS,
  IMPORT_SIZES,
  type CropPolicy,
  type FolderFile,
  type ImageDecoder,
  type ImportLimits,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type ImportSize,
  type ImportSource,
  type SkippedFile,
} from '../../../shared/data/importTypes';
