import type { PastAttempt } from './rollout-device.js';

/**
 * The versions that rolled back on a device after `clearedAt` (an operator's clearing; null:
 * never cleared), from its attempts: what `RolloutDevice.rolledBackVersions` holds when the app
 * has nothing better. A rollback is the bootloader's verdict that the image does not run on
 * that device; offering it again would reinstall a crash.
 */
export function rolledBackVersionsOf(attempts: readonly PastAttempt[], clearedAt: number | null): ReadonlySet<string> {
  const versions = new Set<string>();
  for (const attempt of attempts) {
    if (attempt.state !== 'rolled-back' || attempt.version === null) continue;
    if (clearedAt !== null && attempt.updatedAt <= clearedAt) continue;
    versions.add(attempt.version);
  }
  return versions;
}
