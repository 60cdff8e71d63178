// The import engine's public shapes: what the worker passes in (sources, options, a decoder) and what it
// gets back (progress while it runs, one report at the end).
import type { DatasetManifest, PartialChoice } from './types';

/** Stored image sizes the lab offers (square). */
export const IMPORT_SIZES = [16, 28, 32, 64] as const;
export type ImportSize = (typeof IMPORT_SIZES)[number];

/**
 * How a non-square image becomes a square: 'center-crop' keeps the centred square of the shorter side,
 * 'pad' fits the whole image and fills the rest with black, 'stretch' scales each axis on its own.
 */
export type CropPolicy = 'center-crop' | 'pad' | 'stretch';

/** Decodes one encoded image (PNG, JPEG, WebP, GIF, BMP) into [size, size, channels] bytes, 0–255. */
export interface ImageDecoder {
  /** Rejects when the image is truncated or corrupt. */
  decode(blob: Blob, size: number, policy: CropPolicy, channels: 1 | 3): Promise<Uint8Array>;
}

/** One file of a picked folder; `path` is relative with '/' separators, e.g. 'myset/cats/img1.png'. */
export interface FolderFile {
  path: string;
  file: Blob;
}

export type ImportSource =
  | { kind: 'folder'; files: FolderFile[] }
  | { kind: 'zip'; file: Blob; name: string }
  | { kind: 'cifar'; files: { name: string; file: Blob }[] };

/** Safety limits; every field has a default (DEFAULT_IMPORT_LIMITS). */
export interface ImportLimits {
  maxPixels: number; // width × height of one image, checked from its header before decoding
  maxFileBytes: number; // one file (or zip entry, uncompressed)
  maxZipBytes: number; // all of a zip's image entries together, uncompressed
  maxZipRatio: number; // uncompressed / compressed for one zip entry of at least zipRatioMinBytes
  zipRatioMinBytes: number;
  shuffleBufferBytes: number; // decoded images held to mix a zip's class-sorted order before storing
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxPixels: 50_000_000,
  maxFileBytes: 50_000_000,
  maxZipBytes: 1_000_000_000,
  maxZipRatio: 200,
  zipRatioMinBytes: 1_000_000,
  shuffleBufferBytes: 128_000_000,
};

export interface ImportOptions {
  name: string; // dataset name shown in the lab
  size: ImportSize; // images are stored size × size
  channels: 1 | 3; // 1: greyscale (BT.601 luma), 3: RGB
  cropPolicy: CropPolicy;
  /** Share of each class held out as the labelled test split for the probe, in [0, 0.5]; unlabelled sets ignore it. */
  testShare: number;
  seed: number; // fixes the test split and the stored order
  /** What a cancelled import, or one that hits the storage quota, leaves behind. */
  onPartial: PartialChoice;
  limits?: Partial<ImportLimits>;
  chunkSize?: number; // images per stored chunk (DatasetWriter's default 500)
}

export interface ImportProgress {
  /** 'scanning': reading a zip's directory or checking CIFAR batches (done/total in bytes);
   *  'importing': decoding and storing (done/total in files); 'saving': writing the last chunks. */
  phase: 'scanning' | 'importing' | 'saving';
  done: number;
  total: number;
  imported: number; // images stored (or queued for storing) so far
  skipped: number; // files skipped so far
  current: string; // the file being handled, '' when none
}

export interface SkippedFile {
  file: string; // path as given (folder), inside the zip, or the CIFAR file name
  reason: string;
}

export interface ImportReport {
  manifest: DatasetManifest | null; // the stored dataset; null when nothing was kept
  imported: number; // images in that dataset
  skipped: SkippedFile[]; // every file not imported, with its reason
  warnings: string[];
  outcome: 'complete' | 'cancelled' | 'failed';
  message: string; // one sentence for the user
}
