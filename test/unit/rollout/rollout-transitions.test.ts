import { expect } from 'chai';
import type { HaltReason } from '../../../src/domain/rollout/halt-check.js';
import { countingSince, type Rollout } from '../../../src/domain/rollout/rollout.js';
import type { RolloutChange } from '../../../src/domain/rollout/rollout-refusal.js';
import { applyRolloutAction, type RolloutAction } from '../../../src/domain/rollout/rollout-transitions.js';
import { MINUTE, rollout, T0 } from './support/rollout-fixtures.js';

const REASON: HaltReason = {
  kind: 'failure-percent',
  resolved: 10,
  succeeded: 7,
  failed: 3,
  provisional: 0,
  waveDevices: null,
  failurePercent: 20,
  failureCount: 10,
};

const act = (from: Rollout, action: RolloutAction, after = MINUTE): Rollout => {
  const change = applyRolloutAction(from, action, T0 + after);
  if (!change.ok) throw new Error(change.refusal.message);
  return change.rollout;
};
const eventsOf = (change: RolloutChange) => (change.ok ? change.events.map((e) => [e.type, e.detail]) : change);

describe('rollout transitions', () => {
  it('start: draft -> running at wave 0, the wave beginning now', () => {
    const change = applyRolloutAction(rollout({}, 'draft'), { kind: 'start' }, T0 + MINUTE);
    expect(change.ok && change.rollout).to.include({
      state: 'running',
      wave: 0,
      startedAt: T0 + MINUTE,
      waveStartedAt: T0 + MINUTE,
    });
    expect(eventsOf(change)).to.deep.equal([['rollout.started', { wave: 0, percent: 1 }]]);
  });

  it('pause: running -> paused, with its event (a live view shows the pause)', () => {
    const change = applyRolloutAction(rollout(), { kind: 'pause' }, T0 + MINUTE);
    expect(change.ok && change.rollout.state).to.equal('paused');
    expect(eventsOf(change)).to.deep.equal([['rollout.paused', { wave: 0 }]]);
  });

  it('resume: halted -> running, counting afresh from the resume, the halt reason cleared', () => {
    const from: Rollout = { ...rollout({}, 'halted'), haltReason: REASON };
    const change = applyRolloutAction(from, { kind: 'resume' }, T0 + 5 * MINUTE);
    expect(change.ok && change.rollout).to.include({
      state: 'running',
      resumedAt: T0 + 5 * MINUTE,
      haltResumedAt: T0 + 5 * MINUTE,
      haltReason: null,
    });
    expect(change.ok && countingSince(change.rollout)).to.equal(T0 + 5 * MINUTE);
    expect(eventsOf(change)).to.deep.equal([['rollout.resumed', { from: 'halted', wave: 0 }]]);
  });

  it('resume: paused -> running, counting on from where it did (a pause judges nothing)', () => {
    // Found by a review: a pause and a resume cleared a failure count short of the halt rule.
    for (const haltResumedAt of [null, T0 + 2 * MINUTE]) {
      const running = { ...rollout({}, 'running'), haltResumedAt };
      const before = countingSince(running);
      const paused = act(running, { kind: 'pause' }, 3 * MINUTE);
      const change = applyRolloutAction(paused, { kind: 'resume' }, T0 + 5 * MINUTE);
      expect(change.ok && change.rollout).to.include({ state: 'running', resumedAt: T0 + 5 * MINUTE, haltResumedAt });
      expect(change.ok && countingSince(change.rollout)).to.equal(before);
      expect(eventsOf(change)).to.deep.equal([['rollout.resumed', { from: 'paused', wave: 0 }]]);
    }
  });

  it('advance: the next wave, from running or paused (staying paused), the wave beginning now', () => {
    const change = applyRolloutAction(rollout(), { kind: 'advance' }, T0 + MINUTE);
    expect(change.ok && change.rollout).to.include({ state: 'running', wave: 1, waveStartedAt: T0 + MINUTE });
    expect(eventsOf(change)).to.deep.equal([['rollout.wave-advanced', { from: 0, to: 1, percent: 10, auto: false }]]);
    expect(act(rollout({}, 'paused', 2), { kind: 'advance' })).to.include({ state: 'paused', wave: 3 });
  });

  it('advance past the last wave completes', () => {
    const change = applyRolloutAction(rollout({}, 'running', 3), { kind: 'advance' }, T0 + MINUTE);
    expect(change.ok && change.rollout).to.include({ state: 'completed', wave: 3, endedAt: T0 + MINUTE });
    expect(eventsOf(change)).to.deep.equal([['rollout.completed', { wave: 3, auto: false }]]);
  });

  it('abort: from any state but completed and aborted', () => {
    for (const state of ['draft', 'running', 'paused', 'halted'] as const) {
      const change = applyRolloutAction(rollout({}, state), { kind: 'abort' }, T0 + MINUTE);
      expect(change.ok && change.rollout).to.include({ state: 'aborted', endedAt: T0 + MINUTE });
      expect(eventsOf(change)).to.deep.equal([['rollout.aborted', { from: state, wave: 0 }]]);
    }
  });

  it('halt: running -> halted, keeping the reason and the counts', () => {
    const change = applyRolloutAction(rollout(), { kind: 'halt', reason: REASON }, T0 + MINUTE);
    expect(change.ok && change.rollout).to.include({ state: 'halted', haltReason: REASON });
    expect(eventsOf(change)).to.deep.equal([
      [
        'rollout.halted',
        {
          reason: 'failure-percent',
          text: '3 of 10 devices failed (30%), at or over the 20% threshold',
          resolved: 10,
          succeeded: 7,
          failed: 3,
          provisional: 0,
          waveDevices: null,
          failurePercent: 20,
          failureCount: 10,
          wave: 0,
        },
      ],
    ]);
  });

  it('auto-advance: running -> next wave, never from the last wave', () => {
    const change = applyRolloutAction(rollout(), { kind: 'auto-advance' }, T0 + MINUTE);
    expect(eventsOf(change)).to.deep.equal([['rollout.wave-advanced', { from: 0, to: 1, percent: 10, auto: true }]]);
    const last = applyRolloutAction(rollout({}, 'running', 3), { kind: 'auto-advance' }, T0);
    expect(last.ok || last.refusal.code).to.equal('rollout-wave-conflict');
  });

  it('complete: only a running rollout at its last wave', () => {
    const change = applyRolloutAction(rollout({ waves: [10, 100] }, 'running', 1), { kind: 'complete' }, T0 + MINUTE);
    expect(change.ok && change.rollout.state).to.equal('completed');
    expect(eventsOf(change)).to.deep.equal([['rollout.completed', { wave: 1, auto: true }]]);
    const early = applyRolloutAction(rollout(), { kind: 'complete' }, T0);
    expect(early.ok || early.refusal.code).to.equal('rollout-wave-conflict');
  });

  it('refuses what the state does not allow, with rollout-state-conflict, changing nothing', () => {
    const refusals: [Rollout['state'], RolloutAction['kind']][] = [
      ['draft', 'pause'],
      ['draft', 'advance'],
      ['running', 'start'],
      ['running', 'resume'],
      ['paused', 'pause'],
      ['halted', 'advance'],
      ['paused', 'halt'],
      ['halted', 'auto-advance'],
      ['completed', 'abort'],
      ['aborted', 'resume'],
    ];
    for (const [state, kind] of refusals) {
      const action = (kind === 'halt' ? { kind, reason: REASON } : { kind }) as RolloutAction;
      const change = applyRolloutAction(rollout({}, state), action, T0 + MINUTE);
      expect(change.ok, `${kind} from ${state}`).to.equal(false);
      if (!change.ok) {
        expect(change.refusal.code).to.equal('rollout-state-conflict');
        expect(change.refusal.message).to.include(state);
      }
    }
  });
});
