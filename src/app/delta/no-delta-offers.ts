import type { DeltaOffers, DeltaPatchInfo } from './delta-offers.js';
import type { OpenedBlob } from '../../ports/blob-store.port.js';

/**
 * The DeltaOffers of a server that makes no patches: every device gets the full image, and
 * every `.delta/<id>` is a missing file. The container's default until a patch store is bound.
 */
export class NoDeltaOffers implements DeltaOffers {
  offerFor(): DeltaPatchInfo | undefined {
    return undefined;
  }

  async open(): Promise<{ readonly patch: DeltaPatchInfo; readonly blob: OpenedBlob } | undefined> {
    return undefined;
  }
}
