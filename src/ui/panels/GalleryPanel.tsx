// Hard-example gallery: the highest-loss training views, the adversarial views whose own pseudo-label
// lost most, and the most mixed cut-mixes, kept over read-backs. Click an image: its nearest held-out
// images in the model's feature space.
import type { CSSProperties } from 'react';
import { useShownConfig } from '../useShownConfig';
import { useDatasetStore } from '../../state/datasetStore';
import { requestNeighbours } from '../../state/lab';
import { useLiveRun } from '../../state/liveRunStore';
import { divergingImage, ImageCanvas, type Overlay } from '../components/ImageCanvas';
import { Panel } from '../components/Panel';
import type { PreviewImage } from '../../shared/trainingTypes';

const pickStyle: CSSProperties = { padding: 0, border: 'none', background: 'none', cursor: 'pointer' };
const wrapStyle: CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'flex-start' };
const captionStyle: CSSProperties = { fontSize: 11, lineHeight: 1.3, textAlign: 'center', width: 72 };

/** An image that asks for its neighbours when clicked. */
function Pick(props: { image: PreviewImage; title: string; testId: string; overlay?: Overlay }) {
  return (
    <button
      type="button"
      style={pickStyle}
      title={`${props.title}: click for its nearest neighbours`}
      onClick={() => requestNeighbours(props.image, props.title)}
      data-testid={`${props.testId}-pick`}
    >
      <ImageCanvas image={props.image} overlay={props.overlay ?? null} size={56} testId={props.testId} />
    </button>
  );
}

const sample = (index: number) => (index >= 0 ? `image #${index}` : 'a view');

function Neighbours() {
  const q = useLiveRun((s) => s.neighbours);
  const datasetId = useShownConfig().datasetId;
  const classNames = useDatasetStore((s) => s.manifests.find((m) => m.id === datasetId)?.classNames ?? null);
  if (!q) return <p className="muted">Click any image above to see its nearest neighbours.</p>;
  const list = q.result?.neighbours ?? [];
  return (
    <div data-testid="neighbours" data-count={list.length}>
      <h3 style={{ fontSize: 13, margin: '8px 0 4px' }}>Nearest held-out images of {q.title}</h3>
      {q.error ? (
        <p className="muted" data-testid="neighbours-error">
          {q.error}
        </p>
      ) : !q.result ? (
        <p className="muted">Searching…</p>
      ) : (
        <>
          <p className="muted" style={{ fontSize: 12 }}>
            Cosine similarity of backbone features (inference mode, current weights) among the first{' '}
            {q.result.reference} test images.
          </p>
          <div style={wrapStyle}>
            {list.map((n, i) => (
              <div key={i} data-testid="neighbour" style={captionStyle}>
                <ImageCanvas image={n.image} size={56} testId="neighbour-image" />
                <div>
                  {n.similarity.toFixed(3)}
                  <br />
                  {n.label === null ? '' : (classNames?.[n.label] ?? `class ${n.label}`)}
                </div>
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

export function GalleryPanel() {
  const g = useLiveRun((s) => s.gallery);
  const empty = g.loss.length + g.adversarial.length + g.cutmix.length === 0;
  return (
    <Panel
      title="Hard-example gallery"
      testId="gallery-panel"
      wide
      explain={
        <>
          <p>
            The hardest examples seen so far, kept across read-backs: the training views with the highest loss
            right now, the adversarial views that moved furthest from their own pseudo-label (the biggest drop
            of its logit), and the cut-mixes with the largest pasted box.
          </p>
          <p>
            Click an image to see which held-out images the model finds most similar to it: a view of a
            &ldquo;7&rdquo; among &ldquo;1&rdquo;s tells you why it is hard.
          </p>
        </>
      }
    >
      {empty ? (
        <p className="muted">Appears with the first read-back of a run.</p>
      ) : (
        <>
          <h3 style={{ fontSize: 13, margin: '4px 0' }}>Highest clean loss</h3>
          <div style={wrapStyle}>
            {g.loss.map((it) => (
              <div key={it.key} data-testid="gallery-loss-item" style={captionStyle}>
                <Pick image={it.image} title={sample(it.index)} testId="gallery-loss-image" />
                <div>
                  #{it.index} · {it.loss.toFixed(3)}
                  <br />
                  <span className="muted">step {it.step}</span>
                </div>
              </div>
            ))}
          </div>
          {g.adversarial.length > 0 && (
            <>
              <h3 style={{ fontSize: 13, margin: '8px 0 4px' }}>Largest pseudo-label change (adversarial)</h3>
              <div style={wrapStyle}>
                {g.adversarial.map((it) => (
                  <div key={it.key} data-testid="gallery-adv-item" style={{ ...captionStyle, width: 180 }}>
                    <div style={{ display: 'flex', gap: 2 }}>
                      <Pick
                        image={it.clean}
                        title={`${sample(it.index)} (clean)`}
                        testId="gallery-adv-clean"
                      />
                      <ImageCanvas
                        data={divergingImage(
                          it.perturbation,
                          it.clean.width,
                          it.clean.height,
                          it.clean.channels,
                          it.scale,
                        )}
                        size={56}
                        testId="gallery-adv-delta"
                      />
                      <Pick
                        image={it.adversarial}
                        title={`${sample(it.index)} (adversarial)`}
                        testId="gallery-adv-view"
                      />
                    </div>
                    logit {it.logitBefore.toFixed(2)} → {it.logitAfter.toFixed(2)}, rank {it.rankBefore} →{' '}
                    {it.rankAfter}
                    <br />
                    <span className="muted">
                      #{it.index} · step {it.step}
                    </span>
                  </div>
                ))}
              </div>
            </>
          )}
          {g.cutmix.length > 0 && (
            <>
              <h3 style={{ fontSize: 13, margin: '8px 0 4px' }}>Most mixed cut-mixes</h3>
              <div style={wrapStyle}>
                {g.cutmix.map((it) => (
                  <div key={it.key} data-testid="gallery-mix-item" style={{ ...captionStyle, width: 180 }}>
                    <div style={{ display: 'flex', gap: 2 }}>
                      <Pick image={it.own} title={`${sample(it.index)} (own)`} testId="gallery-mix-own" />
                      <Pick image={it.partner} title="its partner" testId="gallery-mix-partner" />
                      <Pick
                        image={it.mixed}
                        overlay={{ mask: it.mask }}
                        title={`${sample(it.index)} (mixed)`}
                        testId="gallery-mix-view"
                      />
                    </div>
                    λ = {it.lambda.toFixed(2)}
                    <br />
                    <span className="muted">
                      #{it.index} · step {it.step}
                    </span>
                  </div>
                ))}
              </div>
            </>
          )}
        </>
      )}
      <Neighbours />
    </Panel>
  );
}
