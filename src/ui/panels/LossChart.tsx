import { useMemo } from 'react';
import { methodGenerators, methodInfo } from '../../shared/catalog';
import { useLiveRun } from '../../state/liveRunStore';
import { useShownConfig } from '../useShownConfig';
import { Panel } from '../components/Panel';
import { StepChart, useRunMarkers } from './charts';

export function LossChart() {
  const markers = useRunMarkers();
  const metrics = useLiveRun((s) => s.metrics);
  const data = useMemo(() => metrics.map((m) => ({ step: m.step, ...m.values })), [metrics]);
  const method = methodInfo(useShownConfig().method);
  // Each generator's loss term L_g, as it declares it.
  const terms = useMemo(
    () =>
      methodGenerators(method).flatMap((g) =>
        g.metrics
          .filter((m) => m.chart === 'loss')
          .map((m) => ({ key: m.key, label: m.label, color: m.color })),
      ),
    [method],
  );
  return (
    <Panel
      title="Loss and collapse monitor"
      testId="loss-panel"
      explain={
        <>
          <p>
            <b>Loss</b>: the pretext loss the model minimises (InfoNCE for MoCo). With hard examples it is the
            sum L_clean + w_adv·L_adv + w_mix·L_mix (+ w_mixup·L_mixup with mix-up on): one term per generator
            that is on.
          </p>
          <p>
            <b>Embedding std</b>: the spread of the normalised embeddings across the batch. Fully spread
            embeddings give about 1/√d. An untrained network often starts well below that (its embeddings
            point almost the same way) and training should spread them out; a fall towards 0 from its early
            value means the model is collapsing (mapping every image to the same point).
          </p>
          <p>
            MoCo&apos;s queue starts with random keys, which are easy to tell apart from real ones: for the
            first K/B steps (queue size over batch size) the loss sits below chance, ln(K+1), without the
            model having learned anything.
          </p>
        </>
      }
    >
      <StepChart
        markers={markers}
        testId="loss-chart"
        data={data}
        leftLabel="loss"
        rightLabel="emb. std"
        series={[
          { key: 'loss', label: 'total loss', color: '#1f77b4' },
          { key: 'loss_clean', label: 'L_clean', color: '#2ca02c' },
          ...terms,
          { key: 'emb_std', label: 'embedding std', color: '#9467bd', axis: 'right' },
        ]}
      />
    </Panel>
  );
}
