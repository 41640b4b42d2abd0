import { Fragment } from 'preact';
import type { ImageInfo } from '../api/file-api.js';
import { chipRevText, sizeText } from '../api/file-api.js';

/** Every fact the server read out of an application image, as a list of terms and values. */
export function ImageFacts({ image }: { readonly image: ImageInfo }) {
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['Project', image.projectName],
    ['Version', image.version],
    ['Chip', `${image.chip} (chip id ${image.chipId})`],
    ['Minimum chip revision', `${chipRevText(image.minChipRevFull)} (legacy byte: ${image.minChipRev})`],
    ['Maximum chip revision', chipRevText(image.maxChipRevFull)],
    ['ESP-IDF version', image.idfVersion],
    ['secure_version', String(image.secureVersion)],
    ['Segments', String(image.segmentCount)],
    ['SHA-256 appended', image.hashAppended ? 'yes' : 'no'],
    ['Image length', sizeText(image.imageLength)],
    ['Compiled', `${image.compileDate} ${image.compileTime}`],
    ['Signed (Secure Boot v2)', image.signed ? signatureText(image.signatureBlocks) : 'no signature block'],
  ];
  return (
    <dl class="facts">
      {rows.map(([term, value]) => (
        <Fragment key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
      <dt>ELF SHA-256</dt>
      <dd>
        <code>{image.elfSha256}</code>
      </dd>
    </dl>
  );
}

/**
 * What `image.signed` means: the image carries a Secure Boot v2 signature sector whose structure,
 * CRC and digest the server checked. The signature itself is not verified against a key.
 */
export function signatureText(blocks: number): string {
  return `${blocks} signature block${blocks === 1 ? '' : 's'}; the signature itself is not verified by the server`;
}

/** A signature block (not verified), unsigned, or not an image: a badge. */
export function SignedBadge({ image }: { readonly image: ImageInfo | null }) {
  if (image === null) return <span class="badge">not an image</span>;
  return image.signed ? (
    <span class="badge" title={`Secure Boot v2: ${signatureText(image.signatureBlocks)}`}>
      signature block (not verified)
    </span>
  ) : (
    <span class="badge">unsigned</span>
  );
}
