// The live run: the one training (or last trained) in this tab, as its replies arrive: phase, metric
// points, evaluations, previews, clusters, embedding, gallery. (The saved runs list is savedRunsStore.ts;
// the IndexedDB run records are the worker's engine/data/runStore.ts.)
import { create } from 'zustand';
import type { RunPhase } from '../shared/protocol';
import { EMPTY_GALLERY, updateGallery, type Gallery } from '../shared/evaluation/galleryModel';
import type { RunEvent, TrainConfig } from '../shared/protocol';
import type {
  Baselines,
  ClusterSnapshot,
  EmbeddingSnapshot,
  EvalPoint,
  MetricsPoint,
  NeighbourResult,
  PhaseProgress,
  PreviewSet,
} from '../shared/trainingTypes';

/** Gallery: the item whose neighbours are asked for or shown. */
export interface NeighbourQuery {
  requestId: number;
  title: string; // what was clicked, for the caption
  result: NeighbourResult | null; // null while the worker searches
  error: string | null;
}

export const PREVIEW_HISTORY = 30;
const METRICS_CAP = 5000;

interface LiveRunState {
  phase: RunPhase;
  message: string;
  /** The settings the current run trains with (live changes included); null before a run starts. */
  config: TrainConfig | null;
  /** Its settings changes and resumptions, marked on the charts. */
  events: RunEvent[];
  /** The form when the run started or a change was last applied: edits since are offered to the run. */
  formAtStart: TrainConfig | null;
  metrics: MetricsPoint[];
  evals: EvalPoint[];
  /** The run's random-init (BN on data) and raw-pixel scores; null until computed. */
  baselines: Baselines | null;
  /** How far the current long phase is (evaluating, preparing), and when the phase began (ms). */
  phaseProgress: PhaseProgress | null;
  phaseSince: number;
  /** When Start was pressed (ms; 0 before any run): the wall clock. */
  startedAt: number;
  clusters: ClusterSnapshot | null; // the latest re-clustering (clustering methods)
  previews: PreviewSet[]; // the last PREVIEW_HISTORY, oldest first
  previewIndex: number | null; // null: follow the newest
  error: string | null;
  // Gallery and embedding view
  gallery: Gallery; // running top-K over read-backs
  neighbours: NeighbourQuery | null;
  embedding: EmbeddingSnapshot | null; // the latest evaluation's projections
}

const EMPTY_RUN: LiveRunState = {
  phase: 'idle',
  message: '',
  config: null,
  events: [],
  formAtStart: null,
  metrics: [],
  evals: [],
  baselines: null,
  phaseProgress: null,
  phaseSince: 0,
  startedAt: 0,
  clusters: null,
  previews: [],
  previewIndex: null,
  error: null,
  gallery: EMPTY_GALLERY,
  neighbours: null,
  embedding: null,
};

export const useLiveRun = create<LiveRunState>(() => EMPTY_RUN);

export function resetRun(): void {
  const now = Date.now();
  useLiveRun.setState({
    ...EMPTY_RUN,
    phase: 'preparing',
    message: 'Starting',
    phaseSince: now,
    startedAt: now,
  });
}

/** A status reply: the phase clock restarts when the phase or its message changes. */
export function setStatus(phase: RunPhase, message: string, progress: PhaseProgress | null): void {
  useLiveRun.setState((s) => ({
    phase,
    message,
    phaseProgress: progress,
    phaseSince: s.phase === phase && s.message === message ? s.phaseSince : Date.now(),
  }));
}

export function addMetrics(p: MetricsPoint): void {
  useLiveRun.setState((s) => {
    const metrics = [...s.metrics, p];
    // Past the cap keep every other old point, so long runs stay cheap to chart.
    return {
      metrics:
        metrics.length > METRICS_CAP ? metrics.filter((_, i) => i % 2 === 0 || i > METRICS_CAP / 2) : metrics,
    };
  });
}

export function addPreview(p: PreviewSet): void {
  useLiveRun.setState((s) => ({
    previews: [...s.previews, p].slice(-PREVIEW_HISTORY),
    gallery: updateGallery(s.gallery, p),
  }));
}

export function selectPreview(index: number | null): void {
  useLiveRun.setState({ previewIndex: index });
}

/** The preview the panels show: the selected one when scrubbing, else the newest. */
export const currentPreview = (s: LiveRunState): PreviewSet | null =>
  s.previews[s.previewIndex ?? s.previews.length - 1] ?? null;
