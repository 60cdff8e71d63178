// The probe's confusion matrix and per-class accuracy for one run (its last evaluation), as a heat map.
import { useDatasetStore } from '../../state/datasetStore';
import type { RunRecord } from '../../shared/records';

export function CompareConfusion({ run }: { run: RunRecord }) {
  const classNames = useDatasetStore(
    (s) => s.manifests.find((m) => m.id === run.datasetId)?.classNames ?? null,
  );
  const last = [...run.evals].reverse().find((e) => e.confusion.length > 0);
  if (!last) return <p className="muted">This run has no evaluation yet.</p>;
  const n = last.confusion.length;
  const name = (i: number) => classNames?.[i] ?? String(i);
  return (
    <div className="confusion-wrap">
      <p className="muted">
        {run.name}: linear probe at step {last.step} (rows: true class, columns: predicted; shade: share of
        the row).
      </p>
      <table className="confusion" data-testid="confusion-matrix" data-size={n}>
        <thead>
          <tr>
            <th>true \ pred</th>
            {last.confusion.map((_, j) => (
              <th key={j}>{name(j)}</th>
            ))}
            <th>accuracy</th>
          </tr>
        </thead>
        <tbody>
          {last.confusion.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0);
            const acc = last.perClass[i];
            return (
              <tr key={i} data-testid="confusion-row">
                <th>{name(i)}</th>
                {row.map((v, j) => {
                  const share = total > 0 ? v / total : 0;
                  return (
                    <td
                      key={j}
                      data-testid="confusion-cell"
                      title={`${name(i)} → ${name(j)}: ${v}`}
                      style={{
                        background: `rgba(${i === j ? '31, 119, 180' : '214, 39, 40'}, ${share.toFixed(3)})`,
                        color: share > 0.6 ? '#fff' : undefined,
                      }}
                    >
                      {v}
                    </td>
                  );
                })}
                <td data-testid="per-class">
                  {acc === undefined || !Number.isFinite(acc) ? '–' : `${(100 * acc).toFixed(0)} %`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
