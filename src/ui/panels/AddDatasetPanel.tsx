import { useState } from 'react';
import { formatBytes } from '../../shared/data/storageError';
import { useDatasetStore } from '../../state/datasetStore';
import { generateFractalDataset, installBuiltinDataset } from '../../state/lab';
import { ErrorNote, Panel } from '../components/Panel';
import { ImportForm } from './ImportForm';
import { BUILTIN_DATASETS } from '../../shared/data/builtinCatalog';
import {
  FRACTAL_DEFAULTS,
  FRACTAL_SIZES,
  fractalDatasetBytes,
  validateFractalParams,
  type FractalParams,
} from '../../shared/data/fractalParams';

function FractalForm({ busy }: { busy: boolean }) {
  const [p, setP] = useState<FractalParams>({ ...FRACTAL_DEFAULTS });
  const problems = validateFractalParams(p);
  const num = (key: 'classes' | 'perClass' | 'seed', label: string, help: string) => (
    <label className="field" title={help}>
      <span>{label}</span>
      <input
        type="number"
        data-testid={`fractal-${key}`}
        value={Number.isNaN(p[key]) ? '' : p[key]}
        onChange={(e) => setP({ ...p, [key]: e.target.value === '' ? NaN : Number(e.target.value) })}
      />
      <span className="help">{help}</span>
    </label>
  );
  return (
    <form
      data-testid="fractal-form"
      onSubmit={(e) => {
        e.preventDefault();
        generateFractalDataset(p);
      }}
    >
      {num('classes', 'Classes', 'Each class is one random iterated function system (a fractal shape).')}
      {num(
        'perClass',
        'Images per class',
        'Random instances of each shape: colour, size, angle and position vary.',
      )}
      <label className="field">
        <span>Size</span>
        <select
          data-testid="fractal-size"
          value={p.size}
          onChange={(e) => setP({ ...p, size: Number(e.target.value) as FractalParams['size'] })}
        >
          {FRACTAL_SIZES.map((s) => (
            <option key={s} value={s}>
              {s}×{s}
            </option>
          ))}
        </select>
      </label>
      {num('seed', 'Seed', 'The same settings and seed give the same images, byte for byte.')}
      {problems.length > 0 && (
        <ErrorNote testId="fractal-issues">
          {problems.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </ErrorNote>
      )}
      <button type="submit" disabled={busy || problems.length > 0} data-testid="fractal-generate">
        Generate ({formatBytes(fractalDatasetBytes(p))})
      </button>
    </form>
  );
}

/** Adds datasets: built-in sets loaded on demand, generated fractals, and the user's own images. */
export function AddDatasetPanel() {
  const manifests = useDatasetStore((s) => s.manifests);
  const busy = useDatasetStore((s) => s.progress !== null);
  const available = BUILTIN_DATASETS.filter((b) => !manifests.some((m) => m.id === b.id && m.complete));
  return (
    <Panel
      title="Add a dataset"
      testId="add-dataset-panel"
      explain="Everything stays in this browser: built-in sets come with the lab, fractals are generated here, and your own images are decoded and resized by the browser."
    >
      <details className="group" open>
        <summary>Built-in</summary>
        {available.length === 0 && <p className="muted">All built-in datasets are stored.</p>}
        {available.map((b) => (
          <div key={b.id} className="builtin" data-testid="builtin-row">
            <strong>{b.name}</strong>{' '}
            <span className="muted">
              ({formatBytes(b.bytes)}, {b.classNames.length} classes)
            </span>{' '}
            <button disabled={busy} onClick={() => installBuiltinDataset(b.id)} data-testid={`load-${b.id}`}>
              Load
            </button>
            <p className="help-block">{b.about}</p>
          </div>
        ))}
      </details>
      <details className="group">
        <summary>Generate fractals (colour)</summary>
        <FractalForm busy={busy} />
      </details>
      <details className="group">
        <summary>Import your images</summary>
        <ImportForm busy={busy} />
      </details>
    </Panel>
  );
}
