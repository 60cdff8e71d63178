// npm run experiment end to end: spawns scripts/experiment.mjs (its own Vite server and headless
// Chromium, on the WebAssembly backend here) for a tiny comparison and checks the report folder it writes. No page fixture:
// the script is the thing under test.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = fileURLToPath(new URL('..', import.meta.url));

function runExperiment(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['scripts/experiment.mjs', ...args], { cwd: root });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

test.describe('npm run experiment', () => {
  test('rejects a bad setting with the field and its range', async () => {
    const r = await runExperiment(['--methods', 'moco-v2', '--set', 'lr=99']);
    expect(r.code).toBe(2);
    expect(r.output).toContain('lr: Learning rate is 99; it must be between');
    const m = await runExperiment(['--methods', 'moco-v2,nope']);
    expect(m.code).toBe(2);
    expect(m.output).toContain('Unknown method "nope"');
    const f = await runExperiment(['--methods', 'moco-v2', '--finetune', '5']);
    expect(f.code).toBe(2);
    expect(f.output).toContain('--finetune takes percentages of the labels from 1, 10, 100 (got "5")');
  });

  test('compares two methods on fractals and writes the report', async () => {
    // Its own Vite dev server and Chromium on a shared 2-core machine: allow minutes.
    test.setTimeout(8 * 60_000);
    const out = mkdtempSync(join(tmpdir(), 'hexa-experiment-'));
    const other = mkdtempSync(join(tmpdir(), 'hexa-experiment-b-'));
    const merged = join(tmpdir(), `hexa-experiment-merged-${process.pid}`);
    try {
      const r = await runExperiment([
        ...['--methods', 'moco-v2,hexa-moco', '--dataset', 'fractals:3x12@16', '--preset', 'tiny'],
        ...['--epochs', '1', '--seeds', '1', '--train-limit', '24', '--out', out, '--finetune', '10'],
        // WebAssembly: the script is under test, not the GPU path (which learning.spec and lab.spec drive).
        ...['--backend', 'wasm'],
        ...[
          '--set',
          'batchSize=8',
          '--set',
          'queueSize=16',
          '--set',
          'probeTrainSize=64',
          '--set',
          'probeTestSize=64',
        ],
      ]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/\[run 1\/2\] moco-v2 seed 1 {2}step 3\/3/);
      expect(r.output).toMatch(/\[run 2\/2\] hexa-moco seed 1 {2}eval @ step 3/);

      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      expect(results.runs).toHaveLength(2);
      expect(results.runs.map((x: { method: string }) => x.method)).toEqual(['moco-v2', 'hexa-moco']);
      for (const run of results.runs) {
        expect(run.status).toBe('done');
        expect(run.metrics.length).toBeGreaterThan(0);
        expect(run.metrics.at(-1).step).toBe(3);
        expect(Number.isFinite(run.metrics.at(-1).values.loss)).toBe(true);
        expect(run.evaluations.length).toBe(2); // at step 0 and after the last step
        expect(run.evaluations[0].step).toBe(0);
        expect(run.baselines.testCount).toBeGreaterThan(0); // random init (BN on data) and pixels
        expect(run.baselines.pixels.knnTop1).toBeGreaterThan(0);
        expect(run.leakedTensors).toBe(0);
        expect(run.wallMs).toBeGreaterThan(0);
        // --finetune 10: the trained network, then its random init, on 10 % of each class of the 24 images.
        expect(run.finetunes.map((p: { fromRandomInit: boolean }) => p.fromRandomInit)).toEqual([
          false,
          true,
        ]);
        for (const p of run.finetunes) {
          expect(p.fraction).toBe(0.1);
          expect(p.trainCount).toBe(3);
          expect(p.top1).toBeGreaterThanOrEqual(0);
          expect(p.top1).toBeLessThanOrEqual(1);
        }
      }
      expect(results.summary).toHaveLength(2);
      for (const s of results.summary) {
        expect(s.linearTop1.n).toBe(1);
        expect(s.linearTop1.mean).toBeGreaterThanOrEqual(0);
        expect(s.knnTop1.mean).toBeLessThanOrEqual(1);
        expect(s.finetune).toHaveLength(1);
        expect(s.finetune[0].randomTop1.n).toBe(1);
      }
      expect(r.output).toMatch(/MoCo-v2 +fine-tuned on 10 % of labels: top-1 \d+\.\d% ± 0\.0 \(random init/);

      const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trimEnd().split('\r\n');
      expect(csv[0]).toMatch(/^run,method,seed,step,epoch,elapsedMs,imagesPerSec,lr,.*\bloss\b/);
      expect(csv.slice(1).some((l) => l.startsWith('1,moco-v2,1,'))).toBe(true);
      expect(csv.slice(1).some((l) => l.startsWith('2,hexa-moco,1,'))).toBe(true);
      expect(existsSync(join(out, 'evaluations.csv'))).toBe(true);

      const html = readFileSync(join(out, 'index.html'), 'utf8');
      expect(html.match(/<svg\b/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).not.toMatch(/<script\b/);
      expect(html).toContain('MoCo-v2');
      expect(html).toContain('HEXA-MoCo');
      expect(html).toContain('Fine-tuning (mean ± std over seeds)');
      expect(html).toContain('Ranking at equal steps (step 3)');

      // The ranking: both methods and the two baselines, ranked on linear, kNN and fine-tuning at 10 %.
      const keys = (rows: { key: string }[]) => rows.map((x) => x.key).sort();
      expect(results.ranking.equalSteps.step).toBe(3);
      expect(results.ranking.equalSteps.criteria).toEqual(['linear', 'knn', 'finetune:0.1']);
      expect(keys(results.ranking.equalSteps.rows)).toEqual([
        'hexa-moco',
        'moco-v2',
        'pixels',
        'random-init',
      ]);
      for (const row of results.ranking.equalSteps.rows) {
        expect(row.rank.linear).toBeGreaterThanOrEqual(1);
        expect(row.rank.linear).toBeLessThanOrEqual(4);
      }
      expect(
        results.ranking.equalSteps.rows.find((x: { key: string }) => x.key === 'random-init').finetune['0.1']
          .n,
      ).toBe(1);
      expect(readFileSync(join(out, 'ranking.md'), 'utf8')).toMatch(
        /^\| MoCo-v2 \| 1 \| 3 \| [1-4]\. \d+\.\d% ± 0\.0 \|/m,
      );

      // --merge: the same folder twice is the same runs (kept once); a run of the same method and seed
      // with other scores is refused; relabelled (another setting) it merges as its own rows.
      const twice = await runExperiment(['--merge', `${out},${out}`, '--out', merged]);
      expect(twice.code, twice.output).toBe(0);
      expect(JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')).runs).toHaveLength(2);
      cpSync(out, other, { recursive: true });
      const copy = JSON.parse(readFileSync(join(other, 'results.json'), 'utf8'));
      copy.runs[0].evaluations.at(-1).knnTop1 += 0.01;
      writeFileSync(join(other, 'results.json'), JSON.stringify(copy));
      const clash = await runExperiment(['--merge', `${out},${other}`, '--out', merged]);
      expect(clash.code).toBe(2);
      expect(clash.output).toContain('moco-v2 seed 1 is in both');
      for (const run of copy.runs) run.variant = 'again';
      writeFileSync(join(other, 'results.json'), JSON.stringify(copy));
      const m = await runExperiment(['--merge', `${out},${other}`, '--out', merged]);
      expect(m.code, m.output).toBe(0);
      const all = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8'));
      expect(all.runs).toHaveLength(4);
      expect(all.command).toMatch(/^merged: npm run experiment -- .* \| npm run experiment -- /);
      expect(keys(all.ranking.equalSteps.rows)).toEqual([
        'hexa-moco',
        'hexa-moco (again)',
        'moco-v2',
        'moco-v2 (again)',
        'pixels',
        'random-init',
      ]);
      expect(readFileSync(join(merged, 'index.html'), 'utf8')).toContain('MoCo-v2 (again)');
    } finally {
      for (const dir of [out, other, merged]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
