import { useState } from 'react';
import { selectDataset, useConfigStore } from '../../state/configStore';
import { useDatasetStore } from '../../state/datasetStore';
import { deleteDataset, exportDataset, renameDataset, requestThumbnails } from '../../state/lab';
import { datasetBytes } from '../../shared/data/chunkCheck';
import { formatBytes } from '../../shared/data/storageError';
import type { DatasetManifest } from '../../shared/protocol';
import { ImageCanvas } from '../components/ImageCanvas';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { InlineEdit } from '../components/InlineEdit';
import { MAX_NAME } from '../../shared/schema/run';

/** One stored dataset: facts, "train on this", thumbnails per class, rename, export, delete. */
export function DatasetRow({ m, busy }: { m: DatasetManifest; busy: boolean }) {
  const selected = useConfigStore((s) => s.config.datasetId === m.id);
  const thumbs = useDatasetStore((s) => s.thumbnails[m.id]);
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  return (
    <li className={`dataset${selected ? ' selected' : ''}`} data-testid="dataset-row" data-id={m.id}>
      <label className="dataset-title">
        <input
          type="radio"
          name="dataset"
          checked={selected}
          disabled={busy || !m.complete}
          onChange={() => selectDataset(m.id)}
          data-testid="dataset-select"
        />
        <strong data-testid="dataset-name" className="user-text">
          {m.name}
        </strong>
      </label>
      <div className="muted" data-testid="dataset-facts">
        {m.splits.train.count.toLocaleString()} train / {m.splits.test.count.toLocaleString()} test ·{' '}
        {m.width}×{m.height} {m.channels === 1 ? 'grey' : 'colour'} ·{' '}
        {m.classNames ? `${m.classNames.length} classes` : 'unlabelled'} · {formatBytes(datasetBytes(m))}
        {!m.complete && ' · incomplete'}
      </div>
      {!m.classNames && (
        <p className="help-block">
          No labels: it trains, but the linear probe and kNN need a labelled split, so their charts stay
          empty.
        </p>
      )}
      <div className="row-actions">
        <button
          className="link"
          data-testid="dataset-thumbs"
          onClick={() => {
            setOpen(!open);
            if (!thumbs) requestThumbnails(m.id);
          }}
        >
          {open ? 'Hide images' : 'Show images'}
        </button>
        <button className="link" data-testid="dataset-rename" onClick={() => setRenaming(m.name)}>
          Rename
        </button>
        <button
          className="link"
          data-testid="dataset-export"
          disabled={!m.complete}
          onClick={() => exportDataset(m.id)}
        >
          Export .zip
        </button>
        <button
          className="link danger"
          data-testid="dataset-delete"
          disabled={busy && selected}
          onClick={() => setConfirming(true)}
        >
          Delete
        </button>
      </div>
      {renaming !== null && (
        <InlineEdit
          initial={renaming}
          label="New name"
          maxLength={MAX_NAME}
          testIds={{ input: 'rename-input', save: 'rename-save' }}
          onSave={(name) => renameDataset(m.id, name)}
          onClose={() => setRenaming(null)}
        />
      )}
      {confirming && (
        <ConfirmDelete
          onDelete={() => deleteDataset(m.id)}
          onKeep={() => setConfirming(false)}
          yesTestId="delete-yes"
          noTestId="delete-no"
          testId="delete-confirm"
        >
          Delete “<span className="user-text">{m.name}</span>” and its{' '}
          {(m.splits.train.count + m.splits.test.count).toLocaleString()} images from this browser?
        </ConfirmDelete>
      )}
      {open && (
        <div className="thumbs" data-testid="dataset-thumbnails">
          {!thumbs && <p className="muted">Loading…</p>}
          {thumbs?.map((g) => (
            <div key={g.name} className="strip">
              <span className="muted">{g.name}</span>
              {g.images.map((img, i) => (
                <ImageCanvas key={i} image={img} size={28} testId="dataset-thumb" />
              ))}
            </div>
          ))}
        </div>
      )}
    </li>
  );
}
