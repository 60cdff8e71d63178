// The comparison view: saved runs ticked "compare" in the runs panel, overlaid on one axis, with a
// summary table, the confusion matrix of one run, and the one-click ablation.
import { useEffect, useMemo } from 'react';
import {
  pruneSelection,
  setAxis,
  setBaseline,
  setConfusionRun,
  setShowEnvelope,
  setSmoothing,
  staleSelection,
  useCompareStore,
} from '../../state/compareStore';
import { COMPARE_METRICS, type RunAxis } from '../../state/compareData';
import { requestRunDetails } from '../../state/lab';
import { useSavedRuns } from '../../state/savedRunsStore';
import { Panel } from '../components/Panel';
import { CompareAblation } from './CompareAblation';
import { AXIS_LABEL, CompareChart } from './CompareCharts';
import { CompareConfusion } from './CompareConfusion';
import { CompareSummary } from './CompareSummary';
import { FinetuneCompareChart } from './FinetuneCompareChart';
import type { RunRecord } from '../../shared/records';

export function ComparePanel() {
  const s = useCompareStore();
  const saved = useSavedRuns((st) => st.runs);
  const stale = staleSelection(s.selected, s.details, saved).join('\n');
  useEffect(() => {
    if (stale) requestRunDetails(stale.split('\n'));
  }, [stale]);
  useEffect(() => pruneSelection(saved), [saved]);
  const runs = useMemo(
    () => s.selected.map((id) => s.details[id]).filter((r): r is RunRecord => r !== undefined),
    [s.selected, s.details],
  );
  const confusionRun = runs.find((r) => r.id === s.confusionRunId) ?? runs[0];
  return (
    <Panel
      title="Compare runs"
      testId="compare-panel"
      wide
      explain={
        <>
          <p>
            Tick <b>compare</b> on saved runs to overlay their charts. The <b>baseline</b> is drawn dashed and
            thicker. <b>Smoothing</b> is TensorBoard&apos;s moving average; the <b>band</b> shows the min and
            max of the raw values over the last few points.
          </p>
          <p>
            Vertical lines in a run&apos;s colour mark its events, labelled: dashed where its settings were
            changed mid-run (what changed, from → to), dotted where it was resumed from a checkpoint (the
            steps after the checkpoint were trained again). A run with mid-run changes is flagged in the table
            and never averaged with runs that did not change the same way.
          </p>
        </>
      }
    >
      <CompareAblation />
      {s.selected.length === 0 ? (
        <p className="muted" data-testid="compare-empty">
          Tick “compare” on two or more saved runs to compare them.
        </p>
      ) : (
        <>
          <div className="compare-controls">
            <label>
              x axis{' '}
              <select
                value={s.axis}
                onChange={(e) => setAxis(e.target.value as RunAxis)}
                data-testid="compare-axis"
              >
                {(Object.keys(AXIS_LABEL) as RunAxis[]).map((a) => (
                  <option key={a} value={a}>
                    {AXIS_LABEL[a]}
                  </option>
                ))}
              </select>
            </label>{' '}
            <label>
              smoothing{' '}
              <input
                type="range"
                min={0}
                max={0.95}
                step={0.05}
                value={s.smoothing}
                onChange={(e) => setSmoothing(Number(e.target.value))}
                data-testid="compare-smoothing"
              />{' '}
              {s.smoothing.toFixed(2)}
            </label>{' '}
            <label>
              <input
                type="checkbox"
                checked={s.showEnvelope}
                onChange={(e) => setShowEnvelope(e.target.checked)}
                data-testid="compare-envelope"
              />{' '}
              min/max band
            </label>{' '}
            <label>
              baseline{' '}
              <select
                value={s.baselineId ?? ''}
                onChange={(e) => setBaseline(e.target.value)}
                data-testid="compare-baseline"
              >
                {runs.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {runs.length < s.selected.length && <p className="muted">Loading the runs’ histories…</p>}
          <div className="grid" data-testid="compare-charts" data-runs={runs.length}>
            {COMPARE_METRICS.map((m) => (
              <CompareChart
                key={m.key}
                metric={m.key}
                label={m.label}
                accuracy={m.accuracy}
                runs={runs}
                baselineId={s.baselineId}
                axis={s.axis}
                smoothing={s.smoothing}
                showEnvelope={s.showEnvelope}
              />
            ))}
          </div>
          <h3>Final metrics</h3>
          <CompareSummary runs={runs} baselineId={s.baselineId} />
          <FinetuneCompareChart runs={runs} />
          {confusionRun && (
            <>
              <h3>
                Confusion matrix of{' '}
                <select
                  value={confusionRun.id}
                  onChange={(e) => setConfusionRun(e.target.value)}
                  data-testid="confusion-run"
                >
                  {runs.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </h3>
              <CompareConfusion run={confusionRun} />
            </>
          )}
        </>
      )}
    </Panel>
  );
}
