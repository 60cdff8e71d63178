import { LABEL_KINDS } from '../../shared/catalog';
import { currentPreview, useLiveRun } from '../../state/liveRunStore';
import { ImageCanvas } from '../components/ImageCanvas';
import { Panel } from '../components/Panel';

export function CutMixPanel() {
  const p = useLiveRun(currentPreview);
  const m = p?.cutmix;
  const words = LABEL_KINDS[p?.labelKind ?? 'key'];
  const unit = `${words.unit} of`;
  return (
    <Panel
      title="Cut-mixed queries"
      testId="cutmix-panel"
      explain={
        <>
          <p>
            A <b>cut-mixed</b> view pastes a box from another image of the batch (its partner) into the view.
            Its pseudo-label is mixed by area: if the box covers 30 % of the pixels, the target is 70 % the
            own {words.unit} and 30 % the partner&apos;s.
          </p>
          {words.soft && (
            <p>
              Here a pseudo-label is a soft code: a share of every {words.unit}. The {words.unit} named below
              is the code&apos;s largest share; the target mixes the two images&apos; whole codes.
            </p>
          )}
          <p>
            It is hard because the model must recognise both images at once, from partial evidence. The orange
            outline marks the pasted box.
          </p>
        </>
      }
    >
      {!m ? (
        <p className="muted">
          {p ? 'Cut-mixed queries are off for this method or setting.' : 'Appears once a HEXA run starts.'}
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
              <tr key={i} data-testid="mix-row">
                <td>
                  <ImageCanvas image={o} testId="mix-own" />
                </td>
                <td>
                  <ImageCanvas image={m.partner[i]} testId="mix-partner" />
                </td>
                <td>
                  <ImageCanvas image={m.mixed[i]} overlay={{ mask: m.masks[i]! }} testId="mix-view" />
                </td>
                <td data-testid="mix-label">
                  λ = {m.lambda[i]!.toFixed(2)}:{' '}
                  {words.named ? (
                    <>
                      {m.lambda[i]!.toFixed(2)} × {words.unit} {m.ownLabel[i]} +{' '}
                      {(1 - m.lambda[i]!).toFixed(2)} × {words.unit} {m.partnerLabel[i]}
                      {!words.soft &&
                        m.ownLabel[i] === m.partnerLabel[i] &&
                        ` (same ${words.unit}: a one-hot target)`}
                    </>
                  ) : (
                    <>
                      {m.lambda[i]!.toFixed(2)} × {unit} sample {i} + {(1 - m.lambda[i]!).toFixed(2)} × {unit}{' '}
                      sample {m.partnerIndex[i]}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
