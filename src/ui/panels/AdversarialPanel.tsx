import { LABEL_KINDS } from '../../shared/catalog';
import { currentPreview, useLiveRun } from '../../state/liveRunStore';
import { divergingImage, ImageCanvas } from '../components/ImageCanvas';
import { Panel } from '../components/Panel';

export function AdversarialPanel() {
  const p = useLiveRun(currentPreview);
  const a = p?.adversarial;
  const words = LABEL_KINDS[p?.labelKind ?? 'key'];
  const kind = words.own;
  return (
    <Panel
      title="Adversarial queries"
      testId="adversarial-panel"
      explain={
        <>
          <p>
            An <b>adversarial example</b> is the view plus a tiny, carefully chosen change (at most ε per
            pixel) that pushes the model <i>away</i> from the right answer: here, away from the view&apos;s
            own pseudo-label (its {kind}). It is found by a few steps of gradient ascent on the loss (PGD).
          </p>
          <p>
            It is <b>hard</b> because it looks the same to us but not to the model. Training on it teaches the
            model features that small changes cannot fool. The perturbation is shown magnified (red +, blue
            −).
          </p>
        </>
      }
    >
      {!a ? (
        <p className="muted">
          {p ? 'Adversarial queries are off for this method or setting.' : 'Appears once a HEXA run starts.'}
        </p>
      ) : (
        <>
          <p className="muted" data-testid="adv-scale">
            Perturbation colour scale: ±{(a.scale * 255).toFixed(2)}/255 (budget ε ={' '}
            {(a.epsilon * 255).toFixed(1)}/255)
          </p>
          <table className="samples">
            <thead>
              <tr>
                <th>clean view</th>
                <th>perturbation</th>
                <th>adversarial view</th>
                <th>{kind}: rank, logit before → after</th>
              </tr>
            </thead>
            <tbody>
              {a.clean.map((c, i) => {
                const flipped = a.rankBefore[i] === 0 && a.rankAfter[i]! > 0; // own label lost the top-1
                return (
                  <tr key={i} data-testid="adv-row">
                    <td>
                      <ImageCanvas image={c} testId="adv-clean" />
                    </td>
                    <td>
                      <ImageCanvas
                        data={divergingImage(a.perturbation[i]!, c.width, c.height, c.channels, a.scale)}
                        testId="adv-delta"
                      />
                    </td>
                    <td>
                      <ImageCanvas image={a.adversarial[i]} testId="adv-view" />
                    </td>
                    <td>
                      {words.named && (
                        <>
                          {words.own} {a.ownLabel[i]}; predicted {a.argmaxBefore[i]} → {a.argmaxAfter[i]}
                          <br />
                        </>
                      )}
                      rank {a.rankBefore[i]} → {a.rankAfter[i]}, logit {a.logitBefore[i]!.toFixed(2)} →{' '}
                      {a.logitAfter[i]!.toFixed(2)}{' '}
                      {a.rankBefore[i]! > 0 && <span className="muted">(not top-1 before) </span>}
                      {flipped && (
                        <strong className="flipped" data-testid="adv-flipped">
                          flipped
                        </strong>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
