// npm run screenshot: rebuilds docs/screenshot.png, the README's picture. Builds the app, serves it with
// `vite preview`, trains the tiny HEXA-MoCo preset (10-step epochs) on MNIST in headless Chromium (SwiftShader WebGPU),
// changes ε mid-run so the charts show a settings marker, and captures the top of the page.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, 'docs/screenshot.png');
const log = (line) => process.stderr.write(`${line}\n`);

log('building …');
execFileSync('npx', ['vite', 'build'], { cwd: root, stdio: 'ignore' });
const server = await preview({ root, preview: { host: '127.0.0.1', port: 0, open: false } });
const url = server.resolvedUrls?.local[0];
if (!url) throw new Error('vite preview did not report its address');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...QUIET_FLAGS, WEBGPU_FLAG] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
  const steps = (n) =>
    page.waitForFunction((k) => globalThis.__hexa.state().run.steps.length >= k, n, { timeout: 600_000 });
  // The Tiny preset with a 10-step epoch and smaller probes, so that the picture shows the first
  // evaluation (the step-0 point, the baselines and the step-10 point with their intervals).
  const query =
    'preset=tiny&method=hexa-moco&readbackEvery=1&trainLimit=320&epochs=2&probeTrainSize=500&probeTestSize=300';
  await page.goto(`${url}?${query}`);
  log('waiting for MNIST to be stored …');
  await page.waitForSelector('[data-testid="dataset-status"][data-ready="true"]', { timeout: 600_000 });
  await page.getByTestId('start-button').click();
  log('training …');
  await steps(6);
  await page.getByTestId('pause-button').click();
  await page.waitForSelector('[data-testid="run-phase"]:text-is("paused")', { timeout: 120_000 });
  await page.getByTestId('field-epsilon').fill('8');
  await page.getByTestId('apply-settings-button').click();
  await page.getByTestId('resume-button').click();
  await steps(14);
  await page.waitForFunction(() => globalThis.__hexa.state().run.evals >= 2, null, { timeout: 600_000 });
  await page.getByTestId('pause-button').click(); // a still picture
  await page.waitForSelector('[data-testid="run-phase"]:text-is("paused")', { timeout: 120_000 });
  await page.screenshot({ path: out });
  log(`wrote ${out}`);
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
