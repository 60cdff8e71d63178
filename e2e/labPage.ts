// Page object for the lab, built on data-testids and the window.__hexa test API.
import { expect, type Page } from '@playwright/test';

/**
 * The Tiny preset scaled down for fast end-to-end tests on SwiftShader (96 images, batch 8, queue 16,
 * read back every 2 steps, checkpoint every 4, probes of 64/64: the sizes the Tiny preset had before
 * issue 10). Specs that only need a run to go add their own overrides after it (later keys win).
 */
export const SMALL = [
  'preset=tiny',
  'trainLimit=96',
  'batchSize=8',
  'embedDim=16',
  'epochs=3',
  'warmupSteps=8',
  'queueSize=16',
  'clusterHeads=2',
  'clusterCount=4',
  'readbackEvery=2',
  'checkpointEvery=4',
  'probeTrainSize=64',
  'probeTestSize=64',
  'knnK=5',
].join('&');

/**
 * Starts the lab on tfjs's WebAssembly backend instead of WebGPU (the `backend` link key). For specs
 * whose subject is not the GPU path (evaluation and its chart, the gallery, fine-tuning, the ablation, a
 * calm page, datasets, imports and stored files): wasm trains tens of times faster than SwiftShader's WebGPU here, so they take seconds of
 * training instead of minutes. The WebGPU path keeps its own specs: lab, hexa, kernels, each method's
 * spec, runs (resume, a lost device), badInput, mixup.
 */
export const ON_WASM = 'backend=wasm';

export class LabPage {
  /** Replies the page refused against the reply schema (replyCheck.ts warns of each): none expected. */
  readonly badReplies: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'warning' && m.text().includes('malformed reply')) this.badReplies.push(m.text());
    });
  }

  /**
   * Opens the lab. Without a `backend` key the link asks for WebGPU: on a software adapter (SwiftShader,
   * what these tests get) the lab would otherwise leave WebGPU for WebAssembly by itself
   * (`openBare` tests that).
   */
  async open(query = ''): Promise<void> {
    const q = /(^|&)backend=/.test(query) ? query : ['backend=webgpu', query].filter(Boolean).join('&');
    await this.page.goto(`./?${q}`);
  }

  /** Opens the bare address, as a user typing it would: the lab picks the backend. */
  async openBare(): Promise<void> {
    await this.page.goto('./');
  }

  testId(id: string) {
    return this.page.getByTestId(id);
  }

  async waitForDataset(): Promise<void> {
    await expect(this.testId('dataset-status')).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
  }

  state() {
    return this.page.evaluate(() => window.__hexa.state());
  }

  /** Waits until the run has read back at least n metric points. */
  async waitForReadbacks(n: number, timeout = 180_000): Promise<void> {
    await this.page.waitForFunction((k) => window.__hexa.state().run.steps.length >= k, n, { timeout });
  }

  /** Standard deviation of the pixel values of the n-th canvas with this test id (0 = blank). */
  canvasSpread(id: string, n = 0): Promise<number> {
    return this.page.evaluate(
      ([tid, i]) => {
        const c = document.querySelectorAll<HTMLCanvasElement>(`[data-testid="${tid}"]`)[i as number];
        if (!c) return -1;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let s = 0;
        let s2 = 0;
        const n = d.length / 4;
        for (let p = 0; p < d.length; p += 4) {
          const v = (d[p]! + d[p + 1]! + d[p + 2]!) / 3;
          s += v;
          s2 += v * v;
        }
        return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
      },
      [id, n] as const,
    );
  }

  /** Counts the records in the lab's IndexedDB (real IndexedDB, read from the page). */
  storedRecords(): Promise<{ manifests: { id: string; complete: boolean }[]; chunks: number }> {
    return this.page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const req = indexedDB.open('hexa-lab');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const db = req.result;
            if (!db.objectStoreNames.contains('manifests')) {
              db.close();
              resolve({ manifests: [], chunks: 0 });
              return;
            }
            const tx = db.transaction(['manifests', 'chunks'], 'readonly');
            const all = tx.objectStore('manifests').getAll();
            const count = tx.objectStore('chunks').count();
            tx.oncomplete = () => {
              db.close();
              resolve({
                manifests: (all.result as { id: string; complete: boolean }[]).map((m) => ({
                  id: m.id,
                  complete: m.complete,
                })),
                chunks: count.result,
              });
            };
          };
        }),
    );
  }
}
