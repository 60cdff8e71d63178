// Backend choice: WebGPU first (our adapter check runs before tfjs-backend-webgpu, which crashes
// when no adapter exists), WebGL or CPU on request. Works in a worker and in a page.
import * as tf from '@tensorflow/tfjs';
import { FALLBACK_FLAGS, isSoftwareAdapter, setFlags } from './flags';
import { installConstantCache } from './kernels/constants';
import { installCpuConvFilterGrad } from './kernels/cpuConvFilterGrad';
import { installSoftwareKernels, setSoftwareKernels, SOFTWARE_KERNELS } from './kernels/software';
import { installWasmConvFilterGrad } from './kernels/wasmConvFilterGrad';
import { installWasmSegmentSum } from './kernels/wasmSegmentSum';
import { installOwnGradients } from './kernels/gradients';
import type { AdapterInfo, BackendName, BackendReport } from '../../shared/backendTypes';

export class BackendUnavailableError extends Error {
  constructor(
    message: string,
    readonly backend: BackendName,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

type GpuAdapterLike = GPUAdapter & {
  isFallbackAdapter?: boolean;
  info?: GPUAdapterInfo & { isFallbackAdapter?: boolean };
};

/** Asks the browser for a WebGPU adapter; null plus a reason when there is none. */
export async function probeWebGpu(): Promise<{ adapter: AdapterInfo | null; reason: string | null }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { adapter: null, reason: 'This browser has no WebGPU (navigator.gpu is missing).' };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = (await gpu.requestAdapter()) as GpuAdapterLike | null;
  } catch (e) {
    return { adapter: null, reason: `requestAdapter() failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    return {
      adapter: null,
      reason:
        'WebGPU is present but no GPU adapter is available (blocked, disabled, or no supported GPU). ' +
        'In Chrome/Edge check chrome://gpu; on Linux start Chrome with --enable-unsafe-webgpu.',
    };
  }
  const info = adapter.info;
  return {
    adapter: {
      vendor: info?.vendor || 'unknown',
      architecture: info?.architecture || 'unknown',
      device: info?.device || '',
      description: info?.description || '',
      isFallbackAdapter: Boolean(info?.isFallbackAdapter ?? adapter.isFallbackAdapter),
    },
    reason: null,
  };
}

/** Selects and initialises a tfjs backend; throws BackendUnavailableError with a plain reason. */
export async function initBackend(name: BackendName): Promise<BackendReport> {
  let adapter: AdapterInfo | null = null;
  if (name === 'webgpu') {
    const probe = await probeWebGpu();
    if (!probe.adapter) throw new BackendUnavailableError(probe.reason ?? 'No WebGPU adapter.', 'webgpu');
    adapter = probe.adapter;
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (name === 'wasm') {
    // WebAssembly on the CPU (XNNPACK, SIMD where the browser has it): no GPU needed.
    const [wasm, { wasmFileUrls }] = await Promise.all([
      import('@tensorflow/tfjs-backend-wasm'),
      import('./wasmFiles'),
    ]);
    if (wasmFileUrls) wasm.setWasmPaths(wasmFileUrls);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new BackendUnavailableError(`The ${name} backend failed to start: ${(e as Error).message}`, name);
  }
  if (!ok) throw new BackendUnavailableError(`The ${name} backend failed to start.`, name);
  await tf.ready();
  // On a software adapter, the tfjs settings the bench measured faster there (runtime/flags.ts).
  const software = name === 'webgpu' && isSoftwareAdapter(adapter);
  const flags = software ? { ...FALLBACK_FLAGS } : {};
  setFlags(flags);
  if (name === 'webgpu') installConstantCache(); // scalar constants uploaded once (kernels/constants.ts)
  // And the barrier-free Conv2D and Mean measured faster there (kernels/software.ts); tfjs's elsewhere.
  if (name === 'webgpu') {
    installSoftwareKernels();
    setSoftwareKernels(software);
  }
  installOwnGradients(); // Sum/Mean gradients without CPU-made ones on WebGPU (kernels/gradients.ts)
  installWasmConvFilterGrad(); // the filter gradient tfjs-backend-wasm lacks (kernels/wasmConvFilterGrad.ts)
  installWasmSegmentSum(); // and a gather's gradient (kernels/wasmSegmentSum.ts)
  installCpuConvFilterGrad(); // the CPU backend's conv filter gradient, identical and faster (also conformance's reference)
  const warning = adapter?.isFallbackAdapter
    ? `Software fallback adapter (${adapter.vendor} ${adapter.architecture}): the GPU is emulated on the CPU, so training is very slow. Keep to the Tiny preset.`
    : name === 'cpu'
      ? 'Plain-JavaScript CPU backend: very slow.'
      : name === 'wasm'
        ? 'WebAssembly on the CPU (no GPU): slower than a real GPU, much faster than the plain-JavaScript CPU backend.'
        : null;
  return { name, adapter, warning, flags, kernels: software ? [...SOFTWARE_KERNELS] : [] };
}

/** Resolves when the WebGPU device is lost (destroyed, driver reset, GPU removed); never for other backends. */
export function onDeviceLost(cb: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  void device?.lost.then((info) =>
    cb(`${info.reason === 'destroyed' ? 'destroyed' : 'lost'}: ${info.message || 'no details'}`),
  );
}

/** Destroys the WebGPU device (a test hook that produces a real device-lost event). */
export function destroyDevice(): boolean {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) return false;
  device.destroy();
  return true;
}
