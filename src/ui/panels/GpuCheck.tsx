// "Check this GPU": runs the conformance check (own kernels and a training step against tfjs's stock
// kernels and the CPU backend) in the worker and shows each check's errors against its tolerance.
import { useBackendStore } from '../../state/backendStore';
import { checkGpu } from '../../state/lab';
import { useLiveRun } from '../../state/liveRunStore';

const BUSY = ['preparing', 'training', 'evaluating', 'paused'];
const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(1));

export function GpuCheck() {
  const check = useBackendStore((s) => s.check);
  const phase = useLiveRun((s) => s.phase);
  const busy = BUSY.includes(phase);
  const running = check?.phase === 'running';
  const report = check?.report ?? null;
  return (
    <div className="gpu-check" data-testid="gpu-check">
      <button
        data-testid="check-gpu"
        disabled={busy || running}
        title={busy ? 'Stop the run first: the check needs the GPU to itself.' : undefined}
        onClick={checkGpu}
      >
        Check this GPU
      </button>{' '}
      <span className="muted">
        runs our own GPU kernels and a training step against tfjs&apos;s stock kernels and the CPU backend
      </span>
      {check && (
        <div
          role="status"
          data-testid="gpu-check-status"
          className={check.phase === 'failed' || (report && !report.pass) ? 'warning' : undefined}
        >
          {running ? `Checking… ${check.log.at(-1) ?? ''}` : check.message}
        </div>
      )}
      {report && (
        <details open={!report.pass}>
          <summary data-testid="gpu-check-verdict">
            {report.pass ? 'Pass' : 'FAIL'}: {report.checks.length} checks on {report.backend}
            {report.ownKernels ? ' (own kernels on)' : ' (own kernels do not run on this backend)'}
          </summary>
          <table className="gpu-check-table" data-testid="gpu-check-table">
            <thead>
              <tr>
                <th>check</th>
                <th>against</th>
                <th>max abs error</th>
                <th>max rel error</th>
                <th>tolerance (rel, abs)</th>
                <th>result</th>
              </tr>
            </thead>
            <tbody>
              {report.checks.map((c, i) => (
                <tr key={i} data-testid="gpu-check-row" title={c.case}>
                  <td>{c.name}</td>
                  <td>{c.against === 'stock' ? 'tfjs stock kernels' : 'CPU backend'}</td>
                  <td>{fmt(c.maxAbsError)}</td>
                  <td>{fmt(c.maxRelError)}</td>
                  <td>
                    {c.tolerance.rtol}, {c.tolerance.atol}
                  </td>
                  <td>{c.pass ? 'pass' : 'FAIL'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.curve && (
            <p>
              Loss over {report.curve.steps} steps, own vs stock kernels: max relative difference{' '}
              {fmt(report.curve.maxRelError)} (tolerance {report.curve.tolerance}).
            </p>
          )}
          {report.gpuErrors.length > 0 && <p className="warning">GPU errors: {report.gpuErrors[0]}</p>}
        </details>
      )}
    </div>
  );
}
