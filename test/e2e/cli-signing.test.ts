import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import {
  signedFixture,
  signedFixtureText,
  signedManifest,
  skipWithoutSignedFixtures,
} from '../support/signed-fixtures.js';

interface InspectJson {
  accepted: boolean;
  reason?: string;
  image?: { signatures: Array<{ scheme: string; keyDigest: string; verifies: boolean }> };
  signing?: { trusted: boolean; keyDigest?: string; reason?: string };
}

/** The CLI and signed images: `fuota inspect [--trusted-keys]`, offline, on espsecure's vectors. */
describe('e2e: the fuota CLI, signed images', function () {
  let bench: CliBench;
  const fuota = (args: string[]) => bench.fuota(args);
  const inspect = async (args: string[]) => {
    const result = await fuota(['--json', 'inspect', ...args]);
    return { code: result.code, value: JSON.parse(result.stdout) as InspectJson, stderr: result.stderr };
  };

  before(async function () {
    skipWithoutSignedFixtures(this);
    const manifest = signedManifest();
    const files: Record<string, Buffer> = { 'plain.bin': buildEspImage() };
    for (const name of Object.keys(manifest.images)) files[name] = signedFixture(name);
    files['rsa.pem'] = Buffer.from(signedFixtureText(manifest.keys.rsa3072?.public ?? ''));
    files['broken.keys'] = Buffer.from('not a key\n');
    files['rsa-b.keys'] = Buffer.from(`${manifest.keys['rsa3072-b']?.keyDigest ?? ''}\n`);
    files['private.pem'] = Buffer.from(signedFixtureText(manifest.keys.rsa3072?.private ?? ''));
    // What espsecure digest_sbv2_public_key -o writes: the 32 raw bytes.
    files['digest-b.bin'] = Buffer.from(manifest.keys['rsa3072-b']?.keyDigest ?? '', 'hex');
    files['two.pem'] = Buffer.from(
      signedFixtureText(manifest.keys.rsa3072?.public ?? '') + signedFixtureText(manifest.keys.ecdsa256?.public ?? ''),
    );
    bench = await startCliBench(files);
  });
  after(() => bench?.stop());

  it("shows each block's scheme, key digest and verdict, and without trusted keys accepts them all", async () => {
    const manifest = signedManifest();
    for (const [name, { blocks }] of Object.entries(manifest.images)) {
      const { code, value } = await inspect([name]);
      expect(code, name).to.equal(0);
      expect(value.accepted).to.equal(true);
      expect(value.image?.signatures).to.deep.equal(
        blocks.map((block) => ({
          scheme: block.scheme,
          keyDigest: manifest.keys[block.key]?.keyDigest,
          verifies: block.verifies,
        })),
      );
    }
    const text = await fuota(['inspect', 'tampered-signature-rsa3072.bin']);
    expect(text.stdout).to.include(
      `signature block 0: RSA-3072, key digest ${manifest.keys.rsa3072?.keyDigest}, DOES NOT VERIFY`,
    );
  });

  it('--trusted-keys gives the verdict of an upload to a server with those keys: exit 0, or 5 with the reason', async () => {
    const digest = signedManifest().keys.rsa3072?.keyDigest;
    const trusted = await inspect(['--trusted-keys', 'rsa.pem', 'signed-rsa3072-twice.bin']);
    expect(trusted.code).to.equal(0);
    expect(trusted.value).to.deep.include({ accepted: true, signing: { trusted: true, keyDigest: digest } });
    for (const [name, reason] of [
      ['plain.bin', 'unsigned'],
      ['tampered-signature-rsa3072.bin', 'signature-does-not-verify'],
      ['signed-ecdsa256.bin', 'untrusted-key'],
    ]) {
      const refused = await inspect(['--trusted-keys', 'rsa.pem', name ?? '']);
      expect(refused.code, name).to.equal(5);
      expect(refused.value).to.include({ accepted: false, reason });
    }
    const text = await fuota(['inspect', '--trusted-keys', 'rsa.pem', 'signed-ecdsa256.bin']);
    expect(text.stdout).to.match(/refused: untrusted-key: signed by an untrusted key with digest [0-9a-f]{64}/);
    expect(text.stdout).to.include('would refuse it with 422 (untrusted-signature)');
    // The fixtures are ESP32 images: only block 0 counts, so the second key alone is not enough.
    const secondOnly = await inspect(['--trusted-keys', 'rsa-b.keys', 'signed-rsa3072-twice.bin']);
    expect(secondOnly.code).to.equal(5);
    expect(secondOnly.value).to.include({ accepted: false, reason: 'untrusted-key' });
    const secondText = await fuota(['inspect', '--trusted-keys', 'rsa-b.keys', 'signed-rsa3072-twice.bin']);
    expect(secondText.stdout).to.include('an ESP32 checks only the first signature block, signed by');
    const broken = await fuota(['inspect', '--trusted-keys', 'broken.keys', 'plain.bin']);
    expect(broken.code).to.equal(2);
    expect(broken.stderr).to.include('broken.keys line 1: neither a PEM public key nor a key digest');
  });

  it('fuota keys lists, adds (PEM file or digest) and removes trusted keys; the server then refuses what they do not sign', async () => {
    const manifest = signedManifest();
    const rsa = manifest.keys.rsa3072?.keyDigest ?? '';
    const p384 = manifest.keys.ecdsa384?.keyDigest ?? '';
    const empty = await fuota(['keys']);
    expect(empty.code, empty.stderr).to.equal(0);
    expect(empty.stdout).to.match(/^no trusted signing keys/);
    const added = await fuota(['keys', 'add', 'rsa.pem', '--name', 'release']);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.equal(`trusted: ${rsa} (RSA-3072)\n`);
    expect((await fuota(['keys', 'add', p384])).code).to.equal(0);
    const listed = await fuota(['--json', 'keys', 'list']);
    expect((JSON.parse(listed.stdout) as Array<{ keyDigest: string }>).map((key) => key.keyDigest)).to.deep.equal([
      rsa,
      p384,
    ]);
    const text = await fuota(['keys']);
    expect(text.stdout.split('\n')[0]).to.match(/^KEY DIGEST\s+SCHEME\s+SOURCE\s+ADDED\s+NAME$/);
    expect(text.stdout).to.match(new RegExp(`${rsa}\\s+RSA-3072\\s+api\\s+\\S+\\s+release`));

    const refused = await fuota(['upload', 'signed-ecdsa256.bin', '--as', 'p256.bin']);
    expect(refused.code).to.equal(5);
    expect(refused.stderr).to.include('signed by an untrusted key with digest');
    // The P-384 key is trusted, but the fixtures are ESP32 images and an ESP32 verifies RSA-3072 only.
    const p384Upload = await fuota(['upload', 'signed-ecdsa384.bin', '--as', 'p384.bin']);
    expect(p384Upload.code).to.equal(5);
    expect(p384Upload.stderr).to.include('an ESP32 cannot verify ECDSA-P384 signatures');
    expect((await fuota(['upload', 'signed-rsa3072.bin', '--as', 'rsa.bin'])).code).to.equal(0);

    const bad = await fuota(['keys', 'add', 'no-such-file.pem']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('no-such-file.pem is neither a key digest');
    expect(bad.stderr).to.include('there is no such file (ENOENT)');
    // A private key never leaves the machine; several keys are refused too; nothing is sent.
    const before = (await fuota(['--json', 'keys'])).stdout;
    const privateKey = await fuota(['keys', 'add', 'private.pem']);
    expect(privateKey.code).to.equal(5);
    expect(privateKey.stderr).to.include('private.pem holds no public key to trust: a private key');
    expect(privateKey.stderr).to.include('nothing was sent');
    expect(privateKey.stderr).to.not.include('PRIVATE');
    expect((await fuota(['keys', 'add', 'two.pem'])).stderr).to.include('2 PEM blocks');
    expect((await fuota(['--json', 'keys'])).stdout).to.equal(before);
    // A key already trusted: kept (scheme and name too), answered as such.
    const again = await fuota(['keys', 'add', rsa]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.equal(`already trusted: ${rsa} (RSA-3072)\n`);
    expect((await fuota(['keys'])).stdout).to.match(new RegExp(`${rsa}\\s+RSA-3072\\s+api\\s+\\S+\\s+release`));
    // The digest as espsecure writes it (raw bytes to -o) or prints it (spaced bytes).
    const rsaB = manifest.keys['rsa3072-b']?.keyDigest ?? '';
    const raw = await fuota(['keys', 'add', 'digest-b.bin']);
    expect(raw.stdout, raw.stderr).to.equal(`trusted: ${rsaB} (given as its digest)\n`);
    expect((await fuota(['keys', 'rm', rsaB.match(/../g)?.join(':') ?? ''])).code).to.equal(0);
    const spaced = await fuota(['keys', 'add', rsaB.toUpperCase().match(/../g)?.join(' ') ?? '']);
    expect(spaced.stdout, spaced.stderr).to.equal(`trusted: ${rsaB} (given as its digest)\n`);
    expect((await fuota(['keys', 'rm', 'digest-b.bin'])).code).to.equal(0);
    expect((await fuota(['keys', 'add', 'broken.keys'])).code).to.equal(5);
    expect((await fuota(['keys', 'rm', rsa])).stdout).to.equal(`no longer trusted: ${rsa}\n`);
    const last = await fuota(['keys', 'rm', p384]);
    expect(last.code).to.equal(0);
    expect(last.stderr).to.include('no trusted signing key is left');
    expect((await fuota(['keys', 'rm', p384])).code).to.equal(4);
  });
});
