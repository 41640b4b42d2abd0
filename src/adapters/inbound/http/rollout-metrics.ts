import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { RolloutGauges } from '../../../app/rollout/rollout-operations.js';

/**
 * Each rollout as Prometheus gauges, labelled by its id: its devices by the state of their latest
 * attempt of it, its attempts in flight, its offers in the last minute, and its current wave's
 * failure rate beside the rate that halts it (an alert can fire before the halt does).
 */
export function registerRolloutGauges(registry: Registry, read: () => readonly RolloutGauges[]): void {
  // One read per scrape (prom-client collects every gauge of a scrape in one go).
  let cached: readonly RolloutGauges[] | undefined;
  const rollouts = () => {
    if (cached === undefined) {
      cached = read();
      setImmediate(() => {
        cached = undefined;
      });
    }
    return cached;
  };
  const perRollout = (name: string, help: string, value: (rollout: RolloutGauges) => number | null) => {
    const gauge: Gauge<'rollout'> = new Gauge({
      name,
      help,
      labelNames: ['rollout'] as const,
      registers: [registry],
      collect: () => {
        gauge.reset();
        for (const rollout of rollouts()) {
          const figure = value(rollout);
          if (figure !== null) gauge.set({ rollout: rollout.id }, figure);
        }
      },
    });
  };
  const devices = new Gauge({
    name: 'fuota_rollout_devices',
    help: 'Devices a rollout made offers to, by the state of their latest attempt of it.',
    labelNames: ['rollout', 'state'] as const,
    registers: [registry],
    collect: () => {
      devices.reset();
      for (const rollout of rollouts()) {
        for (const [state, count] of Object.entries(rollout.devices))
          devices.set({ rollout: rollout.id, state }, count);
      }
    },
  });
  const running = new Gauge({
    name: 'fuota_rollout_info',
    help: 'Each rollout, 1, with its name, state and current wave as labels.',
    labelNames: ['rollout', 'name', 'state', 'wave'] as const,
    registers: [registry],
    collect: () => {
      running.reset();
      for (const rollout of rollouts()) {
        running.set({ rollout: rollout.id, name: rollout.name, state: rollout.state, wave: String(rollout.wave) }, 1);
      }
    },
  });
  perRollout('fuota_rollout_in_flight', "A rollout's attempts between offered and resolved.", (r) => r.inFlight);
  perRollout('fuota_rollout_in_flight_cap', "A rollout's maxInFlight.", (r) => r.maxInFlight);
  perRollout(
    'fuota_rollout_offers_last_minute',
    "Offers a rollout made in the last 60 s, every server's.",
    (r) => r.offersLastMinute,
  );
  perRollout(
    'fuota_rollout_failure_ratio',
    "Failed devices among those resolved or provisional in a rollout's current wave (since it began or was resumed from a halt), 0-1, as the halt rule weighs them; absent before any.",
    (r) => r.failureRatio,
  );
  perRollout(
    'fuota_rollout_halt_failure_ratio',
    'The failure ratio at which a rollout halts (its halt.failurePercent / 100).',
    (r) => r.haltFailureRatio,
  );
}
