import { useState } from 'react';
import { MAX_NAME } from '../../shared/schema/run';
import {
  IMPORT_SIZES,
  type CropPolicy,
  type ImportOptions,
  type ImportSize,
} from '../../shared/data/importTypes';
import { useDatasetStore } from '../../state/datasetStore';
import { importDataset } from '../../state/lab';
import type { ImportSource } from '../../shared/protocol';
import { ErrorNote } from '../components/Panel';

const baseName = (name: string) => name.replace(/\.[^.]+$/, '') || 'My images';

/** Imports a folder, a .zip or CIFAR binary batches; shows what was imported and every skipped file. */
export function ImportForm({ busy }: { busy: boolean }) {
  const report = useDatasetStore((s) => s.importReport);
  const [o, setO] = useState<Omit<ImportOptions, 'name'>>({
    size: 32,
    channels: 3,
    cropPolicy: 'center-crop',
    testShare: 0.15,
    seed: 1,
    onPartial: 'rollback',
  });
  const [name, setName] = useState('');
  const start = (source: ImportSource, fallbackName: string) =>
    importDataset(source, { ...o, name: name.trim() || fallbackName });
  return (
    <div data-testid="import-form">
      <p className="help-block">
        Class sub-folders become labels (a folder of folders of images); images directly in the top folder
        make an unlabelled set. PNG, JPEG, WebP, GIF and BMP are decoded by the browser and resized.
      </p>
      <label className="field">
        <span>Name</span>
        <input
          value={name}
          placeholder="from the folder or file"
          onChange={(e) => setName(e.target.value)}
          maxLength={MAX_NAME}
          data-testid="import-name"
        />
      </label>
      <label className="field">
        <span>Size</span>
        <select
          value={o.size}
          onChange={(e) => setO({ ...o, size: Number(e.target.value) as ImportSize })}
          data-testid="import-size"
        >
          {IMPORT_SIZES.map((s) => (
            <option key={s} value={s}>
              {s}×{s}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Colour</span>
        <select
          value={o.channels}
          onChange={(e) => setO({ ...o, channels: Number(e.target.value) as 1 | 3 })}
          data-testid="import-channels"
        >
          <option value={3}>colour (RGB)</option>
          <option value={1}>greyscale</option>
        </select>
      </label>
      <label className="field" title="How a non-square image becomes square">
        <span>Crop</span>
        <select
          value={o.cropPolicy}
          onChange={(e) => setO({ ...o, cropPolicy: e.target.value as CropPolicy })}
          data-testid="import-crop"
        >
          <option value="center-crop">centre crop</option>
          <option value="pad">pad (keep all)</option>
          <option value="stretch">stretch</option>
        </select>
      </label>
      <label className="field" title="Share of each class kept aside, labelled, for the linear probe">
        <span>Held-out share</span>
        <input
          type="number"
          min={0}
          max={0.5}
          step={0.05}
          value={o.testShare}
          onChange={(e) => setO({ ...o, testShare: Number(e.target.value) })}
          data-testid="import-test-share"
        />
      </label>
      <fieldset className="partial">
        <legend>If the import is cancelled or storage runs out</legend>
        <label>
          <input
            type="radio"
            checked={o.onPartial === 'rollback'}
            onChange={() => setO({ ...o, onPartial: 'rollback' })}
            data-testid="partial-rollback"
          />
          remove what was imported
        </label>
        <label>
          <input
            type="radio"
            checked={o.onPartial === 'keep'}
            onChange={() => setO({ ...o, onPartial: 'keep' })}
            data-testid="partial-keep"
          />
          keep the images imported so far
        </label>
      </fieldset>
      <div className="import-inputs">
        <label>
          Folder…{' '}
          <input
            type="file"
            disabled={busy}
            data-testid="import-folder"
            {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
            multiple
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              if (files.length === 0) return;
              const path = (f: File) => f.webkitRelativePath || f.name;
              start(
                { kind: 'folder', files: files.map((f) => ({ path: path(f), file: f })) },
                path(files[0]!).split('/')[0] ?? 'My images',
              );
              e.target.value = '';
            }}
          />
        </label>
        <label>
          .zip…{' '}
          <input
            type="file"
            accept=".zip,application/zip"
            disabled={busy}
            data-testid="import-zip"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) start({ kind: 'zip', file: f, name: f.name }, baseName(f.name));
              e.target.value = '';
            }}
          />
        </label>
        <label>
          CIFAR-10/100 .bin…{' '}
          <input
            type="file"
            accept=".bin"
            multiple
            disabled={busy}
            data-testid="import-cifar"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              if (files.length > 0)
                start({ kind: 'cifar', files: files.map((f) => ({ name: f.name, file: f })) }, 'CIFAR');
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {report && (
        <div data-testid="import-report" data-outcome={report.outcome}>
          {report.outcome === 'complete' ? (
            <div className="notice" role="status">
              {report.message}
            </div>
          ) : (
            <ErrorNote testId="import-error">{report.message}</ErrorNote>
          )}
          {report.warnings.map((w) => (
            <p key={w} className="warning-box" data-testid="import-warning">
              {w}
            </p>
          ))}
          {report.skipped.length > 0 && (
            <details open data-testid="import-skipped">
              <summary>
                {report.skipped.length} file{report.skipped.length === 1 ? '' : 's'} skipped
              </summary>
              <ul>
                {report.skipped.map((s) => (
                  <li key={s.file + s.reason} data-testid="skipped-file">
                    <code>{s.file}</code>: {s.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}
