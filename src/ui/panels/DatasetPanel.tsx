import { useConfigStore } from '../../state/configStore';
import { useDatasetStore } from '../../state/datasetStore';
import { retryDataset } from '../../state/lab';
import { ErrorNote, Panel, ProgressBar } from '../components/Panel';

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

export function DatasetPanel() {
  const { manifests, usage, progress, error } = useDatasetStore();
  const datasetId = useConfigStore((s) => s.config.datasetId);
  const current = manifests.find((m) => m.id === datasetId);
  return (
    <Panel
      title="Dataset"
      testId="dataset-panel"
      explain="Images are stored in your browser (IndexedDB) in chunks of a few hundred, and streamed to the GPU while training runs. Nothing is downloaded from the internet."
    >
      {current?.complete ? (
        <div data-testid="dataset-status" data-ready="true">
          <strong>{current.name}</strong> ready: {current.splits.train.count.toLocaleString()} train /{' '}
          {current.splits.test.count.toLocaleString()} test images, {current.width}×{current.height}
          {current.channels === 1 ? ' greyscale' : ' colour'}, {current.classNames?.length ?? 0} classes.
        </div>
      ) : (
        <div data-testid="dataset-status" data-ready="false">
          {progress
            ? `Loading ${progress.datasetId} into the browser's storage (${progress.phase})…`
            : error
              ? 'Dataset not stored.'
              : 'Opening storage…'}
        </div>
      )}
      {progress && (
        <ProgressBar
          testId="dataset-progress"
          value={progress.done}
          max={progress.total}
          label="Dataset loading progress"
        />
      )}
      {error && (
        <ErrorNote testId="storage-error">
          <p>{error.message}</p>
          {error.kind !== 'unavailable' && <button onClick={retryDataset}>Try again</button>}
        </ErrorNote>
      )}
      {usage && (
        <p className="muted" data-testid="storage-usage">
          Browser storage: {mb(usage.usage)} used of {mb(usage.quota)}.
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
