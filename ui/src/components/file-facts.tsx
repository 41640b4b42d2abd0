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
    ['Signed (Secure Boot v2)', image.signed ? signatureText(image) : 'no signature block'],
    ...(image.signatures ?? []).map((block, index): readonly [string, string] => [
      `Signature block ${index}`,
      `${block.scheme}, key digest ${block.keyDigest}: ${block.verifies ? 'verifies' : 'does not verify'}`,
    ]),
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
 * What `image.signed` means: the image carries a Secure Boot v2 signature sector, each of whose
 * blocks the server verified with the block's own key (whether that key is trusted is the
 * server's trusted keys' business: an untrusted image is refused at upload while keys are set).
 */
export function signatureText(image: Pick<ImageInfo, 'signatureBlocks' | 'signatures'>): string {
  const blocks = image.signatureBlocks;
  const verifying = (image.signatures ?? []).filter((block) => block.verifies).length;
  return `${blocks} signature block${blocks === 1 ? '' : 's'}, ${verifying} of which verif${verifying === 1 ? 'ies' : 'y'}`;
}

/** Signed (with how many blocks verify), unsigned, or not an image: a badge. */
export function SignedBadge({ image }: { readonly image: ImageInfo | null }) {
  if (image === null) return <span class="badge">not an image</span>;
  if (!image.signed) return <span class="badge">unsigned</span>;
  const verifies = (image.signatures ?? []).some((block) => block.verifies);
  return (
    <span class="badge" title={`Secure Boot v2: ${signatureText(image)}`}>
      {verifies ? 'signed' : 'signature does not verify'}
    </span>
  );
}
