import { expect } from 'chai';
import { editRollout } from '../../../src/domain/rollout/rollout-edit.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { rollout, T0, TARGET_FILE } from './support/rollout-fixtures.js';

const input = { name: 'sensor 2.0 (slower)', file: TARGET_FILE, waves: [5, 100], maxInFlight: 5 };

describe('rollout edit', () => {
  it('replaces the definition of a draft or a paused rollout, with no event', () => {
    for (const state of ['draft', 'paused'] as const) {
      const change = editRollout(rollout({}, state), input, scheme, T0 + 1);
      expect(change.ok, state).to.equal(true);
      if (!change.ok) continue;
      expect(change.rollout.definition).to.include({ name: 'sensor 2.0 (slower)', maxInFlight: 5 });
      expect(change.rollout.definition.waves).to.deep.equal([5, 100]);
      expect(change.rollout).to.include({ state, updatedAt: T0 + 1 });
      expect(change.events).to.deep.equal([]);
    }
  });

  it('gives the rollout itself back (not a new state of it) for a definition it already has', () => {
    for (const state of ['draft', 'paused'] as const) {
      const before = rollout({}, state);
      const same = editRollout(before, { ...before.definition }, scheme, T0 + 1);
      expect(same.ok && same.rollout, state).to.equal(before);
      const renamed = editRollout(before, { ...before.definition, name: 'another' }, scheme, T0 + 1);
      expect(renamed.ok && renamed.rollout, state).to.not.equal(before);
    }
  });

  it('refuses while running, halted, or after the end (rollout-state-conflict)', () => {
    for (const state of ['running', 'halted', 'completed', 'aborted'] as const) {
      const change = editRollout(rollout({}, state), input, scheme, T0);
      expect(change.ok || change.refusal.code, state).to.equal('rollout-state-conflict');
      if (!change.ok) expect(change.refusal.message).to.match(/^cannot edit an? \w+ rollout/);
    }
    const aborted = editRollout(rollout({}, 'aborted'), input, scheme, T0);
    expect(aborted.ok || aborted.refusal.message).to.equal('cannot edit an aborted rollout (only draft, paused)');
  });

  it("refuses another file once the rollout has started, and keeps a draft's file changeable", () => {
    const other = { ...input, file: 'fw/other-2.0.0.bin' };
    const paused = editRollout(rollout({}, 'paused'), other, scheme, T0);
    expect(paused.ok || paused.refusal.code).to.equal('rollout-state-conflict');
    if (!paused.ok) expect(paused.refusal.message).to.include('cannot change the file of a paused rollout');
    const draft = editRollout(rollout({}, 'draft'), other, scheme, T0);
    expect(draft.ok && draft.rollout.definition.file).to.equal('fw/other-2.0.0.bin');
  });

  it('refuses an invalid definition with every problem', () => {
    const change = editRollout(rollout({}, 'draft'), { ...input, waves: [50, 5], maxInFlight: 0 }, scheme, T0);
    expect(change.ok).to.equal(false);
    if (!change.ok && change.refusal.code === 'invalid-rollout') {
      expect(change.refusal.problems.map((p) => p.path.join('.'))).to.deep.equal(['waves.1', 'maxInFlight']);
    } else expect.fail('expected invalid-rollout');
  });

  it("refuses waves that no longer hold a paused rollout's current wave", () => {
    const change = editRollout(rollout({}, 'paused', 2), input, scheme, T0);
    expect(change.ok).to.equal(false);
    if (!change.ok && change.refusal.code === 'invalid-rollout') {
      expect(change.refusal.problems.map((p) => p.path)).to.deep.equal([['waves']]);
      // Its wave counted as the CLI and the dashboard show it (3 of 3), not as the index (2).
      expect(change.refusal.message).to.equal('the rollout is at its wave 3 (wave index 2): keep at least 3 waves');
    } else expect.fail('expected invalid-rollout');
  });
});
