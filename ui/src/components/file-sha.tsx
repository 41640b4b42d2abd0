import { useState } from 'preact/hooks';

/**
 * A SHA-256 shortened to its first 12 digits, the whole of it in the title and copied by the
 * button (for keyboard users, who never see a title).
 */
export function FileSha({ sha256, label }: { readonly sha256: string; readonly label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>(undefined);
  const copy = () => {
    navigator.clipboard
      .writeText(sha256)
      .then(() => setCopied('yes'))
      .catch(() => setCopied('failed'));
  };
  return (
    <span>
      <code title={sha256}>{sha256.slice(0, 12)}…</code>
      <button type="button" class="secondary copy-button" onClick={copy} aria-label={`Copy the SHA-256 of ${label}`}>
        Copy
      </button>
      <span role="status" class="hint">
        {copied === 'yes' ? ' copied' : copied === 'failed' ? ' could not copy' : ''}
      </span>
    </span>
  );
}
