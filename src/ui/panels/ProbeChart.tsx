import { useMemo } from 'react';
import { wilsonInterval } from '../../shared/evaluation/interval';
import { gainText } from '../../shared/evaluation/gain';
import { useLiveRun } from '../../state/liveRunStore';
import { Panel } from '../components/Panel';
import { StepChart, useRunMarkers, type HorizontalLine } from './charts';

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

export function ProbeChart() {
  const markers = useRunMarkers();
  const metrics = useLiveRun((s) => s.metrics);
  const evals = useLiveRun((s) => s.evals);
  const baselines = useLiveRun((s) => s.baselines);
  const data = useMemo(() => {
    const rows: Record<string, number | number[]>[] = metrics
      .filter((m) => m.values.probe_acc !== undefined)
      .map((m) => ({ step: m.step, online: m.values.probe_acc! }));
    evals.forEach((e) => {
      const row: Record<string, number | number[]> = { step: e.step, linear: e.linearTop1, knn: e.knnTop1 };
      if (e.testCount) {
        // Error bars: distances below and above each reading to its 95 % interval's ends.
        const lin = wilsonInterval(e.linearTop1, e.testCount);
        const knn = wilsonInterval(e.knnTop1, e.testCount);
        row.linearCi = [e.linearTop1 - lin.low, lin.high - e.linearTop1];
        row.knnCi = [e.knnTop1 - knn.low, knn.high - e.knnTop1];
      }
      rows.push(row);
    });
    return rows.sort((a, b) => (a.step as number) - (b.step as number));
  }, [metrics, evals]);
  const lines: HorizontalLine[] = baselines
    ? [
        { y: baselines.pixels.knnTop1, label: 'kNN on raw pixels', color: '#e377c2', dash: '2 3' },
        { y: baselines.pixels.linearTop1, label: 'linear on raw pixels', color: '#1f77b4', dash: '2 3' },
        { y: baselines.randomInit.knnTop1, label: 'kNN, random init', color: '#e377c2', dash: '8 4' },
        { y: baselines.randomInit.linearTop1, label: 'linear, random init', color: '#1f77b4', dash: '8 4' },
      ]
    : [];
  const last = evals.at(-1);
  const lastCi = last?.testCount
    ? {
        linear: wilsonInterval(last.linearTop1, last.testCount),
        knn: wilsonInterval(last.knnTop1, last.testCount),
      }
    : null;
  return (
    <Panel
      title="Linear-probe accuracy"
      testId="probe-panel"
      explain={
        <>
          <p>
            Self-supervised training never sees labels. To see whether its features are useful, we fit simple
            classifiers on top of them:
          </p>
          <p>
            <b>online probe</b>: a linear classifier trained alongside, on the current batch&apos;s features
            (its accuracy is measured before each update); <b>linear probe</b>: a classifier fitted on frozen
            features of labelled train images and scored on held-out test images, every epoch; <b>kNN</b>:
            each test image takes the weighted vote of its nearest train images in feature space.
          </p>
          <p>
            Each held-out reading has an error bar: its 95 % interval (binomial, Wilson). With 1,000 held-out
            images it spans about ±3 points; with 64 it would span about ±12, so small probes cannot show
            learning.
          </p>
          <p>
            The dashed lines are what the probes score with no self-supervised training at all:{' '}
            <b>random init</b> is this run&apos;s own network before its first step, with its BatchNorm
            statistics recalibrated on the data (otherwise an untrained network looks worse than it is);{' '}
            <b>raw pixels</b> probes the images themselves, resized to the crop size. Training has taught
            something when the curves rise above the random-init lines; features beat pixels when they rise
            above the pixel lines (kNN on small digits is hard to beat).
          </p>
        </>
      }
    >
      <StepChart
        markers={markers}
        lines={lines}
        testId="probe-chart"
        data={data}
        leftLabel="accuracy"
        yDomain={[0, 1]}
        series={[
          { key: 'online', label: 'online probe (batch)', color: '#17becf' },
          { key: 'linear', label: 'linear probe (held-out)', color: '#1f77b4', errorKey: 'linearCi' },
          { key: 'knn', label: 'kNN (held-out)', color: '#e377c2', errorKey: 'knnCi' },
        ]}
      />
      {last && (
        <p data-testid="probe-summary">
          Last evaluation at step {last.step}: linear {pct(last.linearTop1)}
          {lastCi && ` (95 % interval ${pct(lastCi.linear.low)}–${pct(lastCi.linear.high)})`}, kNN{' '}
          {pct(last.knnTop1)}
          {lastCi && ` (${pct(lastCi.knn.low)}–${pct(lastCi.knn.high)})`}
          {last.testCount ? ` on ${last.testCount.toLocaleString('en')} held-out images.` : '.'}
        </p>
      )}
      {baselines && (
        <p data-testid="probe-baselines" className="muted">
          Random init (BN on data): kNN {pct(baselines.randomInit.knnTop1)}, linear{' '}
          {pct(baselines.randomInit.linearTop1)}. Raw pixels: kNN {pct(baselines.pixels.knnTop1)}, linear{' '}
          {pct(baselines.pixels.linearTop1)}.
        </p>
      )}
      {last && baselines && last.step > 0 && (
        <p data-testid="probe-gain">
          <strong>kNN</strong>:{' '}
          {gainText(last.knnTop1, baselines.randomInit.knnTop1, baselines.pixels.knnTop1)}.{' '}
          <strong>Linear</strong>:{' '}
          {gainText(last.linearTop1, baselines.randomInit.linearTop1, baselines.pixels.linearTop1)}.
        </p>
      )}
    </Panel>
  );
}
