import { METHODS } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { UpdateDecision } from '../../../domain/update-decision.js';
import { ScrapeBatchedCounter } from './scrape-batched-counter.js';
import { ScrapeBatchedHistogram } from './scrape-batched-histogram.js';

/** The route label of a request no route matched (kept apart so paths never become labels). */
export const UNMATCHED_ROUTE = 'unmatched';

const KNOWN_METHODS = new Set(METHODS);
// Seconds: a device check takes well under a millisecond, a large upload on a slow link minutes.
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

const CHECK_OUTCOMES: Record<UpdateDecision['kind'], string> = {
  'update-available': 'update_offered',
  'no-update': 'no_update',
  'reinstall-loop': 'reinstall_loop',
  'unknown-device': 'unknown_device',
  'update-file-missing': 'missing_file',
};

/**
 * The server's Prometheus metrics, in a registry of its own (so that two servers in one process,
 * as in the tests, do not share counters). Labels are bounded: the route pattern, never the path;
 * a method Node does not know counts as `OTHER`.
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly pendingRequests: ScrapeBatchedCounter<'method' | 'route' | 'status'> = new ScrapeBatchedCounter(
    () => this.requests,
  );
  private readonly requests: Counter<'method' | 'route' | 'status'> = new Counter({
    name: 'fuota_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    collect: () => this.pendingRequests.flush(),
  });
  private readonly pendingDurations: ScrapeBatchedHistogram<'method' | 'route'> = new ScrapeBatchedHistogram(
    () => this.durations,
  );
  private readonly durations: Histogram<'method' | 'route'> = new Histogram({
    name: 'fuota_http_request_duration_seconds',
    help: "Time from a request's arrival until its answer was finished, by method and route pattern.",
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
    collect: () => this.pendingDurations.flush(),
  });
  private readonly pendingChecks: ScrapeBatchedCounter<'outcome'> = new ScrapeBatchedCounter(() => this.checks);
  private readonly checks: Counter<'outcome'> = new Counter({
    name: 'fuota_device_checks_total',
    help: 'Device update checks by outcome: update_offered, no_update, unknown_device, missing_file.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
    collect: () => this.pendingChecks.flush(),
  });
  private readonly readers: Array<() => void> = [];
  private servedPending = 0;
  private readonly served: Counter = new Counter({
    name: 'fuota_served_bytes_total',
    help: 'Bytes of response bodies sent (firmware downloads are most of them).',
    registers: [this.registry],
    collect: () => {
      if (this.servedPending > 0) this.served.inc(this.servedPending);
      this.servedPending = 0;
    },
  });
  private readonly uploaded = new Counter({
    name: 'fuota_uploaded_bytes_total',
    help: 'Bytes of update files stored by uploads.',
    registers: [this.registry],
  });

  // Delta updates, as this server delivered them: a patch counts once an answer ending at its last
  // byte was sent whole (a download in one request, or the last part of a resumed one); the bytes
  // saved are counted per patch byte sent, so a resumed download's parts add up to one saving.
  private readonly patchDownloads = new Counter({
    name: 'fuota_delta_patch_downloads_total',
    help: "Patch downloads completed (an answer ending at the patch's last byte sent whole).",
    registers: [this.registry],
  });
  private readonly bytesSaved = new Counter({
    name: 'fuota_delta_bytes_saved_total',
    help: "Bytes not sent thanks to patches: per patch byte sent, the full image's size over the patch's, less one (a whole patch: image size minus patch size).",
    registers: [this.registry],
  });

  constructor() {
    // Process metrics (CPU, memory, event-loop lag, file descriptors), read when scraped.
    collectDefaultMetrics({ register: this.registry, prefix: 'fuota_' });
    for (const outcome of Object.values(CHECK_OUTCOMES)) this.checks.inc({ outcome }, 0);
  }

  request(method: string, route: string, status: number, bytes: number, seconds: number): void {
    const knownMethod = KNOWN_METHODS.has(method) ? method : 'OTHER';
    // One key for both: it always stands for the same labels of each (the histogram's fewer).
    const key = `${knownMethod} ${status} ${route}`;
    this.pendingRequests.inc(key, () => ({ method: knownMethod, route, status: String(status) }));
    this.pendingDurations.observe(key, () => ({ method: knownMethod, route }), seconds);
    this.servedPending += bytes;
  }

  check(decision: UpdateDecision['kind']): void {
    const outcome = CHECK_OUTCOMES[decision];
    this.pendingChecks.inc(outcome, () => ({ outcome }));
  }

  /** Patch bytes were sent, saving `saved` bytes against the full image; `completes`: they ended the patch. */
  patchBytesSent(saved: number, completes: boolean): void {
    if (completes) this.patchDownloads.inc();
    this.bytesSaved.inc(saved);
  }

  upload(bytes: number): void {
    this.uploaded.inc(bytes);
  }

  /** `read` runs before every exposition: what waits to be counted is counted first. */
  beforeRead(read: () => void): void {
    this.readers.push(read);
  }

  /** The text exposition format and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    for (const read of this.readers) read();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
