import { expect } from 'chai';
import fc from 'fast-check';
import { pino } from 'pino';
import { PinoLogger } from '../../../src/adapters/outbound/logging/pino-logger.js';

/** Lines as written, with their time (a millisecond apart between two loggers) made one. */
function capture(): { lines: string[]; write(line: string): boolean } {
  const lines: string[] = [];
  return { lines, write: (line) => (lines.push(line.replace(/"time":"[^"]*"/, '"time":"T"')), true) };
}

// Strings of any Unicode scalar values (no lone surrogates: see flat-fields-json.ts), with the
// characters JSON escapes made likely.
const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '😀', 'a') }),
  fc.string({ unit: 'binary', minLength: 101, maxLength: 300 }),
);
const flatValue = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(undefined),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21),
);
const flatFields = fc.dictionary(fc.oneof(text, fc.constantFrom('msg', 'level', 'time', '0', '10')), flatValue, {
  maxKeys: 12,
});

/**
 * The lines PinoLogger makes itself for flat fields (one JSON.stringify) are pino's own lines,
 * byte for byte; other fields are left to pino.
 */
describe('PinoLogger: JSON lines', () => {
  for (const base of [undefined, { worker: 3, pid: 4242 }]) {
    it(`writes flat fields as pino does, byte for byte${base === undefined ? '' : ', with base fields'}`, () => {
      const ours = capture();
      const theirs = capture();
      const logger = PinoLogger.toLines(ours, 'info', base === undefined ? {} : { fields: base });
      const reference = pino({ level: 'info', base, timestamp: () => ',"time":"T"' }, theirs);
      fc.assert(
        fc.property(
          fc.constantFrom('info', 'warn', 'error') as fc.Arbitrary<'info' | 'warn' | 'error'>,
          text,
          flatFields,
          (level, message, fields) => {
            ours.lines.length = 0;
            theirs.lines.length = 0;
            logger[level](message, fields);
            reference[level](fields, message);
            expect(ours.lines).to.deep.equal(theirs.lines);
          },
        ),
        { numRuns: 2000 },
      );
    });
  }

  it('writes a request line as pino did, and a line without fields', () => {
    const ours = capture();
    const logger = PinoLogger.toLines(ours, 'info');
    logger.info('request', { method: 'GET', path: '/devices/a"b', status: 204, bytes: 0, ms: '0.3', user: undefined });
    logger.warn('no fields');
    expect(ours.lines).to.deep.equal([
      '{"level":30,"time":"T","method":"GET","path":"/devices/a\\"b","status":204,"bytes":0,"ms":"0.3","msg":"request"}\n',
      '{"level":40,"time":"T","msg":"no fields"}\n',
    ]);
  });

  it('leaves to pino fields that are not a plain object (a Date, an array, a class with toJSON)', () => {
    class WithJson {
      constructor(readonly a: number) {}
      toJSON(): string {
        return 'replaced';
      }
    }
    const ours = capture();
    const theirs = capture();
    const logger = PinoLogger.toLines(ours, 'info');
    const reference = pino({ level: 'info', base: undefined, timestamp: () => ',"time":"T"' }, theirs);
    for (const fields of [new Date(0), ['a', 'b'], new WithJson(1)]) {
      logger.info('odd', fields as unknown as Record<string, unknown>);
      reference.info(fields, 'odd');
    }
    expect(ours.lines).to.deep.equal(theirs.lines);
    for (const line of ours.lines) expect(() => JSON.parse(line) as unknown, line).to.not.throw();
  });

  it('reads nothing of the fields of a line below its level', () => {
    const logger = PinoLogger.toLines(capture(), 'warn');
    let reads = 0;
    const fields = {
      get a(): number {
        reads += 1;
        return 1;
      },
    };
    logger.info('not written', fields);
    expect(reads).to.equal(0);
  });

  it('leaves nested fields and errors to pino, and writes nothing below its level', () => {
    const ours = capture();
    const logger = PinoLogger.toLines(ours, 'warn');
    logger.info('not written', { a: 1 });
    logger.warn('nested', { detail: { a: [1, 2] } });
    logger.error('failed', { error: new Error('boom') });
    expect(ours.lines).to.have.length(2);
    expect(JSON.parse(ours.lines[0] ?? '')).to.deep.include({ level: 40, detail: { a: [1, 2] }, msg: 'nested' });
    const failed = JSON.parse(ours.lines[1] ?? '') as { error: { type: string; message: string; stack: string } };
    expect(failed.error).to.include({ type: 'Error', message: 'boom' });
    expect(failed.error.stack).to.match(/boom/);
  });
});
