// The kernel timing page, driven by scripts/kernels.mjs (bench/README.md, "npm run kernels"): each
// heavy op of a Tiny-preset step (tiny ConvNet, batch 32, 16×16 crops, 1 channel, width 8) timed in
// isolation at its real shapes, WebGPU and WebGL in the same page, interleaved, each call followed by
// a read-back (await data()) so the GPU's time is in it. `readback` is a 1-element op: the fixed cost
// of one call and read-back, to subtract by eye. `webgpu` is the app's path (own kernels on: on a
// software adapter the barrier-free convolutions of kernels/naiveConv.ts), `webgpuStock` tfjs's kernels
// (setOwnKernels(false)).
// With ?mode=step: the whole Tiny-preset step instead (MoCo-v2 and HEXA-MoCo, the bench's Rig and
// timeBlock: `steps` steps back to back, one read-back), on WebGPU with the software kernels
// (`webgpu`), WebGPU without them (`webgpuBefore`: setSoftwareKernels(false), everything else as the
// app runs it) and WebGL, interleaved over `reps` rounds.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/runtime/backend';
import { setOwnKernels } from '../src/engine/runtime/kernels/fused';
import { setSoftwareKernels } from '../src/engine/runtime/kernels/software';
import { PRESETS } from '../src/shared/config';
import { Rig, round, timeBlock, warmUp } from './rig';
import type { BackendName } from '../src/shared/backendTypes';
import { installBenchState } from './pageState';

const { state, log } = installBenchState();

type Op = { name: string; run: () => tf.Tensor };

const conv = (b: number, hw: number, inC: number, outC: number) => ({
  x: tf.randomNormal([b, hw, hw, inC], 0, 1, 'float32', 1) as tf.Tensor4D,
  w: tf.randomNormal([3, 3, inC, outC], 0, 0.3, 'float32', 2) as tf.Tensor4D,
  dy: tf.randomNormal([b, hw, hw, outC], 0, 1, 'float32', 3) as tf.Tensor4D,
});

/** The ops, with inputs made on the current backend. */
function makeOps(b: number): Op[] {
  const convs = [conv(b, 16, 1, 8), conv(b, 8, 8, 16), conv(b, 4, 16, 32)];
  const ops: Op[] = [];
  const one = tf.ones([1]);
  ops.push({ name: 'readback', run: () => tf.add(one, one) });
  convs.forEach((c, i) => {
    const tag = `conv${i + 1} ${c.x.shape.join('x')}→${c.w.shape[3]}`;
    ops.push({ name: `Conv2D ${tag}`, run: () => tf.conv2d(c.x, c.w, 1, 'same') });
    if (i > 0)
      ops.push({
        name: `Conv2DBackpropInput ${tag}`,
        run: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: c.dy, filter: c.w }, {
            strides: 1,
            pad: 'same',
            dataFormat: 'NHWC',
            inputShape: c.x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      });
    ops.push({
      name: `Conv2DBackpropFilter ${tag}`,
      run: () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: c.x, dy: c.dy }, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: c.w.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    });
  });
  const pin = tf.randomNormal([b, 16, 16, 8], 0, 1, 'float32', 4) as tf.Tensor4D;
  const pout = tf.maxPool(pin, 2, 2, 'same');
  const pdy = tf.randomNormal(pout.shape, 0, 1, 'float32', 5);
  ops.push({ name: 'MaxPool 32x16x16x8', run: () => tf.maxPool(pin, 2, 2, 'same') });
  ops.push({
    name: 'MaxPoolGrad 32x16x16x8',
    run: () =>
      tf.engine().runKernel('MaxPoolGrad', { dy: pdy, input: pin, output: pout }, {
        filterSize: 2,
        strides: 2,
        pad: 'same',
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
  });
  ops.push({ name: 'Relu 32x16x16x8', run: () => tf.relu(pin) });
  const a = tf.randomNormal([b, 32], 0, 1, 'float32', 6) as tf.Tensor2D;
  const wd = tf.randomNormal([32, 64], 0, 1, 'float32', 7) as tf.Tensor2D;
  const q = tf.randomNormal([1024, 32], 0, 1, 'float32', 8) as tf.Tensor2D;
  ops.push({ name: 'MatMul 32x32·32x64', run: () => tf.matMul(a, wd) });
  ops.push({ name: 'MatMul 32x32·(1024x32)ᵀ', run: () => tf.matMul(a, q, false, true) });
  ops.push({
    name: 'MatMul (32x32)ᵀ·32x64 (dense dW)',
    run: () => tf.matMul(a, wd.slice([0, 0], [32, 64]), true, false),
  });
  const g = tf.randomNormal([b, 4, 4, 32], 0, 1, 'float32', 9);
  ops.push({ name: 'Mean [1,2] 32x4x4x32', run: () => tf.mean(g, [1, 2]) });
  ops.push({ name: 'Sum [0,1,2] 32x16x16x8', run: () => tf.sum(pin, [0, 1, 2]) });
  ops.push({
    name: 'moments [0,1,2] 32x16x16x8',
    run: () => {
      const m = tf.moments(pin, [0, 1, 2]);
      const r = tf.concat([m.mean, m.variance]);
      m.mean.dispose();
      m.variance.dispose();
      return r;
    },
  });
  return ops;
}

async function time(op: Op): Promise<number> {
  const t0 = performance.now();
  const y = op.run();
  await y.data();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

async function stepMode(params: URLSearchParams): Promise<void> {
  const reps = Number(params.get('reps') ?? 2);
  const steps = Number(params.get('steps') ?? 2);
  const rigs: Record<string, Rig> = {};
  const adapters: Record<string, unknown> = {};
  for (const b of ['webgpu', 'webgl'] as const) {
    const report = await initBackend(b);
    adapters[b] = report;
    rigs[b] = new Rig({ ...PRESETS.tiny.config, method: 'hexa-moco' });
  }
  const cols = ['webgpu', 'webgpuBefore', 'webgl'];
  const methods = [
    ['moco-v2', false],
    ['hexa-moco', true],
  ] as const;
  const select = async (col: string) => {
    const b = col === 'webgl' ? 'webgl' : 'webgpu';
    await tf.setBackend(b);
    if (b === 'webgpu') setSoftwareKernels(col === 'webgpu');
    return rigs[b]!;
  };
  for (const col of cols)
    for (const [, hard] of methods) {
      const rig = await select(col);
      rig.hardExamples(hard);
      await warmUp(rig, 1, false);
    }
  log('warm');
  const ms: Record<string, Record<string, number[]>> = {};
  for (const [m] of methods) ms[m] = Object.fromEntries(cols.map((c) => [c, [] as number[]]));
  for (let r = 0; r < reps; r++) {
    for (const col of cols)
      for (const [m, hard] of methods) {
        const rig = await select(col);
        rig.hardExamples(hard);
        const t = await timeBlock(rig, steps);
        ms[m]![col]!.push(t.meanStepSeconds * 1000);
        log(`${col} ${m}: ${Math.round(t.meanStepSeconds * 1000)} ms a step (loss ${t.loss})`);
      }
  }
  setSoftwareKernels(true);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const table = methods.map(([m]) => {
    const row: Record<string, unknown> = { method: m };
    for (const c of cols) row[`${c}MsPerStep`] = Math.round(mean(ms[m]![c]!));
    row.webgpuOverWebgl = round(mean(ms[m]!.webgpu!) / mean(ms[m]!.webgl!), 2);
    row.beforeOverWebgl = round(mean(ms[m]!.webgpuBefore!) / mean(ms[m]!.webgl!), 2);
    return row;
  });
  for (const row of table) log(JSON.stringify(row));
  for (const rig of Object.values(rigs)) rig.dispose();
  state.result = { mode: 'step', preset: 'tiny', reps, steps, adapters, meanMsPerStep: table, samplesMs: ms };
  log('done');
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (params.get('mode') === 'step') return stepMode(params);
  const backends = (params.get('backends') ?? 'webgpu,webgl').split(',') as BackendName[];
  const reps = Number(params.get('reps') ?? 5);
  const batch = Number(params.get('batch') ?? 32);
  const opsBy: Record<string, Op[]> = {};
  const adapters: Record<string, unknown> = {};
  const ownVsStockMaxAbs: Record<string, number> = {};
  for (const b of backends) {
    const report = await initBackend(b);
    adapters[b] = { adapter: report.adapter, flags: report.flags };
    opsBy[b] = makeOps(batch);
    for (const own of b === 'webgpu' ? [true, false] : [true]) {
      setOwnKernels(own);
      for (const op of opsBy[b]) await time(op); // compile and warm up
    }
    setOwnKernels(true);
    if (b === 'webgpu')
      for (const op of opsBy[b]) {
        // Own against stock on the same inputs (a quick look; `npm run conformance` is the check).
        const own = op.run();
        setOwnKernels(false);
        const stock = op.run();
        setOwnKernels(true);
        const [o, s] = await Promise.all([own.data(), stock.data()]);
        let d = 0;
        for (let k = 0; k < o.length; k++) d = Math.max(d, Math.abs(o[k]! - s[k]!));
        ownVsStockMaxAbs[op.name] = d;
        own.dispose();
        stock.dispose();
      }
    log(`${b} ready`);
  }
  // Columns: each backend, and WebGPU again with tfjs's stock kernels.
  const cols = backends.flatMap((b) => (b === 'webgpu' ? ['webgpu', 'webgpuStock'] : [b]));
  const names = opsBy[backends[0]!]!.map((o) => o.name);
  const ms: Record<string, Record<string, number[]>> = {};
  for (const n of names) ms[n] = Object.fromEntries(cols.map((c) => [c, [] as number[]]));
  for (let r = 0; r < reps; r++) {
    for (const col of cols) {
      const b = col === 'webgpuStock' ? 'webgpu' : col;
      await tf.setBackend(b);
      setOwnKernels(col !== 'webgpuStock');
      try {
        for (const op of opsBy[b]!) ms[op.name]![col]!.push(await time(op));
      } finally {
        setOwnKernels(true);
      }
    }
    log(`rep ${r + 1}/${reps}`);
  }
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
  const table = names.map((n) => {
    const row: Record<string, unknown> = { op: n };
    for (const c of cols) row[`${c}Ms`] = Number(median(ms[n]![c]!).toFixed(2));
    if (cols.includes('webgpu') && cols.includes('webgl')) {
      row.webgpuOverWebgl = Number((median(ms[n]!.webgpu!) / median(ms[n]!.webgl!)).toFixed(2));
      row.stockOverWebgl = Number((median(ms[n]!.webgpuStock!) / median(ms[n]!.webgl!)).toFixed(2));
    }
    return row;
  });
  for (const row of table) log(JSON.stringify(row));
  state.result = { batch, reps, adapters, ownVsStockMaxAbs, medianMs: table, samplesMs: ms };
  log('done');
}

main().catch((e: unknown) => {
  log(`failed: ${(e as Error).stack ?? String(e)}`);
  state.error = (e as Error).message ?? String(e);
  state.result = null;
});
