import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedProgram } from '../support/started-program.js';
import { programClient, programEnv, startProgram } from '../support/started-program.js';

const DEVICES = 2_000;

/**
 * A bulk tagging is many durable changes, one per device: a server killed midway keeps those it
 * made, and the audit log must name each of them (all but the one whose record was still being
 * written). Kept in memory for one write at the end, a kill lost every record (found by a new user).
 */
describe('e2e: kill -9 during a bulk tagging', function () {
  this.timeout(120_000);
  let dataDir: string;
  let program: StartedProgram | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fuota-bulk-tag-crash-'));
  });
  after(async () => {
    await program?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps an audit record of every device it tagged but the last', async () => {
    program = await startProgram(programEnv(dataDir));
    let client = await programClient(program, dataDir);
    // Devices that check without a row are inventoried (404), ready to be tagged.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    for (let first = 0; first < DEVICES; first += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => client.send(`/devices/bulk-${first + i}?app_ver=1.0`, { agent })),
      );
    }
    agent.destroy();
    const fleet = JSON.parse((await client.send('/api/v1/fleet')).text) as { devices: number };
    expect(fleet.devices).to.equal(DEVICES);

    const tagging = client
      .send('/api/v1/devices/tags', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ add: ['bulk'], filter: {} }),
      })
      .catch(() => undefined);
    // Killed once some devices carry the tag, while the tagging goes on.
    for (;;) {
      const listed = JSON.parse((await client.send('/api/v1/devices?tag=bulk&limit=1000')).text) as {
        items: unknown[];
      };
      if (listed.items.length >= 50) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await program.stop('SIGKILL');
    await tagging;

    program = await startProgram(programEnv(dataDir));
    client = await programClient(program, dataDir);
    const tagged = new Set<string>();
    for (let cursor: string | null = ''; cursor !== null;) {
      const page = JSON.parse(
        (await client.send(`/api/v1/devices?tag=bulk&limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`)).text,
      ) as { items: Array<{ id: string }>; next: string | null };
      for (const item of page.items) tagged.add(item.id);
      cursor = page.next;
    }
    expect(tagged.size, 'the kill came while the tagging went on').to.be.within(50, DEVICES - 1);
    const audited = new Set<string>();
    for (let after = 0; ;) {
      const page = JSON.parse((await client.send(`/api/v1/audit${after === 0 ? '' : `?after=${after}`}`)).text) as {
        items: Array<{ seq: number; action: string; target: string }>;
      };
      if (page.items.length === 0) break;
      for (const record of page.items) if (record.action === 'device.tags') audited.add(record.target);
      after = page.items[page.items.length - 1]?.seq ?? after;
    }
    const unaudited = [...tagged].filter((id) => !audited.has(id));
    expect(unaudited.length, `tagged without an audit record: ${unaudited.slice(0, 5).join(' ')}`).to.be.at.most(1);
  });
});
