// The page's bundle stays light: builds the app into .bundle-check/ and fails when the page's main chunk
// (the script index.html loads) is over MAIN_CHUNK_LIMIT_BYTES or carries any part of tfjs (tfjs belongs
// to the training worker only; src/ui, src/state and src/shared are held to that by lint, this checks the
// result). Part of `npm run check`.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

/** The stated limit. Measured 900 kB (263 kB gzip) when it was set; raise it only on purpose. */
export const MAIN_CHUNK_LIMIT_BYTES = 950_000;
/** Strings that only tfjs's code contains: any of them in the page's chunk means tfjs came along. */
const TFJS_MARKERS = ['Conv2DBackpropFilter', 'WEBGPU_MATMUL_PROGRAM_TYPE', 'WEBGL_VERSION'];

const outDir = path.resolve('.bundle-check');
await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true, copyPublicDir: false } });
const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
const src = html.match(/<script[^>]+src="\/?([^"]+\.js)"/)?.[1];
if (!src) throw new Error('check-bundle: no script in the built index.html');
const main = fs.readFileSync(path.join(outDir, src), 'utf8');
const bytes = Buffer.byteLength(main);
const problems = [];
if (bytes > MAIN_CHUNK_LIMIT_BYTES)
  problems.push(
    `the page's main chunk ${src} is ${bytes.toLocaleString('en-US')} bytes, over the limit of ${MAIN_CHUNK_LIMIT_BYTES.toLocaleString('en-US')}`,
  );
const found = TFJS_MARKERS.filter((m) => main.includes(m));
if (found.length) problems.push(`the page's main chunk ${src} carries tfjs (found ${found.join(', ')})`);
fs.rmSync(outDir, { recursive: true, force: true });
if (problems.length) {
  console.error(`check-bundle: ${problems.join('; ')}.`);
  process.exit(1);
}
console.log(
  `check-bundle: main chunk ${(bytes / 1000).toFixed(0)} kB (limit ${MAIN_CHUNK_LIMIT_BYTES / 1000} kB), no tfjs.`,
);
