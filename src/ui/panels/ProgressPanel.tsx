import { useRunStore } from '../../state/runStore';
import { Panel, ProgressBar } from '../components/Panel';

const fmt = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
    : `${Math.floor(s / 60)}m ${s % 60}s`;
};

export function ProgressPanel() {
  const phase = useRunStore((s) => s.phase);
  const message = useRunStore((s) => s.message);
  const last = useRunStore((s) => s.metrics.at(-1));
  const step = last?.step ?? 0;
  const total = last?.totalSteps ?? 0;
  const eta = last && step > 0 ? (last.elapsedMs / step) * (total - step) : null;
  return (
    <Panel title="Progress" testId="progress-panel">
      <div className="stats">
        <span>
          Status: <strong data-testid="run-phase">{phase}</strong>{' '}
          {message && <span className="muted">({message})</span>}
        </span>
        <span>
          Step <strong data-testid="step-count">{step}</strong> / {total}
        </span>
        <span>Epoch {last ? last.epoch.toFixed(2) : '0'}</span>
        <span data-testid="images-per-sec">
          {last ? `${last.imagesPerSec.toFixed(1)} images/s` : '– images/s'}
        </span>
        <span>Elapsed {last ? fmt(last.elapsedMs) : '0m 0s'}</span>
        <span>ETA {eta !== null ? fmt(eta) : '–'}</span>
        <span
          className="muted"
          data-testid="tensor-count"
          title="tf.memory().numTensors in the worker: must stay flat"
        >
          tensors {last?.numTensors ?? '–'}
        </span>
      </div>
      <ProgressBar testId="run-progress" value={step} max={total} label="Training progress" />
    </Panel>
  );
}
