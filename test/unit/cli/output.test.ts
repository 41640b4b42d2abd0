import { expect } from 'chai';
import { printable } from '../../../src/cli/output.js';

describe('cli: text a terminal prints', () => {
  it("escapes control characters but newline and tab: a note's escape sequence does not reach the terminal", () => {
    expect(printable('note: \u001b[2J\u001b]0;owned\u0007 done')).to.equal(
      'note: \\u001b[2J\\u001b]0;owned\\u0007 done',
    );
    expect(printable('a\u0000b\rc\u007fd\u009be')).to.equal('a\\u0000b\\u000dc\\u007fd\\u009be');
    expect(printable('two\nlines\tand a tab, ünïcödé, █▒·')).to.equal('two\nlines\tand a tab, ünïcödé, █▒·');
  });
});
