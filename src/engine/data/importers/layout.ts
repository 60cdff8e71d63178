// Which files of a folder or zip become images of which class, and which go to the test split.
//
// Label rule (folders and zips alike):
//  - Paths use '/'; hidden files and folders (a name starting with '.') and macOS's __MACOSX/ are ignored
//    (counted in one warning); an exact duplicate path is skipped as a duplicate.
//  - Only files named .png .jpg .jpeg .jpe .jfif .webp .gif .bmp .dib are read; others are skipped.
//  - A common top folder is stripped, repeatedly: 'myset/train/cats/1.png' and 'myset/train/dogs/2.png'
//    become 'cats/1.png' and 'dogs/2.png'. (So a single folder of images is an unlabelled set.)
//  - If every image then sits at the top level, the set is unlabelled.
//  - Otherwise an image's class is the folder that directly holds it, even when nested deeper
//    ('animals/cats/indoor/1.png' is class 'indoor'); two folders with the same name in different places
//    stay separate classes, named by their whole path ('cats/indoor', 'dogs/indoor').
//  - Images at the top level beside class folders have no class and are skipped.
//  - With only one class folder the set is imported unlabelled (a probe needs two classes), with a warning.
//  - Classes are sorted by name, numbers in numeric order ('2' before '10'); at most 256 classes.
import { Rng } from '../../runtime/random';
import type { SplitName } from '../../../shared/data/types';
import type { SkippedFile } from '../../../shared/data/importTypes';

export const MAX_CLASSES = 256; // labels are stored as one byte

const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'jpe', 'jfif', 'webp', 'gif', 'bmp', 'dib']);

export function normalisePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/**
 * Why a path must not be used, or null: a '..' segment would climb out of the folder being imported, and an
 * absolute path ('/etc/x.png', 'C:\\x.png') names a place outside it. Such names only come from crafted
 * zips ("zip slip"); nothing is ever written to disk, but the file is named and skipped, not guessed at.
 */
export function unsafePathProblem(path: string): string | null {
  const p = path.replace(/\\/g, '/');
  if (p.split('/').some((s) => s === '..'))
    return "has an unsafe path: its '..' would climb out of the folder being imported, so it is skipped";
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p))
    return 'has an unsafe path: it is absolute (it names a place outside the folder being imported), so it is skipped';
  return null;
}

/** A hidden file or folder ('.DS_Store', '.git/…') or macOS metadata ('__MACOSX/…'). */
export function isHiddenOrMeta(path: string): boolean {
  return path.split('/').some((s) => s.startsWith('.') || s === '__MACOSX');
}

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export const hasImageExtension = (path: string) => IMAGE_EXTENSIONS.has(extension(path));

export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

export interface PlanInput<T> {
  path: string; // as given: a folder file's relative path or a zip entry's name
  item: T;
}

export interface PlannedImage<T> {
  path: string; // as given
  item: T;
  label: number | null; // null when the set is unlabelled
  split: SplitName;
}

export interface Plan<T> {
  images: PlannedImage<T>[]; // in input order
  classNames: string[] | null;
  skipped: SkippedFile[];
  warnings: string[];
  topFolder: string; // the stripped common top folder(s), '' when none
  sourceFolder: string; // the first folder of every file's path (hidden ones aside), '' when they differ
  candidates: number; // files with an image name, before any was refused
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Sorts files into images with classes and splits. `refuse` may turn a file away before it is read
 * (empty, too large, a zip entry that must not be inflated) with a reason. Throws LayoutError for more
 * than MAX_CLASSES classes.
 */
export function planImport<T>(
  inputs: PlanInput<T>[],
  testShare: number,
  seed: number,
  refuse: (item: T) => string | null = () => null,
): Plan<T> {
  const skipped: SkippedFile[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let hidden = 0;
  let candidates = 0;
  const kept: { input: PlanInput<T>; parts: string[] }[] = [];
  const firstFolders = new Set<string>();
  for (const input of inputs) {
    const norm = normalisePath(input.path);
    if (norm === '' || input.path.endsWith('/')) continue; // a folder entry of a zip
    const unsafe = unsafePathProblem(input.path);
    if (unsafe) {
      if (hasImageExtension(norm)) candidates++; // so that 'None of the images…' names it
      skipped.push({ file: input.path, reason: unsafe });
      continue;
    }
    if (isHiddenOrMeta(norm)) {
      hidden++;
      continue;
    }
    const slash = norm.indexOf('/');
    firstFolders.add(slash > 0 ? norm.slice(0, slash) : '');
    if (seen.has(norm)) {
      skipped.push({ file: input.path, reason: 'is a duplicate: an earlier file has the same path' });
      continue;
    }
    seen.add(norm);
    if (!hasImageExtension(norm)) {
      const ext = extension(norm);
      skipped.push({
        file: input.path,
        reason: `is not an image file${ext ? ` (.${ext})` : ''}: only PNG, JPEG, WebP, GIF and BMP files are imported`,
      });
      continue;
    }
    candidates++;
    const problem = refuse(input.item);
    if (problem) skipped.push({ file: input.path, reason: problem });
    else kept.push({ input, parts: norm.split('/') });
  }
  if (hidden > 0)
    warnings.push(
      `Ignored ${hidden} hidden or system file${hidden === 1 ? '' : 's'} (names starting with '.', __MACOSX/).`,
    );

  // Strip common top folders while every image lies below the same one.
  const top: string[] = [];
  for (;;) {
    const first = kept[0]?.parts[0];
    if (first === undefined || !kept.every((k) => k.parts.length > 1 && k.parts[0] === first)) break;
    top.push(first);
    for (const k of kept) k.parts.shift();
  }

  // Class of each image: the path of the folder directly holding it ('' at the top level).
  const folderOf = kept.map((k) => k.parts.slice(0, -1).join('/'));
  const folders = [...new Set(folderOf.filter((f) => f !== ''))];
  const labelled = folders.length >= 2;
  if (folders.length === 1) {
    warnings.push(
      `Only one class folder ('${folders[0]}') holds images, and a probe needs at least two classes: the dataset is imported unlabelled.`,
    );
  }
  if (folders.length > MAX_CLASSES)
    throw new LayoutError(
      `There are ${folders.length} class folders; at most ${MAX_CLASSES} classes can be stored. Merge some classes, or import the images without class folders.`,
    );

  // Class names: the folder's own name, or its whole path where two folders share a name.
  const lastName = (f: string) => f.slice(f.lastIndexOf('/') + 1);
  const nameCount = new Map<string, number>();
  for (const f of folders) nameCount.set(lastName(f), (nameCount.get(lastName(f)) ?? 0) + 1);
  const displayName = (f: string) => (nameCount.get(lastName(f))! > 1 ? f : lastName(f));
  const classNames = labelled ? folders.map(displayName).sort(byName) : null;
  const labelOf = new Map(folders.map((f) => [f, classNames ? classNames.indexOf(displayName(f)) : -1]));

  const images: PlannedImage<T>[] = [];
  let outside = 0;
  let nested = '';
  kept.forEach((k, i) => {
    const folder = folderOf[i]!;
    if (labelled && folder === '') {
      outside++;
      skipped.push({
        file: k.input.path,
        reason: 'lies outside the class folders (beside them, at the top level), so it has no class',
      });
      return;
    }
    if (labelled && !nested && folder.includes('/')) nested = `${folder}/${k.parts[k.parts.length - 1]}`;
    images.push({
      path: k.input.path,
      item: k.input.item,
      label: labelled ? labelOf.get(folder)! : null,
      split: 'train',
    });
  });
  if (outside > 0)
    warnings.push(
      `${outside} image${outside === 1 ? '' : 's'} at the top level, beside the class folders, had no class and ${outside === 1 ? 'was' : 'were'} skipped.`,
    );
  if (nested)
    warnings.push(
      `Some images lie in nested folders: each takes the folder that directly holds it as its class (e.g. '${nested}' is class '${displayName(nested.slice(0, nested.lastIndexOf('/')))}').`,
    );

  if (classNames) assignTestSplit(images, classNames, testShare, seed, warnings);
  const sourceFolder = firstFolders.size === 1 ? [...firstFolders][0]! : '';
  return {
    sourceFolder,
    images,
    classNames,
    skipped,
    warnings,
    topFolder: top.join('/'),
    candidates,
  };
}

/**
 * Holds out round(n × testShare) images of each class (at least 1, leaving at least 1 in train) as the
 * test split, chosen by a seeded shuffle of the class's images sorted by path: the same files and seed
 * always give the same split. A class of one image stays in train, with a warning.
 */
function assignTestSplit<T>(
  images: PlannedImage<T>[],
  classNames: string[],
  testShare: number,
  seed: number,
  warnings: string[],
): void {
  const rng = new Rng(seed);
  const byClass = classNames.map(() => [] as PlannedImage<T>[]);
  for (const im of images) byClass[im.label!]!.push(im);
  byClass.forEach((members, c) => {
    if (members.length === 1) {
      warnings.push(
        `The class folder '${classNames[c]}' holds a single image: it cannot be split into train and test, so it stays in train.`,
      );
      return;
    }
    if (testShare <= 0 || members.length === 0) return;
    members.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const nTest = Math.min(members.length - 1, Math.max(1, Math.round(members.length * testShare)));
    const order = rng.permutation(members.length);
    for (let k = 0; k < nTest; k++) members[order[k]!]!.split = 'test';
  });
}

/**
 * Keeps the test split of an import that may stop early (cancelled, storage full, kept as partial) true to
 * the plan's share at every moment: after k accepted images of a class planned as n with t test images,
 * the class has between floor(k·t/n) and ceil(k·t/n) test images. An image keeps its planned split when
 * that stays within the bounds and takes the other one when not (always possible, as t ≤ n), so a finished
 * import holds exactly the planned t per class, and a partial one is off by less than one image per class.
 */
export class SplitKeeper {
  private readonly planned: { n: number; t: number }[];
  private readonly accepted: { k: number; test: number }[];

  constructor(images: readonly { label: number | null; split: SplitName }[], classCount: number) {
    this.planned = Array.from({ length: classCount }, () => ({ n: 0, t: 0 }));
    for (const im of images) {
      if (im.label === null) continue;
      const c = this.planned[im.label]!;
      c.n++;
      if (im.split === 'test') c.t++;
    }
    this.accepted = this.planned.map(() => ({ k: 0, test: 0 }));
  }

  /** The split of the next accepted image of `label` planned for `split`. */
  assign(label: number | null, split: SplitName): SplitName {
    if (label === null) return split;
    const { n, t } = this.planned[label]!;
    const a = this.accepted[label]!;
    a.k++;
    const low = Math.floor((a.k * t) / n);
    const high = Math.ceil((a.k * t) / n);
    const want = split === 'test' ? a.test + 1 : a.test;
    const toTest = want < low ? true : want > high ? false : split === 'test';
    if (toTest) a.test++;
    return toTest ? 'test' : 'train';
  }
}
