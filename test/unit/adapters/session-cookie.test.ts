import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { SESSION_COOKIE, sessionTokensOf } from '../../../src/adapters/inbound/http/session-cookie.js';

const withCookie = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage;

describe('session cookie tokens', () => {
  it("takes the session cookie's well-formed values, none of another cookie", () => {
    const header = `other=a; ${SESSION_COOKIE}=tok-1; ${SESSION_COOKIE}=not valid!; theme=dark`;
    expect(sessionTokensOf(withCookie(header))).to.deep.equal(['tok-1']);
  });

  it('takes at most two, however many a request carries (each is a look-up in the session store)', () => {
    const header = Array.from({ length: 650 }, (_, i) => `${SESSION_COOKIE}=t${i}`).join('; ');
    expect(sessionTokensOf(withCookie(header))).to.deep.equal(['t0', 't1']);
  });
});
