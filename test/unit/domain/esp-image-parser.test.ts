import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';
import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import { EspImageParser } from '../../../src/domain/firmware/esp-image-parser.js';
import { ImageRejected } from '../../../src/domain/firmware/image-rejection.js';
import type { ImageOptions } from '../../support/esp-image-builder.js';
import { buildEspImage, CHIP_IDS, prng } from '../../support/esp-image-builder.js';
import { hasTool } from '../../support/tools.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const SHARED = join(ROOT, '..', 'shared');

/** Parses `bytes` fed in chunks of `chunk` bytes (streams cut images anywhere). */
function parse(bytes: Uint8Array, chunk = 1 << 16): EspImageInfo {
  const parser = new EspImageParser(nodeSha256, nodeSignatureVerifier);
  for (let at = 0; at < bytes.length; at += chunk) parser.push(bytes.subarray(at, at + chunk));
  return parser.finish();
}

/** The reason `run` is refused with, or undefined when it is accepted. */
function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof ImageRejected) return error.reason;
    throw error;
  }
}

function rejection(bytes: Uint8Array, chunk?: number): string | undefined {
  return reasonOf(() => parse(bytes, chunk));
}

describe('EspImageParser', () => {
  describe('valid images', () => {
    for (const chip of Object.keys(CHIP_IDS) as Array<keyof typeof CHIP_IDS>) {
      for (const segments of [1, 5, 16]) {
        for (const hashAppended of [true, false]) {
          it(`reads ${chip}, ${segments} segment(s), hash ${hashAppended ? 'on' : 'off'}`, () => {
            const lengths = Array.from({ length: segments }, (_, i) => (i === 0 ? 256 + 4 * i : 4 * ((i * 37) % 50)));
            const image = buildEspImage({
              chip,
              segmentLengths: lengths,
              hashAppended,
              version: `v${segments}.0`,
              secureVersion: segments,
            });
            for (const chunk of [1, 7, 4096, 1 << 20]) {
              const info = parse(image, chunk);
              expect(info).to.include({
                chip,
                chipId: CHIP_IDS[chip],
                segmentCount: segments,
                hashAppended,
                version: `v${segments}.0`,
                secureVersion: segments,
                signed: false,
                imageLength: image.length,
              });
              expect(info.appendedSha256).to.equal(
                hashAppended
                  ? createHash('sha256')
                      .update(image.subarray(0, image.length - 32))
                      .digest('hex')
                  : undefined,
              );
            }
          });
        }
      }
    }

    for (const blocks of [1, 2, 3] as const) {
      it(`reads a Secure Boot v2 signature sector with ${blocks} block(s)`, () => {
        for (const lengths of [[512, 256], [4096 - 24 - 8 - 15 - 32 - 1 + 12]]) {
          const image = buildEspImage({ segmentLengths: lengths, signatureBlocks: blocks });
          for (const chunk of [13, 4096, 1 << 20]) {
            expect(parse(image, chunk)).to.include({ signed: true, signatureBlocks: blocks });
          }
        }
      });
    }

    it('reads every app descriptor field', () => {
      const info = parse(
        buildEspImage({
          version: 'v2.1.0-rc1+build.7',
          projectName: 'thermostat',
          idfVersion: 'v5.1.2',
          secureVersion: 3,
          date: 'Jan  2 2026',
          time: '01:02:03',
          minChipRevFull: 100,
          maxChipRevFull: 399,
          chip: 'esp32c3',
        }),
      );
      expect(info).to.include({
        version: 'v2.1.0-rc1+build.7',
        projectName: 'thermostat',
        idfVersion: 'v5.1.2',
        secureVersion: 3,
        compileDate: 'Jan  2 2026',
        compileTime: '01:02:03',
        minChipRevFull: 100,
        maxChipRevFull: 399,
        chip: 'esp32c3',
      });
      expect(info.elfSha256).to.match(/^[0-9a-f]{64}$/);
    });
  });

  describe('what a device would refuse', () => {
    const base = () => buildEspImage({ segmentLengths: [512, 256] });
    const cases: Array<[string, () => Uint8Array, string]> = [
      ['an empty file', () => new Uint8Array(0), 'truncated'],
      ['a zip file', () => Buffer.from('PK\x03\x04 not firmware at all, just a zip header and some text'), 'bad-magic'],
      ['a few bytes of text, too short for a header', () => Buffer.from('hello\n'), 'bad-magic'],
      [
        'a multipart form',
        () =>
          Buffer.from(
            '--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name="file"\r\n\r\n',
          ),
        'bad-magic',
      ],
      [
        'an ARM vector table',
        () => Buffer.concat([Buffer.from([0x00, 0x80, 0x00, 0x20, 0x41, 0x01, 0x00, 0x08]), Buffer.alloc(200)]),
        'bad-magic',
      ],
      [
        'a pre-encrypted image',
        () => Buffer.concat([Buffer.from([0xcf, 0xb6, 0x88, 0x07]), Buffer.alloc(600)]),
        'pre-encrypted-image',
      ],
      ['zero segments', () => Object.assign(base(), { 1: 0 }), 'bad-segment-count'],
      ['17 segments', () => Object.assign(base(), { 1: 17 }), 'bad-segment-count'],
      [
        'an unknown chip id',
        () => {
          const b = base();
          b.writeUInt16LE(0x77, 12);
          return b;
        },
        'unknown-chip',
      ],
      ['hash_appended = 2', () => Object.assign(base(), { 23: 2 }), 'bad-hash-flag'],
      [
        'a segment length not a multiple of 4',
        () => {
          const b = base();
          b.writeUInt32LE(510, 28);
          return b;
        },
        'segment-misaligned',
      ],
      [
        'a 16 MiB segment',
        () => {
          const b = base();
          b.writeUInt32LE(0x1000000, 28);
          return b;
        },
        'segment-too-large',
      ],
      ['a truncated segment', () => base().subarray(0, 300), 'truncated'],
      [
        'segment 0 too short for the app descriptor',
        () => {
          const b = base();
          b.writeUInt32LE(252, 28);
          return b;
        },
        'app-descriptor-missing',
      ],
      [
        'no app descriptor magic',
        () => {
          const b = base();
          b.writeUInt32LE(0, 32);
          return b;
        },
        'app-descriptor-missing',
      ],
      [
        'a version without its NUL',
        () => {
          const b = base();
          b.fill(0x41, 48, 80);
          return b;
        },
        'string-not-terminated',
      ],
      [
        'a checksum mismatch (hash off)',
        () => {
          const b = buildEspImage({ hashAppended: false });
          b[100] = (b[100] ?? 0) ^ 0x10;
          return b;
        },
        'checksum-mismatch',
      ],
      [
        'a SHA-256 mismatch',
        () => {
          const b = base();
          b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
          return b;
        },
        'sha256-mismatch',
      ],
      ['garbage after the image', () => Buffer.concat([base(), Buffer.from('extra')]), 'trailing-data'],
      ['a truncated signature sector', () => buildEspImage({ signatureBlocks: 1 }).subarray(0, -10), 'truncated'],
    ];
    for (const [name, make, reason] of cases) {
      it(`refuses ${name} (${reason})`, () => {
        expect(rejection(make())).to.equal(reason);
      });
    }

    it('tells a multipart form upload (curl -F) to send the raw file, long or short', () => {
      const form =
        '--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name="file"; filename="fw.bin"\r\n\r\n';
      for (const body of [Buffer.from(form.slice(0, 20)), Buffer.concat([Buffer.from(form), buildEspImage()])]) {
        expect(() => parse(body)).to.throw(
          ImageRejected,
          /^not an ESP-IDF application image: the first byte is 0x2d, not 0xe9; this looks like a multipart form \(curl -F\): send the file itself, with curl --data-binary @<file> or -T <file>$/,
        );
      }
      expect(() => parse(Buffer.from('PK\x03\x04 and more bytes than a header'))).to.throw(
        ImageRejected,
        /^not an ESP-IDF application image: the first byte is 0x50, not 0xe9$/,
      );
    });
  });

  describe('properties', () => {
    /** Every image option the builder has, drawn from a seeded PRNG so failures replay. */
    function randomOptions(seed: number): ImageOptions {
      const random = prng(seed);
      const chips = Object.keys(CHIP_IDS) as Array<keyof typeof CHIP_IDS>;
      const segments = 1 + Math.floor(random() * 4);
      return {
        seed,
        chip: chips[Math.floor(random() * chips.length)] ?? 'esp32',
        segmentLengths: Array.from({ length: segments }, (_, i) => (i === 0 ? 256 : 0) + 4 * Math.floor(random() * 40)),
        hashAppended: true,
        signatureBlocks: random() < 0.3 ? 1 : 0,
        version: `v${seed}`,
      };
    }

    /**
     * Flips each byte of `image` in [from, to), one at a time, by a nonzero XOR drawn from `seed`,
     * feeds each copy in chunks of 1..97 bytes and lists the flips that were not refused. Draw and
     * chunk size depend on the position only (the draws for the bytes before `from` are made and
     * dropped), so a range flips exactly what a pass over the whole image flips there. One buffer,
     * flipped and restored, and one list to assert on instead of an assertion per flip: these
     * tests run tens of thousands of parses.
     */
    function unrefusedFlips(image: Uint8Array, seed: number, from = 0, to = image.length): string[] {
      const random = prng(seed);
      const copy = Uint8Array.from(image);
      const missed: string[] = [];
      for (let at = 0; at < to; at += 1) {
        const mask = 1 + Math.floor(random() * 255);
        if (at < from) continue;
        copy[at] = (image[at] ?? 0) ^ mask;
        if (rejection(copy, 1 + (at % 97)) === undefined)
          missed.push(`byte ${at} of ${image.length} ^ 0x${mask.toString(16)}`);
        copy[at] = image[at] ?? 0;
      }
      return missed;
    }

    it('detects any single flipped byte, in every position, of images with the SHA-256 appended (signed or not)', () => {
      const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
      // What follows the image proper (0xFF to the 4 KiB boundary, a one-block sector, 0xFF to its
      // end) is the same structure in every signed image, told apart only by digest and filler:
      // it is flipped in the first signed image; the others (seeds 4 and 6) have the bytes that
      // are theirs flipped, their image proper. Each such flip costs a whole 8 KiB parse.
      const signatureFlipped = seeds.find((seed) => randomOptions(seed).signatureBlocks !== 0);
      const missed: string[] = [];
      for (const seed of seeds) {
        const options = randomOptions(seed);
        const image = buildEspImage(options);
        const to = seed === signatureFlipped ? image.length : buildEspImage({ ...options, signatureBlocks: 0 }).length;
        missed.push(...unrefusedFlips(image, seed * 7919, 0, to).map((flip) => `seed ${seed}, ${flip}`));
      }
      expect(signatureFlipped).to.equal(1);
      expect(missed.slice(0, 5), `${missed.length} missed in all`).to.deep.equal([]);
    });

    it('detects any single flipped byte in the second and the last block of a three-block signature sector', () => {
      const image = buildEspImage({ ...randomOptions(1), signatureBlocks: 3 });
      const sector = image.length - 4096;
      // Its first block and the 0xFF after its last are the one-block sector's, flipped above.
      const missed = unrefusedFlips(image, 3, sector + 1216, sector + 3 * 1216);
      expect(missed.slice(0, 5), `${missed.length} missed in all`).to.deep.equal([]);
    });

    it('detects any flipped segment-data or checksum byte of images without the SHA-256 (the checksum)', () => {
      const missed: string[] = [];
      for (let seed = 1; seed <= 6; seed += 1) {
        const image = buildEspImage({ ...randomOptions(seed), hashAppended: false, signatureBlocks: 0 });
        // Without the SHA-256 nothing checks a segment header's load address, nor the zero
        // padding before the checksum byte (neither does the bootloader).
        const lengths = randomOptions(seed).segmentLengths ?? [];
        let header = 24;
        const loadAddresses = lengths.map((length) => {
          const here = header;
          header += 8 + length;
          return here;
        });
        const unchecked = (at: number) =>
          loadAddresses.some((h) => at >= h && at < h + 4) || (at >= header && at < image.length - 1);
        const random = prng(seed);
        const copy = Uint8Array.from(image);
        for (let at = 32; at < image.length; at += 1) {
          copy[at] = (image[at] ?? 0) ^ (1 + Math.floor(random() * 255));
          if (rejection(copy) === undefined && !unchecked(at))
            missed.push(`seed ${seed}, byte ${at} of ${image.length}`);
          copy[at] = image[at] ?? 0;
        }
      }
      expect(missed.slice(0, 5), `${missed.length} missed in all`).to.deep.equal([]);
    });

    /**
     * Streams `image` into one parser, `chunk(k)` bytes a push, and asks finish() before each
     * push and at the end: finish() only reads the parser's state, so one pass answers for every
     * cut a push ends at, where a parser per cut reads the image again for each (quadratic in its
     * length, seconds for a signed image). Were finish() ever to change that state, the pushes
     * after it would throw or the last answer be wrong: this test would fail, not test less.
     */
    function cutAnswers(image: Uint8Array, chunk: (k: number) => number): Array<[number, string | undefined]> {
      const parser = new EspImageParser(nodeSha256, nodeSignatureVerifier);
      const answers: Array<[number, string | undefined]> = [];
      for (let length = 0, k = 0; ; k += 1) {
        answers.push([length, reasonOf(() => parser.finish())]);
        if (length === image.length) return answers;
        const next = Math.min(image.length, length + chunk(k));
        parser.push(image.subarray(length, next));
        length = next;
      }
    }

    it('detects every truncation (a signed image cut exactly at its end is a valid unsigned image, so that one cut is excepted)', () => {
      const wrong: string[] = [];
      for (let seed = 1; seed <= 6; seed += 1) {
        const options = randomOptions(seed);
        const image = buildEspImage(options);
        const unsignedEnd = buildEspImage({ ...options, signatureBlocks: 0 }).length;
        // Byte by byte reaches every cut; pushes of 1..61 bytes reach cuts across stage
        // boundaries, as a network stream does.
        for (const chunk of [() => 1, (k: number) => 1 + (k % 61)]) {
          for (const [length, reason] of cutAnswers(image, chunk)) {
            const whole = length === image.length || (options.signatureBlocks !== 0 && length === unsignedEnd);
            if (reason !== (whole ? undefined : 'truncated'))
              wrong.push(`seed ${seed}, cut at ${length} of ${image.length}: ${reason ?? 'accepted'}`);
          }
        }
      }
      expect(wrong.slice(0, 5), `${wrong.length} wrong in all`).to.deep.equal([]);
    });
  });

  describe('the real ESP32 images in ../shared/fixtures, against ../shared/tools/readimage.py', function () {
    const fixtures = join(SHARED, 'fixtures', 'esp-images');
    before(function () {
      if (!existsSync(fixtures)) {
        console.warn(
          `      (skipped: ${fixtures} is not there; it sits beside the repository in the team's workspace)`,
        );
        this.skip();
      }
      if (!hasTool('python3')) {
        console.warn('      (skipped: python3 is needed to run readimage.py)');
        this.skip();
      }
    });

    for (const name of ['ErisdarDemo__esp32_hello_world.bin', 'hmalpani__hello_world.bin']) {
      it(`accepts ${name} with exactly the fields readimage.py prints`, () => {
        const file = join(fixtures, name);
        const reference = JSON.parse(
          execFileSync('python3', [join(SHARED, 'tools', 'readimage.py'), '--json', file], { encoding: 'utf8' }),
        ) as {
          valid: boolean;
          image_len: number;
          header: {
            chip: string;
            chip_id: number;
            segment_count: number;
            min_chip_rev: number;
            min_chip_rev_full: number;
            max_chip_rev_full: number;
            hash_appended: number;
          };
          app_desc: {
            version: string;
            project_name: string;
            idf_ver: string;
            secure_version: number;
            app_elf_sha256: string;
            date: string;
            time: string;
          };
          secure_boot_v2_signature?: { blocks: unknown[] };
        };
        expect(reference.valid).to.equal(true);
        const bytes = readFileSync(file);
        const info = parse(bytes, 4000);
        // The appended SHA-256 (what esp_partition_get_sha256 returns on the device) is the
        // SHA-256 of every image byte before it: checked here with node:crypto, independently.
        const appended =
          reference.header.hash_appended === 1
            ? {
                appendedSha256: createHash('sha256')
                  .update(bytes.subarray(0, reference.image_len - 32))
                  .digest('hex'),
              }
            : {};
        if (appended.appendedSha256 !== undefined)
          expect(bytes.subarray(reference.image_len - 32, reference.image_len).toString('hex')).to.equal(
            appended.appendedSha256,
          );
        expect(info).to.deep.equal({
          ...appended,
          chip: reference.header.chip,
          chipId: reference.header.chip_id,
          minChipRev: reference.header.min_chip_rev,
          minChipRevFull: reference.header.min_chip_rev_full,
          maxChipRevFull: reference.header.max_chip_rev_full,
          segmentCount: reference.header.segment_count,
          hashAppended: reference.header.hash_appended === 1,
          imageLength: reference.image_len,
          projectName: reference.app_desc.project_name,
          version: reference.app_desc.version,
          idfVersion: reference.app_desc.idf_ver,
          secureVersion: reference.app_desc.secure_version,
          elfSha256: reference.app_desc.app_elf_sha256,
          compileDate: reference.app_desc.date,
          compileTime: reference.app_desc.time,
          signed: reference.secure_boot_v2_signature !== undefined,
          signatureBlocks: reference.secure_boot_v2_signature?.blocks.length ?? 0,
          signatures: [],
        });
      });
    }

    it('agrees with readimage.py on synthetic images the builder makes, signed and not', () => {
      for (const options of [
        { signatureBlocks: 1 as const },
        { hashAppended: false },
        { chip: 'esp32c6' as const, segmentLengths: [1024, 4, 8, 12] },
      ]) {
        const image = buildEspImage(options);
        const file = join(tmpdir(), `fuota-image-${process.pid}.bin`);
        writeFileSync(file, image);
        const reference = JSON.parse(
          execFileSync('python3', [join(SHARED, 'tools', 'readimage.py'), '--json', file], { encoding: 'utf8' }),
        ) as {
          valid: boolean;
          image_len: number;
          secure_boot_v2_signature?: { blocks: Array<{ crc_valid: boolean; digest_matches: boolean }> };
        };
        expect(reference.valid).to.equal(true);
        expect(parse(image).imageLength).to.equal(reference.image_len);
        expect(parse(image).signed).to.equal(reference.secure_boot_v2_signature !== undefined);
        for (const block of reference.secure_boot_v2_signature?.blocks ?? [])
          expect(block).to.include({ crc_valid: true, digest_matches: true });
      }
    });
  });
});
