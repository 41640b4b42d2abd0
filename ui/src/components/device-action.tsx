import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { failureText } from '../api/api-error.js';
import { ErrorNotice, StatusNotice } from './notice.js';

/** The sections' ways of clearing their success notice, called as any section's action starts. */
const actionStarts = new Set<() => void>();

export interface Action {
  /**
   * Runs `work`; on success says `done` (or what `done` makes of the answer; '' says nothing,
   * for a change the section shows by itself) and calls `after`.
   */
  readonly run: <T>(work: () => Promise<T>, done: string | ((value: T) => string)) => Promise<boolean>;
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly status: string | undefined;
}

/**
 * One section's changes: one at a time (its buttons are disabled meanwhile), the server's
 * refusal in words when it refuses, a status line when it is done, and then `after` (a reload).
 * Starting an action clears every section's status line (a success notice stays only until the
 * operator does something else).
 */
export function useAction(after: () => void): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const mounted = useRef(true);
  const then = useRef(after);
  then.current = after;
  const self = useRef<() => void>(() => setStatus(undefined));
  useEffect(() => {
    const clear = self.current;
    actionStarts.add(clear);
    return () => {
      mounted.current = false;
      actionStarts.delete(clear);
    };
  }, []);

  const run = async <T,>(work: () => Promise<T>, done: string | ((value: T) => string)): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    // Another section's success notice is old news once this action is taken.
    for (const clear of actionStarts) clear();
    try {
      const value = await work();
      const text = typeof done === 'string' ? done : done(value);
      if (mounted.current) setStatus(text === '' ? undefined : text);
      return true;
    } catch (failure) {
      if (mounted.current) setError(failureText(failure));
      return false;
    } finally {
      if (mounted.current) setBusy(false);
      then.current();
    }
  };
  return { run, busy, error, status };
}

/** What the last action of a section came to: the refusal, or the status line. */
export function ActionOutcome({ action }: { readonly action: Action }) {
  return (
    <>
      <ErrorNotice message={action.error} />
      {action.status !== undefined && <StatusNotice>{action.status}</StatusNotice>}
    </>
  );
}

/**
 * A button whose action needs a second, deliberate press: the first shows "Confirm …" and
 * "Cancel" (focus goes to the confirmation), the second does it. No browser dialog.
 */
export function ConfirmButton(props: {
  readonly label: string;
  readonly confirmLabel: string;
  readonly disabled?: boolean;
  readonly onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useLayoutEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button ref={first} type="button" class="danger" disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span class="fleet-confirm">
      <button
        ref={confirm}
        type="button"
        class="danger"
        disabled={props.disabled}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </button>
      <button type="button" class="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
