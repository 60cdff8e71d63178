// Dataset-library requests inside the worker: thumbnails, rename, delete, export. Long jobs report
// progress as 'dataset-progress' and can be cancelled.
import { createStoreSource, type ImageStore } from '../engine/data/imageStore';
import { classThumbnails, exportDatasetZip } from '../engine/data/library';
import type { PreviewImage } from '../engine/training/previews';
import type { WorkerReply, WorkerRequest } from './protocol';

export interface DatasetOpsContext {
  store: () => ImageStore | null;
  post: (msg: WorkerReply, transfer?: Transferable[]) => void;
  /** The dataset the current run trains on (it must not be deleted under it). */
  trainingOn: () => string | null;
  sendDatasets: () => Promise<void>;
  describeError: (e: unknown) => string;
}

let job: AbortController | null = null;

/** PNG bytes of a small image, encoded by the browser (OffscreenCanvas exists in workers). */
async function encodePng(img: PreviewImage): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d')!;
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    const c = img.channels;
    rgba[4 * i] = img.pixels[i * c]!;
    rgba[4 * i + 1] = img.pixels[i * c + (c === 3 ? 1 : 0)]!;
    rgba[4 * i + 2] = img.pixels[i * c + (c === 3 ? 2 : 0)]!;
    rgba[4 * i + 3] = 255;
  }
  ctx.putImageData(new ImageData(rgba, img.width, img.height), 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

export async function handleDatasetRequest(msg: WorkerRequest, ctx: DatasetOpsContext): Promise<boolean> {
  const store = ctx.store();
  const notice = (tone: 'info' | 'error', message: string) =>
    ctx.post({ type: 'dataset-notice', tone, message });
  const manifestOf = async (id: string) => {
    const m = await store?.getManifest(id);
    if (!m) throw new Error(`There is no dataset "${id}" in this browser.`);
    return m;
  };
  try {
    switch (msg.type) {
      case 'refresh-datasets':
        await ctx.sendDatasets();
        return true;
      case 'dataset-thumbnails': {
        const m = await manifestOf(msg.id);
        ctx.post({
          type: 'thumbnails',
          id: msg.id,
          groups: await classThumbnails(createStoreSource(store!, m)),
        });
        return true;
      }
      case 'rename-dataset': {
        const name = msg.name.trim();
        if (!name) throw new Error('A dataset needs a name.');
        if (name.length > 80) throw new Error('Dataset names are at most 80 characters.');
        const m = await manifestOf(msg.id);
        await store!.putManifest({ ...m, name });
        await ctx.sendDatasets();
        notice('info', `Renamed "${m.name}" to "${name}".`);
        return true;
      }
      case 'delete-dataset': {
        const m = await manifestOf(msg.id);
        if (ctx.trainingOn() === msg.id)
          throw new Error(`"${m.name}" is being trained on: stop the run before deleting it.`);
        await store!.deleteDataset(msg.id);
        await ctx.sendDatasets();
        notice('info', `Deleted "${m.name}".`);
        return true;
      }
      case 'export-dataset': {
        const m = await manifestOf(msg.id);
        job?.abort();
        job = new AbortController();
        const parts = await exportDatasetZip(
          createStoreSource(store!, m),
          encodePng,
          (done, total) =>
            ctx.post({ type: 'dataset-progress', datasetId: m.id, done, total, phase: 'export' }),
          job.signal,
        );
        job = null;
        const blob = new Blob(parts as BlobPart[], { type: 'application/zip' });
        ctx.post({ type: 'dataset-export', id: m.id, blob, filename: `${m.id}.zip` });
        return true;
      }
      case 'cancel-dataset-job':
        job?.abort();
        return true;
      default:
        return false;
    }
  } catch (e) {
    job = null;
    notice('error', ctx.describeError(e));
    return true;
  }
}
