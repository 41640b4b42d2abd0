import type { RunningImage } from '../../domain/fleet/inventory-entry.js';
import { isSameProduct, type ProductFacts } from '../../domain/fleet/same-product.js';
import type { UpdateFile } from '../../domain/update-file.js';

/**
 * Which stored image a reported version is, for the inventory: the versions of the stored
 * images, each with its project, chip and secure_version. Two stored images of one version
 * (two products that both call a build 1.0.0, say) are told apart by the file the device was
 * last offered, when it is one of them. Otherwise, when they agree on project, chip and
 * secure_version, the device runs one of them either way; when they do not, which one it runs
 * is unknown (null), never a guess: a guess would let a rollout of one product offer its image
 * to the other's devices.
 */
export class RunningImageIndex {
  private byVersion = new Map<string, ReadonlyArray<{ readonly path: string; readonly image: RunningImage }>>();

  replace(files: Iterable<UpdateFile>): void {
    const next = new Map<string, Array<{ readonly path: string; readonly image: RunningImage }>>();
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sorted) {
      if (file.image === undefined) continue;
      const { projectName, chip, secureVersion, version } = file.image;
      const list = next.get(version) ?? [];
      list.push({ path: file.path, image: { project: projectName, chip, secureVersion } });
      next.set(version, list);
    }
    this.byVersion = next;
  }

  /**
   * The image of `version`: told apart, when stored images of several products share it, by the
   * file the device was last offered (`preferredPath`), else by the product it was known to run
   * with this version (`known`), else unknown.
   */
  find(version: string, preferredPath?: string, known?: ProductFacts | null): RunningImage | null {
    const candidates = this.byVersion.get(version);
    if (candidates === undefined) return null;
    if (candidates.length > 1 && preferredPath !== undefined) {
      const preferred = candidates.find((candidate) => candidate.path === preferredPath);
      if (preferred !== undefined) return preferred.image;
    }
    if (candidates.length > 1 && known !== undefined && known !== null) {
      const same = candidates.find((candidate) => isSameProduct(candidate.image, known));
      if (same !== undefined) return same.image;
    }
    const first = candidates[0]?.image;
    if (first === undefined) return null;
    return candidates.every(({ image }) => isSameProduct(image, first)) ? first : null;
  }
}
