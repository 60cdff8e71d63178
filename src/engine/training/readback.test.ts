// One read-back for many tensors: values and dtypes survive the packing, and it is one data() call.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { packTensors, readTogether } from './readback';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('readTogether', () => {
  it('returns every tensor by key, float32 as is and int32 as integers, from one read', async () => {
    const t = {
      loss: tf.scalar(2.5),
      img: tf.tensor4d([0.25, 0.5, 0.75, 1], [1, 2, 2, 1]),
      rank: tf.tensor1d([3, 0, 7], 'int32'),
      empty: tf.zeros([0]),
    };
    const spy = vi.spyOn(tf.Tensor.prototype, 'data');
    const before = tf.memory().numTensors;
    const d = await readTogether(t);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(tf.memory().numTensors).toBe(before); // the packed tensor is freed, the inputs are not
    expect(Array.from(d.loss!)).toEqual([2.5]);
    expect(Array.from(d.img!)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(d.rank).toBeInstanceOf(Int32Array);
    expect(Array.from(d.rank!)).toEqual([3, 0, 7]);
    expect(d.empty!.length).toBe(0);
    Object.values(t).forEach((x) => x.dispose());
  });

  it('lays the tensors out one after another', () => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.scalar(9);
    const { packed, layout } = packTensors({ a, b });
    expect(packed.shape).toEqual([7]);
    expect(layout.map((e) => [e.key, e.offset, e.size])).toEqual([
      ['a', 0, 6],
      ['b', 6, 1],
    ]);
    expect(Array.from(packed.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 9]);
    [a, b, packed].forEach((x) => x.dispose());
  });

  it('reads nothing when given nothing', async () => {
    expect(await readTogether({})).toEqual({});
  });
});
