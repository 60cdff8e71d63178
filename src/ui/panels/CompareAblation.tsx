// One-click ablation: the arms of the current method (its descriptor's list) over k seeds, one after another.
import { useState } from 'react';
import { useCompareStore } from '../../state/compareStore';
import { ablationVariants } from '../../state/compareData';
import { useConfigStore } from '../../state/configStore';
import { cancelAblation, startAblation } from '../../state/lab';
import { useLiveRun } from '../../state/liveRunStore';

export function CompareAblation() {
  const [seeds, setSeeds] = useState(1);
  const config = useConfigStore((s) => s.config);
  const invalid = useConfigStore((s) => s.issues.length > 0);
  const ablation = useCompareStore((s) => s.ablation);
  const busy = ['preparing', 'training', 'evaluating', 'paused'].includes(useLiveRun((s) => s.phase));
  const running = ablation.status === 'running';
  const arms = ablationVariants(config.method).map((v) => v.label);
  const none = arms.length < 2; // a method without a HEXA variant: nothing to ablate
  return (
    <div className="ablation" data-testid="ablation">
      <p className="muted">
        {none
          ? 'This method has no hard-example variant: there is no ablation to run.'
          : `Ablation of the current settings: ${arms.join(', ')}, over seeds ${config.seed}…` +
            `${config.seed + seeds - 1} (${arms.length * seeds} runs, one after another). The comparison opens when they are done.`}
      </p>
      <label>
        Seeds{' '}
        <input
          type="number"
          min={1}
          max={10}
          value={seeds}
          disabled={running}
          onChange={(e) => setSeeds(Math.max(1, Math.min(10, Math.floor(Number(e.target.value)) || 1)))}
          data-testid="ablation-seeds"
        />
      </label>{' '}
      <button
        onClick={() => startAblation(seeds)}
        disabled={running || busy || invalid || none}
        data-testid="ablation-start"
      >
        Run ablation
      </button>{' '}
      {running && (
        <button className="danger" onClick={cancelAblation} data-testid="ablation-cancel">
          Cancel ablation
        </button>
      )}
      <span
        className="muted"
        role="status"
        data-testid="ablation-status"
        data-state={ablation.status}
        data-done={ablation.runIds.length}
        data-total={ablation.items.length}
      >
        {' '}
        {ablation.status === 'idle' ? '' : `${ablation.status}: ${ablation.message}`}
      </span>
    </div>
  );
}
