// Small helpers the worker's parts share to build replies: the storage error a reply carries, and the
// buffers of a preview set to transfer (not copy) to the page.
import { StorageError } from '../shared/data/storageError';
import type { StorageErrorInfo, WorkerReply } from '../shared/protocol';
import type { PreviewSet } from '../shared/trainingTypes';

/** How the worker sends a reply (postMessage in the worker, a list in tests). */
export type Post = (msg: WorkerReply, transfer?: Transferable[]) => void;

/** The error as a reply carries it: a StorageError's kind and message, or 'other'. */
export function storageInfo(e: unknown): StorageErrorInfo {
  if (e instanceof StorageError) return { kind: e.kind, message: e.message };
  return { kind: 'other', message: (e as Error).message ?? String(e) };
}

/** The distinct pixel, perturbation and mask buffers of a preview set (transferred with its reply). */
export function previewBuffers(p: PreviewSet): Transferable[] {
  const imgs = [
    p.views.query,
    p.views.key,
    p.adversarial?.adversarial ?? [],
    p.cutmix?.partner ?? [],
    p.cutmix?.mixed ?? [],
    p.mixup?.partner ?? [],
    p.mixup?.mixed ?? [],
    p.hardest?.images ?? [], // gallery
  ];
  const buffers = new Set<ArrayBuffer>();
  imgs.flat().forEach((i) => buffers.add(i.pixels.buffer as ArrayBuffer));
  p.adversarial?.perturbation.forEach((d) => buffers.add(d.buffer as ArrayBuffer));
  p.cutmix?.masks.forEach((m) => buffers.add(m.buffer as ArrayBuffer));
  return [...buffers];
}
