import { useMemo } from 'react';
import { useLiveRun } from '../../state/liveRunStore';
import { Panel } from '../components/Panel';
import { StepChart, useRunMarkers } from './charts';

export function HardExampleChart() {
  const markers = useRunMarkers();
  const metrics = useLiveRun((s) => s.metrics);
  const data = useMemo(
    () =>
      metrics
        .filter((m) => m.values.flip_rate !== undefined || m.values.lambda !== undefined)
        .map((m) => ({
          step: m.step,
          flip: m.values.flip_rate!,
          lambda: m.values.lambda!,
          pretext: m.values.pretext_acc!,
          logit: m.values.pos_logit!,
          logitAdv: m.values.pos_logit_adv!,
        })),
    [metrics],
  );
  return (
    <Panel
      title="Hard-example statistics"
      testId="hard-panel"
      explain="Flip rate: the share of adversarial queries whose own pseudo-label is no longer the model's top choice. λ: the mean share of own pixels in cut-mixed views. Pretext accuracy: the share of clean queries whose own pseudo-label is the top choice. Own-label logit: the mean score of the own pseudo-label on clean and on adversarial views (the attack pushes it down)."
    >
      <StepChart
        markers={markers}
        testId="hard-chart"
        data={data}
        leftLabel="share"
        rightLabel="logit"
        yDomain={[0, 1]}
        series={[
          { key: 'flip', label: 'flip rate', color: '#d62728' },
          { key: 'lambda', label: 'mean λ', color: '#ff7f0e' },
          { key: 'pretext', label: 'pretext accuracy (clean)', color: '#2ca02c' },
          { key: 'logit', label: 'own-label logit (clean)', color: '#1f77b4', axis: 'right' },
          { key: 'logitAdv', label: 'own-label logit (adversarial)', color: '#9467bd', axis: 'right' },
        ]}
      />
    </Panel>
  );
}
