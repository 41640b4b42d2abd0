import { expect } from 'chai';
import { Agent, request, type RequestOptions } from 'node:https';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { RolloutId } from '../../src/domain/rollout/rollout-id.js';
import { waveBucket } from '../../src/domain/rollout/wave-bucket.js';
import type { ImageOptions } from './esp-image-builder.js';
import { buildEspImage } from './esp-image-builder.js';
import { EspHttpsOtaEmulator } from './esp-https-ota-emulator.js';
import { eventually } from './eventually.js';
import { imageVersion, isWholeImage } from './fleet-simulator.js';
import type { HttpsTestClient } from './https-client.js';

/**
 * Kept-alive sockets idle this long are closed by the client: well before the server closes them
 * (its keep-alive timeout is 5 s), so a request never goes out on a socket the server is closing
 * (which a loaded machine answers with ECONNRESET).
 */
const IDLE_SOCKET_MS = 2_000;

/*
 * Virtual esp32-fuota devices for rollouts (issue 17). Like the fleet simulator's devices, each
 * checks `GET /devices/<id>?app_ver=` over a new TLS connection from its own loopback address and
 * downloads what it is offered the way esp_https_ota does; unlike them, a device here has no
 * device row for its version (a rollout offers it something, or nothing: 404 without a row, 204
 * with a row for another version), so what a poll is answered is not scripted: it is recorded,
 * and the tests judge it. A device acts out its behaviour on every offer it gets.
 *
 * Before a device's next poll, it waits until the server has taken in the download it just made
 * (the operators' API shows it), as the fleet simulator does: what the server infers depends on
 * what the device did, never on timing.
 */

export type RolloutBehaviour =
  /** Downloads whole, reboots into the new version, polls `pollsAfterUpdate` times with it. */
  | 'updates'
  /** Downloads whole; the bootloader rolls back before the new app marks itself valid: the old version polls. */
  | 'rolls-back'
  /** The connection dies after `cutAt` bytes and the device gives up: the old version polls again. */
  | 'download-fails';

export interface FleetDevice {
  readonly id: string;
  readonly behaviour: RolloutBehaviour;
  /** The version it runs at first. */
  readonly version: string;
  /** Its own credential, or the shared device credential. */
  readonly auth: { readonly username: string; readonly password: string };
  /** Its own loopback address (127.x.y.z). */
  readonly address: string;
  /** Where the download dies (download-fails). */
  readonly cutAt?: number;
}

/** One check as the device saw it. */
export interface Poll {
  readonly version: string;
  readonly status: number;
  /** The path it was offered (200). */
  readonly path?: string;
}

interface AttemptView {
  readonly id: string;
  readonly state: string;
  readonly servedBytes: number;
}

/** At most this many offers followed one after another (a device that is offered forever is a bug). */
const MAX_OFFERS_IN_A_ROW = 10;

export class RolloutFleet {
  /** Every check each device made, in order. */
  readonly polls = new Map<string, Poll[]>();
  /** The version each device runs now. */
  readonly running = new Map<string, string>();
  /** Devices whose download of an offer was answered 404 (an offer its halted or aborted rollout took back). */
  readonly takenBack = new Set<string>();
  /** Kept-alive connections for the operator's reads while devices wait for the server. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8, timeout: IDLE_SOCKET_MS });
  /** The CA, parsed once (a device has it built in): thousands of checks would each parse it again. */
  private secureContext: SecureContext;

  constructor(
    private port: number,
    private ca: string,
    /** An operator's client, to see when the server has taken in a download. */
    private operator: HttpsTestClient,
    private readonly options: {
      /** Polls with the new version after the download (successPolls + 1 reaches succeeded). */
      readonly pollsAfterUpdate: number;
    },
  ) {
    this.secureContext = createSecureContext({ ca });
  }

  /** The server was restarted (on another port, maybe with another certificate): the devices go on with it. */
  reconnect(port: number, ca: string, operator: HttpsTestClient): void {
    this.port = port;
    this.ca = ca;
    this.secureContext = createSecureContext({ ca });
    this.operator = operator;
    this.agent.destroy();
  }

  versionOf(device: FleetDevice): string {
    return this.running.get(device.id) ?? device.version;
  }

  pollsOf(id: string): readonly Poll[] {
    return this.polls.get(id) ?? [];
  }

  /** Whether the device was ever offered anything (a 200 to any check). */
  wasOffered(id: string): boolean {
    return this.pollsOf(id).some((poll) => poll.status === 200);
  }

  /** One check with the version it runs now; recorded. */
  async check(device: FleetDevice): Promise<Poll> {
    const version = this.versionOf(device);
    const answer = await this.espCheck(device, version);
    const poll: Poll =
      answer.path === undefined
        ? { version, status: answer.status }
        : { version, status: answer.status, path: answer.path };
    if (![200, 204, 404].includes(poll.status)) throw new Error(`${device.id}: the check was answered ${poll.status}`);
    const polls = this.polls.get(device.id) ?? [];
    polls.push(poll);
    this.polls.set(device.id, polls);
    return poll;
  }

  /**
   * One poll, and what the device does with each offer it gets (esp32-fuota downloads right after
   * a 200): the answer of its last check, which offered nothing.
   */
  async serve(device: FleetDevice): Promise<Poll> {
    let answer = await this.check(device);
    for (let offers = 0; answer.status === 200; offers += 1) {
      if (offers === MAX_OFFERS_IN_A_ROW) throw new Error(`${device.id}: offered ${offers} times in a row`);
      answer = await this.take(device, answer.path as string);
    }
    return answer;
  }

  /** Every device's `serve`, `concurrency` at a time. */
  async serveAll(devices: readonly FleetDevice[], concurrency: number): Promise<void> {
    await inParallel(devices, concurrency, async (device) => {
      await this.serve(device);
    });
  }

  /** What the device does with an offer of `path`; the answer of the check it makes afterwards. */
  async take(device: FleetDevice, path: string): Promise<Poll> {
    const esp = this.esp(device);
    const url = `/files/${path}`;
    try {
      switch (device.behaviour) {
        case 'updates':
        case 'rolls-back': {
          const download = await esp.request('GET', url);
          if (download.status === 404) {
            // The offer was taken back: the OTA fails, and the device polls again.
            this.takenBack.add(device.id);
            return await this.check(device);
          }
          if (download.status !== 200) throw new Error(`GET answered ${download.status}`);
          const image = download.body;
          if (!isWholeImage(image)) throw new Error('the image failed its SHA-256 check');
          await this.waitForAttempt(device.id, 'downloaded', (a) => a.state === 'downloaded');
          if (device.behaviour === 'rolls-back') return await this.check(device);
          this.running.set(device.id, imageVersion(image));
          let last: Poll | undefined;
          for (let n = 0; n < this.options.pollsAfterUpdate; n += 1) {
            last = await this.check(device);
            if (last.status === 200) throw new Error(`offered ${last.path} while running the new version`);
          }
          return last ?? { version: this.versionOf(device), status: 0 };
        }
        case 'download-fails': {
          const cutAt = device.cutAt as number;
          const head = await esp.cut(url, cutAt);
          if (head.length !== cutAt) throw new Error(`the cut download got ${head.length} bytes, not ${cutAt}`);
          await this.waitForAttempt(device.id, `${cutAt} bytes served`, (a) => a.servedBytes >= cutAt);
          return await this.check(device);
        }
      }
    } catch (error) {
      throw new Error(`${device.id} (${device.behaviour}): ${(error as Error).message}`, { cause: error });
    }
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * The esp32-fuota application's check, as EspHttpsOtaEmulator.check sends and reads it (a new
   * TLS connection, Basic auth, the ESP32 User-Agent, `Connection: close`; the path read only when
   * Content-Length is given and at most 255), with the CA parsed once.
   */
  private espCheck(device: FleetDevice, version: string): Promise<{ status: number; path: string | undefined }> {
    const { username, password } = device.auth;
    // Node passes `secureContext` on to tls.connect; @types/node's https.RequestOptions leaves it out.
    const options: RequestOptions & Pick<ConnectionOptions, 'secureContext'> = {
      host: '127.0.0.1',
      port: this.port,
      path: `/devices/${device.id}?app_ver=${version}`,
      headers: {
        'User-Agent': 'ESP32 HTTP Client/1.0',
        Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        Connection: 'close',
      },
      secureContext: this.secureContext,
      servername: 'localhost',
      agent: false,
      localAddress: device.address,
    };
    return new Promise((resolve, reject) => {
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) return resolve({ status, path: undefined });
          const length = Number(res.headers['content-length']);
          if (!Number.isInteger(length) || length > 255) {
            return reject(new Error(`unusable check answer of ${length} bytes`));
          }
          resolve({ status, path: Buffer.concat(chunks).subarray(0, length).toString('latin1') });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  private esp(device: FleetDevice): EspHttpsOtaEmulator {
    return new EspHttpsOtaEmulator(this.port, this.ca, device.auth, device.address);
  }

  /** Waits until the device's current attempt, as operators see it, meets `condition`. */
  private async waitForAttempt(deviceId: string, what: string, condition: (attempt: AttemptView) => boolean) {
    let last: AttemptView | null = null;
    try {
      await eventually(async () => {
        const res = await this.operator.get(`/api/v1/devices/${deviceId}`, { agent: this.agent });
        if (res.status !== 200) return false;
        last = (JSON.parse(res.text) as { attempt: AttemptView | null }).attempt;
        return last !== null && condition(last);
      }, `${deviceId}: ${what}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the attempt: ${JSON.stringify(last)}`, { cause: error });
    }
  }
}

/** `work` on every item, at most `limit` at a time; rejects with the first failure. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A small valid application image (about `kib` KiB): the fleets here download hundreds of them. */
export function smallImage(options: ImageOptions & { readonly kib?: number }): Buffer {
  const { kib = 8, ...rest } = options;
  return buildEspImage({ segmentLengths: [512, kib * 1024], ...rest });
}

/** The device's slot in a rollout (0-9999), as the server computes it. */
export function bucketOf(rolloutId: string, deviceId: string): number {
  return waveBucket(rolloutId as RolloutId, deviceId as DeviceId);
}

/** A rollout as the API reads it back. */
export interface RolloutJson {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly state: string;
  readonly wave: number;
  readonly waves: Array<{ percent: number; devices: number; attempts: Record<string, number> }>;
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly offersLastMinute: number;
  readonly current: {
    resolved: number;
    succeeded: number;
    failed: number;
    provisional: number;
    quiet: number;
    failurePercent: number | null;
  };
  readonly haltReason: {
    kind: string;
    text: string;
    resolved: number;
    succeeded: number;
    failed: number;
    provisional: number;
    waveDevices: number | null;
    failurePercent: number;
    failureCount: number;
  } | null;
  readonly [field: string]: unknown;
}

/** A device in a rollout's devices list. */
export interface RolloutDeviceJson {
  readonly device: string;
  readonly wave: number;
  readonly attempt: string;
  readonly state: string;
  readonly offeredAt: string;
  readonly updatedAt: string;
}

/** An event of `GET /api/v1/events`. */
export interface EventJson {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly device: string | null;
  readonly rolloutId?: string | null;
  readonly [fact: string]: unknown;
}

/** The operator's side of rollouts: create, act, read. Every call expects success. */
export class RolloutApi {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4, timeout: IDLE_SOCKET_MS });

  constructor(private readonly client: HttpsTestClient) {}

  async getJson<T>(path: string): Promise<T> {
    const res = await this.client.get(path, { agent: this.agent });
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    return JSON.parse(res.text) as T;
  }

  async post<T>(path: string, body?: unknown, status = 200): Promise<T> {
    const res = await this.client.send(path, {
      method: 'POST',
      agent: this.agent,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    expect(res.status, `POST ${path}: ${res.text}`).to.equal(status);
    return (res.text === '' ? undefined : JSON.parse(res.text)) as T;
  }

  create(definition: Record<string, unknown>): Promise<RolloutJson> {
    return this.post<RolloutJson>('/api/v1/rollouts', definition, 201);
  }

  act(id: string, action: 'start' | 'pause' | 'resume' | 'advance' | 'abort'): Promise<RolloutJson> {
    return this.post<RolloutJson>(`/api/v1/rollouts/${id}/${action}`);
  }

  rollout(id: string): Promise<RolloutJson> {
    return this.getJson<RolloutJson>(`/api/v1/rollouts/${id}`);
  }

  /**
   * Waits until the rollout is in `state` (the automatic moves are judged on a 5 s sweep), asking
   * every 250 ms: a rollout's read-back looks at every device.
   */
  async waitForState(id: string, state: string, timeoutMs = 30_000): Promise<RolloutJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await this.rollout(id);
      if (seen.state === state) return seen;
      if (Date.now() > deadline)
        throw new Error(`rollout ${id} still ${seen.state}, not ${state}, after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async devices(id: string): Promise<RolloutDeviceJson[]> {
    return (await this.getJson<{ items: RolloutDeviceJson[] }>(`/api/v1/rollouts/${id}/devices`)).items;
  }

  /** Every event of a type, all pages. */
  async events(type: string): Promise<EventJson[]> {
    const all: EventJson[] = [];
    let after: number | null = null;
    for (;;) {
      const query = new URLSearchParams({ type, limit: '1000' });
      if (after !== null) query.set('after', String(after));
      const page = await this.getJson<{ items: EventJson[]; next: number | string | null }>(`/api/v1/events?${query}`);
      all.push(...page.items);
      if (page.items.length === 0 || page.next === null) return all;
      after = Number(page.next);
    }
  }

  /** Adds `tag` to `devices` (they must have polled). */
  async tag(tag: string, devices: readonly string[]): Promise<void> {
    await this.post('/api/v1/devices/tags', { add: [tag], devices });
  }

  close(): void {
    this.agent.destroy();
  }
}
