// The WebAssembly backend (tfjs-backend-wasm, XNNPACK) for whole training runs in Node: the learning
// tests of the methods after MoCo-v2 train on it, about 15× faster than the tfjs CPU backend here (the
// same engine; its float sums differ from the CPU backend's in the last bits, so a run's curve is its
// own). Tests of math stay on the CPU backend (fixtures.ts, useCpu).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmConvFilterGrad } from '../runtime/kernels/wasmConvFilterGrad';
import { installWasmSegmentSum } from '../runtime/kernels/wasmSegmentSum';

export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmConvFilterGrad();
  installWasmSegmentSum();
}
