// The import engine's entry point: a folder of images, a zip of one, or CIFAR binary batches into a new
// dataset of the image store, through one DatasetWriter. It never throws for bad input: every outcome,
// and every file not imported (with its reason), is in the returned report. Datasets stored before are
// never touched (the writer refuses an existing id, and a roll-back deletes only the new id).
import { Rng } from '../../runtime/random';
import type { ImageStore } from '../imageStore';
import { formatBytes } from '../../../shared/data/storageError';
import { throwIfCancelled } from './cancel';
import { importCifar } from './cifar';
import { ImportContext } from './context';
import { decodeFile } from './decodeFile';
import { hasImageExtension, LayoutError, normalisePath, planImport, SplitKeeper, type Plan } from './layout';
import { beginSession } from './begin';
import { FORMAT_NAMES } from './sniff';
import {
  DEFAULT_IMPORT_LIMITS,
  IMPORT_SIZES,
  type FolderFile,
  type ImageDecoder,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type ImportSource,
} from '../../../shared/data/importTypes';
import { declaredProblem, readZip, type ZipEntry } from './zipReader';

function optionsProblem(o: ImportOptions): string | null {
  if (o.name.trim() === '') return 'The dataset needs a name.';
  if (!(IMPORT_SIZES as readonly number[]).includes(o.size))
    return `The image size must be one of ${IMPORT_SIZES.join(', ')} pixels, not ${o.size}.`;
  if (o.channels !== 1 && o.channels !== 3)
    return `Channels must be 1 (greyscale) or 3 (colour), not ${o.channels}.`;
  if (!['center-crop', 'pad', 'stretch'].includes(o.cropPolicy))
    return `The crop policy must be 'center-crop', 'pad' or 'stretch', not '${o.cropPolicy}'.`;
  if (!(o.testShare >= 0 && o.testShare <= 0.5))
    return `The test share must lie in [0, 0.5], not ${o.testShare}.`;
  return null;
}

/**
 * Imports `source` as a new dataset. Progress is reported at most every 100 ms; `signal` cancels (the
 * partial dataset is then rolled back or kept per opts.onPartial, as after a full quota).
 */
export async function importImages(
  store: ImageStore,
  source: ImportSource,
  opts: ImportOptions,
  decoder: ImageDecoder,
  onProgress: (p: ImportProgress) => void,
  signal?: AbortSignal,
): Promise<ImportReport> {
  const limits = { ...DEFAULT_IMPORT_LIMITS, ...opts.limits };
  const ctx = new ImportContext(store, opts, limits, decoder, onProgress, signal);
  const problem = optionsProblem(opts);
  if (problem) return ctx.failed(problem);
  try {
    if (source.kind === 'folder') return await importFolder(ctx, source.files);
    if (source.kind === 'zip') return await importZip(ctx, source.file, source.name);
    return await importCifar(ctx, source.files);
  } catch (e) {
    // Failures before a session began (a cancel while scanning, a damaged zip): nothing was stored.
    return ctx.interrupted(null, e);
  }
}

function aboutImages(from: string, plan: Plan<unknown>, opts: ImportOptions): string {
  const labels = plan.classNames
    ? `${plan.classNames.length} classes from folder names`
    : 'unlabelled (no class folders)';
  const date = new Date().toISOString().slice(0, 10);
  return `Your own images, imported from ${from} on ${date}: ${labels}; ${opts.size}×${opts.size}, ${opts.channels === 1 ? 'greyscale' : 'colour'}, ${opts.cropPolicy}. Licence: whatever applies to your images.`;
}

/** Every image was turned away while planning (empty, too large, a bomb): name the first. */
function nothingLeft(ctx: ImportContext, what: string): ImportReport {
  const first = ctx.skipped.find((f) => hasImageExtension(normalisePath(f.file)))!;
  return ctx.failed(`None of the images in ${what} could be imported: '${first.file}' ${first.reason}.`);
}

function planned<T>(ctx: ImportContext, plan: Plan<T>): void {
  ctx.skipped.push(...plan.skipped);
  ctx.warnings.push(...plan.warnings);
}

async function importFolder(ctx: ImportContext, files: FolderFile[]): Promise<ImportReport> {
  const { limits, opts } = ctx;
  let plan: Plan<Blob>;
  try {
    plan = planImport(
      files.map((f) => ({ path: f.path, item: f.file })),
      opts.testShare,
      opts.seed,
      (blob) =>
        blob.size === 0
          ? 'is empty (0 bytes)'
          : blob.size > limits.maxFileBytes
            ? `is ${formatBytes(blob.size)}, above the limit of ${formatBytes(limits.maxFileBytes)} per file`
            : null,
    );
  } catch (e) {
    if (e instanceof LayoutError) return ctx.failed(e.message);
    throw e;
  }
  planned(ctx, plan);
  const what = plan.sourceFolder ? `the folder '${plan.sourceFolder}'` : 'the chosen files';
  if (plan.candidates === 0)
    return ctx.failed(
      `${plan.sourceFolder ? `The folder '${plan.sourceFolder}' contains` : 'The chosen files contain'} no images (${FORMAT_NAMES}).`,
    );
  if (plan.images.length === 0) return nothingLeft(ctx, what);

  const begun = await beginSession(
    ctx,
    plan.classNames,
    plan.images.length,
    aboutImages(what, plan, opts),
    false,
  );
  if ('refused' in begun) return ctx.failed(begun.refused);
  const session = begun;
  try {
    // Files can be read in any order: a seeded shuffle stores the classes mixed.
    const order = new Rng(opts.seed).permutation(plan.images.length);
    const splits = new SplitKeeper(plan.images, plan.classNames?.length ?? 0);
    const total = plan.images.length;
    ctx.startImporting(total);
    for (let k = 0; k < order.length; k++) {
      throwIfCancelled(ctx.signal);
      const image = plan.images[order[k]!]!;
      ctx.progress({ done: k, current: image.path });
      const result = await decodeFile(ctx, image.item);
      if ('reason' in result) ctx.skip(image.path, result.reason);
      else await session.add(splits.assign(image.label, image.split), result.pixels, image.label);
      ctx.progress({ done: k + 1, imported: session.count });
    }
    throwIfCancelled(ctx.signal);
    return await ctx.complete(session, what);
  } catch (e) {
    return ctx.interrupted(session, e);
  }
}

async function importZip(ctx: ImportContext, blob: Blob, name: string): Promise<ImportReport> {
  const { limits, opts, signal } = ctx;
  // Pass 1: the entries' names and declared sizes, nothing inflated, so that classes and splits are known
  // and the declared sizes are checked before anything is inflated or stored.
  const entries: ZipEntry[] = [];
  ctx.progress({ phase: 'scanning', done: 0, total: blob.size, current: name }, true);
  const onBytes = (done: number, total: number) => ctx.progress({ done, total });
  for await (const ev of readZip(blob, name, { wanted: () => false, limits, signal, onBytes }))
    entries.push(ev.entry);

  let plan: Plan<ZipEntry>;
  try {
    plan = planImport(
      entries.map((e) => ({ path: e.name, item: e })),
      opts.testShare,
      opts.seed,
      (e) => declaredProblem(e, limits) ?? (e.size === 0 ? 'is empty (0 bytes)' : null),
    );
  } catch (e) {
    if (e instanceof LayoutError) return ctx.failed(e.message);
    throw e;
  }
  planned(ctx, plan);
  if (plan.candidates === 0) return ctx.failed(`The zip '${name}' contains no images (${FORMAT_NAMES}).`);
  let declared = 0;
  for (const image of plan.images) {
    declared += image.item.size ?? 0;
    if (declared > limits.maxZipBytes)
      return ctx.failed(
        `The zip '${name}' would expand to more than ${formatBytes(limits.maxZipBytes)} of images, the limit for one zip (reached at '${image.path}'): split it into smaller zips.`,
      );
  }
  if (plan.images.length === 0) return nothingLeft(ctx, `the zip '${name}'`);

  // Pass 2: inflate and decode the planned entries in archive order.
  const what = `the zip '${name}'`;
  const begun = await beginSession(
    ctx,
    plan.classNames,
    plan.images.length,
    aboutImages(what, plan, opts),
    true,
  );
  if ('refused' in begun) return ctx.failed(begun.refused);
  const session = begun;
  try {
    const byIndex = new Map(plan.images.map((im) => [im.item.index, im]));
    const splits = new SplitKeeper(plan.images, plan.classNames?.length ?? 0);
    const total = plan.images.length;
    let done = 0;
    ctx.startImporting(total);
    const wanted = (e: ZipEntry) => byIndex.get(e.index)?.item.name === e.name;
    for await (const ev of readZip(blob, name, { wanted, limits, signal })) {
      if (ev.type === 'listed') continue;
      const image = byIndex.get(ev.entry.index)!;
      byIndex.delete(ev.entry.index);
      ctx.progress({ current: image.path });
      if (ev.type === 'refused') ctx.skip(image.path, ev.reason);
      else {
        const result = await decodeFile(ctx, new Blob([ev.data as Uint8Array<ArrayBuffer>]), ev.data);
        if ('reason' in result) ctx.skip(image.path, result.reason);
        else await session.add(splits.assign(image.label, image.split), result.pixels, image.label);
      }
      throwIfCancelled(signal);
      ctx.progress({ done: ++done, imported: session.count });
    }
    for (const image of byIndex.values())
      ctx.skip(image.path, 'was not found when the zip was read again (did the file change?)');
    return await ctx.complete(session, what);
  } catch (e) {
    return ctx.interrupted(session, e);
  }
}
