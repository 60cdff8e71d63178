// A saved run's fine-tuning: the fraction of labels, a button, progress with its stage and Cancel, and
// the results (trained network beside its random init) on the run's card, as lines and as a chart.
import { useState } from 'react';
import { cancelFinetune, startFinetune } from '../../state/lab';
import { useSavedRuns } from '../../state/savedRunsStore';
import type { RunSummary } from '../../shared/protocol';
import {
  FINETUNE_FRACTIONS,
  type FinetuneFraction,
  type FinetuneProgressInfo,
} from '../../shared/trainingTypes';
import { describeFinetunePair, finetunePairs, fractionLabel } from '../../shared/evaluation/finetunePoints';
import { ErrorNote, ProgressBar } from '../components/Panel';
import { FinetuneChart } from './FinetuneChart';

const STAGE_LABEL = {
  reading: 'Reading the labelled images',
  training: 'Fine-tuning',
  testing: 'Scoring the held-out images',
} as const;

/** Progress over both networks: each half; reading to 10 %, training to 90 %, testing to 100 % of it. */
function finetunePercent(p: FinetuneProgressInfo): number {
  const f = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const within = p.stage === 'reading' ? 0.1 * f : p.stage === 'training' ? 0.1 + 0.8 * f : 0.9 + 0.1 * f;
  return 50 * (Number(p.fromRandomInit) + within);
}

export function RunFinetune({ r, busy }: { r: RunSummary; busy: boolean }) {
  const [fraction, setFraction] = useState<FinetuneFraction>(0.01);
  const job = useSavedRuns((s) => s.finetune);
  const mine = job?.runId === r.id ? job : null;
  const anyRunning = job?.running ?? false;
  const pairs = finetunePairs(r.finetunes);
  const p = mine?.progress;
  return (
    <div className="finetune" data-testid="run-finetune">
      <p className="muted" data-testid="finetune-help">
        Fine-tuning trains the whole network plus a classifier on a few labelled images and scores it on
        held-out ones; the same network from random init is fine-tuned beside it, so the gain is what
        pre-training taught.
      </p>
      <label>
        Labels{' '}
        <select
          value={fraction}
          onChange={(e) => setFraction(Number(e.target.value) as FinetuneFraction)}
          disabled={anyRunning}
          data-testid="finetune-fraction"
        >
          {FINETUNE_FRACTIONS.map((f) => (
            <option key={f} value={f}>
              {fractionLabel(f)}
            </option>
          ))}
        </select>
      </label>{' '}
      <button
        className="link"
        disabled={anyRunning || busy}
        onClick={() => startFinetune(r.id, fraction, r.seed)}
        data-testid="finetune-start"
        title={busy ? 'A run is training: fine-tune when it has ended' : undefined}
      >
        Fine-tune
      </button>
      {mine?.running && (
        <div className="job" data-testid="finetune-progress" data-stage={p?.stage ?? 'starting'}>
          <span className="muted" data-testid="finetune-stage">
            {p
              ? `${p.fromRandomInit ? 'Random init' : 'Trained network'}: ${STAGE_LABEL[p.stage]} (${p.done}/${p.total})${p.loss !== undefined ? `, loss ${p.loss.toFixed(3)}` : ''}`
              : `Starting (${fractionLabel(mine.fraction)} of labels)`}
            …
          </span>
          <ProgressBar
            testId="finetune-bar"
            value={p ? finetunePercent(p) : 0}
            max={100}
            label="Fine-tuning progress"
          />
          <button className="link" onClick={cancelFinetune} data-testid="finetune-cancel">
            Cancel
          </button>
        </div>
      )}
      {mine?.error && <ErrorNote testId="finetune-error">{mine.error}</ErrorNote>}
      {pairs.length > 0 && (
        <ul className="finetune-results" data-testid="finetune-results">
          {pairs.map((pair) => (
            <li
              key={pair.fraction}
              data-testid="finetune-result"
              data-fraction={pair.fraction}
              data-top1={pair.trained?.top1 ?? ''}
              data-random-top1={pair.randomInit?.top1 ?? ''}
            >
              {describeFinetunePair(pair)}
            </li>
          ))}
        </ul>
      )}
      <FinetuneChart points={r.finetunes} />
    </div>
  );
}
