// The engine's own fused kernels (issue 11): each op has a WGSL path (WebGPU, in-place, several
// tensors per dispatch; inPlace.ts) and a plain-tfjs reference path (CPU, WebGL, WebGPU with own
// kernels off, and what the conformance check compares against). Both compute the same formula in the
// same order in float32.
//
//   sgdUpdate        g ← g + wd·θ;  v ← μ·v + g;  θ ← θ − lr·v            (every parameter)
//   emaUpdate        θk ← m·θk + (1−m)·θq                                 (momentum key encoder)
//   bnRunningStats   mean ← m·mean + (1−m)·avg_G(μ_g);  var ← m·var + (1−m)·avg_G(σ²_g)·n/(n−1)
import * as tf from '@tensorflow/tfjs';
import {
  canWriteInPlace,
  declareBindings,
  dispatchInPlace,
  FLAT_INDEX,
  MAIN_SIGNATURE,
  maxStorageBuffers,
  packUniforms,
  type Binding,
} from './inPlace';

let enabled = true;

/** Turns the own kernels on or off (the bench and the conformance check compare both paths). */
export function setOwnKernels(on: boolean): void {
  enabled = on;
}

export function ownKernelsEnabled(): boolean {
  return enabled;
}

/** True when the own WGSL kernels run: enabled and the backend is WebGPU. */
export function ownKernelsActive(): boolean {
  return enabled && tf.getBackend() === 'webgpu';
}

// ---- reference paths (plain tfjs) -----------------------------------------------------------------

export function sgdReference(
  params: tf.Variable[],
  grads: (tf.Tensor | undefined)[],
  velocities: tf.Variable[],
  lr: number,
  momentum: number,
  weightDecay: number,
): void {
  tf.tidy(() => {
    params.forEach((v, i) => {
      const g0 = grads[i];
      if (!g0) return;
      const g = weightDecay > 0 ? tf.add(g0, tf.mul(v, weightDecay)) : g0;
      const vel = velocities[i]!;
      vel.assign(tf.add(tf.mul(vel, momentum), g));
      v.assign(tf.sub(v, tf.mul(vel, lr)));
    });
  });
}

export function emaReference(online: tf.Tensor[], target: tf.Variable[], m: number): void {
  tf.tidy(() => {
    online.forEach((q, i) => {
      const k = target[i]!;
      k.assign(tf.add(tf.mul(k, m), tf.mul(q, 1 - m)));
    });
  });
}

/**
 * mean, variance: the batch moments per group, [G, …, C] (any shape whose size is G·C, group-major);
 * n: values per channel in one group (for the unbiased variance).
 */
export function bnStatsReference(
  movingMean: tf.Variable,
  movingVar: tf.Variable,
  mean: tf.Tensor,
  variance: tf.Tensor,
  momentum: number,
  n: number,
): void {
  const c = movingMean.size;
  tf.tidy(() => {
    const bMean = tf.mean(tf.reshape(mean, [-1, c]), 0);
    const bVar = tf.mul(tf.mean(tf.reshape(variance, [-1, c]), 0), n / Math.max(n - 1, 1));
    movingMean.assign(tf.add(tf.mul(movingMean, momentum), tf.mul(bMean, 1 - momentum)));
    movingVar.assign(tf.add(tf.mul(movingVar, momentum), tf.mul(bVar, 1 - momentum)));
  });
}

// ---- WGSL paths -----------------------------------------------------------------------------------

/** Splits items into groups that fit the device's storage-buffer limit (`perItem` buffers each). */
function groupsOf<T>(items: T[], perItem: number): T[][] {
  const k = Math.max(1, Math.floor(maxStorageBuffers() / perItem));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += k) out.push(items.slice(i, i + k));
  return out;
}

interface SgdItem {
  param: tf.Variable;
  velocity: tf.Variable;
  grad: tf.Tensor;
}

function sgdCode(k: number): string {
  const sizes = Array.from({ length: k }, (_, j) => `n${j}: u32,`).join(' ');
  const binds = Array.from({ length: k }, () => [{ write: true }, { write: true }, { write: false }]).flat();
  const body = Array.from(
    { length: k },
    (_, j) => `  if (i < u.n${j}) {
    let g = b${3 * j + 2}[i] + u.wd * b${3 * j}[i];
    let v = u.mu * b${3 * j + 1}[i] + g;
    b${3 * j + 1}[i] = v;
    b${3 * j}[i] = b${3 * j}[i] - u.lr * v;
  }`,
  ).join('\n');
  return `${declareBindings(binds, `lr: f32, mu: f32, wd: f32, ${sizes}`)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
${body}
}`;
}

/** SGD with momentum and weight decay over every parameter with a gradient (grads[i] for params[i]). */
export function sgdUpdate(
  params: tf.Variable[],
  grads: (tf.Tensor | undefined)[],
  velocities: tf.Variable[],
  lr: number,
  momentum: number,
  weightDecay: number,
): void {
  if (!ownKernelsActive()) return sgdReference(params, grads, velocities, lr, momentum, weightDecay);
  const fused: SgdItem[] = [];
  const rest: number[] = [];
  params.forEach((p, i) => {
    const g = grads[i];
    if (!g) return;
    if (canWriteInPlace(p) && canWriteInPlace(velocities[i]!) && g.dtype === 'float32') {
      fused.push({ param: p, velocity: velocities[i]!, grad: g });
    } else rest.push(i);
  });
  // Variables sharing a buffer (e.g. just copied with assign) take the reference path once.
  if (rest.length > 0)
    sgdReference(
      rest.map((i) => params[i]!),
      rest.map((i) => grads[i]),
      rest.map((i) => velocities[i]!),
      lr,
      momentum,
      weightDecay,
    );
  for (const group of groupsOf(fused, 3)) {
    const k = group.length;
    const bindings: Binding[] = group.flatMap((it) => [
      { tensor: it.param, write: true },
      { tensor: it.velocity, write: true },
      { tensor: it.grad, write: false },
    ]);
    const uniforms = packUniforms([
      { f32: lr },
      { f32: momentum },
      { f32: weightDecay },
      ...group.map((it) => ({ u32: it.param.size })),
    ]);
    const threads = Math.max(...group.map((it) => it.param.size));
    dispatchInPlace(`hexa-sgd-${k}`, () => sgdCode(k), bindings, uniforms, threads);
  }
}

function emaCode(k: number): string {
  const sizes = Array.from({ length: k }, (_, j) => `n${j}: u32,`).join(' ');
  const binds = Array.from({ length: k }, () => [{ write: true }, { write: false }]).flat();
  const body = Array.from(
    { length: k },
    (_, j) => `  if (i < u.n${j}) { b${2 * j}[i] = u.m * b${2 * j}[i] + u.one_minus_m * b${2 * j + 1}[i]; }`,
  ).join('\n');
  return `${declareBindings(binds, `m: f32, one_minus_m: f32, ${sizes}`)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
${body}
}`;
}

/** Momentum (EMA) update of target ← m·target + (1−m)·online, parameter by parameter. */
export function emaUpdate(online: tf.Tensor[], target: tf.Variable[], m: number): void {
  if (!ownKernelsActive()) return emaReference(online, target, m);
  const fused: number[] = [];
  const rest: number[] = [];
  target.forEach((k, i) => {
    const q = online[i]!;
    // Not in place when the target shares its buffer (e.g. with the online copy it was cloned from).
    if (canWriteInPlace(k) && q.dtype === 'float32' && q.dataId !== k.dataId) fused.push(i);
    else rest.push(i);
  });
  if (rest.length > 0)
    emaReference(
      rest.map((i) => online[i]!),
      rest.map((i) => target[i]!),
      m,
    );
  for (const group of groupsOf(fused, 2)) {
    const k = group.length;
    const bindings: Binding[] = group.flatMap((i) => [
      { tensor: target[i]!, write: true },
      { tensor: online[i]!, write: false },
    ]);
    const uniforms = packUniforms([
      { f32: m },
      { f32: 1 - m },
      ...group.map((i) => ({ u32: target[i]!.size })),
    ]);
    const threads = Math.max(...group.map((i) => target[i]!.size));
    dispatchInPlace(`hexa-ema-${k}`, () => emaCode(k), bindings, uniforms, threads);
  }
}

const BN_STATS_CODE = () => `${declareBindings(
  [{ write: true }, { write: true }, { write: false }, { write: false }],
  'm: f32, one_minus_m: f32, unbias: f32, inv_groups: f32, groups: u32, channels: u32,',
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.channels) { return; }
  var s_mean = 0.0;
  var s_var = 0.0;
  for (var g = 0u; g < u.groups; g = g + 1u) {
    s_mean = s_mean + b2[g * u.channels + i];
    s_var = s_var + b3[g * u.channels + i];
  }
  let bm = s_mean * u.inv_groups;
  let bv = s_var * u.inv_groups * u.unbias;
  b0[i] = u.m * b0[i] + u.one_minus_m * bm;
  b1[i] = u.m * b1[i] + u.one_minus_m * bv;
}`;

/** BatchNorm moving statistics from the batch moments (see bnStatsReference), in one dispatch. */
export function bnRunningStats(
  movingMean: tf.Variable,
  movingVar: tf.Variable,
  mean: tf.Tensor,
  variance: tf.Tensor,
  momentum: number,
  n: number,
): void {
  const c = movingMean.size;
  if (
    !ownKernelsActive() ||
    !canWriteInPlace(movingMean) ||
    !canWriteInPlace(movingVar) ||
    mean.dtype !== 'float32' ||
    variance.dtype !== 'float32'
  )
    return bnStatsReference(movingMean, movingVar, mean, variance, momentum, n);
  const groups = mean.size / c;
  const uniforms = packUniforms([
    { f32: momentum },
    { f32: 1 - momentum },
    { f32: n / Math.max(n - 1, 1) },
    { f32: 1 / groups },
    { u32: groups },
    { u32: c },
  ]);
  dispatchInPlace(
    'hexa-bn-stats',
    BN_STATS_CODE,
    [
      { tensor: movingMean, write: true },
      { tensor: movingVar, write: true },
      { tensor: mean, write: false },
      { tensor: variance, write: false },
    ],
    uniforms,
    c,
  );
}

const BN_STATS_PACKED_CODE = () => `${declareBindings(
  [{ write: true }, { write: true }, { write: false }],
  'm: f32, one_minus_m: f32, unbias: f32, inv_groups: f32, groups: u32, channels: u32,',
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.channels) { return; }
  var s_mean = 0.0;
  var s_var = 0.0;
  for (var g = 0u; g < u.groups; g = g + 1u) {
    s_mean = s_mean + b2[(2u * g) * u.channels + i];
    s_var = s_var + b2[(2u * g + 1u) * u.channels + i];
  }
  let bm = s_mean * u.inv_groups;
  let bv = s_var * u.inv_groups * u.unbias;
  b0[i] = u.m * b0[i] + u.one_minus_m * bm;
  b1[i] = u.m * b1[i] + u.one_minus_m * bv;
}`;

/**
 * As bnRunningStats, from the fused BatchNorm's packed moments `stats` [G, 2, C] (mean, variance).
 * With `segments` > 1 (ForwardMode.bnSegments): one update per segment of G / segments groups, in order.
 */
export function bnRunningStatsPacked(
  movingMean: tf.Variable,
  movingVar: tf.Variable,
  stats: tf.Tensor,
  momentum: number,
  n: number,
  segments = 1,
): void {
  if (segments > 1) {
    tf.tidy(() =>
      tf
        .split(stats, segments, 0)
        .forEach((part) => bnRunningStatsPacked(movingMean, movingVar, part, momentum, n)),
    );
    return;
  }
  const [groups, , c] = stats.shape as [number, number, number];
  if (!ownKernelsActive() || !canWriteInPlace(movingMean) || !canWriteInPlace(movingVar)) {
    tf.tidy(() => {
      const [mean, variance] = tf.split(stats, 2, 1);
      bnStatsReference(movingMean, movingVar, mean!, variance!, momentum, n);
    });
    return;
  }
  const uniforms = packUniforms([
    { f32: momentum },
    { f32: 1 - momentum },
    { f32: n / Math.max(n - 1, 1) },
    { f32: 1 / groups },
    { u32: groups },
    { u32: c },
  ]);
  dispatchInPlace(
    'hexa-bn-stats-packed',
    BN_STATS_PACKED_CODE,
    [
      { tensor: movingMean, write: true },
      { tensor: movingVar, write: true },
      { tensor: stats, write: false },
    ],
    uniforms,
    c,
  );
}

// ---- running sums (the trainer's metric sums) -------------------------------------------------------

function accumulateCode(k: number): string {
  const sizes = Array.from({ length: k }, (_, j) => `n${j}: u32,`).join(' ');
  const binds = Array.from({ length: k }, () => [{ write: true }, { write: false }]).flat();
  const body = Array.from(
    { length: k },
    (_, j) => `  if (i < u.n${j}) { b${2 * j}[i] = b${2 * j}[i] + b${2 * j + 1}[i]; }`,
  ).join('\n');
  return `${declareBindings(binds, `${sizes}`)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
${body}
}`;
}

/**
 * sums[i] ← sums[i] + values[i] (same shapes, float32), several per dispatch on WebGPU, in place (the
 * trainer's running metric sums: one tf.add per metric per step otherwise). Returns, per pair, whether
 * it was added in place; the caller adds the others itself (tf.add, the reference path: the same
 * float32 sum). Off WebGPU nothing is done in place.
 */
export function accumulateInPlace(sums: tf.Tensor[], values: tf.Tensor[]): boolean[] {
  const done = sums.map(() => false);
  if (!ownKernelsActive()) return done;
  const fused: number[] = [];
  sums.forEach((s, i) => {
    const v = values[i]!;
    if (canWriteInPlace(s) && v.dtype === 'float32' && v.size === s.size && v.dataId !== s.dataId)
      fused.push(i);
  });
  for (const group of groupsOf(fused, 2)) {
    const k = group.length;
    const bindings: Binding[] = group.flatMap((i) => [
      { tensor: sums[i]!, write: true },
      { tensor: values[i]!, write: false },
    ]);
    const uniforms = packUniforms(group.map((i) => ({ u32: sums[i]!.size })));
    const threads = Math.max(...group.map((i) => sums[i]!.size));
    dispatchInPlace(`hexa-accumulate-${k}`, () => accumulateCode(k), bindings, uniforms, threads);
    group.forEach((i) => (done[i] = true));
  }
  return done;
}
