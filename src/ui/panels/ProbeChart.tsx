import { useMemo } from 'react';
import { useRunStore } from '../../state/runStore';
import { Panel } from '../components/Panel';
import { StepChart, useRunMarkers } from './charts';

export function ProbeChart() {
  const markers = useRunMarkers();
  const metrics = useRunStore((s) => s.metrics);
  const evals = useRunStore((s) => s.evals);
  const data = useMemo(() => {
    const rows: Record<string, number>[] = metrics
      .filter((m) => m.values.probe_acc !== undefined)
      .map((m) => ({ step: m.step, online: m.values.probe_acc! }));
    evals.forEach((e) => rows.push({ step: e.step, linear: e.linearTop1, knn: e.knnTop1 }));
    return rows.sort((a, b) => a.step! - b.step!);
  }, [metrics, evals]);
  const last = evals.at(-1);
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
        </>
      }
    >
      <StepChart
        markers={markers}
        testId="probe-chart"
        data={data}
        leftLabel="accuracy"
        yDomain={[0, 1]}
        series={[
          { key: 'online', label: 'online probe (batch)', color: '#17becf' },
          { key: 'linear', label: 'linear probe (held-out)', color: '#1f77b4' },
          { key: 'knn', label: 'kNN (held-out)', color: '#e377c2' },
        ]}
      />
      {last && (
        <p data-testid="probe-summary">
          Last evaluation at step {last.step}: linear {(100 * last.linearTop1).toFixed(1)} %, kNN{' '}
          {(100 * last.knnTop1).toFixed(1)} %.
        </p>
      )}
    </Panel>
  );
}
