import { servedBytes } from '../../domain/fleet/byte-coverage.js';
import type { NewFleetEvent } from '../../domain/fleet/fleet-event.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';

/** The event of an attempt entering its current state: typed by that state, with the attempt's facts. */
export function attemptEvent(attempt: UpdateAttempt): NewFleetEvent {
  return {
    at: attempt.updatedAt,
    deviceId: attempt.deviceId,
    type: attempt.state,
    detail: {
      attempt: attempt.id,
      file: attempt.file,
      version: attempt.version,
      from: attempt.fromVersion,
      attribution: attempt.attribution,
      servedBytes: servedBytes(attempt.served),
    },
  };
}
