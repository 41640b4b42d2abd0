import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { EXCLUSION_REASONS } from '../../../src/domain/rollout/offer-rules.js';
import { awaitingDevices } from '../../../src/domain/rollout/rollout-completion.js';
import { previewRollout } from '../../../src/domain/rollout/rollout-preview.js';
import { isInWave, waveBucket } from '../../../src/domain/rollout/wave-bucket.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { definition, device, image, rollout, rolloutId, T0, target } from './support/rollout-fixtures.js';

const fleet = Array.from({ length: 400 }, (_, i) =>
  device({ id: `esp-${i}` as DeviceId, tags: i % 2 === 0 ? ['lab'] : [] }),
);
const odd = [
  device({ id: 'held' as DeviceId, hold: true, tags: ['lab'] }),
  device({ id: 'c3' as DeviceId, runningImage: image({ chip: 'esp32c3', secureVersion: 5 }), tags: ['lab'] }),
  device({ id: 'done' as DeviceId, runningVersion: '2.0.0', runningImage: image({ version: '2.0.0' }), tags: ['lab'] }),
];

describe('rollout preview', () => {
  const preview = previewRollout(
    rolloutId('r-1'),
    definition({ selector: { tagsAll: ['lab'] } }),
    target(),
    [...fleet, ...odd],
    scheme,
    T0,
  );

  it('counts the selected devices, and those no rule excludes', () => {
    expect(preview.selected).to.equal(203);
    expect(preview.eligible).to.equal(200);
  });

  it('counts the devices each rule excludes (a device under every rule that excludes it)', () => {
    expect(Object.keys(preview.excluded)).to.deep.equal([...EXCLUSION_REASONS]);
    expect(preview.excluded).to.deep.include({
      held: 1,
      'other-chip': 1,
      'lower-secure-version': 1,
      'already-running': 1,
    });
    expect(Object.values(preview.excluded).reduce((a, b) => a + b)).to.equal(4);
  });

  it('counts the devices each wave holds, by their buckets, cumulatively', () => {
    const expected = [1, 10, 50, 100].map((percent) => ({
      percent,
      devices: fleet.filter((d, i) => i % 2 === 0 && isInWave(waveBucket(rolloutId('r-1'), d.id), percent)).length,
    }));
    expect(preview.waves).to.deep.equal(expected);
    expect(preview.waves.at(-1)?.devices).to.equal(200);
  });

  it('names the listed devices no poll has shown, in the listed order, and selects only the seen ones', () => {
    const listed = previewRollout(
      rolloutId('r-1'),
      definition({ selector: { devices: ['esp-typo', 'esp-3', 'held', 'esp-new', 'esp-3'] } }),
      target(),
      [...fleet, ...odd],
      scheme,
      T0,
    );
    expect(listed.unseen).to.deep.equal(['esp-typo', 'esp-new']);
    expect(listed.selected).to.equal(2);
    expect(preview.unseen).to.deep.equal([]);
  });

  it('agrees with the completion rule: the devices awaited at a wave are the ones the preview puts in it', () => {
    const atHalf = rollout({ selector: { tagsAll: ['lab'] } }, 'running', 2, rolloutId('r-1'));
    expect(awaitingDevices(atHalf, target(), [...fleet, ...odd], scheme, T0)).to.equal(preview.waves[2]?.devices);
  });
});
