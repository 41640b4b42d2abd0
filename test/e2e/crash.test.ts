import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { prng } from '../support/esp-image-builder.js';
import { HttpsTestClient } from '../support/https-client.js';
import type { StartedProgram } from '../support/started-program.js';
import { startProgram } from '../support/started-program.js';

/**
 * The durability promise, shown the hard way: a server under a stream of writes is killed with
 * SIGKILL at random moments; after each restart every write it had answered 200 is there.
 */
describe('e2e: kill -9 under a stream of writes', function () {
  let dir: string;
  let program: StartedProgram | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-crash-'));
  });
  after(async () => {
    await program?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write across 5 random SIGKILLs', async () => {
    const env = { FUOTA_HOST: '127.0.0.1', FUOTA_PORT: '0', FUOTA_DATA_DIR: join(dir, 'data'), FUOTA_USERNAME: 'u', FUOTA_PASSWORD: 'p' };
    const random = prng(424242);
    // Per device id (each written by one lane, one request at a time): the value last answered
    // 200 (null: deleted), and the one in flight when the server died, which may or may not
    // have become durable before the kill. Nothing else is allowed after a restart.
    const acknowledged = new Map<string, string | null>();
    const inFlight = new Map<string, string | null>();
    let acknowledgements = 0;
    for (let round = 0; round <= 5; round += 1) {
      program = await startProgram(env);
      const cert = await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8');
      const client = new HttpsTestClient(`https://localhost:${program.port}`, cert, { username: 'u', password: 'p' });

      const listing = (await client.get('/devices')).text;
      const rows = new Map(listing.split('\n').filter(Boolean).map((line) => {
        const [id, version] = line.split(',').map((field) => field.slice(1, -1));
        return [id ?? '', version ?? ''] as const;
      }));
      for (const [id, value] of acknowledged) {
        const found = rows.get(id) ?? null;
        const allowed = [value, ...(inFlight.has(id) ? [inFlight.get(id) ?? null] : [])];
        expect(allowed, `round ${round}: ${id} is ${String(found)}`).to.include(found);
        acknowledged.set(id, found); // from here on, what is stored is the truth
      }
      inFlight.clear();
      if (round === 5) break;

      let stop = false;
      const writer = async (lane: number) => {
        for (let i = 0; !stop; i += 1) {
          const id = `r${round}-l${lane}-${i % 40}`;
          const remove = i % 13 === 12 && typeof acknowledged.get(id) === 'string';
          const value = remove ? null : `${round}.${i}`;
          inFlight.set(id, value);
          let status: number;
          try {
            const res = remove
              ? await client.delete(`/devices/${id}`)
              : await client.put(`/devices/${id}`, `"${id}","${value}","fw.bin"`, 'text/csv');
            status = res.status;
          } catch {
            return; // the server died mid-request: that write was never acknowledged
          }
          expect(status, `${remove ? 'DELETE' : 'PUT'} ${id}`).to.equal(200);
          acknowledged.set(id, value);
          acknowledgements += 1;
          inFlight.delete(id);
        }
      };
      const lanes = Array.from({ length: 4 }, (_, lane) => writer(lane));
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(random() * 900)));
      await program.stop('SIGKILL');
      stop = true;
      await Promise.all(lanes);
      program = undefined;
    }
    expect(acknowledgements).to.be.above(50);
    await program?.stop();
    program = undefined;
  });
});
