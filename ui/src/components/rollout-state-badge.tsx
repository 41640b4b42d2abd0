const STATE_CLASS: Readonly<Record<string, string>> = {
  draft: 'badge',
  running: 'badge badge-ok',
  paused: 'badge badge-warn',
  halted: 'badge badge-bad',
  completed: 'badge badge-ok',
  aborted: 'badge badge-bad',
};

/** A rollout's state as a badge (its word, so colour is never the only sign). */
export function RolloutStateBadge({ state }: { readonly state: string }) {
  return <span class={STATE_CLASS[state] ?? 'badge'}>{state}</span>;
}

const ATTEMPT_CLASS: Readonly<Record<string, string>> = {
  succeeded: 'badge badge-ok',
  'rolled-back': 'badge badge-bad',
  'download-failed': 'badge badge-bad',
  refused: 'badge badge-bad',
  silent: 'badge badge-warn',
};

/** An attempt's state as a badge. */
export function AttemptStateBadge({ state }: { readonly state: string }) {
  return <span class={ATTEMPT_CLASS[state] ?? 'badge'}>{state}</span>;
}
