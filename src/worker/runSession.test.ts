// RunSession in Node: the tfjs CPU backend, the in-memory image store, the real run store over
// fake-indexeddb, a small fractal dataset.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkedReplyLog } from './replyLog';
import { generateFractals } from '../engine/data/fractals';
import { openTestRunStore } from '../engine/testing/testDb';
import type { RunStore } from '../engine/data/runStore';
import { createMemoryStore, type MemoryImageStore } from '../engine/testing/memoryStore';
import { tinyConfig, useCpu } from '../engine/testing/fixtures';
import type { TrainConfig } from '../shared/config';
import type { WorkerReply } from '../shared/protocol';
import { RunSession } from './runSession';

/** Every reply the worker code posted in the current test: each must pass the page's reply schema. */
const allReplies = checkedReplyLog();

beforeAll(useCpu);

interface Rig {
  session: RunSession;
  replies: WorkerReply[];
  runs: RunStore;
  images: MemoryImageStore;
  cfg: TrainConfig;
  ended: number;
  /** Called with every reply as it is posted (to act at a given moment of the run, as the page would). */
  onReply: (msg: WorkerReply) => void;
}

async function rig(over: Partial<TrainConfig> = {}): Promise<Rig> {
  const images = createMemoryStore();
  // 3 classes × 12 images of 16×16 RGB: 30 train images (3 steps of 8 per epoch) and 6 held out.
  const m = await generateFractals(images, { classes: 3, perClass: 12, size: 16, seed: 5 }, () => {});
  const runs = await openTestRunStore();
  const r: Rig = {
    replies: [],
    runs,
    images,
    ended: 0,
    onReply: () => {},
    cfg: tinyConfig({
      datasetId: m.id,
      trainLimit: 0,
      epochs: 1,
      readbackEvery: 2,
      checkpointEvery: 2,
      probeTrainSize: 24,
      probeTestSize: 10, // of the 6 held-out images: all of them
      ...over,
    }),
    session: null as unknown as RunSession,
  };
  r.session = new RunSession({
    post: (msg) => {
      r.replies.push(msg);
      allReplies.push(msg);
      r.onReply(msg);
    },
    images: () => images,
    runs: async () => runs,
    runEnded: async () => {
      r.ended++;
    },
  });
  return r;
}

const ofType = <T extends WorkerReply['type']>(replies: WorkerReply[], type: T) =>
  replies.filter((m): m is Extract<WorkerReply, { type: T }> => m.type === type);
const statuses = (replies: WorkerReply[]) => ofType(replies, 'status').map((s) => s.phase);
const errors = (replies: WorkerReply[]) => ofType(replies, 'run-error').map((e) => e.message);

describe('RunSession', () => {
  it('a run starts, is recorded as it trains, finishes; its model stays for the gallery until dispose', async () => {
    const r = await rig();
    const before = tf.memory().numTensors;
    await r.session.start(r.cfg);
    expect(errors(r.replies)).toEqual([]);
    const started = ofType(r.replies, 'run-started');
    expect(started).toHaveLength(1);
    expect(started[0]!.resumed).toBeNull();
    const runId = started[0]!.runId;
    expect(ofType(r.replies, 'metrics').map((m) => m.point.step)).toEqual([2, 3]);
    expect(statuses(r.replies)[0]).toBe('preparing');
    expect(statuses(r.replies).at(-1)).toBe('done');
    expect(r.ended).toBe(1);
    expect(r.session.phase).toBe('idle');
    expect(r.session.activeRunId).toBeNull();
    const saved = (await r.runs.getRun(runId))!;
    expect(saved.status).toBe('done');
    expect(saved.metrics.map((p) => p.step)).toEqual([2, 3]);
    expect(saved.evals.map((p) => p.step)).toEqual([0, 3]); // the step-0 network, then the end
    expect(saved.baselines).toBeDefined();
    expect((await r.runs.getCheckpoint(runId))?.step).toBe(3); // every 2 steps, and the last one

    await r.session.neighbours(7, {
      width: 16,
      height: 16,
      channels: 3,
      pixels: new Uint8Array(16 * 16 * 3).fill(100),
    });
    const found = ofType(r.replies, 'neighbours')[0]!;
    expect(found.requestId).toBe(7);
    expect(found.error).toBeNull();
    expect(found.result!.neighbours.length).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBeGreaterThan(before); // the last run's model is kept
    r.session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a second start while the first is starting is refused; a stop sent while starting ends the run at step 0', async () => {
    const r = await rig();
    const first = r.session.start(r.cfg);
    expect(r.session.phase).toBe('starting');
    expect(r.session.trainingOn).toBe(r.cfg.datasetId);
    await r.session.start(r.cfg);
    expect(errors(r.replies)).toEqual(['A run is already in progress: stop it first.']);
    r.session.stop();
    await first;
    const runId = ofType(r.replies, 'run-started')[0]!.runId;
    expect(statuses(r.replies).at(-1)).toBe('stopped');
    expect(ofType(r.replies, 'metrics')).toEqual([]);
    expect((await r.runs.getRun(runId))!.status).toBe('stopped');
    expect((await r.runs.listRuns()).length).toBe(1);
    r.session.dispose();
  });

  it('pause, a live-settings change while paused, resume: the change is posted and saved with the run', async () => {
    const r = await rig({ epochs: 2 });
    const changed = { ...r.cfg, lr: r.cfg.lr * 2 };
    r.onReply = (msg) => {
      if (msg.type === 'metrics' && msg.point.step === 2) r.session.pause();
      if (msg.type === 'status' && msg.phase === 'paused') {
        r.session.changeSettings(changed);
        r.session.resume();
      }
    };
    await r.session.start(r.cfg);
    expect(errors(r.replies)).toEqual([]);
    expect(statuses(r.replies)).toContain('paused');
    const events = ofType(r.replies, 'run-event');
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toMatchObject({ kind: 'settings', step: 2 });
    expect(statuses(r.replies).at(-1)).toBe('done');
    const runId = ofType(r.replies, 'run-started')[0]!.runId;
    const saved = (await r.runs.getRun(runId))!;
    expect(saved.events?.map((e) => [e.kind, e.step])).toEqual([['settings', 2]]);
    expect(saved.metrics.at(-1)!.step).toBe(6);
    r.session.dispose();
  });

  it('a run stopped after its step-4 checkpoint resumes from it and finishes', async () => {
    const r = await rig({ epochs: 2 });
    r.onReply = (msg) => {
      if (msg.type === 'metrics' && msg.point.step === 4) r.session.stop();
    };
    await r.session.start(r.cfg);
    const runId = ofType(r.replies, 'run-started')[0]!.runId;
    expect((await r.runs.getRun(runId))!.status).toBe('stopped');
    expect((await r.runs.getCheckpoint(runId))?.step).toBe(4);

    r.replies.length = 0;
    r.onReply = () => {};
    await r.session.resumeSaved(runId);
    expect(errors(r.replies)).toEqual([]);
    const started = ofType(r.replies, 'run-started')[0]!;
    expect(started.runId).toBe(runId);
    expect(started.resumed).toMatchObject({ fromStep: 4, lostSteps: 0 });
    expect(ofType(r.replies, 'metrics').map((m) => m.point.step)).toEqual([6]);
    const saved = (await r.runs.getRun(runId))!;
    expect(saved.status).toBe('done');
    expect(saved.metrics.map((p) => p.step)).toEqual([2, 4, 6]);
    expect(saved.events?.map((e) => e.kind)).toEqual(['resume']);
    expect(r.ended).toBe(2);
    r.session.dispose();
  });

  it('a lost device stops the run, marks it interrupted, frees its model and refuses new runs', async () => {
    const r = await rig({ epochs: 2 });
    const before = tf.memory().numTensors;
    r.onReply = (msg) => {
      if (msg.type === 'metrics' && msg.point.step === 2) r.session.loseDevice('destroyed');
    };
    await r.session.start(r.cfg);
    const runId = ofType(r.replies, 'run-started')[0]!.runId;
    expect(ofType(r.replies, 'device-lost')[0]!.message).toBe(
      'The GPU device was destroyed. Training stopped; reload the page to start again.',
    );
    expect((await r.runs.getRun(runId))!.status).toBe('interrupted');
    expect(r.session.deviceLost).toBe(true);
    expect(tf.memory().numTensors).toBe(before); // nothing kept: there is no device to search with

    r.replies.length = 0;
    await r.session.resumeSaved(runId);
    await r.session.start(r.cfg);
    await r.session.neighbours(1, { width: 16, height: 16, channels: 3, pixels: new Uint8Array(768) });
    expect(errors(r.replies)).toEqual([
      'The GPU device was lost: reload the page, then resume this run.',
      'The GPU device was lost: reload the page to train again.',
    ]);
    expect(ofType(r.replies, 'neighbours')[0]!.error).toBe('No model to search with: start a run first.');
    expect((await r.runs.getRun(runId))!.status).toBe('interrupted'); // resume changed nothing
  });

  it('bad requests are answered with the reason and change nothing', async () => {
    const r = await rig();
    await r.session.start({ ...r.cfg, batchSize: 0 });
    await r.session.start({ ...r.cfg, datasetId: 'gone' });
    r.session.changeSettings(r.cfg);
    await r.session.resumeSaved('run-unknown');
    const msgs = errors(r.replies);
    expect(msgs).toHaveLength(4);
    expect(msgs[0]).toMatch(/Batch size/);
    expect(msgs[1]).toBe('Dataset "gone" is not stored yet.');
    expect(msgs[2]).toBe('Settings not changed: No run is training.');
    expect(msgs[3]).toBe('This run has no checkpoint to resume from.');
    expect(statuses(r.replies)).toEqual(['failed']); // the missing dataset
    expect(await r.runs.listRuns()).toEqual([]);
    expect(r.session.phase).toBe('idle');
  });
});
