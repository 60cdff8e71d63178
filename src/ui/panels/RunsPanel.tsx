import { useState } from 'react';
import { METHOD_INFO } from '../../shared/catalog';
import { useBackendStore } from '../../state/backendStore';
import { useDatasetStore } from '../../state/datasetStore';
import { toggleCompare, useCompareStore } from '../../state/compareStore';
import { duplicateRun, importRunFileFromPage, resumeSavedRun, runAction } from '../../state/lab';
import { MAX_NAME, MAX_RUN_FILE_BYTES } from '../../shared/schema/run';
import { useLiveRun } from '../../state/liveRunStore';
import { useSavedRuns, type RunImportProgress } from '../../state/savedRunsStore';
import type { DamagedRecord, RunSummary } from '../../shared/protocol';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { InlineEdit } from '../components/InlineEdit';
import { ErrorNote, Panel, ProgressBar } from '../components/Panel';
import { RunFinetune } from './RunFinetune';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);

function eventsSummary(events: RunSummary['events']): string {
  const n = (kind: string) => events.filter((e) => e.kind === kind).length;
  const parts = [
    [n('settings'), 'settings change', 'settings changes'],
    [n('resume'), 'resumption', 'resumptions'],
  ] as const;
  return parts
    .filter(([k]) => k > 0)
    .map(([k, one, many]) => `${k} ${k === 1 ? one : many}`)
    .join(', ');
}

function RunRow({ r, busy, deviceLost }: { r: RunSummary; busy: boolean; deviceLost: boolean }) {
  const [editing, setEditing] = useState<'name' | 'tags' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const resumable = (r.status === 'interrupted' || r.status === 'stopped') && r.step < r.totalSteps;
  const compared = useCompareStore((s) => s.selected.includes(r.id));
  // The run training now: its step and loss from the live read-backs (the list is re-read at its end).
  const active = useSavedRuns((s) => s.activeRunId === r.id) && busy;
  const live = useLiveRun((s) => (active ? s.metrics.at(-1) : undefined));
  const step = live?.step ?? r.step;
  const loss = live?.values.loss ?? r.loss;
  // The dataset's name as the library shows it; a deleted one says so (its id in the tooltip).
  const datasetName = useDatasetStore((s) => s.manifests.find((m) => m.id === r.datasetId)?.name);
  return (
    <li className="run" data-testid="run-row" data-status={r.status} data-id={r.id}>
      <div>
        <label className="compare-check" title="Overlay this run in the comparison view">
          <input
            type="checkbox"
            checked={compared}
            onChange={(e) => toggleCompare(r.id, e.target.checked)}
            data-testid="run-compare"
          />{' '}
          compare
        </label>{' '}
        <strong data-testid="run-name" className="user-text">
          {r.name}
        </strong>{' '}
        <span className={`badge ${r.status}`} data-testid="run-status">
          {r.status}
        </span>
        {r.tags.map((t) => (
          <span key={t} className="tag user-text" data-testid="run-tag">
            {t}
          </span>
        ))}
      </div>
      <div className="muted">
        {METHOD_INFO[r.method]?.label ?? r.method} ·{' '}
        <span className="user-text" data-testid="run-dataset" title={r.datasetId}>
          {datasetName ?? 'a dataset no longer stored'}
        </span>{' '}
        · seed {r.seed} · step {step}/{r.totalSteps} · loss {typeof loss === 'number' ? loss.toFixed(3) : '–'}{' '}
        · linear {pct(r.linearTop1)} · kNN {pct(r.knnTop1)}
      </div>
      {r.events.length > 0 && (
        <details className="muted" data-testid="run-events" data-count={r.events.length}>
          <summary>{eventsSummary(r.events)}</summary>
          <ul>
            {r.events.map((e, i) => (
              <li key={i}>
                step {e.step}: {e.label}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="row-actions">
        {resumable && (
          <button
            className="link"
            disabled={busy || deviceLost}
            onClick={() => resumeSavedRun(r.id)}
            data-testid="run-resume"
            title={deviceLost ? 'The GPU device was lost: reload the page, then resume' : undefined}
          >
            Resume from checkpoint
          </button>
        )}
        <button
          className="link"
          disabled={busy}
          onClick={() => duplicateRun(r.config)}
          data-testid="run-duplicate"
          title="Load its settings to change and run again"
        >
          Duplicate with changes
        </button>
        <button className="link" onClick={() => setEditing('name')} data-testid="run-rename">
          Rename
        </button>
        <button className="link" onClick={() => setEditing('tags')} data-testid="run-tags">
          Tags
        </button>
        <button
          className="link"
          onClick={() => runAction(r.id, { kind: 'export-metrics' })}
          data-testid="run-export-metrics"
        >
          Export metrics (CSV, JSON)
        </button>
        <button
          className="link"
          onClick={() => runAction(r.id, { kind: 'export-weights' })}
          data-testid="run-export-weights"
        >
          Export weights (tfjs)
        </button>
        <button className="link danger" onClick={() => setConfirming(true)} data-testid="run-delete">
          Delete
        </button>
      </div>
      <RunFinetune r={r} busy={busy} />
      {editing && (
        <InlineEdit
          key={editing}
          initial={editing === 'name' ? r.name : r.tags.join(', ')}
          label={editing === 'name' ? 'Run name' : 'Tags, comma-separated'}
          maxLength={editing === 'name' ? MAX_NAME : undefined}
          testIds={{ input: 'run-edit-input', save: 'run-edit-save' }}
          onSave={(text) =>
            runAction(
              r.id,
              editing === 'name' ? { kind: 'rename', name: text } : { kind: 'tags', tags: text.split(',') },
            )
          }
          onClose={() => setEditing(null)}
        />
      )}
      {confirming && (
        <ConfirmDelete
          onDelete={() => runAction(r.id, { kind: 'delete' })}
          onKeep={() => setConfirming(false)}
          yesTestId="run-delete-yes"
        >
          Delete the run “<span className="user-text">{r.name}</span>”, its history and checkpoint?
        </ConfirmDelete>
      )}
    </li>
  );
}

/** A stored record that no longer parses: why, and a way out (export it as it is, delete it). */
function DamagedRow({ d, busy }: { d: DamagedRecord; busy: boolean }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li className="run damaged" data-testid="run-damaged" data-id={d.id}>
      <div>
        <strong className="user-text">{d.id}</strong> <span className="badge damaged">damaged</span>
      </div>
      <p className="muted user-text" data-testid="run-damaged-reason">
        This saved run can no longer be read: {d.reason}
      </p>
      <div className="row-actions">
        <button
          className="link"
          onClick={() => runAction(d.id, { kind: 'export-raw' })}
          data-testid="run-export-raw"
          title="Download the stored record as it is (JSON)"
        >
          Export raw
        </button>
        <button
          className="link danger"
          disabled={busy}
          onClick={() => setConfirming(true)}
          data-testid="run-delete"
        >
          Delete
        </button>
      </div>
      {confirming && (
        <ConfirmDelete
          onDelete={() => runAction(d.id, { kind: 'delete' })}
          onKeep={() => setConfirming(false)}
          yesTestId="run-delete-yes"
        >
          Delete this damaged record?
        </ConfirmDelete>
      )}
    </li>
  );
}

const PHASE_LABEL = { read: 'Reading the file', check: 'Checking it', store: 'Saving it' } as const;
/** Reading fills the bar to 60 %, checking to 70 %, saving to 90 %. */
const importPercent = (p: RunImportProgress) =>
  p.phase === 'read' ? (60 * p.done) / Math.max(1, p.total) : p.phase === 'check' ? 70 : 90;

/** Saved runs: every run is stored as it trains, with checkpoints to resume from. */
export function RunsPanel() {
  const runs = useSavedRuns((s) => s.runs);
  const damaged = useSavedRuns((s) => s.damaged);
  const resumed = useSavedRuns((s) => s.resumed);
  const importing = useSavedRuns((s) => s.importing);
  const importNote = useSavedRuns((s) => s.importNote);
  const busy = ['preparing', 'training', 'evaluating', 'paused'].includes(useLiveRun((s) => s.phase));
  const deviceLost = useBackendStore((s) => s.deviceLost !== null); // this worker cannot train until a reload
  return (
    <Panel
      title="Saved runs"
      testId="runs-panel"
      explain="Every run is saved in this browser as it trains: its settings, its charts, and a checkpoint of the model every few steps. After a reload or a crash, resume it from its last checkpoint; the steps after that checkpoint are trained again."
    >
      {resumed && (
        <div className="notice" role="status" data-testid="resume-note">
          Resumed from the checkpoint at step {resumed.fromStep}: {resumed.lostSteps} step
          {resumed.lostSteps === 1 ? '' : 's'} after it
          {resumed.lostSteps === 1 ? ' was' : ' were'} lost and are trained again.
        </div>
      )}
      {runs.length === 0 && damaged.length === 0 && <p className="muted">No saved runs yet.</p>}
      <ul className="runs" data-testid="run-list">
        {runs.map((r) => (
          <RunRow key={r.id} r={r} busy={busy} deviceLost={deviceLost} />
        ))}
        {damaged.map((d) => (
          <DamagedRow key={d.id} d={d} busy={busy} />
        ))}
      </ul>
      <label className="muted">
        Import a run file (.run.json, at most {MAX_RUN_FILE_BYTES / 1e6} MB){' '}
        <input
          type="file"
          accept=".json,application/json"
          data-testid="run-import"
          disabled={importing !== null}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void importRunFileFromPage(f);
            e.target.value = '';
          }}
        />
      </label>
      {importing && (
        <div className="job" data-testid="run-import-progress" data-phase={importing.phase}>
          <span className="muted">{PHASE_LABEL[importing.phase]}…</span>
          <ProgressBar
            testId="run-import-bar"
            value={importPercent(importing)}
            max={100}
            label="Run import progress"
          />
        </div>
      )}
      {importNote &&
        (importNote.tone === 'error' ? (
          <ErrorNote testId="run-import-note">{importNote.message}</ErrorNote>
        ) : (
          <div className="notice" role="status" data-testid="run-import-note">
            {importNote.message}
          </div>
        ))}
    </Panel>
  );
}
