import type { UpdateFilePath } from './update-file-path.js';

/** What a device that asks "is there an update for me?" is told. */
export type UpdateDecision =
  | { readonly kind: 'update-available'; readonly updateFilePath: UpdateFilePath }
  | { readonly kind: 'no-update' }
  /** The row's file is an image of the very version the device runs: offering it would loop. */
  | { readonly kind: 'reinstall-loop'; readonly updateFilePath: UpdateFilePath }
  | { readonly kind: 'unknown-device' }
  | { readonly kind: 'update-file-missing'; readonly updateFilePath: UpdateFilePath };
