import type { UpdateFile } from '../../domain/update-file.js';

/** A stored file a patch may be made from: a valid image with its appended SHA-256. */
export function isPatchable(file: UpdateFile): boolean {
  return file.image?.appendedSha256 !== undefined;
}

/**
 * The stored files to make patches to `target` from when it is uploaded or rolled out: of the
 * same project and chip, the newest `recent` other versions (by when they were stored), and every
 * version some device in the inventory runs. A digest that more than one stored file has is left
 * out: a device reporting it could be running either, so no patch from it is ever offered.
 */
export function chooseBases(
  target: UpdateFile,
  files: readonly UpdateFile[],
  recent: number,
  runningVersions: ReadonlySet<string>,
  ambiguous: (imageSha256: string) => boolean,
): UpdateFile[] {
  const image = target.image;
  if (image === undefined || !isPatchable(target)) return [];
  const candidates = files
    .filter(
      (file) =>
        isPatchable(file) &&
        file.sha256 !== target.sha256 &&
        file.image?.projectName === image.projectName &&
        file.image.chip === image.chip &&
        file.image.version !== image.version &&
        !ambiguous(file.image.appendedSha256 as string),
    )
    .sort((a, b) => (a.storedAt < b.storedAt ? 1 : a.storedAt > b.storedAt ? -1 : 0));
  const chosen = new Map<string, UpdateFile>();
  const versions = new Set<string>();
  for (const file of candidates) {
    const version = file.image?.version as string;
    if (versions.size < recent && !versions.has(version)) versions.add(version);
    if (versions.has(version) || runningVersions.has(version)) chosen.set(file.sha256, file);
  }
  return [...chosen.values()];
}
