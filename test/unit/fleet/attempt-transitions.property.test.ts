import { expect } from 'chai';
import fc from 'fast-check';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { AttemptRules } from '../../../src/domain/fleet/attempt-rules.js';
import type { AttemptSignal } from '../../../src/domain/fleet/attempt-signal.js';
import { ATTEMPT_STATES, FINAL_ATTEMPT_STATES, type AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import { advanceAttempt, offerAttempt } from '../../../src/domain/fleet/attempt-transitions.js';
import { coversWhole } from '../../../src/domain/fleet/byte-coverage.js';
import type { UpdateAttempt } from '../../../src/domain/fleet/update-attempt.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';

/**
 * Every change of state the table allows, written out from the table rather than from
 * the code: a state not listed as a key leaves nowhere (the final ones).
 */
const ALLOWED: Readonly<Partial<Record<AttemptState, readonly AttemptState[]>>> = {
  // first request; bytes covering the file; the offered version runs; the old one polls again (0 bytes);
  // the rollout that made the offer halted or was aborted (taken back)
  offered: ['downloading', 'downloaded', 'provisional', 'download-failed', 'withdrawn'],
  downloading: ['downloaded', 'provisional', 'download-failed', 'refused'],
  downloaded: ['provisional', 'rolled-back', 'silent'],
  provisional: ['succeeded', 'rolled-back'],
  // silent is not final: the device comes back with either version
  silent: ['provisional', 'rolled-back'],
};

const OLD_VERSION_OUTCOMES: ReadonlySet<AttemptState> = new Set(['rolled-back', 'download-failed', 'refused']);

const OFFERED = '2.0';
const FROM = '1.0';

interface Scenario {
  readonly version: string | null;
  readonly fileSize: number;
  readonly rules: AttemptRules;
  /** The signals with their times: non-decreasing from the offer. */
  readonly signals: readonly AttemptSignal[];
}

/** One signal, with the time left to fill in: polls of the offered, old or a third version, requests, any span, ticks. */
const signalAt = (fileSize: number): fc.Arbitrary<(at: number) => AttemptSignal> =>
  fc.oneof(
    fc
      .constantFrom(OFFERED, FROM, '1.5')
      .map((version) => (at: number): AttemptSignal => ({ kind: 'poll', at, version })),
    fc
      .constantFrom('direct' as const, 'inferred' as const)
      .map((attribution) => (at: number): AttemptSignal => ({ kind: 'download-started', at, attribution })),
    // Spans may be empty, reversed, overlapping, or reach past either end of the file.
    fc
      .tuple(fc.integer({ min: -5, max: fileSize + 5 }), fc.integer({ min: -5, max: fileSize + 5 }))
      .map(([start, end]) => (at: number): AttemptSignal => ({ kind: 'bytes-served', at, span: [start, end] })),
    // A resumed download: from some offset to the end.
    fc
      .integer({ min: 0, max: fileSize })
      .map((start) => (at: number): AttemptSignal => ({ kind: 'bytes-served', at, span: [start, fileSize] })),
    fc.constant((at: number): AttemptSignal => ({ kind: 'tick', at })),
    fc.constant((at: number): AttemptSignal => ({ kind: 'withdrawn', at })),
  );

const scenarios: fc.Arbitrary<Scenario> = fc
  .record({
    version: fc.constantFrom<string | null>(OFFERED, null),
    fileSize: fc.integer({ min: 0, max: 120 }),
    rules: fc.record({
      successPolls: fc.integer({ min: 0, max: 4 }),
      successMs: fc.integer({ min: 0, max: 200 }),
      silentMs: fc.integer({ min: 0, max: 200 }),
      refusalBytes: fc.integer({ min: 0, max: 130 }),
      offerGraceMs: fc.integer({ min: 0, max: 100 }),
    }),
  })
  .chain((base) =>
    fc.array(fc.tuple(fc.nat(60), signalAt(base.fileSize)), { maxLength: 40 }).map((steps): Scenario => {
      let at = 0;
      const signals = steps.map(([gap, make]) => make((at += gap)));
      return { ...base, signals };
    }),
  );

const offer = (scenario: Scenario): UpdateAttempt =>
  offerAttempt({
    deviceId: 'esp-1' as DeviceId,
    file: 'fw/2.0.bin' as UpdateFilePath,
    fileSize: scenario.fileSize,
    version: scenario.version,
    fromVersion: FROM,
    at: 0,
    address: '192.0.2.1',
  });

/** A poll of the version the device ran before: with a named version any other one, else exactly the old one. */
const isOldVersionPoll = (scenario: Scenario, signal: AttemptSignal): boolean =>
  signal.kind === 'poll' && (scenario.version !== null ? signal.version !== scenario.version : signal.version === FROM);

/** Each step of a scenario: the attempt before, the signal, the attempt after. */
function* steps(scenario: Scenario): Generator<[UpdateAttempt, AttemptSignal, UpdateAttempt]> {
  let attempt = offer(scenario);
  for (const signal of scenario.signals) {
    const next = advanceAttempt(attempt, signal, scenario.rules);
    yield [attempt, signal, next];
    attempt = next;
  }
}

const finalOf = (scenario: Scenario): UpdateAttempt =>
  scenario.signals.reduce((attempt, signal) => advanceAttempt(attempt, signal, scenario.rules), offer(scenario));

describe('update attempt transitions (properties)', () => {
  it('draws scenarios that take every allowed transition (so the properties below are not vacuous)', () => {
    const seen = new Set<string>();
    for (const scenario of fc.sample(scenarios, { numRuns: 3_000, seed: 16 })) {
      for (const [before, , after] of steps(scenario)) seen.add(`${before.state} -> ${after.state}`);
    }
    for (const [from, targets] of Object.entries(ALLOWED)) {
      for (const to of targets) expect([...seen], `${from} -> ${to}`).to.include(`${from} -> ${to}`);
    }
  });

  it('only ever takes the transitions the table allows, and stays in one of its states', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        for (const [before, signal, after] of steps(scenario)) {
          expect(ATTEMPT_STATES).to.include(after.state);
          if (after.state !== before.state) {
            expect(ALLOWED[before.state] ?? [], `${before.state} -> ${after.state} on ${signal.kind}`).to.include(
              after.state,
            );
          }
        }
      }),
    );
  });

  it('never leaves a final state, nor changes a final attempt at all', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        for (const [before, , after] of steps(scenario)) {
          if (FINAL_ATTEMPT_STATES.has(before.state)) expect(after).to.equal(before);
        }
      }),
    );
  });

  it('ends withdrawn only when taken back before anything of the file was fetched', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        for (const [before, signal, after] of steps(scenario)) {
          if (after.state !== 'withdrawn' || before.state === 'withdrawn') continue;
          expect(signal.kind).to.equal('withdrawn');
          expect(before.state).to.equal('offered');
          expect(before.downloads).to.equal(0);
        }
      }),
    );
  });

  it('reaches downloaded only once the spans served cover the whole file', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        for (const [before, , after] of steps(scenario)) {
          if (after.state === 'downloaded' && before.state !== 'downloaded') {
            expect(coversWhole(after.served, scenario.fileSize), JSON.stringify(after.served)).to.equal(true);
            expect(after.downloadedAt).to.equal(after.updatedAt);
          }
        }
      }),
    );
  });

  it('never ends rolled-back, download-failed or refused without a poll of the old version', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        const end = finalOf(scenario);
        if (!scenario.signals.some((signal) => isOldVersionPoll(scenario, signal))) {
          expect(OLD_VERSION_OUTCOMES.has(end.state), end.state).to.equal(false);
        }
      }),
    );
  });

  it('is the same object when nothing changes, else stamped with the signal time; spans only grow', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        for (const [before, signal, after] of steps(scenario)) {
          if (after !== before) {
            expect(after).to.not.deep.equal(before);
            expect(after.updatedAt).to.equal(signal.at);
          }
          expect(after.id).to.equal(before.id);
          expect(after.served.length === 0 || after.served.every(([start, end]) => start < end)).to.equal(true);
          for (const [start, end] of before.served) {
            expect(after.served.some(([s, e]) => s <= start && end <= e)).to.equal(true);
          }
          for (const [start, end] of after.served) expect(start >= 0 && end <= scenario.fileSize).to.equal(true);
        }
      }),
    );
  });

  it('succeeds only after a poll of the offered version once provisional, and counts every request before the end', () => {
    fc.assert(
      fc.property(scenarios, (scenario) => {
        let requests = 0;
        for (const [before, signal, after] of steps(scenario)) {
          if (!FINAL_ATTEMPT_STATES.has(before.state) && signal.kind === 'download-started') requests++;
          if (after.state === 'succeeded' && before.state !== 'succeeded') {
            expect(before.state).to.equal('provisional');
            expect(signal.kind).to.equal('poll');
          }
          expect(after.downloads).to.equal(requests);
        }
      }),
    );
  });
});
