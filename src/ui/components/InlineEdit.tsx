// A one-field form shown in place (rename a dataset, rename or tag a run): Save submits, Cancel closes.
import { useState } from 'react';

export function InlineEdit(props: {
  initial: string;
  label: string; // aria-label of the field
  maxLength?: number; // names: at most 80 characters (the worker refuses longer ones too)
  testIds: { input: string; save: string };
  onSave(text: string): void;
  onClose(): void;
}) {
  const [text, setText] = useState(props.initial);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(text);
        props.onClose();
      }}
    >
      <input
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-label={props.label}
        maxLength={props.maxLength}
        data-testid={props.testIds.input}
      />
      <button type="submit" data-testid={props.testIds.save}>
        Save
      </button>
      <button type="button" onClick={props.onClose}>
        Cancel
      </button>
    </form>
  );
}
