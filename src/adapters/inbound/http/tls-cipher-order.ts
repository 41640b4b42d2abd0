import { DEFAULT_CIPHERS } from 'node:tls';

/** The TLS 1.3 suite every TLS 1.3 client implements (RFC 8446, section 9.1). */
export const PREFERRED_TLS13_SUITE = 'TLS_AES_128_GCM_SHA256';

/**
 * The server's cipher list, used in its own order (`honorCipherOrder`): Node's list (which
 * `--tls-cipher-list` may have replaced) with TLS_AES_128_GCM_SHA256 moved first when it is in it.
 *
 * Why: OpenSSL-based TLS 1.3 clients (curl) and Node list TLS_AES_256_GCM_SHA384 first, whose
 * key schedule, transcript and session tickets are hashed with SHA-384. A device opens a new
 * connection for every check, so the handshake is most of a check's cost on both ends, and SHA-256
 * costs less: on the server, and on ESP32 chips whose SHA accelerator has no SHA-384 (ESP32-C3, C6,
 * H2). AES-128-GCM is the suite RFC 8446 makes mandatory. TLS 1.2 suites keep Node's order,
 * which already puts AES-128-GCM first.
 */
export function serverCipherList(defaults: string = DEFAULT_CIPHERS): string {
  const ciphers = defaults.split(':');
  if (!ciphers.includes(PREFERRED_TLS13_SUITE)) return defaults;
  return [PREFERRED_TLS13_SUITE, ...ciphers.filter((cipher) => cipher !== PREFERRED_TLS13_SUITE)].join(':');
}
