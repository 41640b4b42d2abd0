import { expect } from 'chai';
import { RunningImageIndex } from '../../../src/app/fleet/running-image-index.js';
import { ImageFactsIndex } from '../../../src/app/rollout/image-facts-index.js';
import { imageFile } from '../../support/image-files.js';

// Two products that both call a build 1.0.0, and a second copy of the lamp's under another path.
const LAMP = imageFile('lamp/1.0.0.bin', { version: '1.0.0', project: 'lamp' });
const LAMP_COPY = imageFile('lamp/copy-1.0.0.bin', { version: '1.0.0', project: 'lamp', compileTime: '09:09:09' });
const PLUG = imageFile('aaa-plug/1.0.0.bin', { version: '1.0.0', project: 'plug' });
const PLUG_C3 = imageFile('aaa-plug/c3-2.0.0.bin', { version: '2.0.0', project: 'plug', chip: 'esp32c3' });
const PLUG_ESP32 = imageFile('aaa-plug/esp32-2.0.0.bin', { version: '2.0.0', project: 'plug' });
const SECURE = imageFile('lamp/sv1-3.0.0.bin', { version: '3.0.0', project: 'lamp', secureVersion: 1 });
const INSECURE = imageFile('lamp/sv0-3.0.0.bin', { version: '3.0.0', project: 'lamp' });

describe('the image a device runs, found by the version it reports', () => {
  const inventory = new RunningImageIndex();
  const rules = new ImageFactsIndex();
  for (const index of [inventory, rules]) index.replace([LAMP, LAMP_COPY, PLUG, PLUG_C3, PLUG_ESP32, SECURE, INSECURE]);
  const found = (version: string, preferred?: string) => ({
    inventory: inventory.find(version, preferred),
    rules: rules.running(version, preferred),
  });

  it('is unknown when stored images of that version are different products, chips or secure_versions', () => {
    // Before: the first by path (the plug's), and a plug rollout offered its image to lamps.
    for (const version of ['1.0.0', '2.0.0', '3.0.0'])
      expect(found(version), version).to.deep.equal({ inventory: null, rules: null });
  });

  it('is the image of the file the device was last offered, when that is one of them', () => {
    const lamp = found('1.0.0', 'lamp/1.0.0.bin');
    expect(lamp.inventory).to.deep.equal({ project: 'lamp', chip: 'esp32', secureVersion: 0 });
    expect(lamp.rules).to.deep.include({ project: 'lamp', version: '1.0.0' });
    expect(found('2.0.0', 'aaa-plug/c3-2.0.0.bin').inventory).to.deep.include({ chip: 'esp32c3' });
    expect(found('1.0.0', 'elsewhere.bin')).to.deep.equal({ inventory: null, rules: null });
  });

  it('is the product the device was known to run with that version, when its last offer was of another one', () => {
    const lamp = { project: 'lamp', chip: 'esp32', secureVersion: 0 };
    expect(inventory.find('1.0.0', 'lamp/3.0.0.bin', lamp)).to.deep.equal(lamp);
    expect(rules.running('1.0.0', 'lamp/3.0.0.bin', lamp)).to.deep.include({ project: 'lamp' });
    expect(inventory.find('1.0.0', undefined, { ...lamp, project: 'oven' })).to.equal(null);
    expect(inventory.find('1.0.0', undefined, null)).to.equal(null);
  });

  it('is known when the images of that version agree on project, chip and secure_version', () => {
    const only = new RunningImageIndex();
    const onlyRules = new ImageFactsIndex();
    for (const index of [only, onlyRules]) index.replace([LAMP, LAMP_COPY]);
    expect(only.find('1.0.0')).to.deep.equal({ project: 'lamp', chip: 'esp32', secureVersion: 0 });
    expect(onlyRules.running('1.0.0')).to.deep.include({ project: 'lamp' });
    expect(only.find('9.9.9')).to.equal(null);
  });
});
