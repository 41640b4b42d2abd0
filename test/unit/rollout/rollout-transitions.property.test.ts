import { expect } from 'chai';
import fc from 'fast-check';
import type { HaltReason } from '../../../src/domain/rollout/halt-check.js';
import type { Rollout } from '../../../src/domain/rollout/rollout.js';
import type { RolloutEventType } from '../../../src/domain/rollout/rollout-event.js';
import type { RolloutState } from '../../../src/domain/rollout/rollout-state.js';
import { applyRolloutAction, type RolloutAction } from '../../../src/domain/rollout/rollout-transitions.js';
import { rollout, T0 } from './support/rollout-fixtures.js';

const REASON: HaltReason = {
  kind: 'failure-count',
  resolved: 12,
  succeeded: 2,
  failed: 10,
  provisional: 0,
  waveDevices: null,
  failurePercent: 90,
  failureCount: 10,
};

/**
 * The state diagram, written out from the issue rather than from the code: for each
 * action, the states it may be taken from and the state it leads to (advance keeps the state,
 * or completes from the last wave).
 */
const TABLE: Readonly<Record<RolloutAction['kind'], { from: readonly RolloutState[]; to: RolloutState | 'same' }>> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused', 'halted'], to: 'running' },
  advance: { from: ['running', 'paused'], to: 'same' },
  abort: { from: ['draft', 'running', 'paused', 'halted'], to: 'aborted' },
  halt: { from: ['running'], to: 'halted' },
  'auto-advance': { from: ['running'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
};

const actions: fc.Arbitrary<RolloutAction> = fc.constantFrom(
  ...(Object.keys(TABLE) as RolloutAction['kind'][]).map(
    (kind) => (kind === 'halt' ? { kind, reason: REASON } : { kind }) as RolloutAction,
  ),
);

const scenarios = fc.record({
  waves: fc.integer({ min: 1, max: 4 }).map((n) => [1, 10, 50, 100].slice(4 - n)),
  steps: fc.array(fc.tuple(actions, fc.nat(10_000)), { maxLength: 30 }),
});

describe('rollout transitions (properties)', () => {
  it('draws scenarios that take every action from every state the table allows (the properties are not vacuous)', () => {
    const seen = new Set<string>();
    for (const { waves, steps } of fc.sample(scenarios, { numRuns: 2_000, seed: 17 })) {
      let current: Rollout = rollout({ waves }, 'draft');
      for (const [action] of steps) {
        const change = applyRolloutAction(current, action, T0);
        if (!change.ok) continue;
        seen.add(`${action.kind} from ${current.state}`);
        current = change.rollout;
      }
    }
    for (const [kind, { from }] of Object.entries(TABLE)) {
      for (const state of from) expect([...seen]).to.include(`${kind} from ${state}`);
    }
  });

  it('moves only as the table says (final states take no action), and the wave only forward by one', () => {
    fc.assert(
      fc.property(scenarios, ({ waves, steps }) => {
        let current: Rollout = rollout({ waves }, 'draft');
        let at = T0;
        for (const [action, gap] of steps) {
          at += gap;
          const change = applyRolloutAction(current, action, at);
          const row = TABLE[action.kind];
          const last = current.wave === waves.length - 1;
          const waveAllows = action.kind === 'auto-advance' ? !last : action.kind === 'complete' ? last : true;
          const allowed = row.from.includes(current.state) && waveAllows;
          expect(change.ok, `${action.kind} from ${current.state} at wave ${current.wave}`).to.equal(allowed);
          if (!change.ok) {
            expect(change.refusal.code).to.be.oneOf(['rollout-state-conflict', 'rollout-wave-conflict']);
            continue;
          }
          const next = change.rollout;
          const expected = row.to === 'same' ? (last ? 'completed' : current.state) : row.to;
          expect(next.state).to.equal(expected);
          expect(next.updatedAt).to.equal(at);
          expect(next.wave).to.be.within(0, waves.length - 1);
          expect(next.wave - current.wave).to.be.oneOf(
            action.kind === 'advance' || action.kind === 'auto-advance' ? [0, 1] : [0],
          );
          expect(next.definition).to.equal(current.definition);
          current = next;
        }
        if (current.state === 'completed' || current.state === 'aborted') expect(current.endedAt).to.not.equal(null);
      }),
    );
  });

  it('makes one event per change, for the rollout (no device): the events the issue names, and a pause', () => {
    const EVENT: Readonly<Partial<Record<RolloutState, RolloutEventType>>> = {
      completed: 'rollout.completed',
      aborted: 'rollout.aborted',
      halted: 'rollout.halted',
    };
    fc.assert(
      fc.property(scenarios, ({ waves, steps }) => {
        let current: Rollout = rollout({ waves }, 'draft');
        for (const [action, gap] of steps) {
          const change = applyRolloutAction(current, action, T0 + gap);
          if (!change.ok) continue;
          const next = change.rollout;
          const expected: RolloutEventType[] =
            action.kind === 'pause'
              ? ['rollout.paused']
              : action.kind === 'start'
                ? ['rollout.started']
                : action.kind === 'resume'
                  ? ['rollout.resumed']
                  : next.wave !== current.wave
                    ? ['rollout.wave-advanced']
                    : [EVENT[next.state] ?? ('no event named for this move' as RolloutEventType)];
          expect(change.events.map((event) => event.type)).to.deep.equal(expected);
          for (const event of change.events) expect(event).to.include({ rolloutId: current.id, deviceId: null });
          current = next;
        }
      }),
    );
  });
});
