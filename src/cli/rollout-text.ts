import { PLAIN_BAR_WIDTH } from './bar-chart.js';
import { aligned, table } from './output.js';
import { relativeTime } from './relative-time.js';
import type { DevicePenaltiesJson, RolloutDeviceListJson, RolloutJson, RolloutPreviewJson } from './rollout-api.js';

/** Rollouts as people read them: a table of rollouts, one rollout with a progress bar per wave, a preview. */

type Attempts = RolloutJson['waves'][number]['attempts'];

/** How a wave's bar draws its attempts: one segment per group of states, in this order, then the devices not yet offered. */
export const SEGMENTS = [
  { name: 'succeeded', mark: '█', states: ['succeeded'] },
  { name: 'in flight', mark: '▒', states: ['offered', 'downloading', 'downloaded', 'provisional'] },
  { name: 'failed', mark: 'x', states: ['rolled-back', 'download-failed', 'refused', 'silent'] },
] as const;
export const NOT_OFFERED = '·';
/** The devices of a wave that were offered in the waves before it (waves are cumulative). */
export const EARLIER = '-';

const MIN_BAR_WIDTH = 10;

/** The attempts of each segment. */
export function segmentCounts(attempts: Attempts): number[] {
  return SEGMENTS.map((segment) =>
    segment.states.reduce((sum, state) => sum + ((attempts as Record<string, number>)[state] ?? 0), 0),
  );
}

/**
 * A wave's progress bar of `width` characters: the devices offered in earlier waves (`earlier`:
 * waves are cumulative, while an attempt counts in the wave it was offered in), then its
 * attempts by segment, against `devices`, the rest dotted (not offered yet). Every segment with a
 * device shows at least one character (a single failure must be seen), and the segments fill the
 * whole bar once every device has an attempt; a wave that holds no device yet and has no attempt
 * is all dots. Drawn as dots, the earlier waves' devices read as not offered (found by a new user).
 */
export function waveBar(attempts: Attempts, devices: number, width: number, earlier = 0): string {
  const counts = [earlier, ...segmentCounts(attempts)];
  const marks = [EARLIER, ...SEGMENTS.map((segment) => segment.mark)];
  const attempted = counts.reduce((a, b) => a + b, 0);
  const whole = Math.max(devices, attempted);
  if (whole === 0) return NOT_OFFERED.repeat(width);
  const lengths = counts.map((count) => (count === 0 ? 0 : Math.max(1, Math.round((count / whole) * width))));
  const target =
    attempted >= whole
      ? width
      : Math.min(
          width,
          lengths.reduce((a, b) => a + b, 0),
        );
  let total = lengths.reduce((a, b) => a + b, 0);
  // Rounding may overshoot (or, when all are offered, fall short): the largest segment gives or takes.
  while (total !== target) {
    const largest = lengths.indexOf(Math.max(...lengths));
    if (total > target) {
      if ((lengths[largest] ?? 0) <= 1) break;
      lengths[largest] = (lengths[largest] ?? 0) - 1;
      total -= 1;
    } else {
      lengths[largest] = (lengths[largest] ?? 0) + 1;
      total += 1;
    }
  }
  const bar = marks.map((mark, index) => mark.repeat(lengths[index] ?? 0)).join('');
  return bar + NOT_OFFERED.repeat(Math.max(0, width - bar.length));
}

/** "7 succeeded, 2 in flight, 3 failed", the empty groups left out; "no attempts" when none. */
export function attemptsText(attempts: Attempts): string {
  const counts = segmentCounts(attempts);
  const parts = SEGMENTS.flatMap((segment, index) =>
    (counts[index] ?? 0) === 0 ? [] : [`${counts[index]} ${segment.name}`],
  );
  // Offers taken back by a halt or an abort: drawn as not offered (dots), said in words.
  const withdrawn = (attempts as Record<string, number>).withdrawn ?? 0;
  if (withdrawn > 0) parts.push(`${withdrawn} withdrawn`);
  return parts.length === 0 ? 'no attempts' : parts.join(', ');
}

/** One line per wave: the current one marked `>`, its percentage, its bar, its devices and attempts. */
export function waveLines(rollout: RolloutJson, columns: number | undefined): string[] {
  const offered = rollout.waves.map((wave) => segmentCounts(wave.attempts).reduce((a, b) => a + b, 0));
  const rows = rollout.waves.map((wave, index) => {
    const earlier = offered.slice(0, index).reduce((a, b) => a + b, 0);
    const before = earlier === 0 ? '' : `; ${earlier} in earlier waves`;
    return [
      `${index === rollout.wave && rollout.state !== 'draft' ? '>' : ' '} ${index + 1}`,
      `${wave.percent}%`,
      { ...wave, earlier },
      `${wave.devices} device${wave.devices === 1 ? '' : 's'}: ${attemptsText(wave.attempts)}${before}`,
    ] as const;
  });
  const head = Math.max(...rows.map(([label, percent]) => label.length + percent.length + 2));
  const tail = Math.max(...rows.map((row) => row[3].length));
  const width =
    columns === undefined ? PLAIN_BAR_WIDTH : Math.max(MIN_BAR_WIDTH, Math.min(60, columns - head - tail - 8));
  return aligned(
    rows.map(([label, percent, wave, text]) => [
      `  ${label}`,
      percent,
      waveBar(wave.attempts, wave.devices, width, wave.earlier),
      text,
    ]),
  );
}

const list = (values: readonly string[]) => (values.length === 0 ? null : values.join(','));

/** The selector in words: only what narrows; "every device" when nothing does. */
export function selectorText(selector: RolloutJson['selector']): string {
  const versions =
    selector.versions === null
      ? null
      : typeof selector.versions === 'string'
        ? selector.versions
        : list(selector.versions);
  const parts = [
    ['tags all', list(selector.tagsAll)],
    ['tags any', list(selector.tagsAny)],
    ['devices', list(selector.devices)],
    ['versions', versions],
    ['project', selector.project],
    ['chip', selector.chip],
  ].flatMap(([name, value]) => (value === null ? [] : [`${name} ${value}`]));
  return parts.length === 0 ? 'every device' : parts.join('; ');
}

const when = (iso: string | null, now: number) =>
  iso === null ? null : `${relativeTime(Date.parse(iso), now)} (${iso})`;

/** When the halt rule counts from a resume from a halt rather than from the wave's start, since when. */
function countedSinceText(rollout: RolloutJson, now: number): string {
  const since = rollout.countingSince;
  if (since === null || since === rollout.waveStartedAt) return '';
  return `, counted since the resume ${relativeTime(Date.parse(since), now)}`;
}

/**
 * The rollout after an operator's action, as rolloutText shows it; first a line when a resume
 * (from a pause, which judges the failures counted so far) ended halted again at once.
 */
export function actedText(action: string, rollout: RolloutJson, now: number, columns: number | undefined): string {
  const haltedAtOnce =
    action === 'resume' && rollout.state === 'halted'
      ? 'resumed, and halted again at once: the failures counted so far break its halt rule\n'
      : '';
  return haltedAtOnce + rolloutText(rollout, now, columns);
}

/** Where the rollout stands, its definition in words, and a progress bar per wave. */
export function rolloutText(rollout: RolloutJson, now: number, columns: number | undefined): string {
  const current = rollout.current;
  const wave = rollout.waves[rollout.wave];
  const times = [
    ['created', when(rollout.createdAt, now)],
    ['started', when(rollout.startedAt, now)],
    ['resumed', when(rollout.resumedAt, now)],
    ['ended', when(rollout.endedAt, now)],
  ].flatMap(([name, value]) => (value === null ? [] : [`  ${`${name}:`.padEnd(11)} ${value}`]));
  const lines = [
    `${rollout.id}  ${rollout.name}`,
    `  state:      ${rollout.state}${
      rollout.state === 'draft'
        ? ''
        : `, wave ${rollout.wave + 1} of ${rollout.waves.length} (${wave?.percent ?? '?'}%)`
    }`,
    ...(rollout.haltReason === null ? [] : [`  halted:     ${rollout.haltReason.text}`]),
    `  file:       ${rollout.file}`,
    `  selector:   ${selectorText(rollout.selector)}`,
    `  in flight:  ${rollout.inFlight} of at most ${rollout.maxInFlight}; offers in the last minute ${rollout.offersLastMinute} of at most ${rollout.maxOffersPerMinute}`,
    `  this wave:  ${current.resolved} resolved: ${current.succeeded} succeeded, ${current.failed} failed${failureShareText(
      current,
    )}${current.quiet === 0 ? '' : `; ${current.quiet} quiet since booting it`}${countedSinceText(rollout, now)}`,
    `  halt at:    ${rollout.halt.failurePercent}% or ${rollout.halt.failureCount} failed devices, once ${rollout.halt.minResolved} resolved or booted`,
    `  advance:    ${
      rollout.advance === null
        ? 'manual'
        : `at ${rollout.advance.successPercent}% succeeded of at least ${rollout.advance.minResolved} resolved, after ${rollout.advance.soakMinutes} min`
    }`,
    `  penalty:    ${rollout.penalty.failures} failures of the image: no offer for ${rollout.penalty.hours} h`,
    `  options:    priority ${rollout.priority}; downgrades ${rollout.allowDowngrade ? 'allowed' : 'refused'}; devices of unknown images ${
      rollout.includeUnknownImages ? 'included' : 'left out'
    }`,
    ...times,
    '',
    'Waves (cumulative):',
    ...waveLines(rollout, columns === undefined ? undefined : columns),
    `  ${SEGMENTS.map((segment) => `${segment.mark} ${segment.name}`).join('  ')}  ${EARLIER} in earlier waves  ${NOT_OFFERED} not offered`,
  ];
  return lines.join('\n');
}

/**
 * One row per rollout, in the server's order (newest first). FAILED counts the devices whose
 * latest attempt failed, in every wave; WAVE FAILED is what the halt rule judges now (the
 * current wave since it began or was resumed from a halt). With the second alone, a completed
 * rollout whose first wave had a rollback read "0 (0%)" (found by a new user).
 */
export function rolloutTable(rollouts: readonly RolloutJson[], now: number): string {
  if (rollouts.length === 0) return 'no rollouts';
  const failedIndex = SEGMENTS.findIndex((segment) => segment.name === 'failed');
  const failedDevices = (rollout: RolloutJson) =>
    rollout.waves.reduce((sum, wave) => sum + (segmentCounts(wave.attempts)[failedIndex] ?? 0), 0);
  return table(
    ['ID', 'NAME', 'STATE', 'WAVE', 'FILE', 'IN FLIGHT', 'FAILED', 'WAVE FAILED', 'UPDATED'],
    rollouts.map((rollout) => [
      rollout.id,
      rollout.name,
      rollout.state,
      rollout.state === 'draft'
        ? `- of ${rollout.waves.length}`
        : `${rollout.wave + 1} of ${rollout.waves.length} (${rollout.waves[rollout.wave]?.percent ?? '?'}%)`,
      rollout.file,
      `${rollout.inFlight}/${rollout.maxInFlight}`,
      String(failedDevices(rollout)),
      rollout.current.failurePercent === null
        ? '-'
        : `${rollout.current.failed} (${percentText(rollout.current.failurePercent)})`,
      relativeTime(Date.parse(rollout.updatedAt), now),
    ]),
  );
}

/** What the definition would do now: selected, eligible, excluded by rule (those that exclude any), devices per wave. */
export function previewText(preview: RolloutPreviewJson): string {
  const excluded = Object.entries(preview.excluded).filter(([, count]) => count > 0);
  return [
    `selected:  ${preview.selected} device${preview.selected === 1 ? '' : 's'}`,
    `eligible:  ${preview.eligible}`,
    'excluded (a device may count under several rules):',
    ...(excluded.length === 0 ? ['  none'] : aligned(excluded.map(([rule, count]) => [`  ${rule}`, String(count)]))),
    'waves (cumulative):',
    ...aligned(
      preview.waves.map((wave, index) => [
        `  ${index + 1}`,
        `${wave.percent}%`,
        `${wave.devices} device${wave.devices === 1 ? '' : 's'}`,
      ]),
    ),
    ...unseenLines(preview.unseen),
  ].join('\n');
}

const UNSEEN_NAMED = 10;

/**
 * The listed ids no poll has shown (a typo, or a device not yet on the network): none is counted
 * until it polls, and a running rollout's last wave waits for them (see rollout-completion.ts).
 */
function unseenLines(unseen: readonly string[]): string[] {
  if (unseen.length === 0) return [];
  const more = unseen.length - UNSEEN_NAMED;
  const named = unseen.slice(0, UNSEEN_NAMED).join(', ') + (more > 0 ? ` and ${more} more` : '');
  return [
    `listed but never seen: ${unseen.length} (${named}); offered when they poll, and the last wave waits for them`,
  ];
}

/** One row per device offered to. */
export function rolloutDevicesTable(devices: RolloutDeviceListJson['items'], now: number): string {
  if (devices.length === 0) return 'no devices';
  return table(
    ['DEVICE', 'WAVE', 'STATE', 'OFFERED', 'UPDATED', 'ATTEMPT'],
    devices.map((device) => [
      device.device,
      String(device.wave + 1),
      device.state,
      relativeTime(Date.parse(device.offeredAt), now),
      relativeTime(Date.parse(device.updatedAt), now),
      device.attempt,
    ]),
  );
}

/** A device's penalty box. */
export function penaltiesText(penalties: DevicePenaltiesJson, now: number): string {
  const boxed =
    penalties.penalties.length === 0
      ? [`${penalties.device}: not in the penalty box`]
      : [
          `${penalties.device}: in the penalty box for`,
          ...aligned(
            penalties.penalties.map((penalty) => [
              `  ${penalty.file}`,
              penalty.version ?? '?',
              `${penalty.failures} failure${penalty.failures === 1 ? '' : 's'}`,
              `until ${penalty.until} (${relativeTime(Date.parse(penalty.until), now)})`,
            ]),
          ),
        ];
  // Excluded as surely as a boxed image, and cleared by the same command.
  const rolledBack =
    penalties.rolledBack.length === 0
      ? []
      : [`rolled back before, not offered again by a rollout until cleared: ${penalties.rolledBack.join(', ')}`];
  return [...boxed, ...rolledBack].join('\n');
}

/** A share to a hundredth, as waves are given: 33.33%, not 33.333333333333336%. */
function percentText(percent: number): string {
  return `${Math.round(percent * 100) / 100}%`;
}

/**
 * The failure share the halt rule weighs, in parentheses: of the resolved devices and, when there
 * are any, those that booted the image and are not confirmed yet.
 */
function failureShareText(current: RolloutJson['current']): string {
  if (current.failurePercent === null) return '';
  const share = percentText(current.failurePercent);
  if (current.provisional === 0) return ` (${share})`;
  const judged = current.resolved + current.provisional;
  return ` (${share} of ${judged}, with ${current.provisional} that booted it, not yet confirmed)`;
}
