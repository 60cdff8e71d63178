import type { ReactNode } from 'react';

/**
 * The inline "Delete …? [Delete] [Keep]" question every delete button asks first (datasets, runs,
 * damaged records). `children` is the question; the buttons' test ids are given by the caller.
 */
export function ConfirmDelete(props: {
  children: ReactNode;
  onDelete: () => void;
  onKeep: () => void;
  yesTestId: string;
  noTestId?: string;
  testId?: string;
}) {
  return (
    <div className="confirm" role="alertdialog" {...(props.testId ? { 'data-testid': props.testId } : {})}>
      {props.children}{' '}
      <button
        className="danger"
        data-testid={props.yesTestId}
        onClick={() => {
          props.onDelete();
          props.onKeep();
        }}
      >
        Delete
      </button>
      <button {...(props.noTestId ? { 'data-testid': props.noTestId } : {})} onClick={props.onKeep}>
        Keep
      </button>
    </div>
  );
}
