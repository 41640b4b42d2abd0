import type { SecureVersion } from 'node:tls';

/**
 * How a virtual device connects, as ESP-IDF devices do: every check on a new TLS connection,
 * either a full handshake each time or resuming the session of its previous connection with the
 * ticket the server gave it (esp-tls client session tickets): TLS 1.2 tickets with mbedTLS 2.x,
 * TLS 1.3 with the mbedTLS 3.x of newer IDF releases.
 */
export interface TlsMode {
  readonly name: string;
  readonly maxVersion: SecureVersion;
  readonly resume: boolean;
}

export const TLS_MODES: readonly TlsMode[] = [
  { name: 'TLS 1.2, full handshake', maxVersion: 'TLSv1.2', resume: false },
  { name: 'TLS 1.2, resumed (ticket)', maxVersion: 'TLSv1.2', resume: true },
  { name: 'TLS 1.3, full handshake', maxVersion: 'TLSv1.3', resume: false },
  { name: 'TLS 1.3, resumed (ticket)', maxVersion: 'TLSv1.3', resume: true },
];

/**
 * The sessions the virtual devices hold, one slot per device modulo `slots`. A ticket resumes on
 * the server without server-side state (the server decrypts it with its ticket key), so the
 * server's cost of a resumption does not depend on which device's ticket it is: a few slots stand
 * for a fleet of 100,000 without holding 100,000 sessions in the load generator, and a slot is
 * used again within the same step (a device's own session would come back only after the whole
 * fleet had checked, minutes later at these rates).
 */
export class SessionSlots {
  private readonly sessions: Array<Buffer | undefined>;

  constructor(private readonly slots: number) {
    this.sessions = new Array<Buffer | undefined>(slots);
  }

  get(device: number): Buffer | undefined {
    return this.sessions[device % this.slots];
  }

  set(device: number, session: Buffer | undefined): void {
    if (session !== undefined) this.sessions[device % this.slots] = session;
  }
}
