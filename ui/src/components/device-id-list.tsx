import { deviceHref } from '../api/file-api.js';

/** How many ids a list or a sentence names before "and N more": a file may be named by thousands of rows. */
export const IDS_SHOWN = 20;

/** `a, b, c` or `a, b, … and 314 more`: a sentence's list of device ids, bounded. */
export function idsText(ids: readonly string[], shown = IDS_SHOWN): string {
  const named = ids.slice(0, shown).join(', ');
  return ids.length > shown ? `${named} and ${ids.length - shown} more` : named;
}

/** Device ids as links to their pages, the first IDS_SHOWN of them, then how many more. */
export function DeviceIdList({ ids, testId }: { readonly ids: readonly string[]; readonly testId?: string }) {
  return (
    <ul class="inline-list" data-testid={testId}>
      {ids.slice(0, IDS_SHOWN).map((id) => (
        <li key={id}>
          <a href={deviceHref(id)} class="mono">
            {id}
          </a>
        </li>
      ))}
      {ids.length > IDS_SHOWN && <li class="hint">and {ids.length - IDS_SHOWN} more</li>}
    </ul>
  );
}
