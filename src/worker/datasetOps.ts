// Dataset-library requests inside the worker: thumbnails, rename, delete, export. Long jobs report
// progress as 'dataset-progress' and can be cancelled.
import { createStoreSource, type ImageStore } from '../engine/data/imageStore';
import { installBuiltin } from '../engine/data/builtin';
import { describeRecovered, recoverInterrupted } from '../engine/data/datasetWriter';
import { generateFractals } from '../engine/data/fractals';
import { createBrowserDecoder, importImages } from '../engine/data/importers';
import { classThumbnails, exportDatasetZip, exportFileName } from '../engine/data/library';
import { handledAll, type WorkerReply, type WorkerRequest } from '../shared/protocol';
import { capName, MAX_NAME } from '../shared/schema/run';
import type { PreviewImage } from '../shared/trainingTypes';
import { builtinDataset } from '../shared/data/builtinCatalog';
import { fractalDatasetId, fractalDatasetName, validateFractalParams } from '../shared/data/fractalParams';
import type { NoticeTone } from '../shared/protocol';

export interface DatasetOpsContext {
  store: () => ImageStore | null;
  post: (msg: WorkerReply, transfer?: Transferable[]) => void;
  /** The dataset the current run trains on (it must not be deleted under it). */
  trainingOn: () => string | null;
  sendDatasets: () => Promise<void>;
  describeError: (e: unknown) => string;
  /** Folder of the built-in data files on the app's own origin, e.g. https://host/app/data/ */
  dataUrl: () => string;
}

/** The requests this module answers (trainWorker.ts hands each of them here). */
export type DatasetRequest = Extract<
  WorkerRequest,
  {
    type:
      | 'refresh-datasets'
      | 'dataset-thumbnails'
      | 'rename-dataset'
      | 'delete-dataset'
      | 'export-dataset'
      | 'install-builtin'
      | 'generate-fractals'
      | 'import-dataset'
      | 'cancel-dataset-job';
  }
>;

let current: AbortController | null = null; // the running long job (one at a time)

// Every tab's dataset writers hold this Web Lock (shared) while they write, so that a tab opening meanwhile
// does not take another tab's import in progress for one interrupted by a reload.
const WRITER_LOCK = 'hexa-lab-dataset-writer';

/** Runs `job`, which writes datasets, while holding the writer lock (shared with other writers). */
export function whileWriting<T>(job: () => Promise<T>): Promise<T> {
  const locks = navigator.locks as LockManager | undefined;
  return locks ? locks.request(WRITER_LOCK, { mode: 'shared' }, job) : job();
}

/**
 * Ends the imports a reload or a closed tab cut short (kept as partial or removed, as the user chose) when
 * no tab is writing datasets; returns the sentence to show, or null when there was nothing to do.
 */
export async function recoverInterruptedImports(store: ImageStore): Promise<string | null> {
  const run = async () => {
    const done = await recoverInterrupted(store);
    return done.length > 0 ? describeRecovered(done) : null;
  };
  const locks = navigator.locks as LockManager | undefined;
  if (!locks) return run();
  return locks.request(WRITER_LOCK, { mode: 'exclusive', ifAvailable: true }, (lock) =>
    lock ? run() : Promise.resolve(null),
  );
}

function startJob(): AbortController {
  if (current) throw new Error('Another dataset job is running: wait for it or cancel it.');
  current = new AbortController();
  return current;
}

async function finishJob(ctx: DatasetOpsContext, message: string): Promise<void> {
  current = null;
  await ctx.sendDatasets();
  ctx.post({ type: 'dataset-notice', tone: 'info', message });
}

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

/** Answers a dataset request; failures become an error notice (never a rejection). */
export async function handleDatasetRequest(msg: DatasetRequest, ctx: DatasetOpsContext): Promise<void> {
  const store = ctx.store();
  const notice = (tone: NoticeTone, message: string) => ctx.post({ type: 'dataset-notice', tone, message });
  const manifestOf = async (id: string) => {
    const m = await store?.getManifest(id);
    if (!m) throw new Error(`There is no dataset "${id}" in this browser.`);
    return m;
  };
  try {
    switch (msg.type) {
      case 'refresh-datasets':
        await ctx.sendDatasets();
        return;
      case 'dataset-thumbnails': {
        const m = await manifestOf(msg.id);
        ctx.post({
          type: 'thumbnails',
          id: msg.id,
          groups: await classThumbnails(createStoreSource(store!, m)),
        });
        return;
      }
      case 'rename-dataset': {
        const name = msg.name.trim();
        if (!name) throw new Error('A dataset needs a name.');
        if (name.length > MAX_NAME) throw new Error(`Dataset names are at most ${MAX_NAME} characters.`);
        const m = await manifestOf(msg.id);
        await store!.putManifest({ ...m, name });
        await ctx.sendDatasets();
        notice('info', `Renamed "${m.name}" to "${name}".`);
        return;
      }
      case 'delete-dataset': {
        // A damaged manifest (listed as damaged) is deleted by its id: it is never parsed here.
        const damaged = (await store?.scanManifests())?.damaged.some((d) => d.id === msg.id) ?? false;
        const name = damaged ? msg.id : (await manifestOf(msg.id)).name;
        if (ctx.trainingOn() === msg.id)
          throw new Error(`"${name}" is being trained on: stop the run before deleting it.`);
        await store!.deleteDataset(msg.id);
        await ctx.sendDatasets();
        notice('info', `Deleted "${name}".`);
        return;
      }
      case 'export-dataset': {
        const m = await manifestOf(msg.id);
        const job = startJob();
        const parts = await exportDatasetZip(
          createStoreSource(store!, m),
          encodePng,
          (done, total) =>
            ctx.post({
              type: 'dataset-progress',
              datasetId: m.id,
              name: m.name,
              done,
              total,
              phase: 'export',
            }),
          job.signal,
        );
        current = null;
        const blob = new Blob(parts as BlobPart[], { type: 'application/zip' });
        ctx.post({ type: 'dataset-export', id: m.id, blob, filename: exportFileName(m.name) });
        return;
      }
      case 'install-builtin': {
        const job = startJob();
        const m = await whileWriting(() =>
          installBuiltin(
            store!,
            msg.id,
            ctx.dataUrl(),
            (done, total, phase) =>
              ctx.post({
                type: 'dataset-progress',
                datasetId: msg.id,
                name: builtinDataset(msg.id)?.name ?? msg.id,
                done,
                total,
                phase,
              }),
            { signal: job.signal },
          ),
        );
        await finishJob(ctx, `${m.name} is stored and ready to train on.`);
        return;
      }
      case 'generate-fractals': {
        const problems = validateFractalParams(msg.params);
        if (problems.length > 0) throw new Error(problems.join(' '));
        const id = fractalDatasetId(msg.params);
        const job = startJob();
        const m = await whileWriting(() =>
          generateFractals(
            store!,
            msg.params,
            (done, total) =>
              ctx.post({
                type: 'dataset-progress',
                datasetId: id,
                name: fractalDatasetName(msg.params),
                done,
                total,
                phase: 'generate',
              }),
            job.signal,
          ),
        );
        await finishJob(ctx, `Generated ${m.name}: ${m.splits.train.count + m.splits.test.count} images.`);
        return;
      }
      case 'import-dataset': {
        const job = startJob();
        const report = await whileWriting(() =>
          importImages(
            store!,
            msg.source,
            { ...msg.options, name: capName(msg.options.name) }, // names: at most 80 characters
            createBrowserDecoder(),
            (p) =>
              ctx.post({
                type: 'dataset-progress',
                datasetId: msg.options.name,
                name: msg.options.name,
                done: p.done,
                total: p.total,
                phase: p.phase === 'scanning' ? 'scan' : 'import',
              }),
            job.signal,
          ),
        );
        current = null;
        await ctx.sendDatasets();
        ctx.post({ type: 'import-report', report });
        return;
      }
      case 'cancel-dataset-job':
        current?.abort();
        return;
      default:
        handledAll(msg); // a dataset request added to DatasetRequest and not handled here fails to compile
    }
  } catch (e) {
    const cancelled = current?.signal.aborted ?? false;
    current = null;
    await ctx.sendDatasets().catch(() => {});
    notice('error', cancelled ? 'Cancelled: nothing was kept.' : ctx.describeError(e));
    return;
  }
}
