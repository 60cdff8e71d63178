import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLiveRun } from '../../state/liveRunStore';
import { ImageCanvas } from '../components/ImageCanvas';
import { Panel } from '../components/Panel';
import { useShownConfig } from '../useShownConfig';

/** Cluster sizes (sorted) and member strips, refreshed at every re-clustering (epoch start). */
export function ClustersPanel() {
  const snap = useLiveRun((s) => s.clusters);
  const lastLoss = useLiveRun((s) => s.metrics.at(-1)?.values.loss_clean);
  const k = useShownConfig().clusterCount;
  const stats = snap?.stats;
  const bars = stats
    ? [...stats.sizes].sort((a, b) => b - a).map((size, rank) => ({ rank: rank + 1, size }))
    : [];
  const lnK = Math.log(k);
  const stuck = lastLoss !== undefined && Math.abs(lastLoss - lnK) < 0.02 * lnK;
  const dominated = stats !== undefined && stats.largestShare[0]! > 0.5;
  return (
    <Panel
      title="Clusters"
      testId="clusters-panel"
      explain={
        <>
          <p>
            DeepCluster-v2 remembers an embedding of every training image. At the start of every epoch it
            groups them with k-means into K clusters; the cluster number becomes each image&apos;s{' '}
            <b>pseudo-label</b> for the epoch, and the model is trained to predict it from any view.
          </p>
          <p>
            The strips show images that landed in the same cluster: what the model currently groups together.
          </p>
        </>
      }
    >
      {!stats ? (
        <p className="muted">Clusters appear after the first k-means (before the first step).</p>
      ) : (
        <>
          <p data-testid="cluster-stats" data-round={stats.round}>
            Re-clustering #{stats.round} (epoch {stats.epoch}): {stats.images} images in {stats.clusters}{' '}
            clusters; empty: {stats.empty[0]}; largest cluster: {(100 * stats.largestShare[0]!).toFixed(1)} %
            {stats.nmiLabels !== null && <> · agreement with labels (NMI) {stats.nmiLabels.toFixed(3)}</>}
          </p>
          {(stuck || dominated) && (
            <div className="warning-box" role="status" data-testid="collapse-warning">
              Possible collapse:{' '}
              {stuck
                ? `the loss sits at ln K = ${lnK.toFixed(2)} (the model predicts every cluster equally). `
                : ''}
              {dominated ? 'one cluster holds most of the data. ' : ''}
              Try a lower learning rate or more clusters.
            </div>
          )}
          <div data-testid="cluster-sizes" data-bars={bars.length}>
            <ResponsiveContainer width="100%" height={140}>
              <BarChart data={bars}>
                <XAxis
                  dataKey="rank"
                  label={{ value: 'clusters, largest first', position: 'insideBottom', offset: -2 }}
                />
                <YAxis />
                <Tooltip />
                <Bar dataKey="size" name="images" fill="#3a7bd5" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          {snap.members.map((m) => (
            <div key={m.cluster} className="strip" data-testid="cluster-strip">
              <span className="muted">
                cluster {m.cluster} ({m.size})
              </span>
              {m.images.map((img, i) => (
                <ImageCanvas key={i} image={img} size={40} testId="cluster-member" />
              ))}
            </div>
          ))}
        </>
      )}
    </Panel>
  );
}
