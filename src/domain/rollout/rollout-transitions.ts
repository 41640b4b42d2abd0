import { describeHaltReason, type HaltReason } from './halt-check.js';
import { currentWavePercent, isLastWave, type Rollout } from './rollout.js';
import type { NewRolloutEvent, RolloutEventType } from './rollout-event.js';
import type { RolloutChange } from './rollout-refusal.js';
import type { RolloutState } from './rollout-state.js';

/*
 * How a rollout moves (issue 17):
 *
 *   action        by         from               to
 *   start         operator   draft              running (wave 0)
 *   pause         operator   running            paused
 *   resume        operator   paused, halted     running (from halted: failures counted afresh from now)
 *   advance       operator   running, paused    the same state, next wave; from the last wave: completed
 *   abort         operator   any but final      aborted
 *   halt          automatic  running            halted (reason and counts kept)
 *   auto-advance  automatic  running            running, next wave (never from the last wave)
 *   complete      automatic  running            completed (only at the last wave)
 *
 * Anything else is refused with a stable code (rollout-refusal.ts), never ignored. Every action
 * that changes the rollout sets `updatedAt` and makes one event (rollout-event.ts).
 */

export type RolloutAction =
  | { readonly kind: 'start' | 'pause' | 'resume' | 'advance' | 'abort' }
  | { readonly kind: 'halt'; readonly reason: HaltReason }
  | { readonly kind: 'auto-advance' | 'complete' };

export type RolloutActionKind = RolloutAction['kind'];

/** The states each action may be taken from. */
export const ROLLOUT_ACTION_SOURCES: Readonly<Record<RolloutActionKind, ReadonlySet<RolloutState>>> = {
  start: new Set(['draft']),
  pause: new Set(['running']),
  resume: new Set(['paused', 'halted']),
  advance: new Set(['running', 'paused']),
  abort: new Set(['draft', 'running', 'paused', 'halted']),
  halt: new Set(['running']),
  'auto-advance': new Set(['running']),
  complete: new Set(['running']),
};

/** The rollout after `action` at `at`, with its events; or why not. */
export function applyRolloutAction(rollout: Rollout, action: RolloutAction, at: number): RolloutChange {
  if (!ROLLOUT_ACTION_SOURCES[action.kind].has(rollout.state)) {
    const allowed = [...ROLLOUT_ACTION_SOURCES[action.kind]].join(', ');
    return refuse(
      'rollout-state-conflict',
      `cannot ${action.kind} ${/^[aeiou]/.test(rollout.state) ? 'an' : 'a'} ${rollout.state} rollout (only ${allowed})`,
    );
  }
  const changed = { ...rollout, updatedAt: at };
  switch (action.kind) {
    case 'start': {
      const started: Rollout = { ...changed, state: 'running', wave: 0, startedAt: at, waveStartedAt: at };
      return done(started, event(started, at, 'rollout.started', { wave: 0, percent: currentWavePercent(started) }));
    }
    case 'pause': {
      const paused: Rollout = { ...changed, state: 'paused' };
      return done(paused, event(paused, at, 'rollout.paused', { wave: rollout.wave }));
    }
    case 'resume': {
      const haltResumedAt = rollout.state === 'halted' ? at : rollout.haltResumedAt;
      const resumed: Rollout = { ...changed, state: 'running', resumedAt: at, haltResumedAt, haltReason: null };
      return done(resumed, event(resumed, at, 'rollout.resumed', { from: rollout.state, wave: rollout.wave }));
    }
    case 'advance':
      return isLastWave(rollout) ? complete(changed, at, false) : nextWave(changed, at, false);
    case 'abort': {
      const aborted: Rollout = { ...changed, state: 'aborted', endedAt: at };
      return done(aborted, event(aborted, at, 'rollout.aborted', { from: rollout.state, wave: rollout.wave }));
    }
    case 'halt':
      return halt(changed, action.reason, at);
    case 'auto-advance':
      if (isLastWave(rollout)) return refuse('rollout-wave-conflict', 'the last wave does not advance by itself');
      return nextWave(changed, at, true);
    case 'complete':
      if (!isLastWave(rollout)) return refuse('rollout-wave-conflict', 'only the last wave completes a rollout');
      return complete(changed, at, true);
  }
}

function nextWave(rollout: Rollout, at: number, auto: boolean): RolloutChange {
  const advanced: Rollout = { ...rollout, wave: rollout.wave + 1, waveStartedAt: at };
  const detail = { from: rollout.wave, to: advanced.wave, percent: currentWavePercent(advanced), auto };
  return done(advanced, event(advanced, at, 'rollout.wave-advanced', detail));
}

function complete(rollout: Rollout, at: number, auto: boolean): RolloutChange {
  const completed: Rollout = { ...rollout, state: 'completed', endedAt: at };
  return done(completed, event(completed, at, 'rollout.completed', { wave: rollout.wave, auto }));
}

function halt(rollout: Rollout, reason: HaltReason, at: number): RolloutChange {
  const halted: Rollout = { ...rollout, state: 'halted', haltReason: reason };
  const { kind, resolved, succeeded, failed, provisional, waveDevices, failurePercent, failureCount } = reason;
  const text = describeHaltReason(reason);
  const detail = {
    reason: kind,
    text,
    resolved,
    succeeded,
    failed,
    provisional,
    waveDevices,
    failurePercent,
    failureCount,
    wave: rollout.wave,
  };
  return done(halted, event(halted, at, 'rollout.halted', detail));
}

function event(
  rollout: Rollout,
  at: number,
  type: RolloutEventType,
  detail: NewRolloutEvent['detail'],
): NewRolloutEvent {
  return { at, rolloutId: rollout.id, deviceId: null, type, detail };
}

function done(rollout: Rollout, ...events: NewRolloutEvent[]): RolloutChange {
  return { ok: true, rollout, events };
}

function refuse(code: 'rollout-state-conflict' | 'rollout-wave-conflict', message: string): RolloutChange {
  return { ok: false, refusal: { code, message } };
}
