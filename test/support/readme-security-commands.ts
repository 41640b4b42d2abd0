/**
 * The documented security commands (per-device credentials in docs/api.md, client certificates in
 * docs/security.md), kept here verbatim so that the README test finds them in README.md or docs/
 * and the e2e test runs them.
 */
export const README_DEVICE_CREDENTIAL_CURL = {
  provision: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> -X POST \\
     'https://<server_fqdn>:<server_port>/api/v1/devices/<device_id>/credentials'`,
  status: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     'https://<server_fqdn>:<server_port>/api/v1/devices/<device_id>/credentials'`,
  revoke: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> -X DELETE \\
     'https://<server_fqdn>:<server_port>/api/v1/devices/<device_id>/credentials'`,
} as const;

export const README_CLIENT_CERTIFICATE = {
  /** A CA for the fleet's device certificates, then one device's key and certificate. */
  openssl: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \\
  -subj '/CN=fuota device CA' -keyout ca.key -out ca.pem
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\
  -subj '/CN=<device_id>' -addext extendedKeyUsage=clientAuth -keyout device.key -out device.csr
openssl x509 -req -in device.csr -CA ca.pem -CAkey ca.key -CAcreateserial -copy_extensions copy \\
  -days 3650 -out device.pem`,
  check: `curl --cacert <ca_cert_pem_file_path> --cert device.pem --key device.key \\
     'https://<server_fqdn>:<server_port>/devices/<device_id>?app_ver=<app_version>'`,
} as const;
