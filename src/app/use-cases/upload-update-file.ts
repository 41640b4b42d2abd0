import { inject, injectable } from 'inversify';
import { DomainError } from '../../domain/domain-error.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { UPDATE_FILE_CATALOG } from '../../ports/update-file-catalog.port.js';
import type { Sha256Factory } from '../../ports/sha256.port.js';
import { SHA256_FACTORY } from '../../ports/sha256.port.js';
import type { SignatureVerifierFactory } from '../../ports/signature-verifier.port.js';
import { SIGNATURE_VERIFIER } from '../../ports/signature-verifier.port.js';
import type { Config } from '../config/config.js';
import { CONFIG } from '../config/config.js';
import type { ImageInspection } from '../firmware/image-inspection.js';
import { inspectImage } from '../firmware/image-inspection.js';
import { TrustedKeys } from '../firmware/trusted-keys.js';
import { UpdateFileLocks } from '../firmware/update-file-locks.js';

export interface UploadOptions {
  /** Refuse anything that is not a valid ESP-IDF application image; defaults to the configuration. */
  readonly validate?: boolean;
  /** Size limit; defaults to the configured upload limit. */
  readonly maxBytes?: number;
  /**
   * Store an image of the very version a row naming its path updates from (the seed import: it
   * keeps the seed's rows as they are, and such a row's check is answered 204). Default: refused.
   */
  readonly allowReinstallLoop?: boolean;
}

/**
 * An operator stores (or replaces) an update file. The bytes are parsed as an ESP-IDF image on
 * their way to disk (one pass, constant memory); an invalid image is refused with the reason and
 * nothing is stored, unless validation is off, in which case any bytes are kept, as the seed did.
 * With trusted keys set, an image not signed by one of them is refused too (422), nothing stored.
 * An image of the very version that a row naming this path updates from is refused too (409):
 * that device would install it again after every check, forever (AssignUpdate refuses the same
 * pair in the other order).
 */
@injectable()
export class UploadUpdateFile {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UPDATE_FILE_CATALOG) private readonly catalog: UpdateFileCatalog,
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
    @inject(CONFIG) private readonly config: Config,
    // Storing a file and recording its entry is one step per path, so that two uploads racing for
    // the same path cannot leave the entry of one beside the bytes of the other, and no row is
    // assigned between the check of the rows below and the file's publication.
    @inject(UpdateFileLocks) private readonly locks: UpdateFileLocks,
    @inject(SHA256_FACTORY) private readonly sha256: Sha256Factory,
    @inject(SIGNATURE_VERIFIER) private readonly signatures: SignatureVerifierFactory,
    @inject(TrustedKeys) private readonly trustedKeys: TrustedKeys,
  ) {}

  get maxBytes(): number {
    return this.config.maxUploadBytes;
  }

  execute(path: UpdateFilePath, content: AsyncIterable<Uint8Array>, options: UploadOptions = {}): Promise<UpdateFile> {
    const validate = options.validate ?? this.config.validateImages;
    return this.locks.run(path, async () => {
      const { inspection, content: inspected } = inspectImage(content, validate, this.sha256, this.signatures);
      // Checked once the whole image is read, before the store publishes it: a refusal here
      // fails the upload's source, so the store keeps the previous version.
      const checked = endingWith(inspected, async () => {
        await this.refuseUntrusted(path, inspection);
        if (options.allowReinstallLoop !== true) await this.refuseReinstallLoop(path, inspection);
      });
      const stored = await this.files.put(path, checked, { maxBytes: options.maxBytes ?? this.config.maxUploadBytes });
      const entry: UpdateFile = {
        path,
        size: stored.size,
        sha256: stored.sha256,
        modifiedAtMs: stored.modifiedAt.getTime(),
        changeToken: stored.changeToken,
        storedAt: new Date().toISOString(),
        image: inspection.image,
      };
      try {
        await this.catalog.put(entry);
      } catch (error) {
        // Unrecorded, the upload is answered as failed ("nothing was stored"): so it must be.
        await stored.revert();
        throw error;
      }
      await stored.settle();
      return entry;
    });
  }

  /**
   * With trusted keys set, an image needs a block that verifies with one of them (bytes stored
   * unvalidated, not an image, have no signature to check: `?validate=false` is for other files).
   */
  private async refuseUntrusted(path: UpdateFilePath, inspection: ImageInspection): Promise<void> {
    if (inspection.image === undefined) return;
    await this.trustedKeys.refuseUntrusted(inspection.image, `${path} was not stored`);
  }

  private async refuseReinstallLoop(path: UpdateFilePath, inspection: ImageInspection): Promise<void> {
    const version = inspection.image?.version;
    if (version === undefined) return;
    const looping = (await this.devices.namingFile(path)).filter((row) => row.appVersion === version);
    if (looping.length === 0) return;
    const shown = looping
      .slice(0, 10)
      .map((row) => row.deviceId)
      .join(', ');
    const more = looping.length > 10 ? ` and ${looping.length - 10} more` : '';
    throw new DomainError(
      'reinstall-loop',
      `${path} is version ${version}, the version that the row(s) of ${shown}${more} update from: ` +
        'those devices would install it again after every check, forever. Nothing was stored; change ' +
        'those rows first (PUT /devices/<id>) or upload this image under another path',
    );
  }
}

/** `content`, then `check` before the end is reported: a check that throws fails the stream. */
async function* endingWith(content: AsyncIterable<Uint8Array>, check: () => Promise<void>): AsyncGenerator<Uint8Array> {
  yield* content;
  await check();
}
