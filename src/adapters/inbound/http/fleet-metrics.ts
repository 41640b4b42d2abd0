import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { FleetSummary } from '../../../app/fleet/fleet-queries.js';

/**
 * The fleet inventory as Prometheus gauges, worked out when scraped: devices by running version
 * (with the image's project and chip), by last-seen window, overdue and unassigned, and current
 * update attempts by state. One summary serves all gauges of a scrape.
 */
export function registerFleetGauges(registry: Registry, summarize: () => FleetSummary): void {
  // Worked out by the first gauge a scrape collects (prom-client collects them all in one go),
  // and forgotten right after, so that every scrape shows the fleet as it is then.
  let cached: FleetSummary | undefined;
  const summary = () => {
    if (cached === undefined) {
      cached = summarize();
      setImmediate(() => {
        cached = undefined;
      });
    }
    return cached;
  };
  const byVersion = new Gauge({
    name: 'fuota_fleet_devices',
    help: 'Devices in the inventory by running version, and the project and chip of the stored image of that version ("" when none).',
    labelNames: ['project', 'version', 'chip'] as const,
    registers: [registry],
    collect: () => {
      byVersion.reset();
      for (const group of summary().versions) {
        byVersion.set({ project: group.project ?? '', version: group.version, chip: group.chip ?? '' }, group.count);
      }
    },
  });
  const seen = new Gauge({
    name: 'fuota_fleet_devices_seen',
    help: 'Devices that checked within the window (15m, 24h, 7d).',
    labelNames: ['window'] as const,
    registers: [registry],
    collect: () => {
      for (const [window, count] of Object.entries(summary().seen)) seen.set({ window }, count);
    },
  });
  const overdue: Gauge = new Gauge({
    name: 'fuota_fleet_devices_overdue',
    help: 'Devices not seen for 3x their poll interval (at least 15 minutes).',
    registers: [registry],
    collect: (): void => overdue.set(summary().overdue),
  });
  const unassigned: Gauge = new Gauge({
    name: 'fuota_fleet_devices_unassigned',
    help: 'Devices that check but have no device row.',
    registers: [registry],
    collect: (): void => unassigned.set(summary().unassigned),
  });
  const attempts = new Gauge({
    name: 'fuota_fleet_attempts',
    help: "Devices' current update attempts by state.",
    labelNames: ['state'] as const,
    registers: [registry],
    collect: () => {
      for (const [state, count] of Object.entries(summary().attempts)) attempts.set({ state }, count);
    },
  });
}
