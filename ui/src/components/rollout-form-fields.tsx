import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '../api/rollout-api.js';
import { problemPath } from '../api/rollout-api.js';

/** The problems the server named for the field at `key` (`selector.tagsAll`), or under it (`waves.1`). */
export function problemsAt(problems: readonly FieldProblem[], key: string): FieldProblem[] {
  return problems.filter((problem) => {
    const path = problemPath(problem);
    return path === key || path.startsWith(`${key}.`);
  });
}

/** A labelled text input with its hint and the server's problems with it, both tied to it for screen readers. */
export function TextField(props: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onInput: (value: string) => void;
  readonly hint?: ComponentChildren;
  readonly problems: readonly FieldProblem[];
  readonly required?: boolean;
  readonly inputMode?: 'numeric' | 'decimal' | 'text';
  readonly multiline?: boolean;
}) {
  const hintId = `${props.id}-hint`;
  const errorId = `${props.id}-error`;
  const described = [props.hint === undefined ? '' : hintId, props.problems.length > 0 ? errorId : '']
    .filter((id) => id !== '')
    .join(' ');
  const common = {
    id: props.id,
    value: props.value,
    'aria-describedby': described === '' ? undefined : described,
    'aria-invalid': props.problems.length > 0 ? ('true' as const) : undefined,
    required: props.required,
    autoComplete: 'off',
    spellcheck: false,
  };
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.multiline === true ? (
        <textarea {...common} rows={3} onInput={(event) => props.onInput(event.currentTarget.value)} />
      ) : (
        <input
          {...common}
          type="text"
          inputMode={props.inputMode}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      )}
      {props.hint !== undefined && (
        <span class="hint" id={hintId}>
          {props.hint}
        </span>
      )}
      {props.problems.length > 0 && (
        <span class="field-error" id={errorId}>
          {props.problems.map((problem) => problem.message).join('; ')}
        </span>
      )}
    </div>
  );
}
