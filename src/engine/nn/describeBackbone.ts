// A read-only, tfjs-free description of what `backbones.ts` builds: the ops in forward order, with
// the same nesting. Walking it depth first (residual: main path, then shortcut) visits the conv and
// BatchNorm layers in exactly the order their variables appear in `backbone.params` / `.state`, so
// exporters can map variables by position. Keep in step with backbones.ts; exportLayers.test.ts
// checks the variable shapes against a real backbone.
import type { BackboneId } from '../../shared/config';

export type BackboneOp =
  /** (x − mean) / std, applied to [0, 1] pixels. */
  | { kind: 'normalise'; mean: number; std: number }
  /** 'same'-padded convolution without bias; kernel [k, k, inC, outC]. Params: [kernel]. */
  | { kind: 'conv'; inC: number; outC: number; k: number; stride: number }
  /** BatchNorm over channels. Params: [gamma, beta]; state: [movingMean, movingVar]. */
  | { kind: 'bn'; channels: number; eps: number; momentum: number }
  | { kind: 'relu' }
  /** 2×2 max-pool, stride 2, 'same' padding. */
  | { kind: 'maxPool2' }
  /** relu(main(x) + (shortcut ? shortcut(x) : x)). */
  | { kind: 'residual'; main: BackboneOp[]; shortcut: BackboneOp[] | null }
  /** Mean over H and W: [B, H, W, C] → [B, C]. */
  | { kind: 'globalAvgPool' };

export interface BackboneDescription {
  id: BackboneId;
  channels: number;
  width: number;
  featureDim: number;
  ops: BackboneOp[];
}

// Values used by backbones.ts / layers.ts defaults.
const NORMALISE: BackboneOp = { kind: 'normalise', mean: 0.5, std: 0.25 };
const conv = (inC: number, outC: number, k: number, stride: number): BackboneOp => ({
  kind: 'conv',
  inC,
  outC,
  k,
  stride,
});
const bn = (channels: number): BackboneOp => ({ kind: 'bn', channels, eps: 1e-5, momentum: 0.9 });
const RELU: BackboneOp = { kind: 'relu' };

function basicBlock(inC: number, outC: number, stride: number): BackboneOp {
  return {
    kind: 'residual',
    main: [conv(inC, outC, 3, stride), bn(outC), RELU, conv(outC, outC, 3, 1), bn(outC)],
    shortcut: stride !== 1 || inC !== outC ? [conv(inC, outC, 1, stride), bn(outC)] : null,
  };
}

export function describeBackbone(id: BackboneId, channels: number, width: number): BackboneDescription {
  const w = width;
  const ops: BackboneOp[] =
    id === 'tiny-convnet'
      ? [
          NORMALISE,
          conv(channels, w, 3, 1),
          bn(w),
          RELU,
          { kind: 'maxPool2' },
          conv(w, 2 * w, 3, 1),
          bn(2 * w),
          RELU,
          { kind: 'maxPool2' },
          conv(2 * w, 4 * w, 3, 1),
          bn(4 * w),
          RELU,
          { kind: 'globalAvgPool' },
        ]
      : [
          NORMALISE,
          conv(channels, w, 3, 1),
          bn(w),
          RELU,
          basicBlock(w, w, 1),
          basicBlock(w, 2 * w, 2),
          basicBlock(2 * w, 4 * w, 2),
          { kind: 'globalAvgPool' },
        ];
  return { id, channels, width, featureDim: 4 * w, ops };
}

/** Conv and BN ops in variable order (depth first; residual main path before its shortcut). */
export function weightedOps(ops: BackboneOp[]): Extract<BackboneOp, { kind: 'conv' | 'bn' }>[] {
  return ops.flatMap((op) => {
    if (op.kind === 'conv' || op.kind === 'bn') return [op];
    if (op.kind === 'residual') return [...weightedOps(op.main), ...weightedOps(op.shortcut ?? [])];
    return [];
  });
}

/** The shapes `backbone.params` and `backbone.state` have, in order. */
export function variableShapes(desc: BackboneDescription): { params: number[][]; state: number[][] } {
  const params: number[][] = [];
  const state: number[][] = [];
  for (const op of weightedOps(desc.ops)) {
    if (op.kind === 'conv') params.push([op.k, op.k, op.inC, op.outC]);
    else {
      params.push([op.channels], [op.channels]);
      state.push([op.channels], [op.channels]);
    }
  }
  return { params, state };
}
