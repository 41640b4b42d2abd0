import { FinishedRequests } from '../adapters/inbound/http/finished-request.js';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { HttpsServer } from '../adapters/inbound/http/https-server.js';
import type { Logger } from '../ports/logger.port.js';
import type { Authenticator } from '../app/auth/authenticator.js';
import { FleetTracker } from '../app/fleet/fleet-tracker.js';
import { FleetChanges } from '../app/fleet/fleet-changes.js';
import { AuditTrail } from '../app/audit/audit-trail.js';
import { RolloutService } from '../app/rollout/rollout-service.js';
import { semverVersionScheme } from '../adapters/outbound/semver/semver-version-scheme.js';
import { nodeSha256 } from '../adapters/outbound/crypto/node-sha256.js';
import { WorkerDeltaPatchBuilder } from '../adapters/outbound/delta/worker-delta-patch-builder.js';
import { DeltaService } from '../app/delta/delta-service.js';
import { backfillImageDigests } from '../app/delta/image-digest-backfill.js';
import { UpdateFileDescriber } from '../app/firmware/update-file-describer.js';
import type { Storage } from './bootstrap/storage.js';
import type { Config } from '../app/config/config.js';
import { listenError } from './config/listen-error.js';
import { loopbackHost } from './config/loopback-host.js';
import { createContainer, HTTP_HANDLER } from './container.js';
import type { Container } from 'inversify';
import { openTrustedKeys } from './bootstrap/trusted-keys.js';
import type { StorageMetrics } from '../adapters/inbound/http/storage-metrics.js';

export interface FuotaServerParts {
  readonly config: Config;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly tls: { readonly cert: string; readonly key: string; readonly clientCa?: string };
  readonly logger: Logger;
  /** The fleet's clock (epoch ms); tests move it. */
  readonly now?: () => number;
  /** What the storage's adapters report their requests to, shown with the server's metrics. */
  readonly storageMetrics?: StorageMetrics;
  /** Labels on every metric sample (a worker's `worker`), when several processes serve the port. */
  readonly metricLabels?: Readonly<Record<string, string>>;
}

/** A running server: the container's HTTP handler behind HTTPS, and the storage it owns. */
export class FuotaServer {
  private constructor(
    private readonly https: HttpsServer,
    private readonly storage: Storage,
    readonly fleet: FleetTracker,
    private readonly fleetChanges: FleetChanges,
    readonly audit: AuditTrail,
    readonly rollouts: RolloutService,
    readonly deltas: DeltaService,
    readonly address: AddressInfo,
    private readonly stopRolloutWatch: () => void,
    private readonly finishedRequests: FinishedRequests,
  ) {}

  /**
   * `rebind`, applied to the container after its own bindings and before the HTTP handler is
   * made, replaces some of them: the tests' in-memory DeltaOffers, for one.
   */
  static async start(parts: FuotaServerParts, rebind?: (container: Container) => void): Promise<FuotaServer> {
    const trustedKeys = await openTrustedKeys(parts.config, parts.storage.trustedKeys);
    const fleet = await FleetTracker.open(
      {
        inventory: parts.storage.inventory,
        attempts: parts.storage.attempts,
        events: parts.storage.events,
        catalog: parts.storage.catalog,
        devices: parts.storage.devices,
      },
      parts.config.fleet,
      parts.logger,
      parts.now,
    );
    // On the fleet's clock: the records' times and the events' agree (tests move both).
    const audit = new AuditTrail(parts.storage.audit, parts.config.audit, parts.logger, fleet.now);
    const rollouts = await RolloutService.open(
      {
        rollouts: parts.storage.rollouts,
        clearances: parts.storage.penaltyClearances,
        locks: parts.storage.rolloutLocks,
        attempts: parts.storage.attempts,
        files: parts.storage.files,
      },
      fleet,
      audit,
      semverVersionScheme,
      parts.logger,
    );
    // Other servers on the same storage hear of this one's uploads and rows, and it of theirs.
    const fleetChanges = new FleetChanges(fleet, rollouts, parts.storage.changes, parts.logger);
    const deltas = await DeltaService.open(
      {
        files: parts.storage.files,
        patches: parts.storage.deltas,
        catalog: parts.storage.catalog,
        builder: new WorkerDeltaPatchBuilder(parts.config.delta),
        feed: parts.storage.changes,
        fleet,
        sha256: nodeSha256,
        logger: parts.logger,
        now: fleet.now,
      },
      parts.config.delta,
    );
    const stopRolloutWatch = rollouts.watchStarts((file) => {
      deltas.rolloutStarted(file).catch((error: unknown) => {
        parts.logger.warn('delta patches for a started rollout could not be asked for', { file, error });
      });
    });
    const container = createContainer(
      parts.config,
      parts.storage,
      parts.authenticator,
      parts.logger,
      fleet,
      audit,
      rollouts,
      fleetChanges,
      trustedKeys,
      deltas,
      parts.storageMetrics,
      parts.metricLabels,
    );
    rebind?.(container);
    const https = new HttpsServer(container.get<RequestListener>(HTTP_HANDLER), {
      host: parts.config.host,
      port: parts.config.port,
      cert: parts.tls.cert,
      key: parts.tls.key,
      clientCa: parts.tls.clientCa,
      ticketKeys: parts.config.tlsTicketKeys,
      maxUploadBytes: parts.config.maxUploadBytes,
    });
    const address = await https.start().catch(async (error: unknown) => {
      stopRolloutWatch();
      await deltas.close();
      await fleetChanges.stopHearing();
      await rollouts.close();
      await fleet.close();
      await fleetChanges.close();
      throw listenError(error, parts.config.host, parts.config.port);
    });
    audit.startPruning();
    // Entries recorded before images' appended SHA-256 was read get it now, in the background.
    void backfillImageDigests(
      parts.storage.catalog,
      container.get(UpdateFileDescriber),
      () => fleetChanges.imagesChanged(),
      parts.logger,
    ).catch((error: unknown) => parts.logger.warn("images' appended SHA-256 could not be read", { error }));
    return new FuotaServer(
      https,
      parts.storage,
      fleet,
      fleetChanges,
      audit,
      rollouts,
      deltas,
      address,
      stopRolloutWatch,
      container.get(FinishedRequests),
    );
  }

  /** `https://host:port`, with a wildcard listen address shown as the loopback one. */
  get url(): string {
    const { address, port } = this.address;
    const local = loopbackHost(address);
    const host = local.includes(':') ? `[${local}]` : local;
    return `https://${host}:${port}`;
  }

  /**
   * Finishes requests in flight and records them, writes the fleet's pending batch (and audit records a failed
   * write left), then flushes and closes the storage.
   */
  async stop(): Promise<void> {
    await this.https.stop();
    this.finishedRequests.close();
    this.stopRolloutWatch();
    // Builds under way are stopped (their workers terminated): a restart builds them again.
    await this.deltas.close();
    await this.fleetChanges.stopHearing();
    await this.rollouts.close();
    await this.fleet.close();
    await this.fleetChanges.close();
    await this.audit.close();
    await this.storage.close();
  }
}
