import { LABEL_KINDS } from '../../shared/catalog';
import { currentPreview, useLiveRun } from '../../state/liveRunStore';
import { ImageCanvas } from '../components/ImageCanvas';
import { Panel } from '../components/Panel';

export function MixupPanel() {
  const p = useLiveRun(currentPreview);
  const m = p?.mixup;
  const words = LABEL_KINDS[p?.labelKind ?? 'key'];
  const unit = `${words.unit} of`;
  return (
    <Panel
      title="Mixed-up queries"
      testId="mixup-panel"
      explain={
        <>
          <p>
            A <b>mixed-up</b> view blends the whole view with another image of the batch (its partner), pixel
            by pixel: λ × own + (1 − λ) × partner, with λ drawn from Beta(a, a) for each view. Its
            pseudo-label is mixed by the same λ: with λ = 0.7 the target is 70 % the own {words.unit} and 30 %
            the partner&apos;s.
          </p>
          <p>
            It is hard because both images are everywhere at once, each faded: the model must recognise two
            overlaid images and say how much of each it sees. The published HEXA does not use it (it is the
            paper&apos;s suggested next kind of hard example), so it starts off.
          </p>
          <p>
            Measured on MNIST with the Tiny preset (HEXA-MoCo with mix-up alone, seeds 1–3, 200 steps): kNN +9
            to +18 points over the random network, about what plain MoCo-v2 gains (+12.5 to +17) and above
            adversarial + cut-mix (+7 to +15); three seeds cannot rank them further (docs/LEARNING.md).
          </p>
        </>
      }
    >
      {!m ? (
        <p className="muted">
          {p
            ? 'Mixed-up queries are off for this method or setting (switch on “Mixed-up queries” under hard examples).'
            : 'Appears once a HEXA run with mix-up starts.'}
        </p>
      ) : (
        <table className="samples">
          <thead>
            <tr>
              <th>own view i</th>
              <th>partner view j</th>
              <th>mixed view</th>
              <th>mixed pseudo-label</th>
            </tr>
          </thead>
          <tbody>
            {m.own.map((o, i) => (
              <tr key={i} data-testid="mixup-row">
                <td>
                  <ImageCanvas image={o} testId="mixup-own" />
                </td>
                <td>
                  <ImageCanvas image={m.partner[i]} testId="mixup-partner" />
                </td>
                <td>
                  <ImageCanvas image={m.mixed[i]} testId="mixup-view" />
                </td>
                <td data-testid="mixup-label">
                  λ = {m.lambda[i]!.toFixed(2)}:{' '}
                  {words.named ? (
                    <>
                      {m.lambda[i]!.toFixed(2)} × {words.unit} {m.ownLabel[i]} +{' '}
                      {(1 - m.lambda[i]!).toFixed(2)} × {words.unit} {m.partnerLabel[i]}
                      {m.ownLabel[i] === m.partnerLabel[i] && ` (same ${words.unit}: a one-hot target)`}
                    </>
                  ) : (
                    <>
                      {m.lambda[i]!.toFixed(2)} × {unit} sample {i} + {(1 - m.lambda[i]!).toFixed(2)} × {unit}{' '}
                      sample {m.partnerIndex[i]}
                    </>
                  )}
                  {m.partnerIndex[i] === i && ' (its own partner: the view is unchanged)'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
