import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackboneId } from '../../shared/config';
import { fixedImages, rng, useCpu } from '../testing/fixtures';
import { describeBackbone, variableShapes } from './describeBackbone';
import { createEncoder, type Encoder } from './encoder';
import { exportBackbone, exportBackboneArtifacts, memorySaveHandler, modelFiles } from './exportLayers';

beforeAll(useCpu);

/** Smooth images where S is a multiple of 4 (fixtures), plain uniform noise otherwise. */
const images = (b: number, s: number, c: number, seed: number): tf.Tensor4D =>
  s % 4 === 0 ? fixedImages(b, s, c, seed) : tf.randomUniform([b, s, s, c], 0, 1, 'float32', seed);

/** An encoder whose weights and BatchNorm statistics are all non-trivial. */
function trainedEncoder(backbone: BackboneId, channels: number, width: number, s: number): Encoder {
  const enc = createEncoder({ backbone, channels, width, hiddenDim: 8, embedDim: 4, head: 'mlp' }, rng(3));
  tf.tidy(() => {
    // A training-mode pass moves the BN statistics away from 0 / 1 …
    enc.features(images(8, s, channels, 11), { training: true });
    // … and random γ, β and a further perturbation of the statistics make every slot distinct.
    enc.backbone.params.forEach((v, i) => {
      if (v.rank === 1) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', 100 + i)));
    });
    enc.backbone.state.forEach((v, i) => {
      const noise = tf.randomUniform(v.shape, 0.5, 1.5, 'float32', 200 + i);
      v.assign(i % 2 === 0 ? tf.add(v, tf.sub(noise, 1)) : tf.mul(v, noise)); // mean shift, var scale
    });
  });
  return enc;
}

const CASES: { id: BackboneId; channels: number; width: number; s: number }[] = [
  { id: 'tiny-convnet', channels: 1, width: 4, s: 16 },
  { id: 'small-resnet', channels: 3, width: 4, s: 13 }, // odd size: 'same' padding with stride 2
];

describe('describeBackbone', () => {
  it.each(CASES)(
    'lists the variables of $id in the order backbones.ts creates them',
    ({ id, channels, width }) => {
      const enc = createEncoder(
        { backbone: id, channels, width, hiddenDim: 8, embedDim: 4, head: 'mlp' },
        rng(1),
      );
      const shapes = variableShapes(describeBackbone(id, channels, width));
      expect(enc.backbone.params.map((v) => v.shape)).toEqual(shapes.params);
      expect(enc.backbone.state.map((v) => v.shape)).toEqual(shapes.state);
      expect(describeBackbone(id, channels, width).featureDim).toBe(enc.backbone.featureDim);
      enc.dispose();
    },
  );
});

describe('exportBackbone', () => {
  it.each(CASES)(
    '$id: the reloaded LayersModel reproduces features(x, {training: false})',
    async ({ id, channels, width, s }) => {
      const enc = trainedEncoder(id, channels, width, s);
      const x = images(6, s, channels, 5);
      const before = tf.memory().numTensors;

      const mem = memorySaveHandler();
      const result = await exportBackbone(
        enc.backbone,
        { backbone: id, channels, width, imageSize: s },
        mem.handler,
      );
      expect(result.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before); // the temporary model is disposed

      const artifacts = mem.artifacts();
      const json = JSON.stringify(artifacts.modelTopology);
      expect(json).toContain(`"batch_input_shape":[null,${s},${s},${channels}]`);
      expect(json).toContain('"class_name":"Rescaling"');
      expect(json).toContain('"use_bias":false');
      if (id === 'small-resnet') expect(json).toContain('"class_name":"Add"');
      // Every weight slot is exported (conv kernels + 4 per BatchNorm).
      const shapes = variableShapes(describeBackbone(id, channels, width));
      expect(artifacts.weightSpecs).toHaveLength(shapes.params.length + shapes.state.length);

      const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      expect(model.inputs[0]!.shape).toEqual([null, s, s, channels]);
      const [got, want] = tf.tidy(() => [
        model.predict(x) as tf.Tensor2D,
        enc.features(x, { training: false }),
      ]);
      expect(got.shape).toEqual([6, 4 * width]);
      expect(want.shape).toEqual(got.shape);
      const g = await got.data();
      const w = await want.data();
      let maxDiff = 0;
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i]! - w[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
      // Non-trivial features: not all equal, so the comparison means something.
      expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(0.1);

      tf.dispose([got, want, x]);
      model.dispose();
      enc.dispose();
    },
  );

  it('writes the downloads:// file pair, which loads back to the same predictions', async () => {
    const spec = { backbone: 'small-resnet' as const, channels: 1, width: 2, imageSize: 8, name: 'my-run' };
    const enc = trainedEncoder(spec.backbone, spec.channels, spec.width, spec.imageSize);
    const files = modelFiles(await exportBackboneArtifacts(enc.backbone, spec), 'my-run');
    expect(files.jsonName).toBe('my-run.json');
    expect(files.weightsName).toBe('my-run.weights.bin');
    const parsed = JSON.parse(files.json) as tf.io.ModelJSON;
    expect(parsed.weightsManifest[0]!.paths).toEqual(['./my-run.weights.bin']);
    expect(JSON.stringify(parsed.modelTopology)).toContain('"name":"my-run"');
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: parsed.modelTopology,
        weightSpecs: tf.io.getWeightSpecs(parsed.weightsManifest),
        weightData: files.weights,
      }),
    );
    const x = fixedImages(3, spec.imageSize, spec.channels, 9);
    const diff = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, enc.features(x, { training: false })))),
    );
    expect((await diff.data())[0]).toBeLessThan(1e-4);
    tf.dispose([x, diff]);
    model.dispose();
    enc.dispose();
  });

  it('refuses a spec that does not match the backbone', async () => {
    const enc = createEncoder(
      { backbone: 'tiny-convnet', channels: 1, width: 4, hiddenDim: 8, embedDim: 4, head: 'mlp' },
      rng(1),
    );
    const before = tf.memory().numTensors;
    const mem = memorySaveHandler();
    await expect(
      exportBackbone(
        enc.backbone,
        { backbone: 'small-resnet', channels: 1, width: 4, imageSize: 8 },
        mem.handler,
      ),
    ).rejects.toThrow(/do not match small-resnet/);
    await expect(
      exportBackbone(
        enc.backbone,
        { backbone: 'tiny-convnet', channels: 1, width: 8, imageSize: 8 },
        mem.handler,
      ),
    ).rejects.toThrow(/width 8/);
    expect(tf.memory().numTensors).toBe(before);
    enc.dispose();
  });
});
