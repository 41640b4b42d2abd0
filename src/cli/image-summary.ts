import type { EspImageInfo } from '../domain/firmware/esp-image-info.js';

/** The facts of an ESP-IDF image an operator looks at, one per line. */
export function imageSummary(image: EspImageInfo | null | undefined): string {
  if (image === null || image === undefined)
    return '  image:    not an ESP-IDF application image (stored without validation)';
  return [
    `  project:  ${image.projectName}`,
    `  version:  ${image.version}`,
    `  chip:     ${image.chip} (revisions ${image.minChipRevFull}-${image.maxChipRevFull})`,
    `  ESP-IDF:  ${image.idfVersion}`,
    `  built:    ${image.compileDate} ${image.compileTime}`,
    `  secure version: ${image.secureVersion}; ${image.segmentCount} segments; ${image.hashAppended ? 'SHA-256 appended' : 'no SHA-256 appended'}; ${image.signed ? `signed (${image.signatureBlocks} block${image.signatureBlocks === 1 ? '' : 's'})` : 'unsigned'}`,
    ...(image.signatures ?? []).map(
      (block, index) =>
        `  signature block ${index}: ${block.scheme}, key digest ${block.keyDigest}, ${block.verifies ? 'verifies' : 'DOES NOT VERIFY'}`,
    ),
  ].join('\n');
}
