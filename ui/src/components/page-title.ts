import { useEffect } from 'preact/hooks';

/** Names the page in the browser's tab and history, and for screen readers as they arrive. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · fuota`;
  }, [title]);
}
