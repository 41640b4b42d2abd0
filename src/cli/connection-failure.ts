import { CliFailure, EXIT } from './exit-codes.js';

/** Where the server's own certificate is, when it generated one (the default data dir). */
const GENERATED = '<data dir>/tls/cert.pem (./data/tls/cert.pem by default)';

/** OpenSSL's verification codes, grouped by what the operator has to do about them. */
const SELF_SIGNED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT']);
const UNKNOWN_ISSUER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** The connection was made, then lost before the answer (the server stopped, the network dropped). */
const CUT = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Why a request did not get an answer, as one line that says what to do. Node's own words
 * ("self-signed certificate") name the symptom, not the fix: the fix is nearly always
 * `--ca-cert` with the right file, or a URL with a name the certificate is for.
 */
export function connectionFailure(
  error: Error & { code?: string; cert?: { subjectaltname?: string } },
  url: URL,
  caFile: string | undefined,
): CliFailure {
  const code = error.code ?? '';
  const trust =
    caFile === undefined
      ? 'pass --ca-cert <file> or set FUOTA_CA_CERT'
      : `${caFile} is not it: pass the right file with --ca-cert or FUOTA_CA_CERT`;
  const problem = (what: string) => new CliFailure(`cannot trust ${url.origin}: ${what}`, EXIT.failed);
  if (SELF_SIGNED.has(code)) {
    return problem(
      `its certificate is self-signed and not trusted here; ${trust} (the server's generated certificate is ${GENERATED})`,
    );
  }
  if (UNKNOWN_ISSUER.has(code)) {
    return problem(
      `its certificate is signed by a certificate authority not trusted here; ${trust} (the CA's certificate, PEM)`,
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = error.cert?.subjectaltname ?? 'other names';
    return problem(
      `its certificate is for ${names}, not ${url.hostname}; use one of those in --url/FUOTA_URL, or add ${url.hostname} to the server's FUOTA_TLS_HOSTNAMES (and move <data dir>/tls away so that it makes a new certificate; a certificate given with FUOTA_TLS_CERT must be issued again for that name)`,
    );
  }
  if (EXPIRED.has(code)) {
    const when = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return problem(
      `its certificate ${when} (${error.message}); check this machine's clock, or give the server a renewed certificate`,
    );
  }
  if (CUT.has(code) || error.message === 'socket hang up') {
    return new CliFailure(
      `lost the connection to ${url.origin} before its answer (${error.message}): the server stopped or the ` +
        'network dropped; whether it kept what was sent is not known, so look, then try again',
      EXIT.failed,
    );
  }
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(error.message)) {
    // OpenSSL's words ("write EPROTO ...:ssl3_get_record:wrong version number", over two lines)
    // for an answer that is not TLS: a plain-HTTP port, most likely.
    return new CliFailure(
      `${url.origin} did not answer in TLS: is it an HTTPS server, and the right port? (a plain-HTTP port answers so)`,
      EXIT.failed,
    );
  }
  if (code === 'ECONNREFUSED') {
    return new CliFailure(
      `cannot reach ${url.origin}: ${error.message}: is the server running, is the port right?`,
      EXIT.failed,
    );
  }
  return new CliFailure(`cannot reach ${url.origin}: ${firstLine(error.message)}`, EXIT.failed);
}

/** OpenSSL's messages run over several lines; the first says it. */
function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
