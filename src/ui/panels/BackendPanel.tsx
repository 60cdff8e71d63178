import { useBackendStore } from '../../state/backendStore';
import { startLab } from '../../state/lab';
import { keepBackendInLink } from '../../state/configStore';
import { ErrorNote } from '../components/Panel';
import { GpuCheck } from './GpuCheck';

export function BackendPanel(props: { storageOk: boolean }) {
  const { report, error, requested, deviceLost, switchedFrom } = useBackendStore();
  return (
    <div className="backend" data-testid="backend-panel">
      {report ? (
        <span>
          Compute: <strong data-testid="backend-name">{report.name}</strong>
          {report.adapter && (
            <span data-testid="backend-adapter">
              {' '}
              · adapter {report.adapter.vendor} / {report.adapter.architecture}
              {report.adapter.description ? ` (${report.adapter.description})` : ''}
            </span>
          )}
        </span>
      ) : (
        !error && <span data-testid="backend-name">starting {requested ?? ''}…</span>
      )}
      {switchedFrom && (
        <div className="switched" role="status" data-testid="backend-switched">
          Training on WebAssembly on the CPU: this browser&apos;s WebGPU adapter (
          {switchedFrom.vendor || 'SwiftShader'}
          {switchedFrom.architecture ? ` / ${switchedFrom.architecture}` : ''}) is a software fallback, the
          GPU emulated on the CPU, which trains more than ten times slower than WebAssembly here.{' '}
          <button
            data-testid="use-webgpu"
            title="The emulated GPU: slow, but it runs the lab's WebGPU kernels ('Check this GPU')."
            onClick={() => {
              keepBackendInLink('webgpu'); // a reload keeps the choice
              startLab('webgpu', props.storageOk);
            }}
          >
            Use WebGPU anyway
          </button>
        </div>
      )}
      {report?.warning && (
        <div className="warning" role="status" data-testid="backend-warning">
          ⚠ {report.warning}
          {report.adapter?.isFallbackAdapter && (
            <>
              {' '}
              <WasmButton storageOk={props.storageOk}>
                Use WebAssembly on the CPU instead (faster than an emulated GPU)
              </WasmButton>
            </>
          )}
        </div>
      )}
      {report && (Object.keys(report.flags ?? {}).length > 0 || (report.kernels ?? []).length > 0) && (
        <div className="muted" data-testid="backend-flags">
          Software adapter: tfjs settings measured faster on it are applied (
          {Object.entries(report.flags)
            .map(([k, v]) => `${k} = ${String(v)}`)
            .join(', ')}
          {(report.kernels ?? []).length > 0 &&
            `; own barrier-free kernels replace tfjs's ${(report.kernels ?? []).join(', ')}`}
          ; see bench/README.md).
        </div>
      )}
      {error && (
        <ErrorNote testId="backend-error">
          <p>
            <strong>
              {error.backend === 'webgpu'
                ? 'WebGPU is not available.'
                : `The ${error.backend} backend failed.`}
            </strong>{' '}
            {error.message}
          </p>
          {(error.backend === 'webgpu' || error.backend === 'webgl') && (
            <WasmButton storageOk={props.storageOk}>
              Use WebAssembly on the CPU instead (no GPU needed)
            </WasmButton>
          )}{' '}
          {error.backend === 'webgpu' && (
            <button data-testid="use-webgl" onClick={() => startLab('webgl', props.storageOk)}>
              Use the WebGL backend instead
            </button>
          )}
          {(error.backend === 'webgl' || error.backend === 'wasm') && (
            <button data-testid="use-cpu" onClick={() => startLab('cpu', props.storageOk)}>
              Use the (slow) CPU backend instead
            </button>
          )}
        </ErrorNote>
      )}
      {/* The check compares the lab's WebGPU kernels with tfjs's: nothing to check on another backend. */}
      {report?.name === 'webgpu' && !deviceLost && <GpuCheck />}
      {deviceLost && (
        <ErrorNote testId="device-lost">
          <p>{deviceLost}</p>
          <button onClick={() => startLab(requested ?? 'webgpu', props.storageOk)}>
            Restart the GPU backend
          </button>
        </ErrorNote>
      )}
    </div>
  );
}

/** Restarts the lab on tfjs's WebAssembly backend: the way to train without a (real) GPU. */
function WasmButton(props: { storageOk: boolean; children: string }) {
  return (
    <button
      data-testid="use-wasm"
      title="tfjs's WebAssembly backend (XNNPACK, SIMD) runs on the CPU: no GPU, no emulation. Keep to the Tiny preset."
      onClick={() => startLab('wasm', props.storageOk)}
    >
      {props.children}
    </button>
  );
}
