// Starting an import's session: a fresh dataset id, and a check that the images fit the free storage.
import type { ImageStore } from '../imageStore';
import { formatBytes } from '../../../shared/data/storageError';
import type { ImportContext } from './context';
import { ImportSession } from './session';

/** 'My Cats!' → 'my-cats'; 'dataset' when nothing is left. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'dataset';
}

/** A new id 'import-<slug>-<timestamp>' not used by any stored dataset. */
export async function newDatasetId(store: ImageStore, name: string, now = Date.now()): Promise<string> {
  const base = `import-${slugify(name)}-${now}`;
  let id = base;
  for (let k = 2; await store.getManifest(id); k++) id = `${base}-${k}`;
  return id;
}

/** Starts the session after checking that the images fit the storage the browser says is free. */
export async function beginSession(
  ctx: ImportContext,
  classNames: string[] | null,
  imageCount: number,
  about: string,
  shuffle: boolean,
): Promise<ImportSession | { refused: string }> {
  const { store, opts, limits } = ctx;
  const bytes = imageCount * (opts.size * opts.size * opts.channels + (classNames ? 1 : 0));
  const est = await store.estimate();
  if (est && est.quota - est.usage < bytes)
    return {
      refused: `The dataset needs about ${formatBytes(bytes)} but only ${formatBytes(Math.max(0, est.quota - est.usage))} of browser storage is free: delete a dataset or free space, or choose a smaller image size.`,
    };
  const info = {
    id: await newDatasetId(store, opts.name),
    name: opts.name.trim(),
    width: opts.size,
    height: opts.size,
    channels: opts.channels,
    classNames,
    about,
    ...(classNames ? { testShare: opts.testShare } : {}),
    onInterrupt: opts.onPartial === 'keep' ? ('keep' as const) : ('rollback' as const),
    ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
  };
  return ImportSession.begin(store, info, shuffle ? limits.shuffleBufferBytes : 0, opts.seed);
}
