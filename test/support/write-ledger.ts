import { expect } from 'chai';
import type { HttpsTestClient } from './https-client.js';

/**
 * What a stream of device-row writes was told, per device id, to compare with what a server holds
 * after a crash: the value last answered 200 (null: deleted), the one in flight when the server
 * died (it may or may not have become durable), and every value a server refused (which must
 * never appear). Each id is written by one lane, one request at a time, with values never reused.
 */
export class WriteLedger {
  private readonly acknowledged = new Map<string, string | null>();
  private readonly inFlight = new Map<string, string | null>();
  private readonly refused = new Map<string, Set<string>>();
  acknowledgements = 0;
  refusals = 0;

  /**
   * Compares the server's rows with the ledger; returns how many acknowledged writes were lost
   * (or replaced by a refused or unknown value). From then on the stored rows are the truth.
   */
  async verify(client: HttpsTestClient, label: string): Promise<number> {
    const listing = (await client.get('/devices')).text;
    const rows = new Map(
      listing
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [id, version] = line.split(',').map((field) => field.slice(1, -1));
          return [id ?? '', version ?? ''] as const;
        }),
    );
    let lost = 0;
    for (const [id, value] of this.acknowledged) {
      const found = rows.get(id) ?? null;
      const allowed = [value, ...(this.inFlight.has(id) ? [this.inFlight.get(id) ?? null] : [])];
      if (!allowed.includes(found)) {
        lost += 1;
        // Which write and what was there instead: the count alone does not tell where to look.
        console.warn(`      ${label}: row ${id} acknowledged as ${String(value)}, found ${String(found)}`);
      }
      this.acknowledged.set(id, found);
    }
    for (const [id, values] of this.refused) {
      const found = rows.get(id);
      expect(
        found !== undefined && values.has(found),
        `${label}: ${id} holds ${String(found)}, a write that was refused`,
      ).to.equal(false);
    }
    this.inFlight.clear();
    return lost;
  }

  /** Refused values that the server shows now (must be none: a refused write never becomes visible). */
  async visibleRefusals(client: HttpsTestClient): Promise<string[]> {
    const listing = (await client.get('/devices')).text;
    const shown: string[] = [];
    for (const line of listing.split('\n').filter(Boolean)) {
      const [id = '', version = ''] = line.split(',').map((field) => field.slice(1, -1));
      if (this.refused.get(id)?.has(version) === true) shown.push(`${id}=${version}`);
    }
    return shown;
  }

  /**
   * Refused row values that the audit log records as made (must be none: a refused change is
   * not recorded), read from `GET /api/v1/audit`.
   */
  async auditedRefusals(client: HttpsTestClient): Promise<string[]> {
    const shown: string[] = [];
    let after = 0;
    for (;;) {
      const page = JSON.parse((await client.get(`/api/v1/audit?after=${after}`)).text) as {
        items: Array<{ seq: number; action: string; target: string; detail: { appVersion?: string } }>;
      };
      for (const { action, target, detail } of page.items) {
        const value = detail.appVersion ?? '';
        if (action === 'device-row.put' && this.refused.get(target)?.has(value) === true)
          shown.push(`${target}=${value}`);
      }
      if (page.items.length === 0) return shown;
      after = page.items.at(-1)?.seq ?? after;
    }
  }

  /**
   * Writes rows from `lanes` lanes until `stop()` is called or the server dies; resolves when
   * every lane has ended. 507 (disk full) and 500 are refusals; any other answer fails the test.
   */
  writeRows(client: HttpsTestClient, prefix: string, lanes = 4): { stop: () => Promise<void> } {
    let stopped = false;
    const lane = async (index: number) => {
      for (let i = 0; !stopped; i += 1) {
        const id = `${prefix}-l${index}-${i % 40}`;
        const remove = i % 13 === 12 && typeof this.acknowledged.get(id) === 'string';
        const value = remove ? null : `${prefix}.${index}.${i}`;
        this.inFlight.set(id, value);
        let status: number;
        try {
          const res = remove
            ? await client.delete(`/devices/${id}`)
            : await client.put(`/devices/${id}`, `"${id}","${value}","fw.bin"`, 'text/csv');
          status = res.status;
        } catch {
          return; // the server died mid-request: that write was never acknowledged
        }
        if (status === 507 || status === 500) {
          this.inFlight.delete(id);
          if (value !== null) this.refused.set(id, (this.refused.get(id) ?? new Set()).add(value));
          this.refusals += 1;
          continue;
        }
        expect(status, `${remove ? 'DELETE' : 'PUT'} ${id}`).to.equal(200);
        this.acknowledged.set(id, value);
        this.acknowledgements += 1;
        this.inFlight.delete(id);
      }
    };
    const running = Promise.all(Array.from({ length: lanes }, (_, index) => lane(index)));
    return {
      stop: async () => {
        stopped = true;
        await running;
      },
    };
  }
}
