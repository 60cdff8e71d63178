// FinetuneJob in Node: a run trained by RunSession (memory image store, the real run store over
// fake-indexeddb), then fine-tuned from its checkpoint and from its random init. The worker's plumbing,
// not numbers (top-1 is only checked to lie in [0, 1]): on tfjs's WebAssembly backend (testing/wasm.ts;
// float32 like the CPU backend), where the 2 × 200 fine-tuning steps take a fraction of the CPU
// backend's time.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkedReplyLog } from './replyLog';
import { generateFractals } from '../engine/data/fractals';
import { openTestRunStore } from '../engine/testing/testDb';
import { createMemoryStore } from '../engine/testing/memoryStore';
import { tinyConfig } from '../engine/testing/fixtures';
import { useWasm } from '../engine/testing/wasm';
import type { WorkerReply } from '../shared/protocol';
import { RunSession } from './runSession';
import { FinetuneJob } from './finetuneOps';

/** Every reply the worker code posted in the current test: each must pass the page's reply schema. */
const allReplies = checkedReplyLog();

beforeAll(useWasm);

const ofType = <T extends WorkerReply['type']>(replies: WorkerReply[], type: T) =>
  replies.filter((m): m is Extract<WorkerReply, { type: T }> => m.type === type);

async function trainedRun() {
  const images = createMemoryStore();
  // 3 classes × 12 images of 16×16 RGB: 30 train images and 6 held out.
  const m = await generateFractals(images, { classes: 3, perClass: 12, size: 16, seed: 5 }, () => {});
  const runs = await openTestRunStore();
  const replies: WorkerReply[] = [];
  const post = (msg: WorkerReply) => {
    replies.push(msg);
    allReplies.push(msg);
  };
  const cfg = tinyConfig({
    datasetId: m.id,
    trainLimit: 0,
    epochs: 1,
    readbackEvery: 2,
    checkpointEvery: 2,
    probeTrainSize: 24,
    probeTestSize: 10,
  });
  const session = new RunSession({ post, images: () => images, runs: async () => runs });
  await session.start(cfg);
  const runId = ofType(replies, 'run-started')[0]!.runId;
  let busy: string | null = null;
  const job = new FinetuneJob({
    post,
    runs: async () => runs,
    images: () => images,
    gpuBusy: () => busy,
    progressEveryMs: 0,
  });
  return { images, runs, replies, session, runId, job, setBusy: (b: string | null) => (busy = b), m };
}

describe('FinetuneJob', () => {
  it('fine-tunes the trained network, then its random init, stores both and frees every tensor', async () => {
    const r = await trainedRun();
    r.replies.length = 0;
    const before = tf.memory().numTensors;
    await r.job.run(r.runId, 0.1, 3); // 10 %: 3 images (200 steps of 1: the schedule's floor)
    expect(tf.memory().numTensors).toBe(before);
    expect(ofType(r.replies, 'finetune-error')).toEqual([]);
    const results = ofType(r.replies, 'finetune-result').map((x) => x.point);
    expect(results.map((p) => p.fromRandomInit)).toEqual([false, true]);
    for (const p of results) {
      expect(p.fraction).toBe(0.1);
      expect(p.trainCount).toBe(3); // 10 % of each class of the whole train split (trainLimit 0)
      expect(p.testCount).toBe(6); // probeTestSize 10, of 6 held-out images
      expect(p.top1).toBeGreaterThanOrEqual(0);
      expect(p.top1).toBeLessThanOrEqual(1);
      expect(p.top5).toBeUndefined(); // 3 classes
      expect(p.seed).toBe(3);
    }
    const ckpt = await r.runs.getCheckpoint(r.runId);
    expect(results[0]!.step).toBe(ckpt!.step);
    expect(results[1]!.step).toBe(0);
    const progress = ofType(r.replies, 'finetune-progress').map((x) => x.progress);
    expect(progress.some((p) => p.stage === 'training' && !p.fromRandomInit)).toBe(true);
    expect(progress.some((p) => p.stage === 'testing' && p.fromRandomInit)).toBe(true);
    expect((await r.runs.getRun(r.runId))!.finetunes).toEqual(results);
    expect(r.job.running).toBeNull();
    r.session.dispose();
  });

  it('refuses while the GPU is busy, for an unknown run, a run without checkpoint or dataset; cancels', async () => {
    const r = await trainedRun();
    r.replies.length = 0;
    const errors = () => ofType(r.replies, 'finetune-error').map((e) => e.message);
    r.setBusy('A run is training on the GPU: stop it (or let it finish) before fine-tuning.');
    await r.job.run(r.runId, 1, 1);
    r.setBusy(null);
    await r.job.run('nope', 1, 1);
    const run = (await r.runs.getRun(r.runId))!;
    await r.runs.saveRun({ ...run, id: 'no-ckpt' });
    await r.job.run('no-ckpt', 1, 1);
    await r.runs.saveRun({ ...run, id: 'no-data', datasetId: 'gone' });
    await r.runs.putCheckpoint('no-data', (await r.runs.getCheckpoint(r.runId))!);
    await r.job.run('no-data', 1, 1);
    const before = tf.memory().numTensors;
    const running = r.job.run(r.runId, 1, 1);
    r.job.cancel();
    await running;
    expect(tf.memory().numTensors).toBe(before);
    expect(errors()).toEqual([
      'A run is training on the GPU: stop it (or let it finish) before fine-tuning.',
      'Fine-tuning failed: There is no saved run "nope".',
      'Fine-tuning failed: This run has no checkpoint yet: train it a few steps first.',
      'Fine-tuning failed: The run\'s dataset "gone" is no longer stored: it cannot be fine-tuned.',
      'Fine-tuning cancelled.',
    ]);
    expect(ofType(r.replies, 'finetune-result')).toEqual([]);
    expect((await r.runs.getRun(r.runId))!.finetunes).toBeUndefined();
  });
});
