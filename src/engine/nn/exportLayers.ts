// Export a trained backbone in the tfjs Layers format (model.json + weights), loadable anywhere with
// `tf.loadLayersModel`. The functional backbone is rebuilt as an equivalent tf.LayersModel from its
// read-only description (describeBackbone.ts), and our variables are copied in by position:
//   normalise      → tf.layers.rescaling({scale: 1/std, offset: −mean/std})  (= (x − 0.5)/0.25 = 4x − 2)
//   conv           → tf.layers.conv2d({padding: 'same', useBias: false}), kernel [k, k, inC, outC]
//   bn             → tf.layers.batchNormalization({epsilon: 1e-5, momentum: 0.9}),
//                    weights [gamma, beta, movingMean, movingVariance]
//   relu / maxPool2→ activation('relu') / maxPooling2d({poolSize: 2, strides: 2, padding: 'same'})
//   residual       → relu(add([main, shortcut or identity]))
//   globalAvgPool  → globalAveragePooling2d
// The exported model computes `encoder.features(x, {training: false})` (BatchNorm in inference mode).
//
// Destinations: any tf.io IOHandler or URL scheme. In the worker 'indexeddb://name' works; tfjs'
// 'downloads://' needs `document`, so the worker should call `exportBackboneArtifacts` and hand
// `modelFiles(...)` (a model.json string and the weights ArrayBuffer) to the page to download.
import * as tf from '@tensorflow/tfjs';
import type { BackboneId } from '../../shared/config';
import type { Backbone } from './backbones';
import { describeBackbone, variableShapes, type BackboneOp } from './describeBackbone';

export interface ExportSpec {
  backbone: BackboneId;
  channels: number;
  width: number;
  /** Side S of the square input; the model's input shape is [null, S, S, channels]. */
  imageSize: number;
  /** Model name in the JSON (default `hexa-<backbone>`). */
  name?: string;
}

type WeightedLayer = { layer: tf.layers.Layer; op: Extract<BackboneOp, { kind: 'conv' | 'bn' }> };

/** Builds the layers for `ops` on `x`; pushes conv/BN layers to `weighted` in variable order. */
function buildOps(
  ops: BackboneOp[],
  x: tf.SymbolicTensor,
  prefix: string,
  weighted: WeightedLayer[],
): tf.SymbolicTensor {
  const count: Record<string, number> = {};
  const nameFor = (kind: string) => {
    count[kind] = (count[kind] ?? 0) + 1;
    return `${prefix}${kind}${count[kind]}`;
  };
  const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(input) as tf.SymbolicTensor;
  let h = x;
  for (const op of ops) {
    switch (op.kind) {
      case 'normalise':
        h = apply(
          tf.layers.rescaling({ scale: 1 / op.std, offset: -op.mean / op.std, name: nameFor('normalise') }),
          h,
        );
        break;
      case 'conv': {
        const layer = tf.layers.conv2d({
          filters: op.outC,
          kernelSize: op.k,
          strides: op.stride,
          padding: 'same',
          useBias: false,
          name: nameFor('conv'),
        });
        h = apply(layer, h);
        weighted.push({ layer, op });
        break;
      }
      case 'bn': {
        const layer = tf.layers.batchNormalization({
          axis: -1,
          epsilon: op.eps,
          momentum: op.momentum,
          name: nameFor('bn'),
        });
        h = apply(layer, h);
        weighted.push({ layer, op });
        break;
      }
      case 'relu':
        h = apply(tf.layers.activation({ activation: 'relu', name: nameFor('relu') }), h);
        break;
      case 'maxPool2':
        h = apply(
          tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: nameFor('pool') }),
          h,
        );
        break;
      case 'residual': {
        const block = nameFor('block');
        const main = buildOps(op.main, h, `${block}_`, weighted);
        const short = op.shortcut ? buildOps(op.shortcut, h, `${block}_shortcut_`, weighted) : h;
        const sum = apply(tf.layers.add({ name: `${block}_add` }), [main, short]);
        h = apply(tf.layers.activation({ activation: 'relu', name: `${block}_out` }), sum);
        break;
      }
      case 'globalAvgPool':
        h = apply(tf.layers.globalAveragePooling2d({ name: nameFor('gap') }), h);
        break;
    }
  }
  return h;
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * An equivalent tf.LayersModel holding copies of the backbone's current weights and BatchNorm
 * statistics. The caller owns it (`model.dispose()`).
 */
export function buildLayersModel(backbone: Backbone, spec: ExportSpec): tf.LayersModel {
  const desc = describeBackbone(spec.backbone, spec.channels, spec.width);
  const expected = variableShapes(desc);
  const check = (what: 'params' | 'state', vars: tf.Variable[]) => {
    const want = expected[what];
    const ok =
      vars.length === want.length && vars.every((v, i) => tf.util.arraysEqual(v.shape, want[i] ?? []));
    if (!ok) {
      throw new Error(
        `exportBackbone: the backbone's ${what} (${vars.map((v) => shapeStr(v.shape)).join(' ')}) do not ` +
          `match ${spec.backbone} with ${spec.channels} channels and width ${spec.width} ` +
          `(${want.map(shapeStr).join(' ')}).`,
      );
    }
  };
  check('params', backbone.params);
  check('state', backbone.state);
  if (backbone.featureDim !== desc.featureDim) {
    throw new Error(`exportBackbone: featureDim ${backbone.featureDim} ≠ ${desc.featureDim}.`);
  }

  const input = tf.input({ shape: [spec.imageSize, spec.imageSize, spec.channels], name: 'images' });
  const weighted: WeightedLayer[] = [];
  const output = buildOps(desc.ops, input, '', weighted);
  const model = tf.model({ inputs: input, outputs: output, name: spec.name ?? `hexa-${spec.backbone}` });
  try {
    let p = 0;
    let s = 0;
    const take = (vars: tf.Variable[], i: number): tf.Variable => {
      const v = vars[i];
      if (!v) throw new Error('exportBackbone: ran out of variables'); // excluded by the shape check
      return v;
    };
    for (const { layer, op } of weighted) {
      if (op.kind === 'conv') {
        layer.setWeights([take(backbone.params, p++)]);
      } else {
        const gamma = take(backbone.params, p++);
        const beta = take(backbone.params, p++);
        const mean = take(backbone.state, s++);
        const variance = take(backbone.state, s++);
        layer.setWeights([gamma, beta, mean, variance]);
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** Builds the model, saves it to `handlerOrUrl` ('indexeddb://name', 'downloads://name', an IOHandler). */
export async function exportBackbone(
  backbone: Backbone,
  spec: ExportSpec,
  handlerOrUrl: string | tf.io.IOHandler,
): Promise<tf.io.SaveResult> {
  const model = buildLayersModel(backbone, spec);
  try {
    return await model.save(handlerOrUrl);
  } finally {
    model.dispose();
  }
}

/** A save handler that keeps the artifacts in memory (Node tests; the worker's download path). */
export function memorySaveHandler(): { handler: tf.io.IOHandler; artifacts(): tf.io.ModelArtifacts } {
  let saved: tf.io.ModelArtifacts | null = null;
  const handler = tf.io.withSaveHandler(async (a) => {
    saved = a;
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        modelTopologyBytes: JSON.stringify(a.modelTopology).length,
        weightSpecsBytes: JSON.stringify(a.weightSpecs).length,
        weightDataBytes: a.weightData ? tf.io.CompositeArrayBuffer.join(a.weightData).byteLength : 0,
      },
    };
  });
  return {
    handler,
    artifacts: () => {
      if (!saved) throw new Error('memorySaveHandler: nothing saved yet');
      return saved;
    },
  };
}

/** The model's artifacts (topology, weight specs, weight bytes) without writing anywhere. */
export async function exportBackboneArtifacts(
  backbone: Backbone,
  spec: ExportSpec,
): Promise<tf.io.ModelArtifacts> {
  const mem = memorySaveHandler();
  await exportBackbone(backbone, spec, mem.handler);
  return mem.artifacts();
}

/**
 * The two files tfjs' 'downloads://' writes: `<name>.json` (model.json, whose weightsManifest points
 * at `./<name>.weights.bin`) and the weights. Plain data, so a worker can transfer it to the page.
 */
export function modelFiles(
  artifacts: tf.io.ModelArtifacts,
  name: string,
): { jsonName: string; json: string; weightsName: string; weights: ArrayBuffer } {
  const weightsName = `${name}.weights.bin`;
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? [] }],
  };
  const weights = artifacts.weightData
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : new ArrayBuffer(0);
  return { jsonName: `${name}.json`, json: JSON.stringify(modelJson), weightsName, weights };
}
