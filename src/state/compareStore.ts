// The comparison view's state: which saved runs are compared (their full records, fetched from the
// worker), the chart options, and the one-click ablation queue driven by worker replies. The pure
// data it works with (ablation list, chart rows, markers, summary) is in compareData.ts.
import { create } from 'zustand';
import type { TrainConfig } from '../shared/config';
import type { RunAxis } from '../shared/evaluation/runMath';
import type { RunSummary, WorkerReply, WorkerRequest } from '../shared/protocol';
import type { AblationItem } from './compareData';
import type { RunRecord } from '../shared/records';

// ---- Store ----

export type AblationStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface AblationState {
  status: AblationStatus;
  items: AblationItem[];
  index: number; // the item running now
  runIds: string[]; // saved runs started so far, in order
  message: string;
}

interface CompareState {
  selected: string[]; // run ids, in the order ticked
  baselineId: string | null;
  details: Record<string, RunRecord>;
  axis: RunAxis;
  smoothing: number;
  showEnvelope: boolean;
  confusionRunId: string | null;
  ablation: AblationState;
}

const IDLE_ABLATION: AblationState = { status: 'idle', items: [], index: 0, runIds: [], message: '' };

export const useCompareStore = create<CompareState>(() => ({
  selected: [],
  baselineId: null,
  details: {},
  axis: 'step',
  smoothing: 0,
  showEnvelope: false,
  confusionRunId: null,
  ablation: IDLE_ABLATION,
}));

export function toggleCompare(id: string, on: boolean): void {
  useCompareStore.setState((s) => {
    const selected = on ? [...new Set([...s.selected, id])] : s.selected.filter((x) => x !== id);
    return {
      selected,
      baselineId: s.baselineId && selected.includes(s.baselineId) ? s.baselineId : (selected[0] ?? null),
      confusionRunId:
        s.confusionRunId && selected.includes(s.confusionRunId) ? s.confusionRunId : (selected[0] ?? null),
    };
  });
}

export function setCompareSelection(ids: string[]): void {
  useCompareStore.setState({
    selected: [...ids],
    baselineId: ids[0] ?? null,
    confusionRunId: ids[0] ?? null,
  });
}

/** Drops selected runs that are no longer saved. */
export function pruneSelection(saved: readonly RunSummary[]): void {
  const ids = new Set(saved.map((r) => r.id));
  const { selected } = useCompareStore.getState();
  if (selected.some((id) => !ids.has(id))) {
    selected.filter((id) => !ids.has(id)).forEach((id) => toggleCompare(id, false));
  }
}

export const setBaseline = (id: string) => useCompareStore.setState({ baselineId: id });
export const setConfusionRun = (id: string) => useCompareStore.setState({ confusionRunId: id });
export const setAxis = (axis: RunAxis) => useCompareStore.setState({ axis });
export const setSmoothing = (smoothing: number) =>
  useCompareStore.setState({ smoothing: Math.min(0.99, Math.max(0, smoothing)) });
export const setShowEnvelope = (showEnvelope: boolean) => useCompareStore.setState({ showEnvelope });

/** Ids of selected runs whose record is missing or older than the runs list says. */
export function staleSelection(
  selected: readonly string[],
  details: Readonly<Record<string, RunRecord>>,
  saved: readonly RunSummary[],
): string[] {
  const byId = new Map(saved.map((r) => [r.id, r]));
  return selected.filter((id) => {
    const s = byId.get(id);
    const d = details[id];
    return s !== undefined && (d === undefined || d.updatedAt < s.updatedAt);
  });
}

// ---- The ablation queue (driven by worker replies; lab.ts passes it the means to act) ----

export interface AblationDriver {
  /** Starts a fresh run with this config. */
  launch(config: TrainConfig): void;
  send(req: WorkerRequest): void;
}

export function beginAblation(items: AblationItem[]): void {
  useCompareStore.setState({
    ablation: { status: 'running', items, index: 0, runIds: [], message: `run 1 of ${items.length}` },
  });
}

function finishAblation(status: AblationStatus, message: string, send: AblationDriver['send']): void {
  const { ablation } = useCompareStore.getState();
  useCompareStore.setState({ ablation: { ...ablation, status, message } });
  if (ablation.runIds.length > 0) {
    setCompareSelection(ablation.runIds);
    send({ type: 'get-runs', ids: ablation.runIds });
  }
}

/** Cancels the queue: the caller stops the current run; the runs done so far are compared. */
export function cancelAblationQueue(send: AblationDriver['send']): boolean {
  const { ablation } = useCompareStore.getState();
  if (ablation.status !== 'running') return false;
  finishAblation(
    'cancelled',
    `cancelled after ${ablation.runIds.length} of ${ablation.items.length} runs`,
    send,
  );
  return true;
}

/** Feeds a worker reply to the comparison state and the ablation queue. */
export function compareOnReply(msg: WorkerReply, driver: AblationDriver): void {
  if (msg.type === 'run-details') {
    useCompareStore.setState((s) => ({
      details: { ...s.details, ...Object.fromEntries(msg.runs.map((r) => [r.id, r])) },
    }));
    return;
  }
  const { ablation: a } = useCompareStore.getState();
  if (a.status !== 'running') return;
  const item = a.items[a.index]!;
  const currentId = a.runIds[a.index];
  switch (msg.type) {
    case 'run-started':
      if (msg.resumed || currentId !== undefined) return;
      useCompareStore.setState({
        ablation: {
          ...a,
          runIds: [...a.runIds, msg.runId],
          message: `run ${a.index + 1} of ${a.items.length}: ${item.label}, seed ${item.config.seed}`,
        },
      });
      driver.send({ type: 'run-action', id: msg.runId, action: { kind: 'rename', name: item.name } });
      driver.send({ type: 'run-action', id: msg.runId, action: { kind: 'tags', tags: ['ablation'] } });
      return;
    case 'runs': {
      if (currentId === undefined) return;
      const s = msg.runs.find((r) => r.id === currentId);
      if (s && (s.status === 'running' || s.status === 'paused')) return;
      // The current run ended (done, stopped or interrupted) and the worker is free: next one.
      const index = a.index + 1;
      if (index >= a.items.length) {
        finishAblation('done', `finished ${a.items.length} runs`, driver.send);
        return;
      }
      useCompareStore.setState({
        ablation: { ...a, index, message: `run ${index + 1} of ${a.items.length}` },
      });
      driver.launch(a.items[index]!.config);
      return;
    }
    case 'status':
      if (msg.phase === 'failed' && currentId === undefined) {
        finishAblation('failed', `run ${a.index + 1} could not start: ${msg.message}`, driver.send);
      }
      return;
    case 'run-error':
      if (currentId === undefined) {
        finishAblation('failed', `run ${a.index + 1} could not start: ${msg.message}`, driver.send);
      }
      return;
    case 'device-lost':
      finishAblation('failed', msg.message, driver.send);
      return;
  }
}
