import { useMemo } from 'react';
import { methodGenerators, methodInfo } from '../../shared/catalog';
import { useLiveRun } from '../../state/liveRunStore';
import { useShownConfig } from '../useShownConfig';
import { Panel } from '../components/Panel';
import { StepChart, useRunMarkers } from './charts';

export function HardExampleChart() {
  const markers = useRunMarkers();
  const metrics = useLiveRun((s) => s.metrics);
  const method = methodInfo(useShownConfig().method);
  // The statistics each generator of the shown method declares for this chart.
  const own = useMemo(
    () => methodGenerators(method).flatMap((g) => g.metrics.filter((m) => m.chart === 'hard')),
    [method],
  );
  const data = useMemo(
    () =>
      metrics
        .filter((m) => own.some((s) => m.values[s.key] !== undefined))
        .map((m) => ({ step: m.step, ...m.values })),
    [metrics, own],
  );
  const series = useMemo(() => {
    const shares = own.filter((s) => s.axis !== 'right');
    const logits = own.filter((s) => s.axis === 'right');
    const line = (s: (typeof own)[number]) => ({ key: s.key, label: s.label, color: s.color, axis: s.axis });
    return [
      ...shares.map(line),
      { key: 'pretext_acc', label: 'pretext accuracy (clean)', color: '#2ca02c' },
      { key: 'pos_logit', label: 'own-label logit (clean)', color: '#1f77b4', axis: 'right' as const },
      ...logits.map(line),
    ];
  }, [own]);
  return (
    <Panel
      title="Hard-example statistics"
      testId="hard-panel"
      explain="Flip rate: the share of adversarial queries whose own pseudo-label is no longer the model's top choice. λ: the mean share of own pixels in cut-mixed views. Mean λ (mix-up): the mean weight of the own image in mixed-up views (about 0.5, since λ ~ Beta(a, a) is symmetric). Pretext accuracy: the share of clean queries whose own pseudo-label is the top choice. Own-label logit: the mean score of the own pseudo-label on clean and on adversarial views (the attack pushes it down)."
    >
      <StepChart
        markers={markers}
        testId="hard-chart"
        data={data}
        leftLabel="share"
        rightLabel="logit"
        yDomain={[0, 1]}
        series={series}
      />
    </Panel>
  );
}
