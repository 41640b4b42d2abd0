import type { UpdateFile } from '../../domain/update-file.js';
import { imageFactsOf, type ImageFacts } from '../../domain/rollout/image-facts.js';
import { isSameProduct, type ProductFacts } from '../../domain/fleet/same-product.js';

/**
 * The stored images' facts, by path (a rollout's target) and by version (the image a device
 * runs, found by the version it reports). Two stored images of one version are told apart by the
 * file the device was last offered, when it is one of them; otherwise the first by path is
 * taken when they agree on project, chip and secure_version, and none (an unknown image) when
 * they do not, as the inventory's RunningImageIndex does.
 */
export class ImageFactsIndex {
  private byPath = new Map<string, { readonly file: UpdateFile; readonly facts: ImageFacts }>();
  private byVersion = new Map<string, ReadonlyArray<{ readonly path: string; readonly facts: ImageFacts }>>();

  replace(files: Iterable<UpdateFile>): void {
    const byPath = new Map<string, { readonly file: UpdateFile; readonly facts: ImageFacts }>();
    const byVersion = new Map<string, Array<{ readonly path: string; readonly facts: ImageFacts }>>();
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sorted) {
      if (file.image === undefined) continue;
      const facts = imageFactsOf(file.image);
      byPath.set(file.path, { file, facts });
      const list = byVersion.get(facts.version) ?? [];
      list.push({ path: file.path, facts });
      byVersion.set(facts.version, list);
    }
    this.byPath = byPath;
    this.byVersion = byVersion;
  }

  /** The stored image at `path`, with its facts; undefined when none is stored there or it is not an image. */
  target(path: string): { readonly file: UpdateFile; readonly facts: ImageFacts } | undefined {
    return this.byPath.get(path);
  }

  /** As RunningImageIndex.find: by the last offered file, else by the product it was known to run, else unknown. */
  running(version: string, preferredPath?: string, known?: ProductFacts | null): ImageFacts | null {
    const candidates = this.byVersion.get(version);
    if (candidates === undefined) return null;
    const preferred = candidates.length > 1 ? candidates.find((c) => c.path === preferredPath) : undefined;
    if (preferred !== undefined) return preferred.facts;
    const same =
      candidates.length > 1 && known !== undefined && known !== null
        ? candidates.find((c) => isSameProduct(c.facts, known))
        : undefined;
    if (same !== undefined) return same.facts;
    const first = candidates[0]?.facts;
    if (first === undefined) return null;
    return candidates.every(({ facts }) => isSameProduct(facts, first)) ? first : null;
  }
}
