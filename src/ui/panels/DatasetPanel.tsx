import { useState } from 'react';
import type { DamagedRecord } from '../../shared/protocol';
import { useDatasetStore } from '../../state/datasetStore';
import { cancelDatasetJob, deleteDataset, requestPersistence, retryDataset } from '../../state/lab';
import { useLiveRun } from '../../state/liveRunStore';
import { selectDataset, useConfigStore } from '../../state/configStore';
import { shorten } from '../../shared/schema/issues';
import { formatBytes } from '../../shared/data/storageError';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { ErrorNote, Panel, ProgressBar } from '../components/Panel';
import { DatasetRow } from './DatasetRow';

/** The built-in dataset the worker installs at first start (builtin.ts installOnStart): never "missing". */
const INSTALLED_ON_START = 'mnist';
const PHASES: Record<string, string> = {
  download: 'Loading',
  store: 'Storing',
  export: 'Exporting',
  generate: 'Generating',
  import: 'Importing',
  scan: 'Checking',
};

/** A stored manifest that no longer parses: why, and a way out (delete it, with its images). */
function DamagedDatasetRow({ d }: { d: DamagedRecord }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li className="dataset damaged" data-testid="dataset-damaged" data-id={d.id}>
      <strong className="user-text">{d.id}</strong> <span className="badge damaged">damaged</span>
      <p className="muted user-text">This stored dataset can no longer be read: {d.reason}</p>
      <button className="link danger" onClick={() => setConfirming(true)} data-testid="dataset-delete">
        Delete it
      </button>
      {confirming && (
        <ConfirmDelete
          onDelete={() => deleteDataset(d.id)}
          onKeep={() => setConfirming(false)}
          yesTestId="delete-yes"
        >
          Delete this damaged dataset and its images?
        </ConfirmDelete>
      )}
    </li>
  );
}

export function DatasetPanel() {
  const { manifests, damaged, listed, usage, progress, error, notice, persisted } = useDatasetStore();
  const datasetId = useConfigStore((s) => s.config.datasetId);
  const busy = ['preparing', 'training', 'evaluating', 'paused'].includes(useLiveRun((s) => s.phase));
  const current = manifests.find((m) => m.id === datasetId);
  return (
    <Panel
      title="Datasets"
      testId="dataset-panel"
      explain="Images are stored in your browser (IndexedDB) in chunks of a few hundred, and streamed to the GPU while training runs. Nothing is downloaded from the internet."
    >
      <div data-testid="dataset-status" data-ready={current?.complete ? 'true' : 'false'}>
        {current?.complete ? (
          <>
            Training on <strong>{current.name}</strong>: {current.splits.train.count.toLocaleString()} train /{' '}
            {current.splits.test.count.toLocaleString()} test images, {current.width}×{current.height}
            {current.channels === 1 ? ' greyscale' : ' colour'}, {current.classNames?.length ?? 0} classes.
          </>
        ) : progress ? (
          `${PHASES[progress.phase] ?? progress.phase} ${progress.name}…`
        ) : error ? (
          'Dataset not stored.'
        ) : listed && datasetId !== INSTALLED_ON_START ? (
          <span data-testid="dataset-missing">
            The dataset <strong className="user-text">“{shorten(datasetId)}”</strong> is not stored in this
            browser.{' '}
            {manifests.some((m) => m.complete)
              ? 'Train on one of the stored datasets instead:'
              : 'No dataset is stored yet: add one below.'}
            {manifests
              .filter((m) => m.complete)
              .map((m) => (
                <button
                  key={m.id}
                  className="link user-text"
                  disabled={busy}
                  onClick={() => selectDataset(m.id)}
                  data-testid="dataset-use"
                >
                  {m.name}
                </button>
              ))}
          </span>
        ) : (
          'Opening storage…'
        )}
      </div>
      {progress && (
        <div className="job">
          <ProgressBar
            testId="dataset-progress"
            value={progress.done}
            max={progress.total}
            label={`${progress.phase} progress`}
          />
          {/* Every job but the first-start MNIST install can be cancelled. */}
          {(progress.phase === 'export' || progress.datasetId !== 'mnist') && (
            <button className="link" onClick={cancelDatasetJob} data-testid="cancel-job">
              Cancel
            </button>
          )}
        </div>
      )}
      {error && (
        <ErrorNote testId="storage-error">
          <p>{error.message}</p>
          {error.kind !== 'unavailable' && <button onClick={retryDataset}>Try again</button>}
        </ErrorNote>
      )}
      {notice && (
        <div
          className={notice.tone === 'error' ? 'error' : 'notice'}
          role={notice.tone === 'error' ? 'alert' : 'status'}
          data-testid="dataset-notice"
        >
          {notice.message}
        </div>
      )}
      <ul className="datasets" data-testid="dataset-list">
        {manifests.map((m) => (
          <DatasetRow key={m.id} m={m} busy={busy} />
        ))}
        {damaged.map((d) => (
          <DamagedDatasetRow key={d.id} d={d} />
        ))}
      </ul>
      {usage && (
        <p className="muted" data-testid="storage-usage">
          Browser storage: {formatBytes(usage.usage)} used of {formatBytes(usage.quota)}.{' '}
          {persisted === null ? (
            <button className="link" onClick={() => void requestPersistence()} data-testid="persist-button">
              Keep my data (ask for persistent storage)
            </button>
          ) : persisted ? (
            <span data-testid="persist-result">Persistent: the browser will not evict it.</span>
          ) : (
            <span data-testid="persist-result">
              The browser declined persistent storage; it may evict data when space runs low.
            </span>
          )}
        </p>
      )}
      {current && (
        <details className="explain" data-testid="about-data">
          <summary>About the data</summary>
          <p>{current.about}</p>
        </details>
      )}
    </Panel>
  );
}
