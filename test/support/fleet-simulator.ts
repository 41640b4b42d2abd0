import { createHash } from 'node:crypto';
import { EspHttpsOtaEmulator } from './esp-https-ota-emulator.js';
import { eventually } from './eventually.js';
import type { HttpsTestClient } from './https-client.js';

/*
 * A fleet of virtual ESP32 devices, each an esp32-fuota-style client over real HTTPS (a new TLS
 * connection per request, from its own loopback address): it checks `GET /devices/<id>?app_ver=`,
 * downloads `/files/<path>` the way esp_https_ota does, "reboots" and reports the version it then
 * runs. What it does with the update is scripted per device (a Behaviour).
 *
 * A real device takes seconds to reboot (or waits ~30 s after a failed download) before it polls
 * again; the server credits a download's bytes when the connection closes, in the background.
 * So before a device's next poll the simulator waits until the server has taken in the download
 * it just made (the operators' API shows it), instead of racing the server: what the server then
 * infers depends on what the device did, never on timing.
 */

export const BEHAVIOURS = [
  /** Downloads whole, reboots into the new version, keeps polling: succeeded. */
  'updates',
  /** Downloads whole; the bootloader rolls back before the app polls: the old version polls again. */
  'rolls-back',
  /** Downloads whole, polls the new version once (provisional), then the old one: rolled back. */
  'rolls-back-provisional',
  /** The connection dies mid-download, `Range: bytes=N-` fetches the rest, then it updates: succeeded. */
  'drops-then-resumes',
  /** Partial-download mode: HEAD and the first 64 KiB chunk, the header names a version it refuses. */
  'refuses',
  /** The connection dies past the first 64 KiB and the device gives up: the old version polls again. */
  'download-fails',
  /** Downloads whole and never polls again (a brick): silent once the silence timeout passes. */
  'goes-silent',
  /** Polls but has no device row: 404, as the seed answers. */
  'unassigned',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** The state of the device's current attempt once the script has run and silence has been noticed. */
export const FINAL_STATE: Readonly<Record<Behaviour, string | null>> = {
  updates: 'succeeded',
  // The seed's row still names the old version: its next poll is offered the file again.
  'rolls-back': 'offered',
  'rolls-back-provisional': 'offered',
  'drops-then-resumes': 'succeeded',
  refuses: 'offered',
  'download-fails': 'offered',
  'goes-silent': 'silent',
  unassigned: null,
};

/** The attempt transitions each behaviour leaves in the device's events, in order. */
export const TRANSITIONS: Readonly<Record<Behaviour, readonly string[]>> = {
  updates: ['offered', 'downloading', 'downloaded', 'provisional', 'succeeded'],
  'rolls-back': ['offered', 'downloading', 'downloaded', 'rolled-back', 'offered'],
  'rolls-back-provisional': ['offered', 'downloading', 'downloaded', 'provisional', 'rolled-back', 'offered'],
  'drops-then-resumes': ['offered', 'downloading', 'downloaded', 'provisional', 'succeeded'],
  refuses: ['offered', 'downloading', 'refused', 'offered'],
  'download-fails': ['offered', 'downloading', 'download-failed', 'offered'],
  'goes-silent': ['offered', 'downloading', 'downloaded', 'silent'],
  unassigned: [],
};

/** The state of the attempt the script ended, when the current one is a new offer. */
export const ENDED_STATE: Readonly<Partial<Record<Behaviour, string>>> = {
  'rolls-back': 'rolled-back',
  'rolls-back-provisional': 'rolled-back',
  refuses: 'refused',
  'download-fails': 'download-failed',
};

export interface VirtualDevice {
  readonly id: string;
  readonly behaviour: Behaviour;
  /** The version it runs at first (its device row's version, when it has one). */
  readonly version: string;
  /** Its own credential (attribution `direct`), or the shared device credential (`inferred`). */
  readonly auth: { readonly username: string; readonly password: string };
  /** Its own loopback address (127.x.y.z), as every real device has its own. */
  readonly address: string;
  /** Where a mid-download drop happens (drops-then-resumes, download-fails). */
  readonly cutAt?: number;
}

/** What one device did, as it saw it. */
export interface DeviceRun {
  readonly device: VirtualDevice;
  /** Every check: the version reported and the status answered. */
  readonly polls: Array<{ readonly version: string; readonly status: number }>;
  /** The version it runs at the end. */
  version: string;
  /** The file it was offered, when it was. */
  file: string | undefined;
  /** Bytes of the file it received (across requests). */
  received: number;
}

interface AttemptView {
  readonly id: string;
  readonly state: string;
  readonly servedBytes: number;
  readonly fileSize: number;
  readonly downloads: number;
  readonly attribution: string | null;
}

/** esp_app_desc_t starts at offset 32 (after the image and first segment headers); its version at +16. */
const VERSION_OFFSET = 48;
const VERSION_LENGTH = 32;
/** esp_https_ota's default max_http_request_size in partial-download mode. */
export const CHUNK = 65_536;

export function imageVersion(header: Buffer): string {
  const field = header.subarray(VERSION_OFFSET, VERSION_OFFSET + VERSION_LENGTH);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** What esp_ota_end checks: magic 0xE9 and the appended SHA-256 of everything before it. */
export function isWholeImage(image: Buffer): boolean {
  if (image.length < 64 || image[0] !== 0xe9) return false;
  const body = image.subarray(0, image.length - 32);
  return createHash('sha256')
    .update(body)
    .digest()
    .equals(image.subarray(image.length - 32));
}

export class FleetSimulator {
  constructor(
    private readonly port: number,
    private readonly ca: string,
    /** An operator's client, to see when the server has taken in a download. */
    private readonly operator: HttpsTestClient,
    private readonly options: {
      /** Devices running at once. */
      readonly concurrency: number;
      /** Polls reporting the new version after the download (successPolls + 1 reaches succeeded). */
      readonly pollsAfterUpdate: number;
    },
  ) {}

  /** Runs every device's script, `concurrency` at a time; rejects with the first device that failed. */
  async run(devices: readonly VirtualDevice[]): Promise<DeviceRun[]> {
    const runs: DeviceRun[] = new Array<DeviceRun>(devices.length);
    let next = 0;
    const worker = async () => {
      while (next < devices.length) {
        const index = next;
        next += 1;
        const device = devices[index] as VirtualDevice;
        try {
          runs[index] = await this.runDevice(device);
        } catch (error) {
          throw new Error(`${device.id} (${device.behaviour}): ${(error as Error).message}`, { cause: error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, devices.length) }, worker));
    return runs;
  }

  /**
   * One device's script. `offered`: the file its last check was offered, which it takes now
   * (esp32-fuota downloads right after a 200) instead of checking first.
   */
  async runDevice(device: VirtualDevice, offered?: string): Promise<DeviceRun> {
    const esp = new EspHttpsOtaEmulator(this.port, this.ca, device.auth, device.address);
    const run: DeviceRun = { device, polls: [], version: device.version, file: undefined, received: 0 };
    const poll = async () => {
      const answer = await esp.check(device.id, run.version);
      run.polls.push({ version: run.version, status: answer.status });
      return answer;
    };

    const first = offered === undefined ? await poll() : { status: 200, path: offered };
    if (device.behaviour === 'unassigned') {
      expectStatus(first.status, 404, 'an unassigned device');
      expectStatus((await poll()).status, 404, 'an unassigned device again');
      return run;
    }
    expectStatus(first.status, 200, 'the first check');
    const file = first.path as string;
    run.file = file;
    const url = `/files/${file}`;

    switch (device.behaviour) {
      case 'updates':
      case 'goes-silent':
      case 'rolls-back':
      case 'rolls-back-provisional': {
        const image = await esp.normal(url);
        run.received = image.length;
        if (!isWholeImage(image)) throw new Error('the image failed its SHA-256 check');
        await this.waitForAttempt(device.id, 'downloaded', (a) => a.state === 'downloaded');
        if (device.behaviour === 'goes-silent') return run;
        const newVersion = imageVersion(image);
        if (device.behaviour === 'updates') return this.runsNewVersion(run, newVersion, poll);
        if (device.behaviour === 'rolls-back-provisional') {
          run.version = newVersion;
          expectStatus((await poll()).status, 204, 'the new version, once');
          run.version = device.version;
        }
        // The bootloader went back to the old image: it polls as before, and is offered the file again.
        expectStatus((await poll()).status, 200, 'the old version after the rollback');
        return run;
      }
      case 'drops-then-resumes': {
        const cutAt = device.cutAt as number;
        const head = await esp.cut(url, cutAt);
        if (head.length !== cutAt) throw new Error(`the cut download got ${head.length} bytes, not ${cutAt}`);
        await this.waitForAttempt(device.id, `${cutAt} bytes served`, (a) => a.servedBytes >= cutAt);
        const rest = await esp.request('GET', url, { Range: `bytes=${cutAt}-` });
        expectStatus(rest.status, 206, 'the resumed download');
        const image = Buffer.concat([head, rest.body]);
        run.received = image.length;
        if (!isWholeImage(image)) throw new Error('the resumed image failed its SHA-256 check');
        await this.waitForAttempt(device.id, 'downloaded', (a) => a.state === 'downloaded');
        return this.runsNewVersion(run, imageVersion(image), poll);
      }
      case 'refuses': {
        const head = await esp.request('HEAD', url);
        expectStatus(head.status, 200, 'HEAD');
        const size = Number(head.headers['content-length']);
        const chunk = await esp.request('GET', url, { Range: `bytes=0-${Math.min(CHUNK, size) - 1}` });
        expectStatus(chunk.status, 206, 'the first chunk');
        run.received = chunk.body.length;
        // ESP-IDF reads the header and app descriptor, finds the version that failed before, and stops.
        if (chunk.body[0] !== 0xe9 || imageVersion(chunk.body) === '') throw new Error('no image header');
        await this.waitForAttempt(device.id, 'the first chunk served', (a) => a.servedBytes >= chunk.body.length);
        expectStatus((await poll()).status, 200, 'the old version after refusing');
        return run;
      }
      case 'download-fails': {
        const cutAt = device.cutAt as number;
        const head = await esp.cut(url, cutAt);
        run.received = head.length;
        await this.waitForAttempt(device.id, `${cutAt} bytes served`, (a) => a.servedBytes >= head.length);
        expectStatus((await poll()).status, 200, 'the old version after the failed download');
        return run;
      }
    }
    throw new Error(`unknown behaviour ${String(device.behaviour)}`);
  }

  /** Boots the new version and polls with it: no update for it (204), each time. */
  private async runsNewVersion(
    run: DeviceRun,
    version: string,
    poll: () => Promise<{ status: number }>,
  ): Promise<DeviceRun> {
    run.version = version;
    for (let n = 0; n < this.options.pollsAfterUpdate; n += 1) {
      expectStatus((await poll()).status, 204, `the new version, poll ${n + 1}`);
    }
    return run;
  }

  /** Waits until the device's current attempt, as operators see it, meets `condition`. */
  private async waitForAttempt(deviceId: string, what: string, condition: (attempt: AttemptView) => boolean) {
    let last: AttemptView | null = null;
    try {
      await eventually(async () => {
        const res = await this.operator.get(`/api/v1/devices/${deviceId}`);
        if (res.status !== 200) return false;
        last = (JSON.parse(res.text) as { attempt: AttemptView | null }).attempt;
        return last !== null && condition(last);
      }, `${deviceId}: ${what}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the attempt: ${JSON.stringify(last)}`, { cause: error });
    }
  }
}

function expectStatus(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what} was answered ${actual}, not ${expected}`);
}

/** A distinct loopback address per device index (127.1.0.1 and up). */
export function loopbackAddress(index: number): string {
  return `127.1.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}
