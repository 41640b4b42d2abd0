import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  parseTrustedKeys,
  pemKeyDigest,
  readTrustedKeysFile,
} from '../../../src/adapters/outbound/crypto/trusted-keys-file.js';
import { nodeSigningKeyReader } from '../../../src/adapters/outbound/crypto/node-signing-key-reader.js';
import { generateSelfSignedCertificate } from '../../../src/adapters/outbound/tls/dev-certificate.js';
import { keyDigestOf } from '../../../src/domain/firmware/trusted-key.js';
import { signingVerdict } from '../../../src/domain/firmware/signing-verdict.js';

const publicPem = (type: 'rsa' | 'ec', options: object): string =>
  generateKeyPairSync(type as 'rsa', options as { modulusLength: number })
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString();

describe('trusted-keys file', () => {
  const rsa = publicPem('rsa', { modulusLength: 3072 });
  const p192 = publicPem('ec', { namedCurve: 'prime192v1' });
  const digest = 'ab'.repeat(32);

  it('reads PEM public keys and key digests, with comments and blank lines, each key once', () => {
    const keys = parseTrustedKeys(
      `# fleet keys\n\n${rsa}\n${p192}\n${digest.toUpperCase()}   # lamp line\n${pemKeyDigest(rsa).keyDigest}\n`,
      'keys.txt',
    );
    expect(keys).to.deep.equal([
      { keyDigest: pemKeyDigest(rsa).keyDigest, scheme: 'RSA-3072', name: null, source: 'file', addedAt: null },
      { keyDigest: pemKeyDigest(p192).keyDigest, scheme: 'ECDSA-P192', name: null, source: 'file', addedAt: null },
      { keyDigest: digest, scheme: null, name: 'lamp line', source: 'file', addedAt: null },
    ]);
  });

  it("reads key digests in espsecure's printed forms: bytes separated by spaces (signature_info_v2) or colons", () => {
    const spaced = digest.match(/../g)?.join(' ') ?? '';
    const colons = digest.toUpperCase().match(/../g)?.join(':') ?? '';
    const keys = parseTrustedKeys(`${spaced}  # printed\n${colons}\n`, 'keys.txt');
    expect(keys.map((key) => [key.keyDigest, key.name])).to.deep.equal([[digest, 'printed']]);
    expect(keyDigestOf(`  ${colons} `)).to.equal(digest);
    for (const bad of [digest.slice(2), `${spaced} ab`, `${digest.slice(0, 3)} ${digest.slice(3)}`, `${digest}:`]) {
      expect(keyDigestOf(bad), bad).to.equal(undefined);
    }
  });

  it('says which file could not be read, for what and why', async () => {
    const missing = join(tmpdir(), 'fuota-no-such-keys-file');
    let error: unknown;
    try {
      await readTrustedKeysFile(missing, 'the FUOTA_TRUSTED_KEYS file');
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).to.include(
      `cannot read the FUOTA_TRUSTED_KEYS file ${missing}: there is no such file (ENOENT)`,
    );
  });

  it('reads exactly one PEM public key from an operator, refusing several, certificates and what is not PEM', async () => {
    expect(nodeSigningKeyReader.read(rsa)).to.deep.equal(pemKeyDigest(rsa));
    const { cert } = await generateSelfSignedCertificate(['localhost']);
    expect(() => nodeSigningKeyReader.read(cert)).to.throw(/an X\.509 certificate, not a public key/);
    expect(() => nodeSigningKeyReader.read(`${rsa}\n${p192}`)).to.throw(/2 PEM blocks .*one public key at a time/);
    expect(() => nodeSigningKeyReader.read('hello')).to.throw(/^not a PEM public key/);
    const damaged = rsa.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    expect(() => nodeSigningKeyReader.read(damaged)).to.throw(/not a PEM public key that can be read/);
    expect(() => nodeSigningKeyReader.read(damaged)).to.not.throw(/DECODER/);
  });

  const refusals: Array<[string, string, RegExp]> = [
    [
      'a private key',
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      /line 1: a private key/,
    ],
    [
      'an RSA-2048 key',
      publicPem('rsa', { modulusLength: 2048 }),
      /line 1: not a Secure Boot v2 signing key: an RSA key of 2048 bits/,
    ],
    [
      'an Ed25519 key',
      generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      /not a Secure Boot v2 signing key: an Ed25519 key;/,
    ],
    [
      'a secp256k1 key',
      publicPem('ec', { namedCurve: 'secp256k1' }),
      /not a Secure Boot v2 signing key: an ECDSA key on secp256k1;/,
    ],
    [
      'a certificate',
      '# ca\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      /line 2: an X\.509 certificate, not a public key/,
    ],
    [
      'a raw binary digest, without echoing it',
      '\u0001\u0002\u00ff\u0010binary\u0000',
      /line 1: neither a PEM public key nor a key digest .*: binary data, not text .*xxd -p -c 32/,
    ],
    ['a short digest', `# ok\n${'ab'.repeat(31)}\n`, /line 2: neither a PEM public key nor a key digest/],
    ['no key at all', '# nothing yet\n', /holds no key/],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what}, saying where`, () => {
      expect(() => parseTrustedKeys(text, 'keys.txt')).to.throw(message);
      // eslint-disable-next-line no-control-regex
      expect(() => parseTrustedKeys(text, 'keys.txt')).to.not.throw(/[\u0000-\u0008\u00ff]/);
    });
  }
});

describe('signingVerdict', () => {
  const good = { scheme: 'RSA-3072' as const, keyDigest: 'a'.repeat(64), verifies: true };
  const bad = { scheme: 'RSA-3072' as const, keyDigest: 'b'.repeat(64), verifies: false };
  it('trusts an image with a verifying block of a trusted key, whatever the other blocks', () => {
    expect(signingVerdict([bad, good], new Set([good.keyDigest, bad.keyDigest]), 'esp32s3')).to.deep.equal({
      trusted: true,
      keyDigest: good.keyDigest,
    });
  });
  it('names what it found otherwise: unsigned, a signature that does not verify, an untrusted key', () => {
    expect(signingVerdict([], new Set([good.keyDigest]), 'esp32s3')).to.include({ trusted: false, reason: 'unsigned' });
    expect(signingVerdict([bad, good], new Set([bad.keyDigest]), 'esp32s3')).to.include({
      reason: 'signature-does-not-verify',
    });
    expect(signingVerdict([bad], new Set(['c'.repeat(64)]), 'esp32s3')).to.include({
      reason: 'signature-does-not-verify',
    });
    const untrusted = signingVerdict([good, bad], new Set(['c'.repeat(64)]), 'esp32s3');
    expect(untrusted).to.include({ reason: 'untrusted-key' });
    expect(untrusted.trusted ? '' : untrusted.detail).to.include(`untrusted key with digest ${good.keyDigest}`);
  });
  it('follows the chip: an ESP32 checks block 0 only and RSA-3072 only; a C2 ECDSA only', () => {
    const other = { scheme: 'RSA-3072' as const, keyDigest: 'c'.repeat(64), verifies: true };
    const firstOnly = signingVerdict([other, good], new Set([good.keyDigest]), 'esp32');
    expect(firstOnly).to.include({ trusted: false, reason: 'untrusted-key' });
    expect(firstOnly.trusted ? '' : firstOnly.detail).to.include(
      `an ESP32 checks only the first signature block, signed by ${other.keyDigest}, not trusted`,
    );
    expect(signingVerdict([other, good], new Set([good.keyDigest]), 'esp32s3')).to.include({ trusted: true });
    expect(signingVerdict([good, other], new Set([good.keyDigest]), 'esp32')).to.include({ trusted: true });
    const ecdsa = { scheme: 'ECDSA-P256' as const, keyDigest: 'd'.repeat(64), verifies: true };
    const esp32Ecdsa = signingVerdict([ecdsa], new Set([ecdsa.keyDigest]), 'esp32');
    expect(esp32Ecdsa).to.include({ trusted: false, reason: 'scheme-not-supported' });
    expect(esp32Ecdsa.trusted ? '' : esp32Ecdsa.detail).to.include('an ESP32 cannot verify ECDSA-P256 signatures');
    expect(signingVerdict([ecdsa], new Set([ecdsa.keyDigest]), 'esp32c3')).to.include({
      reason: 'scheme-not-supported',
    });
    expect(signingVerdict([good], new Set([good.keyDigest]), 'esp32c2')).to.include({ reason: 'scheme-not-supported' });
    expect(signingVerdict([ecdsa], new Set([ecdsa.keyDigest]), 'esp32c2')).to.include({ trusted: true });
    expect(signingVerdict([ecdsa], new Set([ecdsa.keyDigest]), 'esp32c6')).to.include({ trusted: true });
    // Chips whose rules are not confirmed: any block, any scheme.
    expect(signingVerdict([other, ecdsa], new Set([ecdsa.keyDigest]), 'esp32p4')).to.include({ trusted: true });
  });
});
