import { currentPreview, useLiveRun } from '../../state/liveRunStore';
import { ImageCanvas } from '../components/ImageCanvas';
import { Panel } from '../components/Panel';
import { PreviewScrubber } from './PreviewScrubber';

export function ViewsPanel() {
  const p = useLiveRun(currentPreview);
  return (
    <Panel
      title="Augmented views"
      testId="views-panel"
      explain="Each image is augmented twice (random crop, flip, colour jitter, blur …). The model learns that the two views show the same thing: the first view is the query, the second its key."
    >
      <PreviewScrubber />
      {!p ? (
        <p className="muted">Views appear here once training starts.</p>
      ) : (
        <div className="pairs" data-step={p.step}>
          {p.views.query.map((q, i) => (
            <figure key={i} className="pair">
              <ImageCanvas image={q} testId="view-query" title="view 1 (query)" />
              <ImageCanvas image={p.views.key[i]} testId="view-key" title="view 2 (key)" />
              <figcaption>sample {i}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </Panel>
  );
}
