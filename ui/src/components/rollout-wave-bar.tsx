import type { RolloutWave } from '../api/rollout-api.js';
import { ATTEMPT_STATES } from '../api/rollout-api.js';

/**
 * One wave's progress: a stacked bar of the attempts offered in it by state, the devices offered
 * in earlier waves (waves are cumulative: a wave holds the devices of the waves before it, while
 * an attempt counts in the wave it was offered in), and the devices not offered yet, with a
 * legend that gives every count as text (the bar alone is colour). The bar's width is the
 * wave's devices, or its attempts when they are more.
 */
export function RolloutWaveBar({
  wave,
  index,
  count,
  current,
  started,
  earlier,
}: {
  readonly wave: RolloutWave;
  readonly index: number;
  readonly count: number;
  readonly current: boolean;
  readonly started: boolean;
  /** Attempts offered in the waves before this one. */
  readonly earlier: number;
}) {
  const counts = ATTEMPT_STATES.map((state) => [state, wave.attempts[state] ?? 0] as const);
  const attempted = counts.reduce((sum, [, n]) => sum + n, 0);
  const total = Math.max(wave.devices, earlier + attempted);
  const notOffered = Math.max(0, wave.devices - earlier - attempted);
  const share = (n: number) => (total === 0 ? 0 : (n / total) * 100);
  const headingId = `wave-${index}-heading`;
  const spoken = [
    ...(earlier > 0 ? [`${earlier} offered in earlier waves`] : []),
    ...counts.filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`),
    ...(notOffered > 0 ? [`${notOffered} not offered`] : []),
  ];
  const label =
    total === 0
      ? `Wave ${index + 1}: no devices`
      : `Wave ${index + 1} of ${wave.devices} device${wave.devices === 1 ? '' : 's'}: ${spoken.join(', ')}`;
  return (
    <li class={`wave${current ? ' wave-current' : ''}`} data-testid={`wave-${index}`}>
      <h3 id={headingId}>
        Wave {index + 1} of {count}: {wave.percent}% · {wave.devices} device{wave.devices === 1 ? '' : 's'}
        {current && started ? ' (current)' : ''}
      </h3>
      <div class="wave-bar" role="img" aria-label={label}>
        {earlier > 0 && <span class="seg-earlier" style={{ width: `${share(earlier)}%` }} />}
        {counts.map(([state, n]) =>
          n > 0 ? <span key={state} class={`seg-${state}`} style={{ width: `${share(n)}%` }} /> : null,
        )}
        {notOffered > 0 && <span class="seg-not-offered" style={{ width: `${share(notOffered)}%` }} />}
      </div>
      <ul class="legend" aria-label={`Wave ${index + 1} attempts by state`}>
        {index > 0 && (
          <li class={earlier === 0 ? 'zero' : undefined}>
            <span class="swatch seg-earlier" aria-hidden="true" />
            in earlier waves: <span class="number">{earlier}</span>
          </li>
        )}
        {counts.map(([state, n]) => (
          <li key={state} class={n === 0 ? 'zero' : undefined}>
            <span class={`swatch seg-${state}`} aria-hidden="true" />
            {state}: <span class="number">{n}</span>
          </li>
        ))}
        <li class={notOffered === 0 ? 'zero' : undefined}>
          <span class="swatch seg-not-offered" aria-hidden="true" />
          not offered: <span class="number">{notOffered}</span>
        </li>
      </ul>
    </li>
  );
}
