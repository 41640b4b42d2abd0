#!/usr/bin/env node
// The seed README's curl sequence, verbatim (the commands the e2e test runs, from the built
// test support), against a running server. Used by docker/verify against the container.
//
//   node docker/seed-curl-sequence.mjs populate <port> <ca.pem> <user> <password>
//   node docker/seed-curl-sequence.mjs check    <port> <ca.pem> <user> <password>
// `populate` uploads an image, assigns it, then runs `check`; `check` lists, checks and
// downloads, and exits non-zero at the first answer that differs from the seed contract.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { SEED_CURL, fillIn } = await import(join(root, 'dist/test/support/seed-curl-commands.js'));
const { buildEspImage } = await import(join(root, 'dist/test/support/esp-image-builder.js'));

const [mode, port, ca, username, password] = process.argv.slice(2);
if (!['populate', 'check'].includes(mode ?? '') || !port || !ca || !username || !password) {
  process.stderr.write('usage: seed-curl-sequence.mjs populate|check <port> <ca.pem> <user> <password>\n');
  process.exit(2);
}

const DEVICE = '24:0A:C4:00:01:02';
const FILE = 'fw/app-1.1.bin';
// The same bytes every run, so that `check` after a restart knows what to expect.
const firmware = buildEspImage({ version: '1.1', segmentLengths: [200_000, 50_000] });
const work = mkdtempSync(join(tmpdir(), 'fuota-docker-verify-'));

function curl(command, values = {}) {
  const line = fillIn(SEED_CURL[command], {
    username,
    password,
    ca_cert_pem_file_path: ca,
    server_fqdn: 'localhost',
    server_port: port,
    ...values,
  });
  const stdout = execFileSync('bash', ['-c', `${line} 2>${join(work, 'stderr')}`], { cwd: work, encoding: 'utf8' });
  const stderr = readFileSync(join(work, 'stderr'), 'utf8');
  const statuses = [...stderr.matchAll(/^< HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
  return { status: statuses.at(-1) ?? 0, stdout };
}

function expectAnswer(what, actual, expected) {
  const same = JSON.stringify(actual) === JSON.stringify(expected);
  process.stdout.write(`${same ? 'ok  ' : 'FAIL'} ${what}: ${JSON.stringify(actual)}\n`);
  if (!same) {
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  }
}

if (mode === 'populate') {
  writeFileSync(join(work, 'app-1.1.bin'), firmware);
  expectAnswer('upload', curl('upload', { local_update_file_path: 'app-1.1.bin', update_file_path: FILE }).status, 200);
  expectAnswer('assign', curl('assign', { device_id: DEVICE, app_version: '1.0', update_file_path: FILE }).status, 200);
}
const list = curl('list');
expectAnswer('list', [list.status, list.stdout], [200, `"${DEVICE}","1.0","${FILE}"\n`]);
const offered = curl('check', { device_id: DEVICE, app_version: '1.0' });
expectAnswer('check (update)', [offered.status, offered.stdout], [200, FILE]);
expectAnswer('check (current)', curl('check', { device_id: DEVICE, app_version: '1.1' }).status, 204);
expectAnswer('check (unknown)', curl('check', { device_id: '24:0A:C4:00:09:09', app_version: '1.0' }).status, 404);
expectAnswer('download', curl('download', { local_update_file_path: 'back.bin', update_file_path: FILE }).status, 200);
expectAnswer('downloaded bytes', readFileSync(join(work, 'back.bin')).equals(firmware), true);
rmSync(work, { recursive: true, force: true });
