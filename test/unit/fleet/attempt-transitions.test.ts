import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { DEFAULT_ATTEMPT_RULES } from '../../../src/domain/fleet/attempt-rules.js';
import type { AttemptSignal } from '../../../src/domain/fleet/attempt-signal.js';
import { FINAL_ATTEMPT_STATES } from '../../../src/domain/fleet/attempt-state.js';
import {
  advanceAttempt,
  offerAttempt,
  reofferAttempt,
  reportsOfferedVersion,
} from '../../../src/domain/fleet/attempt-transitions.js';
import type { ByteSpan, UpdateAttempt } from '../../../src/domain/fleet/update-attempt.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';

const T0 = 1_767_225_600_000;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const SIZE = 1_000_000;
const rules = DEFAULT_ATTEMPT_RULES;
const ADDRESS = '192.0.2.1';

const offer = (overrides: Partial<Parameters<typeof offerAttempt>[0]> = {}): UpdateAttempt =>
  offerAttempt({
    deviceId: 'esp-1' as DeviceId,
    file: 'fw/2.0.bin' as UpdateFilePath,
    fileSize: SIZE,
    version: '2.0',
    fromVersion: '1.0',
    at: T0,
    address: ADDRESS,
    ...overrides,
  });

const poll = (version: string, after: number): AttemptSignal => ({ kind: 'poll', at: T0 + after, version });
const started = (after: number, attribution: 'direct' | 'inferred' = 'direct'): AttemptSignal => ({
  kind: 'download-started',
  at: T0 + after,
  attribution,
});
const bytes = (start: number, end: number, after: number): AttemptSignal => ({
  kind: 'bytes-served',
  at: T0 + after,
  span: [start, end],
});
const tick = (after: number): AttemptSignal => ({ kind: 'tick', at: T0 + after });

const run = (attempt: UpdateAttempt, ...signals: AttemptSignal[]): UpdateAttempt =>
  signals.reduce((current, signal) => advanceAttempt(current, signal, rules), attempt);

/** Offered, then the whole file in one GET. */
const downloaded = (): UpdateAttempt => run(offer(), started(SECOND), bytes(0, SIZE, 2 * SECOND));
/** Downloaded, then the first poll with the new version. */
const provisional = (): UpdateAttempt => run(downloaded(), poll('2.0', MINUTE));

describe('update attempt transitions', () => {
  describe('delivered as a patch', () => {
    const PATCH = { id: 'p1', size: 40_000 };
    const patchBytes = (start: number, end: number, after: number): AttemptSignal => ({
      kind: 'bytes-served',
      at: T0 + after,
      span: [start, end],
      form: 'patch',
    });
    const patchStarted = (after: number): AttemptSignal => ({
      kind: 'download-started',
      at: T0 + after,
      attribution: 'direct',
      form: 'patch',
    });

    it('records the offered patch, and is downloaded once the patch (not the file) was sent whole', () => {
      const offered = offer({ patch: PATCH });
      expect(offered).to.include({ offeredAs: 'patch', downloadedAs: null, patchSize: 40_000, patchId: 'p1' });
      const half = run(offered, patchStarted(SECOND), patchBytes(0, 20_000, 2 * SECOND));
      expect(half).to.include({ state: 'downloading', downloadedAs: 'patch' });
      const whole = run(half, patchStarted(3 * SECOND), patchBytes(20_000, 40_000, 4 * SECOND));
      expect(whole).to.include({ state: 'downloaded', downloads: 2 });
      expect(whole.served).to.deep.equal([[0, 40_000]]);
      const booted = run(whole, poll('2.0', MINUTE), poll('2.0', 2 * MINUTE), poll('2.0', 3 * MINUTE));
      expect(booted).to.include({ state: 'succeeded', offeredAs: 'patch', downloadedAs: 'patch' });
    });

    it('clips patch bytes to the patch, and starts the count anew when the other form is fetched', () => {
      const patched = run(offer({ patch: PATCH }), patchStarted(SECOND), patchBytes(0, 30_000, 2 * SECOND));
      const full = run(patched, started(3 * SECOND), bytes(0, 40_000, 4 * SECOND));
      expect(full).to.include({ state: 'downloading', downloadedAs: 'full' });
      expect(full.served).to.deep.equal([[0, 40_000]]);
      expect(run(patched, patchBytes(0, 90_000, 5 * SECOND))).to.include({ state: 'downloaded' });
    });

    it('takes a new form on a repeated offer, and is the same object when the form is the same', () => {
      const offered = offer();
      expect(offered.offerAddress).to.equal(ADDRESS);
      expect(reofferAttempt(offered, undefined, T0 + SECOND, ADDRESS)).to.equal(offered);
      const patched = reofferAttempt(offered, PATCH, T0 + SECOND, ADDRESS);
      expect(patched).to.include({ offeredAs: 'patch', patchSize: 40_000, patchId: 'p1', updatedAt: T0 + SECOND });
      expect(reofferAttempt(patched, PATCH, T0 + 2 * SECOND, ADDRESS)).to.equal(patched);
      expect(reofferAttempt(patched, undefined, T0 + 2 * SECOND, ADDRESS)).to.include({
        offeredAs: 'full',
        patchId: null,
      });
    });

    it('takes the address a repeated offer was answered to (a device behind a new address downloads from it)', () => {
      const offered = offer();
      const moved = reofferAttempt(offered, undefined, T0 + SECOND, '192.0.2.99');
      expect(moved).to.include({
        offerAddress: '192.0.2.99',
        updatedAt: T0 + SECOND,
        offeredAs: 'full',
        state: 'offered',
      });
      expect(reofferAttempt(moved, undefined, T0 + 2 * SECOND, '192.0.2.99')).to.equal(moved);
    });
  });

  describe('offered', () => {
    it('is where an offer starts: nothing downloaded, nothing polled', () => {
      expect(offer()).to.deep.equal({
        id: '001767225600000-esp-1',
        deviceId: 'esp-1',
        file: 'fw/2.0.bin',
        fileSize: SIZE,
        version: '2.0',
        fromVersion: '1.0',
        state: 'offered',
        offeredAt: T0,
        updatedAt: T0,
        attribution: null,
        downloads: 0,
        served: [],
        provisionalAt: null,
        pollsSinceProvisional: 0,
        downloadedAt: null,
        rollout: null,
        offeredAs: 'full',
        downloadedAs: null,
        patchSize: null,
        patchId: null,
        offerAddress: ADDRESS,
      });
    });

    it("names the rollout and wave of a rollout's offer, and keeps them through every transition", () => {
      const fromRollout = offer({ rollout: { id: 'r1', wave: 2 } });
      expect(fromRollout.rollout).to.deep.equal({ id: 'r1', wave: 2 });
      const later = run(fromRollout, started(SECOND), bytes(0, SIZE, 2 * SECOND), poll('2.0', MINUTE));
      expect(later.state).to.equal('provisional');
      expect(later.rollout).to.deep.equal({ id: 'r1', wave: 2 });
    });

    it('stays offered (the same object) while time passes with no request', () => {
      const attempt = offer();
      expect(advanceAttempt(attempt, tick(10 * 60 * MINUTE), rules)).to.equal(attempt);
    });
  });

  describe('downloading', () => {
    it("is entered by the device's first request for the file, which ties its attribution", () => {
      const attempt = run(offer(), started(SECOND, 'inferred'));
      expect(attempt).to.include({
        state: 'downloading',
        attribution: 'inferred',
        downloads: 1,
        updatedAt: T0 + SECOND,
      });
    });

    it('counts later requests but keeps the first attribution', () => {
      const attempt = run(offer(), started(SECOND, 'inferred'), started(2 * SECOND, 'direct'));
      expect(attempt).to.include({ state: 'downloading', attribution: 'inferred', downloads: 2 });
    });

    it('is entered by bytes served even when the request was not seen first, without counting a download', () => {
      const attempt = run(offer(), bytes(0, 100, SECOND));
      expect(attempt).to.include({ state: 'downloading', downloads: 0 });
      expect(attempt.served).to.deep.equal([[0, 100]]);
    });

    it('stays downloading (a stalled download) however long no poll comes', () => {
      const attempt = run(offer(), started(SECOND), bytes(0, 1000, SECOND));
      expect(advanceAttempt(attempt, tick(24 * 60 * MINUTE), rules)).to.equal(attempt);
    });
  });

  describe('downloaded', () => {
    it('is entered when one GET sends the whole file', () => {
      expect(downloaded()).to.include({ state: 'downloaded', downloadedAt: T0 + 2 * SECOND });
      expect(downloaded().served).to.deep.equal([[0, SIZE]]);
    });

    it('is entered when Range chunks add up to the whole file, in any order', () => {
      const chunk = 65_536;
      const chunks: AttemptSignal[] = [];
      for (let start = 0; start < SIZE; start += chunk)
        chunks.push(bytes(start, Math.min(start + chunk, SIZE), SECOND));
      const attempt = run(offer(), started(0), ...[...chunks].reverse());
      expect(attempt.state).to.equal('downloaded');
      const last = run(offer(), started(0), ...chunks.slice(1));
      expect(last.state, 'one chunk missing').to.equal('downloading');
    });

    it('is entered when a resumed download (Range: bytes=N-) completes an interrupted one, overlaps included', () => {
      const cut = run(offer(), started(0), bytes(0, 400_000, SECOND));
      expect(cut.state).to.equal('downloading');
      const resumed = run(cut, started(MINUTE), bytes(350_000, SIZE, 2 * MINUTE));
      expect(resumed).to.include({ state: 'downloaded', downloads: 2, downloadedAt: T0 + 2 * MINUTE });
    });

    it('is entered by the first request for an empty file', () => {
      expect(run(offer({ fileSize: 0 }), started(SECOND))).to.include({ state: 'downloaded' });
    });

    it('clips spans to the file and records nothing for bytes already sent', () => {
      const attempt = run(offer(), started(0), bytes(-5, 100, SECOND), bytes(SIZE - 10, SIZE + 50, SECOND));
      expect(attempt.served).to.deep.equal([
        [0, 100],
        [SIZE - 10, SIZE],
      ]);
      expect(advanceAttempt(attempt, bytes(10, 90, 2 * SECOND), rules)).to.equal(attempt);
    });
  });

  describe('provisional', () => {
    it('is entered by a poll reporting the offered version after the download', () => {
      expect(provisional()).to.include({
        state: 'provisional',
        provisionalAt: T0 + MINUTE,
        pollsSinceProvisional: 0,
        updatedAt: T0 + MINUTE,
      });
    });

    it('is entered even when the download was never seen whole (the device runs the image, so it got it)', () => {
      expect(run(offer(), poll('2.0', MINUTE)).state).to.equal('provisional');
      expect(run(offer(), started(0), bytes(0, 10, 0), poll('2.0', MINUTE)).state).to.equal('provisional');
    });

    it('takes any version but the old one as the offered one when the file names no version', () => {
      const attempt = offer({ version: null });
      expect(reportsOfferedVersion(attempt, '1.0')).to.equal(false);
      expect(reportsOfferedVersion(attempt, '2.0-custom')).to.equal(true);
      expect(run(attempt, started(0), bytes(0, SIZE, 0), poll('2.0-custom', MINUTE)).state).to.equal('provisional');
    });
  });

  describe('succeeded', () => {
    it('follows two more polls with the offered version, not one', () => {
      const once = run(provisional(), poll('2.0', 2 * MINUTE));
      expect(once).to.include({ state: 'provisional', pollsSinceProvisional: 1 });
      expect(run(once, poll('2.0', 3 * MINUTE))).to.include({ state: 'succeeded', pollsSinceProvisional: 2 });
    });

    it('follows one more poll with the offered version 10 minutes after the first, not earlier', () => {
      const early = run(provisional(), poll('2.0', MINUTE + 10 * MINUTE - 1));
      expect(early.state).to.equal('provisional');
      expect(run(provisional(), poll('2.0', MINUTE + 10 * MINUTE)).state).to.equal('succeeded');
    });

    it('is not reached by time alone: only a poll says the version holds', () => {
      const attempt = provisional();
      expect(advanceAttempt(attempt, tick(24 * 60 * MINUTE), rules)).to.equal(attempt);
    });
  });

  describe('rolled-back', () => {
    it('follows the old version polling again after the whole file was sent', () => {
      expect(run(downloaded(), poll('1.0', MINUTE))).to.include({ state: 'rolled-back', updatedAt: T0 + MINUTE });
    });

    it('follows the old version polling again after provisional (the bootloader rolled back)', () => {
      expect(run(provisional(), poll('2.0', 2 * MINUTE), poll('1.0', 3 * MINUTE)).state).to.equal('rolled-back');
    });

    it('follows any version other than the offered one (not only the version it came from)', () => {
      expect(run(downloaded(), poll('1.5', MINUTE)).state).to.equal('rolled-back');
    });
  });

  describe('download-failed', () => {
    it('follows the old version polling again while the download is incomplete', () => {
      const attempt = run(offer(), started(0), bytes(0, 500_000, SECOND), poll('1.0', MINUTE));
      expect(attempt.state).to.equal('download-failed');
    });

    it('follows the old version polling again with no request at all (0 bytes is incomplete)', () => {
      expect(run(offer(), poll('1.0', MINUTE)).state).to.equal('download-failed');
    });

    it('waits out the offer grace: the same check repeated within 10 s leaves the offer standing', () => {
      const attempt = offer();
      expect(advanceAttempt(attempt, poll('1.0', rules.offerGraceMs - 1), rules)).to.equal(attempt);
      expect(advanceAttempt(attempt, poll('1.0', rules.offerGraceMs), rules).state).to.equal('download-failed');
    });

    it('follows a request that got no byte (a HEAD alone): the header was never read', () => {
      expect(run(offer(), started(0), poll('1.0', MINUTE)).state).to.equal('download-failed');
    });

    it('follows a download that went one byte past the first 64 KiB', () => {
      expect(run(offer(), started(0), bytes(0, 65_537, 0), poll('1.0', MINUTE)).state).to.equal('download-failed');
    });
  });

  describe('refused', () => {
    it('follows the old version polling again after only the header was fetched', () => {
      expect(run(offer(), started(0), bytes(0, 288, 0), poll('1.0', MINUTE)).state).to.equal('refused');
    });

    it('counts the first 64 KiB Range chunk of a partial download as the header', () => {
      expect(run(offer(), started(0), bytes(0, 65_536, 0), poll('1.0', MINUTE)).state).to.equal('refused');
    });
  });

  describe('silent', () => {
    it('follows an hour with no poll after the whole file was sent, not less', () => {
      const attempt = downloaded();
      const since = attempt.downloadedAt ?? 0;
      expect(advanceAttempt(attempt, { kind: 'tick', at: since + 60 * MINUTE - 1 }, rules)).to.equal(attempt);
      expect(advanceAttempt(attempt, { kind: 'tick', at: since + 60 * MINUTE }, rules)).to.include({
        state: 'silent',
        updatedAt: since + 60 * MINUTE,
      });
    });

    it('is not final: the offered version polling later makes it provisional, then succeeded', () => {
      const quiet = run(downloaded(), tick(2 * 60 * MINUTE));
      expect(quiet.state).to.equal('silent');
      const back = run(quiet, poll('2.0', 3 * 60 * MINUTE));
      expect(back).to.include({ state: 'provisional', provisionalAt: T0 + 3 * 60 * MINUTE });
      expect(run(back, poll('2.0', 3 * 60 * MINUTE + 1), poll('2.0', 3 * 60 * MINUTE + 2)).state).to.equal('succeeded');
    });

    it('is not final: the old version polling later makes it rolled-back', () => {
      expect(run(downloaded(), tick(2 * 60 * MINUTE), poll('1.0', 3 * 60 * MINUTE)).state).to.equal('rolled-back');
    });
  });

  it('leaves a final state (the same object) whatever comes next', () => {
    const finals: UpdateAttempt[] = [
      run(provisional(), poll('2.0', 2 * MINUTE), poll('2.0', 3 * MINUTE)),
      run(downloaded(), poll('1.0', MINUTE)),
      run(offer(), poll('1.0', MINUTE)),
      run(offer(), started(0), bytes(0, 288, 0), poll('1.0', MINUTE)),
      run(offer(), { kind: 'withdrawn', at: T0 + MINUTE }),
    ];
    expect(finals.map((attempt) => attempt.state)).to.have.members([...FINAL_ATTEMPT_STATES]);
    const later = 10 * 60 * MINUTE;
    const span: ByteSpan = [0, SIZE];
    for (const attempt of finals) {
      for (const signal of [
        poll('2.0', later),
        poll('1.0', later),
        started(later),
        { kind: 'bytes-served', at: T0 + later, span } as const,
        tick(later),
        { kind: 'withdrawn', at: T0 + later } as const,
      ]) {
        expect(advanceAttempt(attempt, signal, rules), `${attempt.state} + ${signal.kind}`).to.equal(attempt);
      }
    }
  });

  it('records downloads and bytes after downloaded without moving the state', () => {
    const attempt = run(provisional(), started(2 * MINUTE));
    expect(attempt).to.include({ state: 'provisional', downloads: 2, updatedAt: T0 + 2 * MINUTE });
  });

  it('does not change the attempt it is given', () => {
    const attempt = offer();
    const copy = structuredClone(attempt);
    run(attempt, started(0), bytes(0, SIZE, 0), poll('2.0', MINUTE));
    expect(attempt).to.deep.equal(copy);
  });
});
