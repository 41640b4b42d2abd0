import { expect } from 'chai';
import fc from 'fast-check';
import { advanceAttempt } from '../../../src/domain/fleet/attempt-transitions.js';
import { DEFAULT_ATTEMPT_RULES } from '../../../src/domain/fleet/attempt-rules.js';
import { coversWhole } from '../../../src/domain/fleet/byte-coverage.js';
import { mergedProgress } from '../../../src/domain/fleet/progress-merge.js';
import type { ByteSpan, UpdateAttempt } from '../../../src/domain/fleet/update-attempt.js';
import { updateAttempt } from '../../contract/update-attempt-store.contract.js';

const SIZE = 1000;
const offered: UpdateAttempt = updateAttempt('0001', 'd1', {
  state: 'offered',
  fileSize: SIZE,
  served: [],
  downloads: 0,
  attribution: null,
  provisionalAt: null,
  pollsSinceProvisional: 0,
  downloadedAt: null,
  offeredAs: 'full',
  downloadedAs: null,
  patchSize: null,
  patchId: null,
  updatedAt: 1_000,
});

/** One server's copy after serving `spans` (each a download's start and end) from `from`. */
function served(from: UpdateAttempt, spans: readonly ByteSpan[], at: number): UpdateAttempt {
  let attempt = from;
  for (const span of spans) {
    attempt = advanceAttempt(
      attempt,
      { kind: 'download-started', at, attribution: 'inferred', form: 'full' },
      DEFAULT_ATTEMPT_RULES,
    );
    attempt = advanceAttempt(attempt, { kind: 'bytes-served', at, span, form: 'full' }, DEFAULT_ATTEMPT_RULES);
  }
  return attempt;
}

const spans = fc.array(
  fc
    .tuple(fc.integer({ min: 0, max: SIZE }), fc.integer({ min: 0, max: SIZE }))
    .map(([a, b]): ByteSpan => [Math.min(a, b), Math.max(a, b)]),
  { maxLength: 6 },
);
const covered = (attempt: UpdateAttempt, byte: number) => attempt.served.some(([s, e]) => s <= byte && byte < e);

describe('mergedProgress (two servers’ copies of one download)', () => {
  it('adds up the bytes both served, counts the more downloads, and is downloaded once they cover the file (property)', () => {
    fc.assert(
      fc.property(spans, spans, fc.integer({ min: 0, max: SIZE - 1 }), (theirs, mine, byte) => {
        const stored = served(offered, theirs, 2_000);
        const copy = served(offered, mine, 3_000);
        const merged = mergedProgress(stored, copy, 4_000);
        expect(covered(merged, byte)).to.equal(covered(stored, byte) || covered(copy, byte));
        expect(merged.downloads).to.equal(Math.max(stored.downloads, copy.downloads));
        expect(merged.updatedAt).to.be.above(stored.updatedAt).and.at.least(copy.updatedAt);
        const whole = coversWhole(merged.served, SIZE);
        expect(merged.state).to.equal(whole ? 'downloaded' : merged.downloads > 0 ? 'downloading' : 'offered');
        expect(merged.downloadedAt !== null).to.equal(whole);
      }),
    );
  });

  it('leaves a stored attempt a poll moved on as it is (===), and lets a copy of mine so moved stand', () => {
    const half = served(offered, [[0, 500]], 2_000);
    const rest = served(offered, [[500, SIZE]], 3_000);
    const ended = advanceAttempt(half, { kind: 'poll', at: 3_500, version: '1.9' }, DEFAULT_ATTEMPT_RULES);
    expect(ended.state).to.be.oneOf(['refused', 'download-failed']);
    // Its state and the time it was resolved at, which the rollouts' counts go by, stay.
    expect(mergedProgress(ended, rest, 4_000)).to.equal(ended);
    expect(mergedProgress(rest, ended, 4_000)).to.include({ state: ended.state });
    expect(mergedProgress(rest, ended, 4_000).served).to.deep.equal([[0, SIZE]]);
    const provisional = advanceAttempt(
      served(offered, [[0, SIZE]], 2_000),
      { kind: 'poll', at: 3_000, version: '2.0' },
      DEFAULT_ATTEMPT_RULES,
    );
    expect(provisional.state).to.equal('provisional');
    expect(mergedProgress(provisional, ended, 4_000)).to.equal(provisional);
  });

  it('lets the copy further along stand when the two are in other forms (a patch beside the full file)', () => {
    const full = served(offered, [[0, 200]], 2_000);
    const patchDone = {
      ...served(offered, [[0, 200]], 3_000),
      downloadedAs: 'patch' as const,
      patchSize: 50,
      served: [[0, 50]] as ByteSpan[],
      state: 'downloaded' as const,
    };
    expect(mergedProgress(full, patchDone, 4_000)).to.deep.equal({ ...patchDone, updatedAt: 4_000 });
    // Never back (found by a review): a download whole in one form stays so while the other begins.
    expect(mergedProgress(patchDone, full, 4_000)).to.equal(patchDone);
    // A stored success (the full file, from another server) stays whatever the copy here holds.
    const succeeded = { ...served(offered, [[0, SIZE]], 2_000), state: 'succeeded' as const };
    expect(mergedProgress(succeeded, patchDone, 4_000)).to.equal(succeeded);
  });
});
