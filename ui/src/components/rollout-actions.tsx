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
        ? 'Advance (completes the rollout)'
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

/**
 * The operator actions the rollout's state allows (start, pause, resume, advance, abort), abort
 * after a confirmation. The server's answer is the rollout as it now stands.
 */
export function RolloutActions({
  rollout,
  onChanged,
}: {
  readonly rollout: Rollout;
  readonly onChanged: (rollout: Rollout) => void;
}) {
  const [busy, setBusy] = useState<RolloutAction | undefined>(undefined);
  const [confirmAbort, setConfirmAbort] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirmAbort) confirmButton.current?.focus();
  }, [confirmAbort]);

  const allowed = ROLLOUT_ACTIONS.filter((action) => ACTION_SOURCES[action].has(rollout.state));
  const run = (action: RolloutAction) => {
    setBusy(action);
    setError(undefined);
    setDone(undefined);
    actOnRollout(rollout.id, action)
      .then((changed) => {
        const wave = changed.waves[changed.wave];
        setDone(
          `${DONE[action]}: the rollout is ${changed.state}` +
            (changed.state === 'draft' || wave === undefined
              ? '.'
              : `, wave ${changed.wave + 1} of ${changed.waves.length} (${wave.percent}%).`),
        );
        setConfirmAbort(false);
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
                disabled={busy !== undefined || confirmAbort}
                onClick={() => setConfirmAbort(true)}
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
      {confirmAbort && allowed.includes('abort') && (
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
              onClick={() => setConfirmAbort(false)}
            >
              Keep it
            </button>
          </div>
        </div>
      )}
      <ErrorNotice message={error} />
      {done !== undefined && <StatusNotice>{done}</StatusNotice>}
    </div>
  );
}
