/**
 * The seed README's curl commands, character for character as ../shared/docs/seed-curl.md and our
 * docs/api.md give them (placeholders in angle brackets). The e2e test fills in the placeholders
 * and runs them with real curl; the README test checks that README.md or docs/ still shows each.
 */
export const SEED_CURL = {
  check: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     --verbose --request GET \\
     'https://<server_fqdn>:<server_port>/devices/<device_id>?app_ver=<app_version>'`,
  download: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     --verbose --request GET \\
     --output <local_update_file_path> \\
     'https://<server_fqdn>:<server_port>/files/<update_file_path>'`,
  list: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     --verbose --request GET \\
     'https://<server_fqdn>:<server_port>/devices'`,
  upload: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     --verbose --request PUT --data-binary @<local_update_file_path> \\
     --header "Content-Type: application/octet-stream" \\
     'https://<server_fqdn>:<server_port>/files/<update_file_path>'`,
  assign: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     --verbose --request PUT --data '"<device_id>","<app_version>","<update_file_path>"' \\
     --header "Content-Type: text/csv" \\
     'https://<server_fqdn>:<server_port>/devices/<device_id>'`,
  delete: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> \\
     --verbose --request DELETE \\
     --header "Content-Type: text/csv" \\
     'https://<server_fqdn>:<server_port>/devices/<device_id>'`,
} as const;

export type SeedCurlCommand = keyof typeof SEED_CURL;

/** A command with its placeholders replaced (values must need no shell quoting). */
export function fillIn(template: string, values: Record<string, string>): string {
  return template.replace(/<([a-z_]+)>/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for ${whole}`);
    return value;
  });
}

/** Our download examples beyond the seed's (HEAD, a range, a resumed download), in docs/api.md. */
export const README_DOWNLOAD_CURL = {
  head: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> --head \\
     'https://<server_fqdn>:<server_port>/files/<update_file_path>'`,
  range: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> --range 0-65535 \\
     --output part.bin 'https://<server_fqdn>:<server_port>/files/<update_file_path>'`,
  resume: `curl -u <username>:<password> --cacert <ca_cert_pem_file_path> --continue-at - \\
     --output part.bin 'https://<server_fqdn>:<server_port>/files/<update_file_path>'`,
} as const;
