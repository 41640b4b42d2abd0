import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { nodeSha256 } from '../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../src/adapters/outbound/crypto/node-signature-verifier.js';
import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';
import type { EspImageInfo } from '../../src/domain/firmware/esp-image-info.js';
import { EspImageParser } from '../../src/domain/firmware/esp-image-parser.js';
import { DeltaPatchApplier } from '../../src/domain/delta/delta-patch-applier.js';

/** esp_delta_ota's header: magic 0xfccdde10 (little-endian), the base image's SHA-256, 28 zero bytes. */
const PATCH_MAGIC = 0xfccdde10;
const PATCH_HEADER_SIZE = 64;
/** The size of the pieces a device feeds its patch applier (its receive buffer). */
export const PATCH_PIECE_SIZE = 1024;

/**
 * Rebuilds the new image from the running one and the patch's bytes (header included), given in
 * pieces as they arrive (the applier does not check the header's base digest: the device does,
 * before applying).
 */
export type DevicePatchApplier = (base: Uint8Array, pieces: Iterable<Uint8Array>) => Uint8Array;

/** fuota's own applier fed as esp_delta_ota is fed: piece by piece, with the device's limits. */
export const streamedDeltaApplier: DevicePatchApplier = (base, pieces) => {
  const applier = new DeltaPatchApplier(base);
  const rebuilt: Uint8Array[] = [];
  for (const piece of pieces) rebuilt.push(applier.push(piece));
  applier.finish();
  return Buffer.concat(rebuilt);
};

/** What one poll did. */
export interface DeltaDevicePoll {
  readonly status: number;
  /** The path the 200 named. */
  readonly path?: string;
  /** How the update came: a patch, or the full image. */
  readonly form?: 'patch' | 'full';
  /** Bytes of the body downloaded (the patch's or the image's). */
  readonly downloaded?: number;
  /** The version booted after this poll, when it updated. */
  readonly booted?: string;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The parsed facts of an image, as the device's bootloader and esp_ota read them. */
function imageInfo(image: Uint8Array): EspImageInfo {
  const parser = new EspImageParser(nodeSha256, nodeSignatureVerifier);
  parser.push(image);
  return parser.finish();
}

/**
 * An ESP32 running an application with esp_delta_ota (Espressif's https_delta_ota example, in the
 * fuota check's terms). Each poll checks `GET /devices/<id>?app_ver=<running version>`, with
 * `&delta=edo1-hs8-7&base=<running image's appended SHA-256>` when it applies patches; on 200 it
 * downloads the named path over a new TLS connection (as every request of the emulators here).
 * A patch is checked as the device checks it before writing anything: the header's magic, and its
 * base digest against the running image's; it is then applied in 1 KiB pieces, and the result's
 * SHA-256 must equal X-Firmware-SHA256 before the device "boots" it (the next poll reports its
 * version). A full image is checked against the same header before booting. Anything wrong
 * throws: the device keeps its image.
 */
export class DeltaDeviceEmulator {
  private image: Buffer;
  private info: EspImageInfo;

  constructor(
    private readonly server: {
      readonly port: number;
      readonly ca: string;
      readonly auth: { readonly username: string; readonly password: string };
    },
    readonly deviceId: string,
    runningImage: Uint8Array,
    /** undefined: a device without esp_delta_ota, which never sends `delta=`. */
    private readonly applyPatch: DevicePatchApplier | undefined,
    /** A faulty device's: the digest it reports as its running image's, whatever it runs. */
    private readonly reportedBase?: Uint8Array,
  ) {
    this.image = Buffer.from(runningImage);
    this.info = imageInfo(this.image);
  }

  get version(): string {
    return this.info.version;
  }

  get runningImage(): Buffer {
    return this.image;
  }

  /**
   * The running image's SHA-256 as esp_partition_get_sha256 gives it for an app partition: the
   * digest appended to the image (the last 32 bytes up to the image's length).
   */
  get imageDigest(): Buffer {
    if (!this.info.hashAppended) throw new Error('the running image has no appended SHA-256');
    return this.image.subarray(this.info.imageLength - 32, this.info.imageLength);
  }

  /** The check's query string, as this device sends it. */
  checkQuery(): string {
    const base = Buffer.from(this.reportedBase ?? this.imageDigest).toString('hex');
    const ask = this.applyPatch === undefined ? '' : `&delta=${EDO1_HS8_7}&base=${base}`;
    return `app_ver=${this.version}${ask}`;
  }

  /** One poll: the check, and on 200 the download, the checks and the "reboot" into the new image. */
  async poll(): Promise<DeltaDevicePoll> {
    const check = await this.exchange(`/devices/${this.deviceId}?${this.checkQuery()}`);
    if (check.status !== 200) return { status: check.status };
    const path = check.body.toString('latin1');
    const expectedSha = String(check.headers['x-firmware-sha256'] ?? '');
    const expectedSize = Number(check.headers['x-firmware-size']);
    const patching = check.headers['x-delta-format'] !== undefined;
    const download = await this.exchange(`/files/${path}`);
    if (download.status !== 200) throw new Error(`the download of ${path} answered ${download.status}`);
    let next: Uint8Array;
    if (patching) {
      if (this.applyPatch === undefined) throw new Error('offered a patch without asking for one');
      if (check.headers['x-delta-format'] !== EDO1_HS8_7) throw new Error('offered a patch of another format');
      next = this.applied(download.body, String(check.headers['x-delta-base-sha256'] ?? ''));
    } else {
      next = download.body;
    }
    if (next.length !== expectedSize) throw new Error(`the new image has ${next.length} bytes, not ${expectedSize}`);
    if (sha256Hex(next) !== expectedSha) throw new Error("the new image's SHA-256 is not X-Firmware-SHA256");
    // "Reboot": the bootloader checks the image as the parser does.
    const info = imageInfo(next);
    this.image = Buffer.from(next);
    this.info = info;
    return {
      status: 200,
      path,
      form: patching ? 'patch' : 'full',
      downloaded: download.body.length,
      booted: info.version,
    };
  }

  /** The header's checks, then the patch applied from its pieces. */
  private applied(patch: Buffer, announcedBase: string): Uint8Array {
    if (patch.length < PATCH_HEADER_SIZE) throw new Error('the patch is shorter than its header');
    if (patch.readUInt32LE(0) !== PATCH_MAGIC) throw new Error("the patch header's magic is wrong");
    const base = patch.subarray(4, 36);
    if (!base.equals(this.imageDigest)) throw new Error('the patch is not for the running image');
    if (announcedBase !== this.imageDigest.toString('hex'))
      throw new Error('X-Delta-Base-SHA256 is not the running image');
    const pieces = function* () {
      for (let at = 0; at < patch.length; at += PATCH_PIECE_SIZE) yield patch.subarray(at, at + PATCH_PIECE_SIZE);
    };
    return (this.applyPatch as DevicePatchApplier)(this.image, pieces());
  }

  private exchange(path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const { auth } = this.server;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.server.port,
          path,
          method: 'GET',
          headers: {
            'User-Agent': 'ESP32 HTTP Client/1.0',
            Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
            Connection: 'close',
          },
          ca: this.server.ca,
          servername: 'localhost',
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}
