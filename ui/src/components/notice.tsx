import type { ComponentChildren } from 'preact';

/** A failure in words, announced to screen readers as it appears. */
export function ErrorNotice({ message }: { readonly message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p class="notice notice-error" role="alert">
      {message}
    </p>
  );
}

/** A confirmation or status line, read out politely. */
export function StatusNotice({ children }: { readonly children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}
