// Line charts over training steps (recharts). Each chart exposes its point count for tests.
import { useRef } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { exportChart } from '../../download';

export interface Series {
  key: string;
  label: string;
  color: string;
  axis?: 'left' | 'right';
}

export function StepChart(props: {
  testId: string;
  data: Record<string, number>[];
  series: Series[];
  leftLabel: string;
  rightLabel?: string;
  yDomain?: [number, number];
}) {
  const points = props.data.length;
  const box = useRef<HTMLDivElement>(null);
  const save = (format: 'svg' | 'png') => {
    const svg = box.current?.querySelector<SVGSVGElement>('.recharts-wrapper > svg.recharts-surface'); // not a legend icon
    if (svg) void exportChart(svg, props.testId, format);
  };
  return (
    <div className="chart" data-testid={props.testId} data-points={points} ref={box}>
      {points > 0 && (
        <div className="chart-export">
          Save as{' '}
          <button className="link" onClick={() => save('svg')} data-testid={`${props.testId}-svg`}>
            SVG
          </button>{' '}
          <button className="link" onClick={() => save('png')} data-testid={`${props.testId}-png`}>
            PNG
          </button>
        </div>
      )}
      {points === 0 ? (
        <p className="muted">No points yet: they appear as training runs.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={props.data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              domain={['dataMin', 'dataMax']}
              label={{ value: 'step', position: 'insideBottomRight', offset: -2 }}
            />
            <YAxis
              yAxisId="left"
              domain={props.yDomain ?? ['auto', 'auto']}
              label={{ value: props.leftLabel, angle: -90, position: 'insideLeft' }}
            />
            {props.rightLabel && (
              <YAxis
                yAxisId="right"
                orientation="right"
                label={{ value: props.rightLabel, angle: 90, position: 'insideRight' }}
              />
            )}
            <Tooltip />
            <Legend />
            {props.series.map((s) => (
              <Line
                key={s.key}
                yAxisId={s.axis ?? 'left'}
                dataKey={s.key}
                name={s.label}
                stroke={s.color}
                dot={points < 30}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
