// One-click ablation: the four arms of the current method family over k seeds, run one after another.
import { useState } from 'react';
import { METHOD_INFO } from '../../shared/catalog';
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
  const family = METHOD_INFO[config.method].family;
  const arms = ablationVariants(family).map((v) => v.label);
  return (
    <div className="ablation" data-testid="ablation">
      <p className="muted">
        Ablation of the current settings: {arms.join(', ')}, over seeds {config.seed}…
        {config.seed + seeds - 1} ({arms.length * seeds} runs, one after another). The comparison opens when
        they are done.
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
        disabled={running || busy || invalid}
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
