import { hexOf } from '../hex.js';
import { chipName } from './esp-chip.js';
import type { EspImageInfo } from './esp-image-info.js';
import { crc32 } from './crc32.js';
import { ImageRejected } from './image-rejection.js';
import type { Sha256Factory, Sha256Hasher } from './sha256-hasher.js';
import { readSignatureBlock } from './signature-block.js';
import type { SignatureFact } from './signature-fact.js';
import type { SignatureVerifierFactory, SignedRegionVerifier } from './signature-verifier.js';

const HEADER_SIZE = 24;
const SEGMENT_HEADER_SIZE = 8;
const APP_DESC_SIZE = 256;
const APP_DESC_MAGIC = 0xabcd5432;
const ENCRYPTED_MAGIC = 0x0788b6cf;
const MAX_SEGMENT_LENGTH = 0x1000000;
const SECTOR = 4096;
const SIGNATURE_BLOCK = 1216;
const SIGNATURE_CRC_SPAN = 1196;

type Stage =
  | { kind: 'header' }
  | { kind: 'segment-header'; index: number }
  | { kind: 'segment-data'; index: number; remaining: number }
  | { kind: 'checksum' }
  | { kind: 'hash' }
  | { kind: 'signature-padding' }
  | { kind: 'signature-sector' }
  | { kind: 'done' };

interface Header {
  segmentCount: number;
  chipId: number;
  minChipRev: number;
  minChipRevFull: number;
  maxChipRevFull: number;
  hashAppended: boolean;
}

interface AppDescriptor {
  secureVersion: number;
  version: string;
  projectName: string;
  compileTime: string;
  compileDate: string;
  idfVersion: string;
  elfSha256: string;
}

const u16 = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u32 = (b: Uint8Array, at: number) => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * Reads an ESP-IDF application image as its bytes stream past, in one pass and constant memory,
 * checking what the bootloader and esp_ota_end check: header, segments, app descriptor, checksum,
 * appended SHA-256, and a Secure Boot v2 signature sector: its structure, CRC and digest (a block
 * that fails them is refused as corrupt), and each block's signature, verified cryptographically
 * and reported (a signature that does not verify is a fact about the image, not a refusal: whether
 * it is acceptable depends on the fleet's trusted keys). It throws
 * ImageRejected as soon as the bytes seen prove the image bad, and from `finish()` when they end
 * before the image does.
 */
export class EspImageParser {
  private stage: Stage = { kind: 'header' };
  private offset = 0;
  private readonly hasher: Sha256Hasher;
  private buffer: number[] = [];
  private header: Header | undefined;
  private appDescriptor: AppDescriptor | undefined;
  private readonly appDescriptorBytes: number[] = [];
  private checksum = 0xef;
  /** Where the checksum's 16-byte block ends, the image ends, the signature sector starts. */
  private checksumEnd = 0;
  private imageEnd = 0;
  private signatureOffset = 0;
  private imageDigest: Uint8Array | undefined;
  private signatureDigest: Uint8Array | undefined;
  private signatureBlocks = 0;
  private signatures: SignatureFact[] = [];
  private readonly createSha256: Sha256Factory;
  private readonly verifier: SignedRegionVerifier;

  constructor(createSha256: Sha256Factory, createVerifier: SignatureVerifierFactory) {
    this.createSha256 = createSha256;
    this.hasher = createSha256();
    this.verifier = createVerifier();
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      this.enterSignatureSectorIfDue();
      const take = Math.min(chunk.length - at, this.bytesUntilBoundary());
      const piece = chunk.subarray(at, at + take);
      this.consume(piece);
      at += take;
      this.offset += take;
      this.afterConsume();
    }
  }

  finish(): EspImageInfo {
    const stage = this.stage;
    if (stage.kind === 'signature-padding' && this.offset === this.imageEnd) return this.result(false);
    // Too short for a header, and its first byte already not an image's (plain or pre-encrypted):
    // not a cut-short image but no image at all, as a longer file starting so is told.
    const first = this.buffer[0];
    if (stage.kind === 'header' && first !== undefined && first !== 0xe9 && first !== (ENCRYPTED_MAGIC & 0xff)) {
      throw badMagic(Uint8Array.from(this.buffer));
    }
    if (stage.kind !== 'done') {
      throw new ImageRejected('truncated', `the file ends at byte ${this.offset}, inside the ${describe(stage)}`);
    }
    return this.result(this.signatureBlocks > 0);
  }

  /**
   * More bytes after the 0xFF padding can only be a signature sector, which signs everything
   * before it: take that digest now, before any sector byte reaches the hasher.
   */
  private enterSignatureSectorIfDue(): void {
    if (this.stage.kind === 'signature-padding' && this.offset === this.signatureOffset) {
      this.signatureDigest = this.hasher.copy().digest();
      this.stage = { kind: 'signature-sector' };
      this.buffer = [];
    }
  }

  /** How many bytes the current stage takes before something must be checked. */
  private bytesUntilBoundary(): number {
    const stage = this.stage;
    switch (stage.kind) {
      case 'header':
        return HEADER_SIZE - this.buffer.length;
      case 'segment-header':
        return SEGMENT_HEADER_SIZE - this.buffer.length;
      case 'segment-data':
        return stage.remaining;
      case 'checksum':
        return this.checksumEnd - this.offset;
      case 'hash':
        return this.imageEnd - this.offset;
      case 'signature-padding':
        return this.signatureOffset - this.offset;
      case 'signature-sector':
        return this.signatureOffset + SECTOR - this.offset;
      case 'done':
        return Number.MAX_SAFE_INTEGER;
    }
  }

  private consume(piece: Uint8Array): void {
    const stage = this.stage;
    if (stage.kind !== 'signature-sector' && stage.kind !== 'done') {
      this.hasher.update(piece);
      this.verifier.update(piece);
    }
    switch (stage.kind) {
      case 'segment-data':
        for (const byte of piece) this.checksum ^= byte;
        if (stage.index === 0 && this.appDescriptorBytes.length < APP_DESC_SIZE) {
          this.appDescriptorBytes.push(...piece.subarray(0, APP_DESC_SIZE - this.appDescriptorBytes.length));
        }
        stage.remaining -= piece.length;
        return;
      case 'signature-padding':
        if (piece.some((byte) => byte !== 0xff)) {
          throw new ImageRejected(
            'trailing-data',
            `bytes after the image (at ${this.imageEnd}) are neither 0xFF padding nor a signature sector`,
          );
        }
        return;
      case 'done':
        throw new ImageRejected('trailing-data', `unexpected bytes after the signature sector at ${this.offset}`);
      default:
        this.buffer.push(...piece);
    }
  }

  private afterConsume(): void {
    const stage = this.stage;
    // Built only once a stage is complete: small chunks must not copy the buffer each time.
    const bytes = () => Uint8Array.from(this.buffer);
    switch (stage.kind) {
      case 'header':
        if (this.buffer.length === HEADER_SIZE) this.readHeader(bytes());
        return;
      case 'segment-header':
        if (this.buffer.length === SEGMENT_HEADER_SIZE) this.readSegmentHeader(stage.index, bytes());
        return;
      case 'segment-data':
        if (stage.index === 0 && this.appDescriptorBytes.length === APP_DESC_SIZE && this.appDescriptor === undefined) {
          this.appDescriptor = readAppDescriptor(Uint8Array.from(this.appDescriptorBytes));
        }
        if (stage.remaining === 0) this.nextSegment(stage.index + 1);
        return;
      case 'checksum':
        if (this.offset === this.checksumEnd) this.readChecksum(bytes());
        return;
      case 'hash':
        if (this.offset === this.imageEnd) this.readHash(bytes());
        return;
      case 'signature-padding':
        return;
      case 'signature-sector':
        if (this.offset === this.signatureOffset + SECTOR) this.readSignatureSector(bytes());
        return;
      case 'done':
        return;
    }
  }

  private readHeader(bytes: Uint8Array): void {
    this.buffer = [];
    if (u32(bytes, 0) === ENCRYPTED_MAGIC) {
      throw new ImageRejected(
        'pre-encrypted-image',
        'this is a pre-encrypted image (esp_encrypted_img); upload the plain application image',
      );
    }
    if (bytes[0] !== 0xe9) {
      throw badMagic(bytes);
    }
    const segmentCount = bytes[1] ?? 0;
    if (segmentCount < 1 || segmentCount > 16) {
      throw new ImageRejected('bad-segment-count', `segment count ${segmentCount} is not in 1..16`);
    }
    const chipId = u16(bytes, 12);
    if (chipName(chipId) === undefined) throw new ImageRejected('unknown-chip', `unknown chip id ${chipId}`);
    const hashFlag = bytes[23] ?? 0;
    if (hashFlag > 1) throw new ImageRejected('bad-hash-flag', `hash_appended is ${hashFlag}, not 0 or 1`);
    this.header = {
      segmentCount,
      chipId,
      minChipRev: bytes[14] ?? 0,
      minChipRevFull: u16(bytes, 15),
      maxChipRevFull: u16(bytes, 17),
      hashAppended: hashFlag === 1,
    };
    this.stage = { kind: 'segment-header', index: 0 };
  }

  private readSegmentHeader(index: number, bytes: Uint8Array): void {
    this.buffer = [];
    const length = u32(bytes, 4);
    if (length % 4 !== 0)
      throw new ImageRejected('segment-misaligned', `segment ${index} length ${length} is not a multiple of 4`);
    if (length >= MAX_SEGMENT_LENGTH)
      throw new ImageRejected('segment-too-large', `segment ${index} length ${length} is 16 MiB or more`);
    if (index === 0 && length < APP_DESC_SIZE) {
      throw new ImageRejected(
        'app-descriptor-missing',
        `segment 0 holds ${length} bytes, too few for the 256-byte app descriptor`,
      );
    }
    if (length === 0) this.nextSegment(index + 1);
    else this.stage = { kind: 'segment-data', index, remaining: length };
  }

  private nextSegment(index: number): void {
    if (index < (this.header?.segmentCount ?? 0)) {
      this.stage = { kind: 'segment-header', index };
      return;
    }
    // Zero padding so that the checksum byte ends a 16-byte block.
    this.checksumEnd = (this.offset + 1 + 15) & ~15;
    this.imageEnd = this.checksumEnd + (this.header?.hashAppended ? 32 : 0);
    this.signatureOffset = Math.ceil(this.imageEnd / SECTOR) * SECTOR;
    this.stage = { kind: 'checksum' };
  }

  private readChecksum(bytes: Uint8Array): void {
    this.buffer = [];
    const stored = bytes[bytes.length - 1];
    if (stored !== this.checksum) {
      throw new ImageRejected(
        'checksum-mismatch',
        `checksum mismatch: stored 0x${(stored ?? 0).toString(16)}, computed 0x${this.checksum.toString(16)}`,
      );
    }
    if (this.header?.hashAppended) {
      this.imageDigest = this.hasher.copy().digest();
      this.stage = { kind: 'hash' };
    } else {
      this.stage = { kind: 'signature-padding' };
    }
  }

  private readHash(bytes: Uint8Array): void {
    this.buffer = [];
    if (this.imageDigest === undefined || !sameBytes(bytes, this.imageDigest)) {
      throw new ImageRejected('sha256-mismatch', 'the appended SHA-256 does not match the image');
    }
    this.stage = { kind: 'signature-padding' };
  }

  private readSignatureSector(sector: Uint8Array): void {
    this.buffer = [];
    const digest = this.signatureDigest ?? new Uint8Array(32);
    let blocks = 0;
    const facts: SignatureFact[] = [];
    for (; blocks < 3; blocks += 1) {
      const block = sector.subarray(blocks * SIGNATURE_BLOCK, (blocks + 1) * SIGNATURE_BLOCK);
      if (block[0] !== 0xe7) break;
      facts.push(this.checkSignatureBlock(blocks, block, digest));
    }
    if (blocks === 0) {
      throw new ImageRejected(
        'trailing-data',
        `bytes after the image (at ${this.imageEnd}) are not a Secure Boot v2 signature sector`,
      );
    }
    if (sector.subarray(blocks * SIGNATURE_BLOCK).some((byte) => byte !== 0xff)) {
      throw new ImageRejected('signature-invalid', 'the signature sector is not 0xFF after its last block');
    }
    this.signatureBlocks = blocks;
    this.signatures = facts;
    this.stage = { kind: 'done' };
  }

  private checkSignatureBlock(index: number, block: Uint8Array, digest: Uint8Array): SignatureFact {
    const version = block[1];
    if (version !== 2 && version !== 3) {
      throw new ImageRejected(
        'signature-invalid',
        `signature block ${index} has version ${version ?? 0}, not 2 (RSA-3072) or 3 (ECDSA)`,
      );
    }
    if (u32(block, SIGNATURE_CRC_SPAN) !== crc32(block.subarray(0, SIGNATURE_CRC_SPAN))) {
      throw new ImageRejected('signature-invalid', `signature block ${index} fails its CRC-32`);
    }
    if (block.subarray(SIGNATURE_CRC_SPAN + 4).some((byte) => byte !== 0)) {
      throw new ImageRejected('signature-invalid', `signature block ${index} has non-zero padding`);
    }
    const content = readSignatureBlock(block);
    if (typeof content === 'string')
      throw new ImageRejected('signature-invalid', `signature block ${index}: ${content}`);
    // ECDSA P-384 blocks (version 3, flag 1) sign the SHA-384 of the image: a 48-byte digest.
    const expected = content.imageDigest.length === 48 ? this.verifier.sha384() : digest;
    if (!sameBytes(content.imageDigest, expected)) {
      throw new ImageRejected(
        'signature-invalid',
        `signature block ${index} was made for other image bytes (digest mismatch)`,
      );
    }
    const keyHash = this.createSha256();
    keyHash.update(content.keyMaterial);
    return { scheme: content.scheme, keyDigest: hexOf(keyHash.digest()), verifies: this.verifier.verify(content) };
  }

  private result(signed: boolean): EspImageInfo {
    const header = this.header as Header;
    const app = this.appDescriptor as AppDescriptor;
    return {
      chip: chipName(header.chipId) ?? 'unknown',
      chipId: header.chipId,
      minChipRev: header.minChipRev,
      minChipRevFull: header.minChipRevFull,
      maxChipRevFull: header.maxChipRevFull,
      segmentCount: header.segmentCount,
      hashAppended: header.hashAppended,
      ...(header.hashAppended && this.imageDigest !== undefined ? { appendedSha256: hexOf(this.imageDigest) } : {}),
      imageLength: this.imageEnd,
      projectName: app.projectName,
      version: app.version,
      idfVersion: app.idfVersion,
      secureVersion: app.secureVersion,
      elfSha256: app.elfSha256,
      compileDate: app.compileDate,
      compileTime: app.compileTime,
      signed,
      signatureBlocks: this.signatureBlocks,
      signatures: this.signatures,
    };
  }
}

function readAppDescriptor(bytes: Uint8Array): AppDescriptor {
  const magic = u32(bytes, 0);
  if (magic !== APP_DESC_MAGIC) {
    throw new ImageRejected(
      'app-descriptor-missing',
      `no app descriptor at offset 32 (magic 0x${magic.toString(16)}, expected 0xabcd5432)`,
    );
  }
  return {
    secureVersion: u32(bytes, 4),
    version: cString(bytes, 16, 32, 'version'),
    projectName: cString(bytes, 48, 32, 'project_name'),
    compileTime: cString(bytes, 80, 16, 'time'),
    compileDate: cString(bytes, 96, 16, 'date'),
    idfVersion: cString(bytes, 112, 32, 'idf_ver'),
    elfSha256: hexOf(bytes.subarray(144, 176)),
  };
}

/** A NUL-terminated string field of the app descriptor; a field without its NUL is refused. */
function cString(bytes: Uint8Array, at: number, size: number, field: string): string {
  const raw = bytes.subarray(at, at + size);
  const end = raw.indexOf(0);
  if (end < 0) throw new ImageRejected('string-not-terminated', `the app descriptor's ${field} is not NUL-terminated`);
  return new TextDecoder().decode(raw.subarray(0, end));
}

/**
 * Bytes that do not start as an image. A multipart form (what `curl -F` sends) starts with its
 * boundary's `--`: the person who sent it is told how to send the file itself.
 */
function badMagic(bytes: Uint8Array): ImageRejected {
  const form = bytes[0] === 0x2d && bytes[1] === 0x2d;
  const hint = form
    ? '; this looks like a multipart form (curl -F): send the file itself, with curl --data-binary @<file> or -T <file>'
    : '';
  return new ImageRejected(
    'bad-magic',
    `not an ESP-IDF application image: the first byte is 0x${hexOf(bytes.subarray(0, 1))}, not 0xe9${hint}`,
  );
}

function describe(stage: Stage): string {
  switch (stage.kind) {
    case 'header':
      return 'image header';
    case 'segment-header':
    case 'segment-data':
      return `segment ${stage.index}`;
    case 'checksum':
      return 'checksum padding';
    case 'hash':
      return 'appended SHA-256';
    case 'signature-padding':
    case 'signature-sector':
      return 'signature sector';
    case 'done':
      return 'image';
  }
}
