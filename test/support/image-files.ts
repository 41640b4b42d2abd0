import type { EspImageInfo } from '../../src/domain/firmware/esp-image-info.js';
import type { UpdateFile } from '../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';

/** What an image's descriptor says, for tests: an app of project `fuota-app` for the esp32 unless told. */
export interface ImageFields {
  readonly version: string;
  readonly project?: string;
  readonly chip?: string;
  readonly secureVersion?: number;
  readonly compileDate?: string;
  readonly compileTime?: string;
}

/** A stored file that is a valid application image with these facts (the bytes are never read). */
export function imageFile(path: string, fields: ImageFields): UpdateFile {
  const image: EspImageInfo = {
    chip: fields.chip ?? 'esp32',
    chipId: 0,
    minChipRev: 0,
    minChipRevFull: 0,
    maxChipRevFull: 0xffff,
    segmentCount: 4,
    hashAppended: true,
    imageLength: 1000,
    projectName: fields.project ?? 'fuota-app',
    version: fields.version,
    idfVersion: 'v5.3',
    secureVersion: fields.secureVersion ?? 0,
    elfSha256: '0'.repeat(64),
    compileDate: fields.compileDate ?? 'Jan  2 2026',
    compileTime: fields.compileTime ?? '01:02:03',
    signed: false,
    signatureBlocks: 0,
  };
  return {
    path: path as UpdateFilePath,
    size: 1000,
    sha256: '1'.repeat(64),
    modifiedAtMs: 0,
    storedAt: '2026-01-01T00:00:00.000Z',
    image,
  };
}
