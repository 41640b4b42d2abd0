import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { DEFAULT_SELECTOR } from '../../../src/domain/rollout/rollout-defaults.js';
import type { RolloutSelector } from '../../../src/domain/rollout/rollout-definition.js';
import { matchesSelector } from '../../../src/domain/rollout/selector-match.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { device, image } from './support/rollout-fixtures.js';

const picks = (selector: Partial<RolloutSelector>, overrides: Parameters<typeof device>[0] = {}) =>
  matchesSelector({ ...DEFAULT_SELECTOR, ...selector }, device(overrides), scheme);

describe('selector matching', () => {
  it('picks every device when nothing narrows it', () => {
    expect(picks({})).to.equal(true);
    expect(picks({}, { runningImage: null, runningVersion: 'odd' })).to.equal(true);
  });

  it('tagsAll: every tag; tagsAny: at least one', () => {
    const tags = ['lab', 'eu'];
    expect(picks({ tagsAll: ['lab', 'eu'] }, { tags })).to.equal(true);
    expect(picks({ tagsAll: ['lab', 'us'] }, { tags })).to.equal(false);
    expect(picks({ tagsAny: ['us', 'eu'] }, { tags })).to.equal(true);
    expect(picks({ tagsAny: ['us', 'asia'] }, { tags })).to.equal(false);
  });

  it('devices: one of the ids listed', () => {
    expect(picks({ devices: ['esp-1', 'esp-2'] })).to.equal(true);
    expect(picks({ devices: ['esp-2'] })).to.equal(false);
    expect(picks({ devices: ['esp-2'] }, { id: 'esp-2' as DeviceId })).to.equal(true);
  });

  it('versions as an exact list: the strings the devices report', () => {
    expect(picks({ versions: ['1.0.0', '1.1.0'] })).to.equal(true);
    expect(picks({ versions: ['v1.0.0'] })).to.equal(false);
    expect(picks({ versions: [] })).to.equal(true);
  });

  it('versions as a semver range: running versions that parse (a leading v allowed) and satisfy it', () => {
    expect(picks({ versions: '>=1.0.0 <2.0.0' })).to.equal(true);
    expect(picks({ versions: '>=1.0.0 <2.0.0' }, { runningVersion: 'v1.5.0' })).to.equal(true);
    expect(picks({ versions: '>=1.2.0' })).to.equal(false);
    expect(picks({ versions: '>=1.0.0' }, { runningVersion: 'nightly' })).to.equal(false);
  });

  it('project and chip: those of the running image; an unknown image matches neither', () => {
    expect(picks({ project: 'sensor', chip: 'esp32' })).to.equal(true);
    expect(picks({ project: 'gateway' })).to.equal(false);
    expect(picks({ chip: 'esp32c3' })).to.equal(false);
    expect(picks({ chip: 'esp32c3' }, { runningImage: image({ chip: 'esp32c3' }) })).to.equal(true);
    expect(picks({ project: 'sensor' }, { runningImage: null })).to.equal(false);
  });

  it('needs every narrowing field to hold', () => {
    expect(picks({ tagsAll: ['lab'], chip: 'esp32' }, { tags: ['lab'] })).to.equal(true);
    expect(picks({ tagsAll: ['lab'], chip: 'esp32c3' }, { tags: ['lab'] })).to.equal(false);
  });
});
