import { constants } from 'node:crypto';
import { DEFAULT_CIPHERS } from 'node:tls';

/** The TLS 1.3 suite every TLS 1.3 client implements (RFC 8446, section 9.1). */
export const PREFERRED_TLS13_SUITE = 'TLS_AES_128_GCM_SHA256';

/**
 * The server's cipher list. A Node server chooses from its own order (`honorCipherOrder` is
 * Node's default for servers), and Node's order puts TLS_AES_256_GCM_SHA384 first, so every TLS
 * 1.3 client that offers it gets it, whatever its own preference. This moves
 * TLS_AES_128_GCM_SHA256 first and keeps the rest of Node's list as it is (TLS 1.2 suites
 * included, whose order already puts AES-128-GCM first).
 *
 * Why: with the SHA-384 suite the handshake's key schedule and transcript hash run on SHA-384. A
 * device opens a new connection for every check, so the handshake is most of a check's cost on
 * both ends, and SHA-256 costs less: on the server, and on ESP32 chips whose SHA accelerator has
 * no SHA-384 (ESP32-C2, C3, C5, C6, H2). AES-128-GCM is the suite RFC 8446 makes mandatory.
 *
 * A list an operator set with `--tls-cipher-list` is theirs and is used exactly as given.
 */
export function serverCipherList(
  defaults: string = DEFAULT_CIPHERS,
  nodeDefaults: string = constants.defaultCoreCipherList,
): string {
  const ciphers = defaults.split(':');
  if (defaults !== nodeDefaults || !ciphers.includes(PREFERRED_TLS13_SUITE)) return defaults;
  return [PREFERRED_TLS13_SUITE, ...ciphers.filter((cipher) => cipher !== PREFERRED_TLS13_SUITE)].join(':');
}
