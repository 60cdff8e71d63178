import type { ReactNode } from 'react';

/** A titled box; `explain` is a short plain-language note for students, folded by default. */
export function Panel(props: {
  title: string;
  testId: string;
  explain?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <section
      className={`panel${props.wide ? ' wide' : ''}`}
      data-testid={props.testId}
      aria-label={props.title}
    >
      <h2>{props.title}</h2>
      {props.explain && (
        <details className="explain">
          <summary>What is this?</summary>
          <div>{props.explain}</div>
        </details>
      )}
      {props.children}
    </section>
  );
}

export function ProgressBar(props: { value: number; max: number; testId: string; label: string }) {
  const pct = props.max > 0 ? Math.min(100, (100 * props.value) / props.max) : 0;
  return (
    <div
      className="progress"
      data-testid={props.testId}
      role="progressbar"
      aria-label={props.label}
      aria-valuenow={Math.round(pct)}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function ErrorNote(props: { testId: string; children: ReactNode }) {
  return (
    <div className="error" role="alert" data-testid={props.testId}>
      {props.children}
    </div>
  );
}
