import { expect } from 'chai';
import { clippedText, hasLoneSurrogate } from '../../../src/domain/unicode-text.js';

describe('clipped text', () => {
  it('leaves text that fits as it is, and cuts the rest to max with its tail', () => {
    expect(clippedText('abcdef', 6)).to.equal('abcdef');
    expect(clippedText('abcdefgh', 6)).to.equal('abcde…');
    expect(clippedText('abcdefgh', 6, (cut) => `… (${cut} more)`)).to.equal('abcde… (3 more)');
  });

  it('never cuts between the halves of a surrogate pair', () => {
    const text = `abcd${'😀'.repeat(3)}`;
    for (let max = 2; max < text.length; max += 1) {
      const clipped = clippedText(text, max);
      expect(hasLoneSurrogate(clipped), `max ${max}: ${clipped}`).to.equal(false);
      expect(clipped.length, `max ${max}`).to.be.at.most(max);
    }
  });
});
