import type { SignatureFact } from './signature-fact.js';

/** What the server reads out of a valid ESP-IDF application image. */
export interface EspImageInfo {
  readonly chip: string;
  readonly chipId: number;
  /** Legacy minimum revision (byte 14) and the full ones (major*100+minor; 0/0xFFFF = none). */
  readonly minChipRev: number;
  readonly minChipRevFull: number;
  readonly maxChipRevFull: number;
  readonly segmentCount: number;
  readonly hashAppended: boolean;
  /**
   * The appended SHA-256 (of every image byte before it), lowercase hex: what
   * esp_partition_get_sha256 returns for the running app, so what a device names as its base for
   * a delta patch. Undefined when no hash is appended, and in catalog entries recorded before it
   * was read (the describer reads such files again).
   */
  readonly appendedSha256?: string;
  /** Bytes up to and including the appended SHA-256 (what esp_image_verify reports). */
  readonly imageLength: number;
  readonly projectName: string;
  readonly version: string;
  readonly idfVersion: string;
  readonly secureVersion: number;
  readonly elfSha256: string;
  readonly compileDate: string;
  readonly compileTime: string;
  /** A structurally valid Secure Boot v2 signature sector follows the image. */
  readonly signed: boolean;
  readonly signatureBlocks: number;
  /**
   * Each signature block's scheme, key digest and verdict, in sector order. Absent in catalog
   * entries recorded before signatures were verified (the describer reads such files again).
   */
  readonly signatures?: readonly SignatureFact[];
}
