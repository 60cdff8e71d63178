// MNIST for engine tests in Node: the lab's prepared uint8 files (npm run prepare-data writes them to
// public/data/mnist) as an in-memory ChunkSource, and a whole training run with the engine.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainConfig } from '../../shared/config';
import type { ChunkSource } from '../../shared/data/types';
import type { Baselines, EvalPoint } from '../../shared/trainingTypes';
import { createMemorySource } from '../data/memorySource';
import { cloneEncoder, type Encoder } from '../nn/encoder';
import { Rng } from '../runtime/random';
import { Trainer } from '../training/trainer';

const DATA = resolve(__dirname, '../../../public/data/mnist');
const SIDE = 28 * 28;

/** The first `n` images and labels of an MNIST split. */
export function mnistSplit(split: 'train' | 'test', n: number) {
  const pixels = readFileSync(resolve(DATA, `${split}-images.u8`)).subarray(0, n * SIDE);
  const labels = readFileSync(resolve(DATA, `${split}-labels.u8`)).subarray(0, n);
  return { pixels: new Uint8Array(pixels), labels: new Uint8Array(labels) };
}

/** The first `trainCount` train and `testCount` test digits as a ChunkSource (chunks of 500). */
export function mnistSource(trainCount: number, testCount: number): ChunkSource {
  return createMemorySource(
    { id: 'mnist', name: 'MNIST', width: 28, height: 28, channels: 1, classNames: [...'0123456789'] },
    { train: mnistSplit('train', trainCount), test: mnistSplit('test', testCount) },
    500,
  );
}

export interface MnistRun {
  final: EvalPoint;
  first: EvalPoint;
  baselines: Baselines | null;
  /** Copies of the run's network before its first step and after its last (caller disposes). */
  initial: Encoder;
  trained: Encoder;
}

/** A whole training run of `cfg` on `source` (the trainer's own evaluations included). */
export async function trainOnMnist(cfg: TrainConfig, source: ChunkSource): Promise<MnistRun> {
  const evals: EvalPoint[] = [];
  let baselines: Baselines | null = null;
  const trainer = new Trainer(cfg, source, {
    metrics: () => {},
    preview: () => {},
    evaluation: (p) => evals.push(p),
    baselines: (b) => (baselines = b),
    status: () => {},
  });
  const initial = cloneEncoder(trainer.base.encoder, new Rng(0));
  try {
    await trainer.run();
    const trained = cloneEncoder(trainer.base.encoder, new Rng(0));
    return {
      final: evals.at(-1)!,
      first: evals[0]!,
      baselines: baselines as Baselines | null,
      initial,
      trained,
    };
  } catch (e) {
    initial.dispose();
    throw e;
  } finally {
    trainer.dispose();
  }
}
