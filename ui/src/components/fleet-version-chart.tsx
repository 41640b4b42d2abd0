import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VersionGroup } from '../api/fleet-api.js';
import { queryOf } from '../api/client.js';

/** The chart draws this many groups at most; the table below it lists them all. */
const MAX_BARS = 30;
const HEADER_HEIGHT = 26;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 16;
/** Roughly what one character of the chart's 13 px text takes, to shorten labels that would not fit. */
const CHAR_WIDTH = 7.5;

interface Family {
  readonly project: string | null;
  readonly chip: string | null;
  readonly total: number;
  readonly versions: VersionGroup[];
}

const projectText = (project: string | null) => project ?? 'unknown project';
const chipText = (chip: string | null) => chip ?? 'unknown chip';
const familyText = (family: { project: string | null; chip: string | null }) =>
  `${projectText(family.project)} on ${chipText(family.chip)}`;

/** Versions grouped by project and chip: the biggest family first, its versions by count. */
function familiesOf(versions: readonly VersionGroup[]): Family[] {
  const families = new Map<string, Family>();
  for (const group of versions) {
    const key = JSON.stringify([group.project, group.chip]);
    const family = families.get(key) ?? { project: group.project, chip: group.chip, total: 0, versions: [] };
    families.set(key, { ...family, total: family.total + group.count, versions: [...family.versions, group] });
  }
  return [...families.values()]
    .map((family) => ({ ...family, versions: [...family.versions].sort((a, b) => b.count - a.count) }))
    .sort((a, b) => b.total - a.total || familyText(a).localeCompare(familyText(b)));
}

function shorten(text: string, width: number): string {
  const fits = Math.max(3, Math.floor(width / CHAR_WIDTH));
  return text.length <= fits ? text : `${text.slice(0, fits - 1)}…`;
}

const percent = (count: number, total: number) => (total === 0 ? '0%' : `${Math.round((count / total) * 100)}%`);

/** The devices page listing one version of one project and chip (what is known of it). */
function versionHref(group: VersionGroup): string {
  return `/ui/devices${queryOf({ project: group.project, chip: group.chip, version: group.version })}`;
}

/** The width the chart has, followed as the window (or a phone) turns. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const measure = () => setWidth(Math.max(240, Math.floor(element.clientWidth)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/**
 * The running versions per project and chip as a horizontal bar chart (SVG, drawn at the width
 * it has so that its text keeps its size), with the same numbers as a table beneath for those
 * who do not see the bars. Every label came from a device's image and is drawn as text.
 */
export function VersionChart({ versions }: { readonly versions: readonly VersionGroup[] }) {
  const { ref, width } = useWidth(600);
  const families = familiesOf(versions);
  const fleetTotal = versions.reduce((sum, group) => sum + group.count, 0);
  const max = versions.reduce((most, group) => Math.max(most, group.count), 0);

  if (versions.length === 0) {
    return (
      <div data-testid="version-chart">
        <p>No device has checked yet.</p>
      </div>
    );
  }

  const labelWidth = Math.min(180, Math.floor(width * 0.32));
  const countWidth = 74;
  const barSpace = Math.max(20, width - labelWidth - countWidth - 16);
  const rows: JSX.Element[] = [];
  let y = 0;
  let drawn = 0;
  for (const family of families) {
    if (drawn >= MAX_BARS) break;
    rows.push(
      <text key={`f-${familyText(family)}`} class="fleet-chart-family" x={0} y={y + 18}>
        {shorten(`${familyText(family)} (${family.total})`, width)}
      </text>,
    );
    y += HEADER_HEIGHT;
    for (const group of family.versions) {
      if (drawn >= MAX_BARS) break;
      drawn += 1;
      const barWidth = max === 0 ? 0 : Math.max(2, Math.round((group.count / max) * barSpace));
      const label = `${familyText(group)}, version ${group.version}: ${group.count} devices`;
      rows.push(
        <g key={`v-${JSON.stringify([group.project, group.chip, group.version])}`}>
          <title>{label}</title>
          <text class="fleet-chart-label" x={labelWidth - 6} y={y + 13} text-anchor="end">
            {shorten(group.version, labelWidth - 10)}
          </text>
          <rect class="fleet-chart-bar" x={labelWidth} y={y + 1} width={barWidth} height={BAR_HEIGHT} rx={2} />
          <text class="fleet-chart-count" x={labelWidth + barWidth + 6} y={y + 13}>
            {`${group.count} (${percent(group.count, fleetTotal)})`}
          </text>
        </g>,
      );
      y += ROW_HEIGHT;
    }
  }
  const left = versions.length - drawn;
  const summary = families
    .map(
      (family) =>
        `${familyText(family)}: ${family.versions.map((group) => `version ${group.version} ${group.count}`).join(', ')}`,
    )
    .join('; ');

  return (
    <div data-testid="version-chart" class="fleet-chart">
      <div ref={ref} class="fleet-chart-canvas">
        <svg
          role="img"
          aria-label={`Devices by running version, per project and chip. ${summary}.`}
          width={width}
          height={y + 4}
          viewBox={`0 0 ${width} ${y + 4}`}
        >
          {rows}
        </svg>
      </div>
      {left > 0 && (
        <p class="fleet-muted">
          The chart shows the {drawn} largest groups; the table lists all {versions.length}.
        </p>
      )}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Devices by running version table">
        <table data-testid="version-table">
          <caption class="fleet-caption">Devices by running version, per project and chip</caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Chip</th>
              <th scope="col">Version</th>
              <th scope="col" class="number">
                Devices
              </th>
              <th scope="col" class="number">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {families.flatMap((family) =>
              family.versions.map((group) => (
                <tr key={JSON.stringify([group.project, group.chip, group.version])}>
                  <td>{projectText(group.project)}</td>
                  <td>{chipText(group.chip)}</td>
                  <td class="mono">
                    <a href={versionHref(group)}>{group.version}</a>
                  </td>
                  <td class="number">{group.count}</td>
                  <td class="number">{percent(group.count, fleetTotal)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
