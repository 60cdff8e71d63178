// Checkpoints of a training run: everything needed to continue it bit for bit (on the same backend)
// after a reload, a tab crash or a lost GPU device: the step and sampler position, the Rng state, every
// variable of the base method (encoder, key encoder, queue; DeepCluster: prototypes and memory bank)
// with its plain-JS state (assignments), the SGD velocities and the online probe. Tensors are copied
// to plain typed arrays (await data(), never dataSync), so a checkpoint can go to IndexedDB as is.
import * as tf from '@tensorflow/tfjs';
import type { MethodId } from '../../shared/config';
import type { OnlineProbe } from '../evaluation/onlineProbe';
import type { BaseMethod } from '../methods/types';
import type { Trainer } from './trainer';

/** Bumped when the layout below changes incompatibly; restore refuses other formats. */
export const CHECKPOINT_FORMAT = 1;

export interface SavedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface Checkpoint {
  format: number; // CHECKPOINT_FORMAT
  method: MethodId;
  step: number; // steps done
  totalSteps: number;
  epoch: number; // epoch of the next batch
  stepInEpoch: number; // its step within that epoch
  elapsedMs: number; // training time so far, pauses excluded
  savedAt: number; // ms since epoch
  rng: number; // the trainer's Rng state
  methodState: SavedTensor[]; // base.stateVariables(), in its order
  methodExtra: unknown; // base.extraState()
  optimizer: SavedTensor[]; // SGD velocities, in params() order
  probe: SavedTensor[] | null; // online probe W, b and their velocities
}

/** What a checkpoint keeps of a base method: stateVariables(), or else the encoder's params and state. */
function methodVariables(base: BaseMethod): tf.Variable[] {
  return base.stateVariables?.() ?? [...base.encoder.params, ...base.encoder.state];
}

/**
 * The online probe's W, b and their momentum buffers. OnlineProbe's public getWeights/setWeights leave
 * out (and reset) the momentum, which bit-for-bit resumption needs, so its fields are reached by name.
 */
function probeVariables(probe: OnlineProbe): tf.Variable[] {
  type Pair = { W: tf.Variable; b: tf.Variable };
  const p = probe as unknown as { vars?: Pair; velocity?: Pair };
  if (!p.vars || !p.velocity) throw new Error('Checkpoint: the online probe has no vars/velocity fields.');
  return [p.vars.W, p.vars.b, p.velocity.W, p.velocity.b];
}

/**
 * Captures the trainer's state between two steps (e.g. from TrainerEvents.checkpoint). The variables are
 * copied on the device synchronously first, so the checkpoint is one instant even if a step runs while
 * the copies are read back.
 */
export async function captureCheckpoint(trainer: Trainer): Promise<Checkpoint> {
  const { base, optimizer, probe, sampler } = trainer;
  const groups = [methodVariables(base), optimizer.velocities, probe ? probeVariables(probe) : []];
  const copies = groups.map((g) => g.map((v) => tf.clone(v)));
  const spe = sampler.stepsPerEpoch;
  const head = {
    format: CHECKPOINT_FORMAT,
    method: trainer.cfg.method,
    step: trainer.step,
    totalSteps: trainer.totalSteps,
    epoch: Math.floor(trainer.step / spe),
    stepInEpoch: trainer.step % spe,
    elapsedMs: trainer.elapsed,
    savedAt: Date.now(),
    rng: trainer.rng.getState(),
    methodExtra: base.extraState?.() ?? null,
  };
  try {
    const [methodState, velocities, probeState] = await Promise.all(copies.map((g) => readAll(g)));
    return {
      ...head,
      methodState: methodState!,
      optimizer: velocities!,
      probe: probe ? probeState! : null,
    };
  } finally {
    copies.flat().forEach((t) => t.dispose());
  }
}

async function readAll(tensors: tf.Tensor[]): Promise<SavedTensor[]> {
  return Promise.all(
    tensors.map(async (t): Promise<SavedTensor> => {
      if (t.dtype !== 'float32' && t.dtype !== 'int32')
        throw new Error(`Checkpoint: cannot save a ${t.dtype} tensor.`);
      const values = await t.data<'float32' | 'int32'>();
      // A copy: a backend may hand out its own buffer (tfjs CPU does).
      const data = t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
      return { shape: [...t.shape], dtype: t.dtype, data };
    }),
  );
}

/** Checks saved tensors against variables (count, shape, dtype) before anything is assigned. */
function check(vars: tf.Variable[], saved: SavedTensor[], what: string): void {
  if (vars.length !== saved.length)
    throw new Error(`Checkpoint: ${saved.length} ${what} tensors saved, the model has ${vars.length}.`);
  vars.forEach((v, i) => {
    const s = saved[i]!;
    const same = s.shape.length === v.shape.length && s.shape.every((d, j) => d === v.shape[j]);
    if (!same || s.dtype !== v.dtype || s.data.length !== v.size)
      throw new Error(
        `Checkpoint: ${what} tensor ${i} is ${s.dtype} [${s.shape.join(', ')}], the model's is ${v.dtype} [${v.shape.join(', ')}].`,
      );
  });
}

function assignAll(vars: tf.Variable[], saved: SavedTensor[]): void {
  tf.tidy(() =>
    vars.forEach((v, i) => v.assign(tf.tensor(saved[i]!.data, saved[i]!.shape, saved[i]!.dtype))),
  );
}

/**
 * The state half of Trainer.restore() (use that: it also moves the trainer's step counter): puts the
 * checkpoint's tensors, method state and Rng state into a trainer built with the same config, and moves
 * its sampler to the checkpoint's position. Throws when the checkpoint does not fit the trainer.
 */
export function restoreCheckpoint(trainer: Trainer, ckpt: Checkpoint): void {
  const { base, optimizer, probe } = trainer;
  if (ckpt.format !== CHECKPOINT_FORMAT)
    throw new Error(`Checkpoint: format ${ckpt.format} is not the supported ${CHECKPOINT_FORMAT}.`);
  if (ckpt.method !== trainer.cfg.method)
    throw new Error(`Checkpoint: it is of ${ckpt.method}, the trainer runs ${trainer.cfg.method}.`);
  if (ckpt.totalSteps !== trainer.totalSteps || ckpt.step > ckpt.totalSteps)
    throw new Error(
      `Checkpoint: step ${ckpt.step} of ${ckpt.totalSteps} does not fit a run of ${trainer.totalSteps} steps.`,
    );
  if ((ckpt.probe === null) !== (probe === null))
    throw new Error('Checkpoint: the online probe is present in only one of checkpoint and trainer.');
  base.restoreExtraState?.(ckpt.methodExtra); // may create variables (DeepCluster's bank)
  const methodVars = methodVariables(base);
  const probeVars = probe ? probeVariables(probe) : [];
  check(methodVars, ckpt.methodState, 'method');
  check(optimizer.velocities, ckpt.optimizer, 'optimiser');
  check(probeVars, ckpt.probe ?? [], 'probe');
  assignAll(methodVars, ckpt.methodState);
  assignAll(optimizer.velocities, ckpt.optimizer);
  assignAll(probeVars, ckpt.probe ?? []);
  trainer.rng.setState(ckpt.rng);
  if (ckpt.step < ckpt.totalSteps) trainer.sampler.seek(ckpt.epoch, ckpt.stepInEpoch);
}
