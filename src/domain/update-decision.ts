import type { UpdateFilePath } from './update-file-path.js';

/** What a device that asks "is there an update for me?" is told. */
export type UpdateDecision =
  | { readonly kind: 'update-available'; readonly updateFilePath: UpdateFilePath }
  | { readonly kind: 'no-update' }
  | { readonly kind: 'unknown-device' }
  | { readonly kind: 'update-file-missing'; readonly updateFilePath: UpdateFilePath };
