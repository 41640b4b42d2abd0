import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { HttpsTestClient } from '../support/https-client.js';
import type { StartedProgram } from '../support/started-program.js';
import { programClient, programEnv, startProgram } from '../support/started-program.js';

const DEVICES = 8;
const KILLS = 5;
const deviceId = (i: number) => `crash-dev-${i}`;
// Each device checks from its own loopback address, so that its shared-credential downloads are
// tied to it (as devices behind their own NAT are).
const addressOf = (i: number) => `127.3.0.${i + 1}`;

interface EventSeen {
  readonly seq: number;
  readonly type: string;
  readonly device: string;
}

/** What the server acknowledged before a kill: every one of these must be there after it. */
class FleetLedger {
  /** Per device: update cycles whose provisional / succeeded check was answered. */
  readonly provisional = new Map<string, number>();
  readonly succeeded = new Map<string, number>();
  /** Per device: the last note a PATCH was answered for, and the one sent after it (maybe applied). */
  readonly notes = new Map<string, { acknowledged: number; sent: number }>();
  /** Every event read from the log (a listed event is a durable one). */
  readonly events = new Map<number, EventSeen>();
  /** Every PATCH answered 200, by its request id: each must be in the audit log. */
  readonly patches = new Map<string, { device: string; note: string }>();

  count(map: Map<string, number>, device: string): void {
    map.set(device, (map.get(device) ?? 0) + 1);
  }
}

/**
 * One esp32-fuota-style device in a loop: check with the old version (200), download the whole
 * file, then check with the new version three times (provisional, then succeeded after two more
 * checks), and again, until the server goes away.
 */
async function runDevice(client: HttpsTestClient, i: number, ledger: FleetLedger, running: () => boolean) {
  const id = deviceId(i);
  const localAddress = addressOf(i);
  while (running()) {
    const offer = await client.send(`/devices/${id}?app_ver=1.0`, { localAddress });
    if (offer.status !== 200) throw new Error(`check: ${offer.status} ${offer.text}`);
    const download = await client.send(`/files/${offer.text}`, { localAddress });
    if (download.status !== 200) throw new Error(`download: ${download.status}`);
    for (let poll = 0; poll < 3; poll += 1) {
      const check = await client.send(`/devices/${id}?app_ver=2.0`, { localAddress });
      if (check.status !== 204) throw new Error(`check 2.0: ${check.status}`);
      if (poll === 0) ledger.count(ledger.provisional, id);
      if (poll === 2) ledger.count(ledger.succeeded, id);
    }
  }
}

/** An operator changing each device's note over and over. */
async function runOperator(client: HttpsTestClient, ledger: FleetLedger, running: () => boolean) {
  while (running()) {
    for (let i = 0; i < DEVICES && running(); i += 1) {
      const id = deviceId(i);
      const note = ledger.notes.get(id) ?? { acknowledged: 0, sent: 0 };
      const next = note.sent + 1;
      ledger.notes.set(id, { acknowledged: note.acknowledged, sent: next });
      const res = await client.send(`/api/v1/devices/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ note: `n${next}` }),
        headers: { 'Content-Type': 'application/json' },
      });
      if (res.status === 200) {
        ledger.notes.set(id, { acknowledged: next, sent: next });
        ledger.patches.set(String(res.headers['x-request-id']), { device: id, note: `n${next}` });
      } else if (res.status !== 404) throw new Error(`PATCH: ${res.status} ${res.text}`);
    }
  }
}

/** Reads the event log as it grows. */
async function watchEvents(client: HttpsTestClient, ledger: FleetLedger, running: () => boolean) {
  let after = Math.max(0, ...ledger.events.keys());
  while (running()) {
    const res = await client.send(`/api/v1/events?after=${after}`);
    if (res.status !== 200) throw new Error(`events: ${res.status}`);
    const page = JSON.parse(res.text) as { items: EventSeen[]; next: number | null };
    for (const { seq, type, device } of page.items) ledger.events.set(seq, { seq, type, device });
    after = page.next ?? after;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function allEvents(client: HttpsTestClient): Promise<Map<number, EventSeen>> {
  const events = new Map<number, EventSeen>();
  let after = 0;
  for (;;) {
    const page = JSON.parse((await client.send(`/api/v1/events?after=${after}`)).text) as {
      items: EventSeen[];
      next: number | null;
    };
    for (const { seq, type, device } of page.items) events.set(seq, { seq, type, device });
    if (page.items.length === 0 || page.next === null) return events;
    after = page.next;
  }
}

/** The audit log's device.patch records, by request id. */
async function auditedPatches(client: HttpsTestClient): Promise<Map<string, { device: string; note: string }>> {
  const patches = new Map<string, { device: string; note: string }>();
  let after = 0;
  for (;;) {
    const page = JSON.parse((await client.send(`/api/v1/audit?after=${after}`)).text) as {
      items: Array<{ seq: number; action: string; target: string; detail: { note?: string }; requestId: string }>;
    };
    for (const record of page.items)
      if (record.action === 'device.patch')
        patches.set(record.requestId, { device: record.target, note: String(record.detail.note) });
    if (page.items.length === 0) return patches;
    after = page.items.at(-1)?.seq ?? after;
  }
}

/**
 * The fleet's promise under SIGKILL: an attempt transition is durable before the check that
 * caused it is answered, an operator's change before its answer, and an event is listed only
 * once it is durable. A fleet of devices updating in a loop and an operator changing notes are
 * cut off by `kill -9` at random moments; after each restart every acknowledged transition and
 * change, its record in the audit log, and every event seen, are there.
 */
describe('e2e: kill -9 under a polling fleet', function () {
  this.timeout(120_000);
  let dataDir: string;
  let program: StartedProgram | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fuota-fleet-crash-'));
  });
  after(async () => {
    await program?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`loses no acknowledged attempt transition, operator change or listed event across ${KILLS} SIGKILLs`, async () => {
    program = await startProgram(programEnv(dataDir));
    let client = await programClient(program, dataDir);
    const image = buildEspImage({ version: '2.0', segmentLengths: [200 * 1024] });
    expect((await client.put('/files/fw/app-2.0.bin', image, 'application/octet-stream')).status).to.equal(200);
    for (let i = 0; i < DEVICES; i += 1) {
      const row = `"${deviceId(i)}","1.0","fw/app-2.0.bin"`;
      expect((await client.put(`/devices/${deviceId(i)}`, row, 'text/csv')).status).to.equal(200);
    }
    const ledger = new FleetLedger();
    for (let kill = 0; kill < KILLS; kill += 1) {
      let running = true;
      const workers = [
        ...Array.from({ length: DEVICES }, (_, i) => runDevice(client, i, ledger, () => running)),
        runOperator(client, ledger, () => running),
        watchEvents(client, ledger, () => running),
      ].map((work) => work.catch(() => {}));
      await new Promise((resolve) => setTimeout(resolve, 1_500 + Math.random() * 2_000));
      await program.stop('SIGKILL');
      running = false;
      await Promise.all(workers);

      program = await startProgram(programEnv(dataDir));
      client = await programClient(program, dataDir);
      const events = await allEvents(client);
      for (const seen of ledger.events.values()) {
        expect(events.get(seen.seq), `event ${seen.seq} (${seen.type} of ${seen.device})`).to.deep.equal(seen);
      }
      const audited = await auditedPatches(client);
      for (const [requestId, patch] of ledger.patches)
        expect(audited.get(requestId), `audit record of PATCH ${requestId}`).to.deep.equal(patch);
      for (let i = 0; i < DEVICES; i += 1) {
        const id = deviceId(i);
        const mine = [...events.values()].filter((event) => event.device === id);
        const provisional = mine.filter((event) => event.type === 'provisional').length;
        const succeeded = mine.filter((event) => event.type === 'succeeded').length;
        expect(provisional, `${id}: provisional`).to.be.at.least(ledger.provisional.get(id) ?? 0);
        expect(succeeded, `${id}: succeeded`).to.be.at.least(ledger.succeeded.get(id) ?? 0);
        const note = ledger.notes.get(id);
        if (note !== undefined && note.acknowledged > 0) {
          const device = JSON.parse((await client.send(`/api/v1/devices/${id}`)).text) as { note: string };
          expect([`n${note.acknowledged}`, `n${note.sent}`], `${id}: note`).to.include(device.note);
        }
      }
    }
    const acknowledged = [...ledger.succeeded.values()].reduce((sum, count) => sum + count, 0);
    expect(acknowledged, 'some updates went through between the kills').to.be.above(0);
    expect(ledger.events.size, 'some events were seen').to.be.above(0);
    expect(ledger.patches.size, 'some changes were acknowledged').to.be.above(0);
  });
});
