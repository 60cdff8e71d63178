import { useBackendStore } from '../../state/backendStore';
import { useConfigStore } from '../../state/configStore';
import { isReady, useDatasetStore } from '../../state/datasetStore';
import { applyLiveSettings, pauseRun, resumeRun, startRun, stopRun } from '../../state/lab';
import { describeChange, editedLive } from '../../shared/liveSettings';
import { useLiveRun } from '../../state/liveRunStore';
import { ErrorNote } from '../components/Panel';

export function RunControls() {
  const phase = useLiveRun((s) => s.phase);
  const error = useLiveRun((s) => s.error);
  const backendReady = useBackendStore((s) => s.report !== null && s.deviceLost === null);
  const datasetId = useConfigStore((s) => s.config.datasetId);
  const valid = useConfigStore((s) => s.issues.length === 0);
  const dataReady = useDatasetStore((s) => isReady(s, datasetId));
  const running = ['preparing', 'training', 'evaluating'].includes(phase);
  // Live settings edited in the form while a run trains (or is paused): offered to the run.
  const runConfig = useLiveRun((s) => s.config);
  const baseline = useLiveRun((s) => s.formAtStart);
  const form = useConfigStore((s) => s.config);
  const pending =
    runConfig && baseline && (running || phase === 'paused') ? editedLive(baseline, form, runConfig) : [];
  const why = !backendReady
    ? 'waiting for the compute backend'
    : !dataReady
      ? 'waiting for the dataset'
      : !valid
        ? 'fix the settings above'
        : null;
  return (
    <div className="controls" data-testid="run-controls">
      {!running && phase !== 'paused' && (
        <button
          className="primary"
          data-testid="start-button"
          disabled={why !== null}
          onClick={startRun}
          title={why ?? 'Start training'}
        >
          Start
        </button>
      )}
      {running && (
        <button data-testid="pause-button" onClick={pauseRun}>
          Pause
        </button>
      )}
      {phase === 'paused' && (
        <button className="primary" data-testid="resume-button" onClick={resumeRun}>
          Resume
        </button>
      )}
      {(running || phase === 'paused') && (
        <button data-testid="stop-button" onClick={stopRun}>
          Stop
        </button>
      )}
      {pending.length > 0 && (
        <button
          data-testid="apply-settings-button"
          disabled={!valid || phase === 'preparing'}
          onClick={applyLiveSettings}
          title="Apply these settings to the run from its next step on; the change is marked on every chart."
        >
          Apply to this run: {pending.map(describeChange).join(', ')}
        </button>
      )}
      {why && <span className="muted"> ({why})</span>}
      {error && <ErrorNote testId="run-error">{error}</ErrorNote>}
    </div>
  );
}
