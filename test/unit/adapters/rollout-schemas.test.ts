import { expect } from 'chai';
import { RolloutOperationError } from '../../../src/app/rollout/rollout-operations.js';
import { errorProblem } from '../../../src/adapters/inbound/http/error-problem.js';
import { ERROR_STATUS } from '../../../src/adapters/inbound/http/error-status.js';
import {
  problemsText,
  rolloutInputSchema,
  rolloutPatchSchema,
  schemaProblems,
} from '../../../src/adapters/inbound/http/rollout-schemas.js';
import { rolloutBody } from '../../../src/adapters/inbound/http/routes/rollout-routes.js';

/** The problems a body gets from the schema, as `path: message` lines. */
function problemsOf(schema: typeof rolloutInputSchema | typeof rolloutPatchSchema, body: unknown): string[] {
  const result = schema.safeParse(body);
  if (result.success) return [];
  return schemaProblems(result.error).map((problem) => `${problem.path.join('.')}: ${problem.message}`);
}

describe('HTTP: rollout bodies (zod, issue 17)', () => {
  it("takes the issue's full definition, field names as spelled there", () => {
    const body = {
      name: 'lamp 2.1',
      file: 'lamp/v2.1.bin',
      selector: {
        tagsAll: ['lamp'],
        tagsAny: ['floor-1', 'floor-2'],
        devices: ['AA:BB'],
        versions: '>=2.0.0 <2.1.0',
        project: 'lamp',
        chip: 'esp32c3',
      },
      waves: [1, 10, 50, 100],
      advance: { successPercent: 95, minResolved: 10, soakMinutes: 60 },
      maxInFlight: 20,
      maxOffersPerMinute: 30,
      halt: { failurePercent: 20, failureCount: 10, minResolved: 10 },
      penalty: { failures: 3, hours: 24 },
      allowDowngrade: false,
      priority: 0,
      includeUnknownImages: false,
    };
    expect(rolloutInputSchema.parse(body)).to.deep.equal(body);
  });

  it('takes name and file alone (the rest defaults in the domain), and versions as a list or null, advance null', () => {
    expect(problemsOf(rolloutInputSchema, { name: 'n', file: 'f.bin' })).to.deep.equal([]);
    expect(
      problemsOf(rolloutInputSchema, { name: 'n', file: 'f.bin', selector: { versions: ['1.0', '1.1'] } }),
    ).to.deep.equal([]);
    expect(
      problemsOf(rolloutInputSchema, { name: 'n', file: 'f.bin', selector: { versions: null }, advance: null }),
    ).to.deep.equal([]);
    // A part of an object is enough: the domain fills the rest.
    expect(problemsOf(rolloutInputSchema, { name: 'n', file: 'f.bin', halt: { failureCount: 3 } })).to.deep.equal([]);
  });

  it('names every bad field at once, by its path: missing, wrong type, unknown', () => {
    expect(
      problemsOf(rolloutInputSchema, {
        file: 7,
        selector: { tagsAll: 'lamp', chips: 'esp32', versions: 3 },
        waves: [1, '10', 50],
        advance: 'auto',
        halt: { failurePercent: '20' },
        allowDowngrade: 'yes',
        maxInflight: 3,
      }),
    ).to.have.members([
      'name: required',
      'file: must be a string, got a number',
      'selector.tagsAll: must be a list of strings, got a string',
      'selector.versions: must be a semver range, a list of versions, or null',
      'selector.chips: unknown field',
      'waves.1: must be a number, got a string',
      'advance: must be an object or null, got a string',
      'halt.failurePercent: must be a number, got a string',
      'allowDowngrade: must be true or false, got a string',
      'maxInflight: unknown field',
    ]);
  });

  it('names a bad field inside advance by its path, as inside halt (found by a new user)', () => {
    const body = { name: 'n', file: 'f.bin', advance: { successPercent: '95' } };
    expect(problemsOf(rolloutInputSchema, body)).to.deep.equal([
      'advance.successPercent: must be a number, got a string',
    ]);
    expect(problemsOf(rolloutInputSchema, { ...body, advance: 5 })).to.deep.equal([
      'advance: must be an object or null, got a number',
    ]);
    expect(problemsOf(rolloutInputSchema, { ...body, advance: { soakMinutes: 1, auto: true } })).to.deep.equal([
      'advance.auto: unknown field',
    ]);
  });

  it('says a number too large for a double is one, not "must be a number, got number"', () => {
    // JSON.parse reads -1e400 as -Infinity, which the schema refuses.
    const body = JSON.parse('{"name":"n","file":"f.bin","priority":-1e400}') as unknown;
    expect(problemsOf(rolloutInputSchema, body)).to.deep.equal(['priority: must be a number, got a number too large']);
  });

  it('refuses a body that is not an object', () => {
    expect(problemsOf(rolloutInputSchema, [1, 2])).to.deep.equal([': must be a JSON object, got a list']);
    expect(problemsOf(rolloutPatchSchema, 'x')).to.deep.equal([': must be a JSON object, got a string']);
  });

  it('a patch may leave out anything, name and file too, but not add unknown fields', () => {
    expect(problemsOf(rolloutPatchSchema, {})).to.deep.equal([]);
    expect(problemsOf(rolloutPatchSchema, { maxInFlight: 5, advance: null })).to.deep.equal([]);
    expect(problemsOf(rolloutPatchSchema, { name: null, state: 'running' })).to.have.members([
      'name: must be a string, got null',
      'state: unknown field',
    ]);
  });

  it("a body that does not fit is the service's 400 invalid-rollout, with every problem in the problem document", () => {
    let caught: unknown;
    try {
      rolloutBody(rolloutInputSchema, { name: 'n', waves: 'all' });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(RolloutOperationError);
    const problem = errorProblem(caught, () => expect.fail('not unexpected'));
    expect(problem).to.deep.include({
      status: 400,
      code: 'invalid-rollout',
      type: 'urn:fuota:problem:invalid-rollout',
    });
    expect(problem).to.have.deep.property('problems', [
      { path: ['file'], message: 'required' },
      { path: ['waves'], message: 'must be a list of percentages, got a string' },
    ]);
    expect(problem.detail).to.equal(
      'the rollout is not valid: file: required; waves: must be a list of percentages, got a string',
    );
  });

  it("maps each of the service's codes to its status; only invalid-rollout carries problems", () => {
    expect(ERROR_STATUS).to.deep.include({
      'invalid-rollout': 400,
      'rollout-not-found': 404,
      'rollout-state-conflict': 409,
      'rollout-wave-conflict': 409,
    });
    const conflict = errorProblem(new RolloutOperationError('rollout-state-conflict', 'cannot pause a draft'), () =>
      expect.fail('not unexpected'),
    );
    expect(conflict).to.deep.equal({
      type: 'urn:fuota:problem:rollout-state-conflict',
      title: 'Conflict',
      status: 409,
      code: 'rollout-state-conflict',
      detail: 'cannot pause a draft',
    });
    expect(
      errorProblem(new RolloutOperationError('rollout-not-found', 'no rollout r-9'), () => expect.fail('unexpected')),
    ).to.include({ status: 404, title: 'Not Found' });
  });

  it('writes problems as one line, the body itself as (body)', () => {
    expect(
      problemsText([
        { path: [], message: 'must be a JSON object' },
        { path: ['waves', 2], message: 'too big' },
      ]),
    ).to.equal('(body): must be a JSON object; waves.2: too big');
  });
});
