// CIFAR-10 / CIFAR-100 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html) the user already has.
// CIFAR-10: data_batch_1..5.bin and test_batch.bin, records of 1 label byte + 3072 pixel bytes.
// CIFAR-100: train.bin and test.bin, records of 2 label bytes (coarse, fine) + 3072; the fine label is used.
// Pixels are 32×32 planes R, G, B (CHW) and are stored HWC. Every file is checked (length, labels) before
// anything is stored; the test batch becomes the test split.
import { Rng } from '../../runtime/random';
import type { SplitName } from '../../../shared/data/types';
import { throwIfCancelled } from './cancel';
import type { ImportContext } from './context';
import { beginSession } from './begin';
import { resizeArea, rgbToGrey } from './pixels';
import type { ImportReport } from '../../../shared/data/importTypes';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** The 100 fine labels of CIFAR-100, in label order (alphabetical). */
export const CIFAR100_CLASSES = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel ' +
  'can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur ' +
  'dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion ' +
  'lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree ' +
  'pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea ' +
  'seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table ' +
  'tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm'
).split(' ');

type Variant = 'cifar10' | 'cifar100';

const SIDE = 32;
const PIXEL_BYTES = SIDE * SIDE * 3;
const VARIANTS: Record<Variant, { title: string; labelBytes: number; classes: string[]; coarse: number }> = {
  cifar10: { title: 'CIFAR-10', labelBytes: 1, classes: CIFAR10_CLASSES, coarse: 0 },
  cifar100: { title: 'CIFAR-100', labelBytes: 2, classes: CIFAR100_CLASSES, coarse: 20 },
};
const RECORDS_PER_READ = 1000; // ~3 MB per Blob read

export const recordBytes = (v: Variant) => VARIANTS[v].labelBytes + PIXEL_BYTES;

const baseName = (name: string) => name.slice(name.replace(/\\/g, '/').lastIndexOf('/') + 1).toLowerCase();

/** What a batch file's name says it is. */
function batchKind(name: string): { variant: Variant; split: SplitName } | null {
  const base = baseName(name);
  if (/^data_batch_[1-5]\.bin$/.test(base)) return { variant: 'cifar10', split: 'train' };
  if (base === 'test_batch.bin') return { variant: 'cifar10', split: 'test' };
  if (base === 'train.bin') return { variant: 'cifar100', split: 'train' };
  if (base === 'test.bin') return { variant: 'cifar100', split: 'test' };
  return null;
}

/** Whether a file name is one of the CIFAR binary batch names (for choosing the 'cifar' source kind). */
export const isCifarBatchName = (name: string) => batchKind(name) !== null;

const BATCH_NAMES =
  'data_batch_1.bin … data_batch_5.bin and test_batch.bin (CIFAR-10), or train.bin and test.bin (CIFAR-100)';

function notABatch(name: string): string {
  if (/\.(tar\.gz|tgz|tar|gz|zip)$/i.test(name))
    return `is an archive: extract it first and pick the .bin batches inside (${BATCH_NAMES})`;
  if (/\.(txt|html|meta)$/i.test(name))
    return 'is not a batch (class names are built in): only batches are read';
  return `is not a CIFAR binary batch: only ${BATCH_NAMES} are read`;
}

/** [3072] CHW record pixels → [32·32·3] HWC. */
export function chwToHwc(rec: Uint8Array, offset = 0): Uint8Array {
  const plane = SIDE * SIDE;
  const out = new Uint8Array(PIXEL_BYTES);
  for (let p = 0; p < plane; p++) {
    out[3 * p] = rec[offset + p]!;
    out[3 * p + 1] = rec[offset + plane + p]!;
    out[3 * p + 2] = rec[offset + 2 * plane + p]!;
  }
  return out;
}

interface Batch {
  name: string;
  file: Blob;
  split: SplitName;
  records: number;
}

async function readRecords(file: Blob, rb: number, first: number, count: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(first * rb, (first + count) * rb).arrayBuffer());
}

export async function importCifar(
  ctx: ImportContext,
  files: { name: string; file: Blob }[],
): Promise<ImportReport> {
  const { opts } = ctx;
  const seen = new Set<string>();
  const found: { name: string; file: Blob; variant: Variant; split: SplitName }[] = [];
  for (const f of files) {
    const kind = batchKind(f.name);
    if (!kind) ctx.skip(f.name, notABatch(f.name));
    else if (seen.has(baseName(f.name)))
      ctx.skip(f.name, 'is a duplicate: a batch of the same name was already given');
    else {
      seen.add(baseName(f.name));
      found.push({ ...f, ...kind });
    }
  }
  const variants = [...new Set(found.map((f) => f.variant))];
  if (variants.length === 0) return ctx.failed(`None of the files is a CIFAR binary batch (${BATCH_NAMES}).`);
  if (variants.length > 1) {
    const example = (v: Variant) => found.find((f) => f.variant === v)!.name;
    return ctx.failed(
      `The files mix CIFAR-10 batches ('${example('cifar10')}') and CIFAR-100 batches ('${example('cifar100')}'): import one of the two at a time.`,
    );
  }
  const variant = variants[0]!;
  const { title, labelBytes, classes, coarse } = VARIANTS[variant];
  const rb = recordBytes(variant);

  // Check every file before storing anything: a whole number of records, every label in range.
  const batches: Batch[] = [];
  const totalBytes = found.reduce((a, f) => a + f.file.size, 0);
  let scanned = 0;
  ctx.progress({ phase: 'scanning', done: 0, total: totalBytes, current: '' }, true);
  for (const f of found) {
    if (f.file.size === 0 || f.file.size % rb !== 0) {
      ctx.skip(
        f.name,
        `is ${f.file.size} bytes long, not a whole number of ${rb}-byte ${title} records (${labelBytes === 1 ? '1 label byte' : '2 label bytes'} + 3072 pixel bytes each)`,
      );
      continue;
    }
    const records = f.file.size / rb;
    let bad: string | null = null;
    for (let first = 0; first < records && !bad; first += RECORDS_PER_READ) {
      throwIfCancelled(ctx.signal);
      ctx.progress({ done: scanned + first * rb, current: f.name });
      const n = Math.min(RECORDS_PER_READ, records - first);
      const buf = await readRecords(f.file, rb, first, n);
      for (let r = 0; r < n && !bad; r++) {
        const fine = buf[r * rb + labelBytes - 1]!;
        const coarseLabel = labelBytes === 2 ? buf[r * rb]! : 0;
        if (fine >= classes.length || (labelBytes === 2 && coarseLabel >= coarse))
          bad = `is not a ${title} batch: record ${first + r} has the label ${labelBytes === 2 ? `${coarseLabel}/${fine}` : fine}, outside 0–${classes.length - 1}`;
      }
    }
    scanned += f.file.size;
    if (bad) ctx.skip(f.name, bad);
    else batches.push({ name: f.name, file: f.file, split: f.split, records });
  }
  if (batches.length === 0) {
    const first = ctx.skipped.find((s) => found.some((f) => f.name === s.file))!;
    return ctx.failed(`No ${title} batch could be read: '${first.file}' ${first.reason}.`);
  }
  batches.sort((a, b) => (a.split === b.split ? a.name.localeCompare(b.name) : a.split === 'train' ? -1 : 1));

  const hasTest = batches.some((b) => b.split === 'test');
  const hasTrain = batches.some((b) => b.split === 'train');
  if (!hasTrain) ctx.warnings.push(`Only the test batch was given: its images become the training split.`);
  const holdOut = hasTrain && !hasTest && opts.testShare > 0;
  if (holdOut)
    ctx.warnings.push(
      `No test batch was given: a seeded ${Math.round(opts.testShare * 100)}% of the training images is held out as the test split.`,
    );
  if (opts.size !== SIDE)
    ctx.warnings.push(`${title} images are 32×32; they were resized to ${opts.size}×${opts.size}.`);

  const total = batches.reduce((a, b) => a + b.records, 0);
  const about = `${title} (Krizhevsky, 2009; https://www.cs.toronto.edu/~kriz/cifar.html), imported from your copy of the binary batches.`;
  const begun = await beginSession(ctx, classes, total, about, false);
  if ('refused' in begun) return ctx.failed(begun.refused);
  const session = begun;
  try {
    const rng = new Rng(opts.seed);
    let done = 0;
    ctx.startImporting(total);
    for (const b of batches) {
      for (let first = 0; first < b.records; first += RECORDS_PER_READ) {
        throwIfCancelled(ctx.signal);
        ctx.progress({ done, current: b.name });
        const n = Math.min(RECORDS_PER_READ, b.records - first);
        const buf = await readRecords(b.file, rb, first, n);
        for (let r = 0; r < n; r++) {
          let pixels = chwToHwc(buf, r * rb + labelBytes);
          if (opts.size !== SIDE) pixels = resizeArea(pixels, SIDE, SIDE, 3, opts.size, opts.size);
          if (opts.channels === 1) pixels = rgbToGrey(pixels);
          const split: SplitName =
            b.split === 'test' && hasTrain
              ? 'test'
              : holdOut && rng.next() < opts.testShare
                ? 'test'
                : 'train';
          await session.add(split, pixels, buf[r * rb + labelBytes - 1]!);
        }
        done += n;
        ctx.progress({ done, imported: session.count });
      }
    }
    throwIfCancelled(ctx.signal);
    return await ctx.complete(session, `the ${title} batches`);
  } catch (e) {
    return ctx.interrupted(session, e);
  }
}
