// Hard-example gallery: the highest-loss training views, and a section per hard-example generator drawn
// from its descriptor's gallery spec (catalog.ts: its title, its ranking, the images of an item and
// their captions), kept over read-backs (shared/evaluation/galleryModel.ts). Click an image: its
// nearest held-out images in the model's feature space.
import type { CSSProperties } from 'react';
import { activeGenerators, GENERATOR_INFO, type GeneratorDescriptor } from '../../shared/catalog';
import {
  galleryCount,
  shownSections,
  type GalleryItem,
  type GalleryTile,
} from '../../shared/evaluation/galleryModel';
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

const GENERATORS: readonly GeneratorDescriptor[] = Object.values(GENERATOR_INFO);
const headingStyle: CSSProperties = { fontSize: 13, margin: '8px 0 4px' };
const tileCaptionStyle: CSSProperties = { fontSize: 10, width: 56 };

/** One image of an item: a clickable view, or a signed map (not clickable: it is not an image). */
function Tile(props: { tile: GalleryTile; index: number; testId: string }) {
  const t = props.tile;
  if (t.kind === 'signed')
    return (
      <ImageCanvas
        data={divergingImage(t.values, t.width, t.height, t.channels, t.scale)}
        size={56}
        testId={props.testId}
      />
    );
  const title =
    t.of === 'sample'
      ? `${sample(props.index)} (${t.caption})`
      : `the ${t.caption} of ${sample(props.index)}`;
  return (
    <Pick
      image={t.image}
      overlay={t.mask ? { mask: t.mask } : undefined}
      title={title}
      testId={props.testId}
    />
  );
}

/** A generator's section: its items with their images, captions and numbers (test ids gallery-<short>-…). */
function Section(props: { generator: GeneratorDescriptor; items: readonly GalleryItem[] }) {
  const { generator: gen, items } = props;
  const spec = gen.gallery;
  const prefix = `gallery-${gen.short}`;
  return (
    <div data-testid={`${prefix}-section`} data-count={items.length}>
      <h3 style={headingStyle}>{spec.title}</h3>
      {items.length === 0 ? (
        <p className="muted">None yet: appears with its first read-back.</p>
      ) : (
        <div style={wrapStyle}>
          {items.map((it) => (
            <div
              key={it.key}
              data-testid={`${prefix}-item`}
              style={{ ...captionStyle, width: 62 * spec.tiles.length }}
            >
              <div style={{ display: 'flex', gap: 2 }}>
                {it.tiles.map((t) => (
                  <div key={t.id}>
                    <Tile tile={t} index={it.index} testId={`${prefix}-${t.id}`} />
                    <div className="muted" style={tileCaptionStyle}>
                      {t.caption}
                    </div>
                  </div>
                ))}
              </div>
              <span data-testid={`${prefix}-caption`}>{it.caption}</span>
              <br />
              <span className="muted">
                #{it.index} · step {it.step}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export function GalleryPanel() {
  const g = useLiveRun((s) => s.gallery);
  const config = useLiveRun((s) => s.config);
  const empty = galleryCount(g) === 0;
  const active = config ? activeGenerators(config).map((d) => d.id) : [];
  const sections = shownSections(g, active, GENERATORS);
  return (
    <Panel
      title="Hard-example gallery"
      testId="gallery-panel"
      wide
      explain={
        <>
          <p>
            The hardest examples seen so far, kept across read-backs: the training views with the highest loss
            right now, and for each hard-example generator switched on, the views it ranks hardest:
          </p>
          <ul>
            {GENERATORS.map((d) => (
              <li key={d.id}>
                {d.label}: {d.gallery.ranking}.
              </li>
            ))}
          </ul>
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
          {sections.map((d) => (
            <Section key={d.id} generator={d} items={g.sections[d.id] ?? []} />
          ))}
        </>
      )}
      <Neighbours />
    </Panel>
  );
}
