import { useEffect, useRef, useState } from 'preact/hooks';
import { failureText } from '../api/api-error.js';
import type { Rollout, RolloutAction } from '../api/rollout-api.js';
import { ACTION_SOURCES, actOnRollout, ROLLOUT_ACTIONS } from '../api/rollout-api.js';
import { ErrorNotice, StatusNotice } from './notice.js';

function actionLabel(action: RolloutAction, rollout: Rollout): string {
  switch (action) {
    case 'start':
      return 'Start';
    case 'pause':
      return 'Pause';
    case 'resume':
      return 'Resume';
    case 'advance': {
      const next = rollout.waves[rollout.wave + 1];
      return next === undefined
        ? 'Advance (completes the rollout)…'
        : `Advance to wave ${rollout.wave + 2} (${next.percent}%)`;
    }
    case 'abort':
      return 'Abort…';
  }
}

const DONE: Readonly<Record<RolloutAction, string>> = {
  start: 'Started',
  pause: 'Paused',
  resume: 'Resumed',
  advance: 'Advanced',
  abort: 'Aborted',
};

/** Where the rollout stands, as far as a status notice is concerned. */
const standing = (rollout: Rollout) => `${rollout.state}|${rollout.wave}`;

interface Done {
  readonly text: string;
  readonly before: string;
  readonly after: string;
  readonly reached: boolean;
}

/** The actions that ask first: abort, and the advance that completes the rollout (both end it). */
type Confirming = 'abort' | 'complete';

/**
 * The operator actions the rollout's state allows (start, pause, resume, advance, abort). Those
 * that end the rollout ask first, in the page: abort, and the advance past the last wave, which
 * completes it. The server's answer is the rollout as it now stands. A status notice says what
 * the action did only until the rollout moves by itself (a halt, an automatic advance, the
 * live refresh): it is then no longer true, and goes.
 *
 * Start does not ask: a draft offers nothing until it starts, and a started rollout can be
 * paused or aborted at once; its first wave is the cautious step the waves exist for.
 */
export function RolloutActions({
  rollout,
  onChanged,
}: {
  readonly rollout: Rollout;
  readonly onChanged: (rollout: Rollout) => void;
}) {
  const [busy, setBusy] = useState<RolloutAction | undefined>(undefined);
  const [confirming, setConfirming] = useState<Confirming | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // The notice, where the rollout stood before and after the action it tells of, and whether the
  // page has shown it after (the page reloads the rollout once the server answered).
  const [done, setDone] = useState<Done | undefined>(undefined);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming !== undefined) confirmButton.current?.focus();
  }, [confirming]);
  const now = standing(rollout);
  useEffect(() => {
    if (done === undefined) return;
    if (now === done.after) {
      if (!done.reached) setDone({ ...done, reached: true });
    } else if (done.reached || now !== done.before) {
      setDone(undefined);
    }
  }, [now, done]);

  const allowed = ROLLOUT_ACTIONS.filter((action) => ACTION_SOURCES[action].has(rollout.state));
  const completes = rollout.waves[rollout.wave + 1] === undefined;
  // A confirmation whose action the rollout no longer allows (it moved meanwhile) goes.
  const asking =
    confirming === 'abort' && allowed.includes('abort')
      ? 'abort'
      : confirming === 'complete' && allowed.includes('advance') && completes
        ? 'complete'
        : undefined;
  const run = (action: RolloutAction) => {
    const before = standing(rollout);
    setBusy(action);
    setError(undefined);
    setDone(undefined);
    actOnRollout(rollout.id, action)
      .then((changed) => {
        const wave = changed.waves[changed.wave];
        setDone({
          text:
            `${DONE[action]}: the rollout is ${changed.state}` +
            (changed.state === 'draft' || wave === undefined
              ? '.'
              : `, wave ${changed.wave + 1} of ${changed.waves.length} (${wave.percent}%).`),
          before,
          after: standing(changed),
          reached: false,
        });
        setConfirming(undefined);
        onChanged(changed);
      })
      .catch((failure: unknown) => setError(failureText(failure)))
      .finally(() => setBusy(undefined));
  };

  return (
    <div data-testid="rollout-actions">
      {allowed.length === 0 ? (
        <p>No action: the rollout is {rollout.state}.</p>
      ) : (
        <div class="actions">
          {allowed.map((action) =>
            action === 'abort' ? (
              <button
                key={action}
                type="button"
                class="danger"
                disabled={busy !== undefined || asking !== undefined}
                onClick={() => setConfirming('abort')}
              >
                {actionLabel(action, rollout)}
              </button>
            ) : action === 'advance' && completes ? (
              <button
                key={action}
                type="button"
                disabled={busy !== undefined || asking !== undefined}
                onClick={() => setConfirming('complete')}
              >
                {actionLabel(action, rollout)}
              </button>
            ) : (
              <button
                key={action}
                type="button"
                class={action === 'pause' ? 'secondary' : undefined}
                disabled={busy !== undefined}
                onClick={() => run(action)}
              >
                {busy === action ? `${actionLabel(action, rollout)}…` : actionLabel(action, rollout)}
              </button>
            ),
          )}
        </div>
      )}
      {asking === 'complete' && (
        <div class="confirm" role="group" aria-labelledby="complete-confirm-text">
          <p id="complete-confirm-text">
            Complete this rollout now? This is its last wave: advancing ends it as completed, it offers nothing more,
            and it cannot be started again.
          </p>
          <div class="actions">
            <button ref={confirmButton} type="button" disabled={busy !== undefined} onClick={() => run('advance')}>
              {busy === 'advance' ? 'Completing…' : 'Yes, complete it'}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy !== undefined}
              onClick={() => setConfirming(undefined)}
            >
              Not yet
            </button>
          </div>
        </div>
      )}
      {asking === 'abort' && (
        <div class="confirm" role="group" aria-labelledby="abort-confirm-text">
          <p id="abort-confirm-text">
            Abort this rollout for good? It offers nothing more, offers not yet downloaded are taken back, and it cannot
            be started again.
          </p>
          <div class="actions">
            <button
              ref={confirmButton}
              type="button"
              class="danger"
              disabled={busy !== undefined}
              onClick={() => run('abort')}
            >
              {busy === 'abort' ? 'Aborting…' : 'Yes, abort'}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy !== undefined}
              onClick={() => setConfirming(undefined)}
            >
              Keep it
            </button>
          </div>
        </div>
      )}
      <ErrorNotice message={error} />
      {done !== undefined && <StatusNotice>{done.text}</StatusNotice>}
    </div>
  );
}
