// Issue 11: no tensor or memory growth over 500 steps. HEXA-MoCo (both hard-example generators, their
// views in one shared encoder pass, previews every 10th step as the trainer asks for them) and
// DeepCluster-v2-style methods share trainStep; this runs 500 HEXA-MoCo steps on tfjs's WebAssembly
// backend (behaviour, not hand-computed values: testing/wasm.ts) and checks tf.memory() after every step
// once the first steps have made what is kept for good (the queue filled, optimiser slots). The WebGPU
// path's own kernels (in-place buffers, the constant cache) are checked the same way by
// `npm run conformance -- --curve-steps N` (tensor count and GPU bytes per step, bench/README.md).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodDefinition } from '../methods/registry';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Sgd } from './sgd';
import { trainStep } from './step';

describe('500 training steps on the WebAssembly backend', () => {
  beforeAll(useWasm);
  afterAll(useCpu);

  it('HEXA-MoCo: tensors and bytes stay flat from step 3 to step 500', async () => {
    const cfg = tinyConfig({ method: 'hexa-moco', lr: 0.05, queueSize: 16, batchSize: 8, warmupSteps: 0 });
    const def = methodDefinition('hexa-moco');
    const rng = new Rng(cfg.seed);
    const base = def.createBase(cfg, 1, rng);
    const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
    const xq = fixedImages(8, cfg.imageSize, 1, 11);
    const xk = fixedImages(8, cfg.imageSize, 1, 12);
    const indices = new Int32Array(8).map((_, i) => i);
    let kept: { numTensors: number; numBytes: number } | null = null;
    const grown: string[] = [];
    let last = NaN;
    for (let i = 0; i < 500; i++) {
      const out = trainStep({
        base,
        generators: def.generatorImpls,
        cfg,
        input: { views: [xq, xk], indices, rng, step: i, epoch: 0 },
        lr: cfg.lr,
        optimizer: opt,
        probe: null,
        labels: null,
        previewCount: i % 10 === 9 ? 4 : 0,
      });
      if (i % 50 === 49) last = (await out.metrics.loss!.data())[0]!; // a read-back now and then, as the trainer
      Object.values(out.metrics).forEach((t) => t.dispose());
      Object.values(out.previews ?? {}).forEach((t) => t.dispose());
      const m = tf.memory();
      if (i === 2) kept = { numTensors: m.numTensors, numBytes: m.numBytes };
      else if (kept && (m.numTensors !== kept.numTensors || m.numBytes !== kept.numBytes))
        grown.push(`step ${i + 1}: ${m.numTensors} tensors, ${m.numBytes} bytes`);
    }
    expect(Number.isFinite(last)).toBe(true); // it trained: the loss is a number at step 500
    expect(grown.slice(0, 5)).toEqual([]); // the first few that grew, if any
    [xq, xk].forEach((t) => t.dispose());
    base.dispose();
    opt.dispose();
  }, 300_000);
});
