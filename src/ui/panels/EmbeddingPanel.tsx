// Embedding view: the held-out images' features projected to 2-D (PCA or UMAP), one colour per class
// (per cluster for DeepCluster once clustered), refreshed at every evaluation.
import { useMemo, useState } from 'react';
import { useLiveRun } from '../../state/liveRunStore';
import { SvgScatter, type ScatterGroup } from '../components/SvgScatter';
import { Panel } from '../components/Panel';

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const colour = (g: number) => PALETTE[g % PALETTE.length] ?? '#333';

type Mode = 'pca' | 'umap';

export function EmbeddingPanel() {
  const snap = useLiveRun((s) => s.embedding);
  const [mode, setMode] = useState<Mode>('pca');
  const coords = snap ? (mode === 'umap' ? snap.umap : snap.pca) : null;
  const series = useMemo((): ScatterGroup[] => {
    if (!snap || !coords) return [];
    const byGroup = new Map<number, { x: number; y: number }[]>();
    snap.groups.forEach((g, i) => {
      const pts = byGroup.get(g) ?? [];
      pts.push({ x: coords[2 * i] ?? 0, y: coords[2 * i + 1] ?? 0 });
      byGroup.set(g, pts);
    });
    return [...byGroup.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([g, points]) => ({
        key: g,
        name: snap.names[g] ?? `${snap.colourBy} ${g}`,
        colour: colour(g),
        points,
      }));
  }, [snap, coords]);
  const points = coords ? snap!.groups.length : 0;
  return (
    <Panel
      title="Embedding"
      testId="embedding-panel"
      explain={
        <>
          <p>
            Every dot is a held-out image, placed by the model&apos;s features squeezed into two dimensions
            and coloured by its true class (or, for DeepCluster, training images coloured by their cluster).
            Classes that form separate islands are what a linear probe can tell apart.
          </p>
          <p>
            <b>PCA</b> shows the two directions of largest spread (a faithful linear view); <b>UMAP</b> bends
            space to keep neighbours together (better islands, distances less meaningful).
          </p>
        </>
      }
    >
      <div className="scrubber" role="radiogroup" aria-label="projection">
        {(['pca', 'umap'] as const).map((m) => (
          <label key={m}>
            <input
              type="radio"
              name="embedding-mode"
              checked={mode === m}
              onChange={() => setMode(m)}
              data-testid={`embedding-mode-${m}`}
            />{' '}
            {m.toUpperCase()}
          </label>
        ))}
        {snap && (
          <span className="muted" data-testid="embedding-caption">
            step {snap.step} · {snap.groups.length} {snap.split === 'test' ? 'held-out' : 'training'} images
            by {snap.colourBy}
          </span>
        )}
      </div>
      <div className="chart" data-testid="embedding-view" data-points={points} data-mode={mode}>
        {points === 0 ? (
          <p className="muted">Appears at the first evaluation of a run (on a labelled dataset).</p>
        ) : (
          <SvgScatter groups={series} />
        )}
      </div>
    </Panel>
  );
}
