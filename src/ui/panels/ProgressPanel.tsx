import { useEffect, useState } from 'react';
import { useLiveRun } from '../../state/liveRunStore';
import { Panel, ProgressBar } from '../components/Panel';

const fmt = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
    : `${Math.floor(s / 60)}m ${s % 60}s`;
};

const ACTIVE = new Set(['preparing', 'training', 'evaluating']);

/** Date.now(), re-read every second while `active` (a running clock). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

export function ProgressPanel() {
  const phase = useLiveRun((s) => s.phase);
  const message = useLiveRun((s) => s.message);
  const phaseProgress = useLiveRun((s) => s.phaseProgress);
  const phaseSince = useLiveRun((s) => s.phaseSince);
  const startedAt = useLiveRun((s) => s.startedAt);
  const active = ACTIVE.has(phase);
  const now = useNow(active);
  const last = useLiveRun((s) => s.metrics.at(-1));
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
        <span title="Training time, pauses and evaluations excluded">
          Training {last ? fmt(last.elapsedMs) : '0m 0s'}
        </span>
        <span
          data-testid="wall-clock"
          title="Wall-clock time since Start (evaluation and preparation included)"
        >
          Since start {startedAt > 0 ? fmt((active ? now : Math.max(now, phaseSince)) - startedAt) : '–'}
        </span>
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
      {active && phase !== 'training' && (
        <div data-testid="phase-progress-box">
          <p className="muted" data-testid="phase-clock">
            {phase === 'evaluating' ? 'Evaluating' : 'Preparing'}
            {phaseProgress
              ? `: ${phaseProgress.stage}, ${Math.round((100 * phaseProgress.done) / Math.max(1, phaseProgress.total))} %`
              : '…'}{' '}
            · {fmt(Math.max(0, now - phaseSince))}
          </p>
          <ProgressBar
            testId="phase-progress"
            value={phaseProgress?.done ?? 0}
            max={phaseProgress?.total ?? 1}
            label={`${phase} progress`}
          />
        </div>
      )}
    </Panel>
  );
}
