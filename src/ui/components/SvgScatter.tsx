// The embedding view's scatter in plain SVG: hundreds of dots redrawn at every evaluation, which a recharts
// ScatterChart turned into main-thread tasks of seconds on a slow machine. One <circle> per dot, a colour per
// group, a legend; the coordinates only need a common scale (PCA and UMAP axes have no units).
import { memo, useMemo } from 'react';

const W = 640;
const H = 300;
const M = 10; // margin, viewBox units

export interface ScatterGroup {
  key: number;
  name: string;
  colour: string;
  points: { x: number; y: number }[];
}

export const SvgScatter = memo(function SvgScatter({ groups }: { groups: readonly ScatterGroup[] }) {
  const scale = useMemo(() => {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const g of groups)
      for (const p of g.points) {
        x0 = Math.min(x0, p.x);
        x1 = Math.max(x1, p.x);
        y0 = Math.min(y0, p.y);
        y1 = Math.max(y1, p.y);
      }
    const sx = x1 > x0 ? (W - 2 * M) / (x1 - x0) : 0;
    const sy = y1 > y0 ? (H - 2 * M) / (y1 - y0) : 0;
    return {
      x: (v: number) => (sx ? M + (v - x0) * sx : W / 2),
      y: (v: number) => (sy ? H - M - (v - y0) * sy : H / 2), // up is up
    };
  }, [groups]);
  return (
    <div className="svg-chart">
      <svg className="chart-surface" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="embedding scatter">
        <rect x={0.5} y={0.5} width={W - 1} height={H - 1} fill="none" stroke="#e3e3e3" />
        {groups.map((g) => (
          <g key={g.key} className="scatter-group" fill={g.colour}>
            {g.points.map((p, i) => (
              <circle key={i} className="scatter-point" cx={scale.x(p.x)} cy={scale.y(p.y)} r={3}>
                <title>{g.name}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <ul className="chart-legend">
        {groups.map((g) => (
          <li key={g.key}>
            <span className="swatch dot" style={{ background: g.colour }} /> {g.name}
          </li>
        ))}
      </ul>
    </div>
  );
});
