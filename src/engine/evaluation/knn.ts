// kNN monitor: cosine similarity to the train features, top-k neighbours voting with weight exp(sim/T).
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './normalize';
import { checkSplit, type LabelledFeatures } from './types';

export interface KnnOptions {
  chunkSize?: number; // test rows per similarity block, default 256 (bounds memory to chunk × Ntrain)
}

/** Weighted kNN top-1 accuracy of `test` against `train`, in [0, 1]. Inputs are not disposed. */
export async function knnAccuracy(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  k: number,
  temperature: number,
  opts: KnnOptions = {},
): Promise<number> {
  checkSplit('knnAccuracy train', train, numClasses);
  checkSplit('knnAccuracy test', test, numClasses);
  const [nTrain, fTrain] = train.features.shape;
  const [nTest, fTest] = test.features.shape;
  if (fTrain !== fTest) throw new Error(`knnAccuracy: feature dims ${fTrain} vs ${fTest}`);
  if (!(temperature > 0)) throw new Error('knnAccuracy: temperature must be > 0');
  if (nTest === 0) return 0;
  if (nTrain === 0) throw new Error('knnAccuracy: empty train set');
  const kk = Math.max(1, Math.min(Math.floor(k), nTrain));
  const chunk = Math.max(1, Math.floor(opts.chunkSize ?? 256));

  const trainN = l2Normalize(train.features); // [Ntr, F]
  const trainY = tf.tensor1d(train.labels, 'int32'); // [Ntr]
  const testY = tf.tensor1d(test.labels, 'int32'); // [Nte]
  let correct: tf.Scalar = tf.scalar(0, 'int32');
  try {
    for (let start = 0; start < nTest; start += chunk) {
      const size = Math.min(chunk, nTest - start);
      const hits = tf.tidy(() => {
        const q = l2Normalize(tf.slice(test.features, [start, 0], [size, fTest])); // [C, F]
        const sim = tf.matMul(q, trainN, false, true); // [C, Ntr]
        const { values, indices } = tf.topk(sim, kk, true); // [C, k] sorted descending
        // exp((s - s_max)/T): same ratios as exp(s/T), never overflows for small T.
        const w = tf.exp(tf.div(tf.sub(values, tf.slice(values, [0, 0], [size, 1])), temperature)); // [C, k]
        const neighbourY = tf.gather(trainY, indices); // [C, k]
        const votes = tf.sum(tf.mul(tf.oneHot(neighbourY, numClasses), tf.expandDims(w, 2)), 1); // [C, K]
        const pred = tf.cast(tf.argMax(votes, 1), 'int32'); // [C]
        const truth = tf.slice(testY, [start], [size]); // [C]
        return tf.sum(tf.cast(tf.equal(pred, truth), 'int32')) as tf.Scalar;
      });
      const next = tf.add(correct, hits) as tf.Scalar;
      correct.dispose();
      hits.dispose();
      correct = next;
    }
    const [count] = await correct.data();
    return (count ?? 0) / nTest;
  } finally {
    correct.dispose();
    trainN.dispose();
    trainY.dispose();
    testY.dispose();
  }
}
