import { expect } from 'chai';
import { deltaPathOf, parseDeltaPatchId, parseDeltaPath } from '../../../src/domain/delta/delta-path.js';
import { isUpdateFilePath } from '../../../src/domain/update-file-path.js';

const TARGET = 'b'.repeat(64);
const BASE = 'a'.repeat(64);
const ID = `${TARGET}.${BASE}.edo1-hs8-7`;
const ATTEMPT = '001767225600000-lamp-1';

/** Where a device downloads a patch: `.delta/<id>`, or under a rollout offer's path. */
describe('delta paths', () => {
  it('builds both paths, neither of which a stored file can have, within the 255 bytes a device reads', () => {
    expect(deltaPathOf(ID)).to.equal(`.delta/${ID}`);
    expect(deltaPathOf(ID, ATTEMPT)).to.equal(`.offer/${ATTEMPT}/.delta/${ID}`);
    for (const path of [deltaPathOf(ID), deltaPathOf(ID, ATTEMPT)]) expect(isUpdateFilePath(path)).to.equal(false);
    expect(deltaPathOf(ID, `001767225600000-${'d'.repeat(64)}`).length).to.be.below(256);
  });

  it('reads them back: the patch id and the offer path', () => {
    expect(parseDeltaPath(deltaPathOf(ID))).to.deep.equal({
      patchId: { id: ID, targetSha256: TARGET, baseSha256: BASE, format: 'edo1-hs8-7' },
      offerPath: undefined,
    });
    expect(parseDeltaPath(deltaPathOf(ID, ATTEMPT))?.offerPath).to.equal(`.offer/${ATTEMPT}`);
  });

  it('names no patch for a stored file or a bare offer path, and no id for a malformed one', () => {
    expect(parseDeltaPath('fw/app.bin')).to.equal(undefined);
    expect(parseDeltaPath(`.offer/${ATTEMPT}`)).to.equal(undefined);
    for (const id of [
      'x',
      `${TARGET}.${BASE}`,
      `${TARGET}.${BASE}.other-format`,
      `${TARGET.toUpperCase()}.${BASE}.edo1-hs8-7`,
      `${TARGET}.${BASE}.edo1-hs8-7/more`,
      `${TARGET.slice(1)}.${BASE}.edo1-hs8-7`,
    ]) {
      expect(parseDeltaPatchId(id), id).to.equal(undefined);
      expect(parseDeltaPath(`.delta/${id}`), id).to.deep.equal({ patchId: undefined, offerPath: undefined });
    }
  });
});
