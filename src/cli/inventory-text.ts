import type { InventoryDevice, InventoryDeviceDetail } from './fleet-api.js';
import { aligned, humanBytes, table } from './output.js';
import { durationText, relativeTime } from './relative-time.js';

/** The fleet inventory as people read it: a table of devices, one device with its timeline. */

const ago = (iso: string, now: number) => relativeTime(Date.parse(iso), now);
const interval = (seconds: number | null) => (seconds === null ? '-' : durationText(seconds * 1000, 2));
const projectChip = (device: InventoryDevice) =>
  device.image === null ? '-' : `${device.image.project}/${device.image.chip}`;

/** What is worth a second look: "overdue", "unassigned", both, or "-". */
export function marks(device: Pick<InventoryDevice, 'overdue' | 'unassigned'>): string {
  const out = [...(device.overdue ? ['overdue'] : []), ...(device.unassigned ? ['unassigned'] : [])];
  return out.length === 0 ? '-' : out.join(',');
}

/**
 * One row per device, in the server's order (ascending id). Tags come last: a column is as wide
 * as its widest cell, and one device's 64 tags would otherwise push every row's next column far
 * to the right.
 */
export function inventoryTable(devices: readonly InventoryDevice[], now: number): string {
  return table(
    ['DEVICE', 'VERSION', 'PROJECT/CHIP', 'LAST SEEN', 'POLLS', 'INTERVAL', 'MARKS', 'ATTEMPT', 'HOLD', 'TAGS'],
    devices.map((device) => [
      device.id,
      device.runningVersion,
      projectChip(device),
      ago(device.lastSeen, now),
      String(device.polls),
      interval(device.pollIntervalSeconds),
      marks(device),
      device.attempt?.state ?? '-',
      device.hold ? 'held' : '-',
      device.tags.length === 0 ? '-' : device.tags.join(','),
    ]),
  );
}

const when = (iso: string | null, now: number) => (iso === null ? 'never' : `${ago(iso, now)} (${iso})`);

/** An event's facts beside its seq, time, device and type: `file=lamp/v2.bin from=v1.9.0`. */
function facts(event: TimelineEvent): string {
  return Object.entries(event)
    .filter(([name, value]) => !['seq', 'at', 'device', 'type'].includes(name) && value !== null && value !== '')
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
}

type TimelineEvent = InventoryDeviceDetail['events'][number];

/**
 * Newest first by time. The server sends them newest first by seq, but a device's sightings
 * (first-seen, version-changed) are numbered when its batch is written, after attempt events of
 * the same check; at one instant, first-seen is the oldest.
 */
export function byTimeNewestFirst(events: readonly TimelineEvent[]): TimelineEvent[] {
  const rank = (event: TimelineEvent) => (event.type === 'first-seen' ? 0 : 1);
  return [...events].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || rank(b) - rank(a) || b.seq - a.seq);
}

/** The device, its current attempt and row, its last attempts and its timeline, newest first. */
export function deviceText(device: InventoryDeviceDetail, now: number): string {
  const image = device.image === null ? '' : ` (${device.image.project}, ${device.image.chip})`;
  const attempt = device.attempt;
  if (device.lastSeen === null) {
    return [
      device.id,
      '  never checked',
      `  assignment:  ${
        device.assignment === null
          ? 'none'
          : `running ${device.assignment.appVersion} is offered ${device.assignment.file}`
      }`,
      '',
    ].join('\n');
  }
  const lines = [
    device.id,
    `  running:     ${device.runningVersion}${image}`,
    `  first seen:  ${when(device.firstSeen, now)}`,
    `  last seen:   ${when(device.lastSeen, now)}${device.overdue ? '  OVERDUE' : ''}`,
    `  polls:       ${device.polls}, every ${interval(device.pollIntervalSeconds)}, last answered ${device.lastStatus}`,
    `  address:     ${device.address} (${device.auth} credential)`,
    `  assignment:  ${
      device.assignment === null
        ? 'none (no device row: unassigned)'
        : `running ${device.assignment.appVersion} is offered ${device.assignment.file}`
    }`,
    `  attempt:     ${
      attempt === null
        ? 'none'
        : `${attempt.state}: ${attempt.file} (${attempt.fromVersion} -> ${attempt.version ?? '?'}), ${ago(attempt.updatedAt, now)}`
    }`,
    `  tags:        ${device.tags.length === 0 ? '-' : device.tags.join(', ')}`,
    `  hold:        ${device.hold ? 'held (left out of rollouts)' : 'no'}`,
    ...(device.note === '' ? [] : [`  note:        ${device.note}`]),
    '',
    `Attempts (last ${device.attempts.length}, newest first):`,
    device.attempts.length === 0
      ? '  none'
      : table(
          ['  STATE', 'FILE', 'FROM', 'TO', 'OFFERED', 'UPDATED', 'DOWNLOADS', 'SERVED'],
          device.attempts.map((one) => [
            `  ${one.state}`,
            one.file,
            one.fromVersion,
            one.version ?? '?',
            ago(one.offeredAt, now),
            ago(one.updatedAt, now),
            String(one.downloads),
            servedText(one),
          ]),
        ),
    '',
    `Timeline (${device.events.length} events, newest first):`,
    ...(device.events.length === 0
      ? ['  none']
      : aligned(
          byTimeNewestFirst(device.events).map((event) => [
            `  ${ago(event.at, now)}`,
            event.at,
            event.type,
            facts(event),
          ]),
        )),
  ];
  return lines.join('\n');
}

/** The bytes served of what was downloaded: a patch's are counted against the patch, not the image. */
export function servedText(
  attempt: Pick<InventoryDeviceDetail['attempts'][number], 'servedBytes' | 'fileSize' | 'downloadedAs' | 'patchSize'>,
): string {
  const patch = attempt.downloadedAs === 'patch' && attempt.patchSize !== null;
  const whole = patch ? (attempt.patchSize as number) : attempt.fileSize;
  return `${humanBytes(attempt.servedBytes)} of ${humanBytes(whole)}${patch ? ' (patch)' : ''}`;
}
