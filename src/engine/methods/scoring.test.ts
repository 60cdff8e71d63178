// The cross-entropy that trains every method (scoreFromLogits), against values computed by hand.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mocoLogits } from '../losses/infoNce';
import { useCpu } from '../testing/fixtures';
import { scoreByRetrieval, scoreFromLogits } from './scoring';

beforeAll(useCpu);

const read = async (t: tf.Tensor) => Array.from(await t.data());

describe('scoreFromLogits', () => {
  it('cross-entropy, own logit, rank and arg-max of logits [B, M] against target columns [B]', async () => {
    // row 0: [0, ln 2, 0], target 1: softmax = [1/4, 1/2, 1/4] → loss −ln(1/2) = ln 2 = 0.6931472;
    //        own logit ln 2; nothing scores higher → rank 0; arg-max 1.
    // row 1: [ln 3, 0, 0], target 2: softmax = [3/5, 1/5, 1/5] → loss −ln(1/5) = ln 5 = 1.6094379;
    //        own logit 0; only column 0 (ln 3) scores strictly higher (column 1 ties) → rank 1; arg-max 0.
    const logits = tf.tensor2d([
      [0, Math.LN2, 0],
      [Math.log(3), 0, 0],
    ]);
    const target = tf.tensor1d([1, 2], 'int32');
    const features = tf.zeros([2, 4]) as tf.Tensor2D;
    const embedding = tf.zeros([2, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const s = tf.tidy(() => {
      const r = scoreFromLogits(logits, target, features, embedding);
      return [r.loss, r.ownLogit, r.rank, r.argmax];
    });
    expect(tf.memory().numTensors).toBe(before + 4);
    const [loss, own, rank, argmax] = (await Promise.all(s.map(read))) as [
      number[],
      number[],
      number[],
      number[],
    ];
    expect(loss[0]).toBeCloseTo(Math.LN2, 5);
    expect(loss[1]).toBeCloseTo(Math.log(5), 5);
    expect(own[0]).toBeCloseTo(Math.LN2, 6);
    expect(own[1]).toBeCloseTo(0, 6);
    expect(rank).toEqual([0, 1]);
    expect(argmax).toEqual([1, 0]);
    tf.dispose([...s, logits, target, features, embedding]);
  });

  it("is InfoNCE with MoCo's logits and the positive key (column 0) as the target", async () => {
    // d = 2, B = 2, K = 2, τ = 0.5, all unit vectors:
    //   q = [(1, 0), (0, 1)], k⁺ = [(1, 0), (0, −1)], queue = [(0, 1), (−1, 0)]
    //   logits / τ: sample 0 [2, 0, −2], sample 1 [−2, 2, 0]
    //   loss0 = −log(e² / (e² + e⁰ + e⁻²)) = log(1 + e⁻² + e⁻⁴) = 0.1429316
    //   loss1 = −log(e⁻² / (e⁻² + e² + e⁰)) = log(1 + e⁴ + e²) = 4.1429316
    // Ranks: sample 0's positive is the largest (0); sample 1's is below both queue logits (2).
    const q = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const k = tf.tensor2d([
      [1, 0],
      [0, -1],
    ]);
    const queue = tf.tensor2d([
      [0, 1],
      [-1, 0],
    ]);
    const r = tf.tidy(() => {
      const s = scoreFromLogits(mocoLogits(q, k, queue, 0.5), tf.zeros([2], 'int32'), q, q);
      return [s.loss, s.rank, s.argmax];
    });
    const [loss, rank, argmax] = (await Promise.all(r.map(read))) as [number[], number[], number[]];
    expect(loss[0]).toBeCloseTo(Math.log(1 + Math.exp(-2) + Math.exp(-4)), 5); // 0.1429316
    expect(loss[1]).toBeCloseTo(Math.log(1 + Math.exp(4) + Math.exp(2)), 5); // 4.1429316
    expect(rank).toEqual([0, 2]);
    expect(argmax).toEqual([0, 1]);
    tf.dispose([...r, q, k, queue]);
  });

  it('is ln M when every logit is equal, and its gradient is softmax − one-hot', async () => {
    // 4 equal logits → loss ln 4 = 1.3862944; ∂loss/∂logits = [1/4 − 1, 1/4, 1/4, 1/4] for target 0.
    const logits = tf.zeros([1, 4]) as tf.Tensor2D;
    const target = tf.tensor1d([0], 'int32');
    const f = tf.zeros([1, 1]) as tf.Tensor2D;
    const loss = tf.tidy(() => scoreFromLogits(logits, target, f, f).loss);
    expect((await loss.data())[0]).toBeCloseTo(Math.log(4), 6);
    const g = tf.grad((l: tf.Tensor) => tf.sum(scoreFromLogits(l as tf.Tensor2D, target, f, f).loss))(logits);
    const grad = await read(g);
    [-0.75, 0.25, 0.25, 0.25].forEach((v, i) => expect(grad[i]).toBeCloseTo(v, 6));
    tf.dispose([logits, target, f, loss, g]);
  });
});

describe('scoreByRetrieval', () => {
  it('cosine with the own target, its rank among the batch’s targets and the nearest target', async () => {
    // predictions p0 = (1, 0), p1 = (0, 2), p2 = (1, 1); targets t0 = (2, 0), t1 = (1, 1), t2 = (0, 3).
    // cos(p0, ·) = [1, 1/√2, 0]: own 1, rank 0, arg-max 0.
    // cos(p1, ·) = [0, 1/√2, 1]: own 1/√2, t2 is closer → rank 1, arg-max 2.
    // cos(p2, ·) = [1/√2, 1, 1/√2]: own 1/√2, t1 is closer → rank 1, arg-max 1.
    const p = tf.tensor2d([
      [1, 0],
      [0, 2],
      [1, 1],
    ]);
    const t = tf.tensor2d([
      [2, 0],
      [1, 1],
      [0, 3],
    ]);
    const loss = tf.tensor1d([0.5, 1, 2]);
    const s = scoreByRetrieval(p, t, loss, p, p);
    const own = await read(s.ownLogit);
    [1, Math.SQRT1_2, Math.SQRT1_2].forEach((v, i) => expect(own[i]).toBeCloseTo(v, 6));
    expect(await read(s.rank)).toEqual([0, 1, 1]);
    expect(await read(s.argmax)).toEqual([0, 2, 1]);
    expect(s.loss).toBe(loss); // the method's own loss, passed through
    tf.dispose([p, t, loss, s.ownLogit, s.rank, s.argmax]);
  });
});
