import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { queryOf } from '../api/client.js';
import type { InventoryDevice, InventoryQuery } from '../api/fleet-api.js';
import { ATTEMPT_STATES, deviceHref, inventoryParams, isAttemptState, listDevices } from '../api/fleet-api.js';
import { useResource } from '../api/use-resource.js';
import {
  AttemptBadge,
  DeviceMarks,
  formatSeconds,
  LiveIndicator,
  LostContactBanner,
  TagList,
} from '../components/fleet-format.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import { useCoalescedRefresh, useFleetEvents } from '../live/fleet-events.js';
import '../fleet.css';

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;

/** The address's parameters the page reads; flags are spelled as the API takes them. */
const KNOWN_PARAMETERS = new Set([
  'search',
  'tag',
  'version',
  'project',
  'chip',
  'state',
  'overdue',
  'unassigned',
  'cursor',
]);
// The page filters for overdue or unassigned devices only: `false` (which the API reads as "not
// overdue") is no filter the page has, and is named as not understood rather than dropped.
const YES = new Set(['true', '1', 'yes']);

/**
 * The parts of the address the page does not understand (an unknown name, a state that is none,
 * a flag that is not yes): they are left out of the listing, and the page says so, or a
 * hand-typed or old bookmarked view would list every device while looking filtered.
 */
function notUnderstood(query: Record<string, string>): string[] {
  return Object.entries(query)
    .filter(([name, raw]) => {
      const value = raw.trim();
      if (!KNOWN_PARAMETERS.has(name)) return true;
      if (name === 'state') return value !== '' && !isAttemptState(value);
      if (name === 'overdue' || name === 'unassigned') return value !== '' && !YES.has(value);
      return false;
    })
    .map(([name, value]) => `${name}=${value}`);
}

/** The listing's filters as the page URL carries them (what is not understood is left out: see notUnderstood). */
function queryFromUrl(query: Record<string, string>): InventoryQuery {
  const text = (name: string) => {
    const value = query[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const state = text('state');
  return {
    search: text('search'),
    tag: text('tag'),
    version: text('version'),
    project: text('project'),
    chip: text('chip'),
    state: state !== undefined && isAttemptState(state) ? state : undefined,
    overdue: YES.has(query.overdue?.trim() ?? '') ? true : undefined,
    unassigned: YES.has(query.unassigned?.trim() ?? '') ? true : undefined,
    cursor: text('cursor'),
  };
}

const urlOf = (query: InventoryQuery) => `/ui/devices${queryOf(inventoryParams(query))}`;

interface Draft {
  search: string;
  tag: string;
  version: string;
  project: string;
  chip: string;
  state: string;
  overdue: boolean;
  unassigned: boolean;
}

const draftOf = (query: InventoryQuery): Draft => ({
  search: query.search ?? '',
  tag: query.tag ?? '',
  version: query.version ?? '',
  project: query.project ?? '',
  chip: query.chip ?? '',
  state: query.state ?? '',
  overdue: query.overdue === true,
  unassigned: query.unassigned === true,
});

/** The filters that match a field exactly, with the server's length limit for each. */
const EXACT_FILTERS: ReadonlyArray<{
  readonly name: 'tag' | 'version' | 'project' | 'chip';
  readonly label: string;
  readonly maxLength: number;
  readonly hint: string;
}> = [
  { name: 'tag', label: 'Tag', maxLength: 64, hint: 'Exact: one whole tag; tags are case-sensitive.' },
  {
    name: 'version',
    label: 'Running version',
    maxLength: 31,
    hint: 'Exact: the whole version as the device sends it (e.g. v1.2.0-dirty).',
  },
  { name: 'project', label: 'Project', maxLength: 32, hint: 'Exact: the whole project name.' },
  { name: 'chip', label: 'Chip', maxLength: 32, hint: 'Exact: the whole chip name (esp32, esp32c3, …).' },
];

function queryOfDraft(draft: Draft): InventoryQuery {
  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());
  return {
    search: text(draft.search),
    tag: text(draft.tag),
    version: text(draft.version),
    project: text(draft.project),
    chip: text(draft.chip),
    state: isAttemptState(draft.state) ? draft.state : undefined,
    overdue: draft.overdue ? true : undefined,
    unassigned: draft.unassigned ? true : undefined,
  };
}

const isFiltered = (query: InventoryQuery) =>
  Object.entries(query).some(([name, value]) => name !== 'cursor' && value !== undefined);

/**
 * The inventory: searched and filtered from the page URL (so a view can be linked, and Back
 * goes to the previous one), a page of 50 at a time with the API's cursor, refreshed live.
 */
export function DevicesPage(_props: { readonly params?: Record<string, string> }) {
  usePageTitle('Devices');
  const location = useLocation();
  const query = queryFromUrl(location.query);
  const ignored = notUnderstood(location.query);
  const key = urlOf(query);
  const page = useResource((signal) => listDevices(query, PAGE_SIZE, signal), key);
  const refresh = useCoalescedRefresh(page.reload);
  const live = useFleetEvents({}, () => refresh());

  const [draft, setDraft] = useState<Draft>(() => draftOf(query));
  // Typing in the search box lists as you type (after a pause), replacing the history entry.
  const typing = useRef<number | undefined>(undefined);
  const typedUrl = useRef<string | undefined>(undefined);
  // Back, Forward or a link changes the URL: the form shows what is listed (a search typed
  // here leaves the other fields as they are, applied or not).
  useEffect(() => {
    if (key !== typedUrl.current) setDraft(draftOf(query));
    typedUrl.current = undefined;
  }, [key]);
  useEffect(() => () => window.clearTimeout(typing.current), []);
  const searchAsYouType = (search: string) => {
    setDraft((current) => ({ ...current, search }));
    window.clearTimeout(typing.current);
    typing.current = window.setTimeout(() => {
      const next = urlOf({ ...query, search: search.trim() === '' ? undefined : search.trim(), cursor: undefined });
      if (next === key) return;
      typedUrl.current = next;
      location.route(next, true);
    }, SEARCH_DELAY_MS);
  };

  const apply = (event: Event) => {
    event.preventDefault();
    window.clearTimeout(typing.current);
    const next = urlOf(queryOfDraft(draft));
    if (next !== key) location.route(next);
    else page.reload();
  };
  const set = (field: keyof Draft) => (event: Event) => {
    const target = event.currentTarget as HTMLInputElement | HTMLSelectElement;
    const value = target instanceof HTMLInputElement && target.type === 'checkbox' ? target.checked : target.value;
    setDraft((current) => ({ ...current, [field]: value }));
  };

  const items = page.data?.items;
  const next = page.data?.next ?? null;
  const firstPage = query.cursor === undefined;

  return (
    <section aria-labelledby="devices-title">
      <div class="fleet-heading">
        <h1 id="devices-title">Devices</h1>
        <LiveIndicator state={live} />
      </div>
      <LostContactBanner state={live} />
      {ignored.length > 0 && (
        <p class="notice" role="status" data-testid="devices-ignored">
          Left out of this listing, not understood in the address: {ignored.join(', ')}.
        </p>
      )}

      <form class="panel" role="search" aria-label="Devices" onSubmit={apply}>
        <div class="form-grid">
          <div class="field fleet-field-wide">
            <label for="devices-search">Search device ids</label>
            <input
              id="devices-search"
              type="search"
              name="search"
              value={draft.search}
              autoComplete="off"
              spellcheck={false}
              aria-describedby="devices-search-hint"
              maxLength={64}
              onInput={(event) => searchAsYouType(event.currentTarget.value)}
            />
            <span class="hint" id="devices-search-hint">
              Any part of the id, in any case.
            </span>
          </div>
          {EXACT_FILTERS.map((filter) => (
            <div class="field" key={filter.name}>
              <label for={`devices-${filter.name}`}>{filter.label}</label>
              <input
                id={`devices-${filter.name}`}
                name={filter.name}
                value={draft[filter.name]}
                autoComplete="off"
                aria-describedby={`devices-${filter.name}-hint`}
                maxLength={filter.maxLength}
                onInput={set(filter.name)}
              />
              <span class="hint" id={`devices-${filter.name}-hint`}>
                {filter.hint}
              </span>
            </div>
          ))}
          <div class="field">
            <label for="devices-state">Attempt state</label>
            <select id="devices-state" name="state" value={draft.state} onChange={set('state')}>
              <option value="">Any</option>
              {ATTEMPT_STATES.map((state) => (
                <option key={state} value={state}>
                  {state}
                </option>
              ))}
            </select>
          </div>
          <div class="fleet-checks">
            <div class="fleet-check">
              <input
                id="devices-overdue"
                type="checkbox"
                name="overdue"
                checked={draft.overdue}
                onChange={set('overdue')}
              />
              <label for="devices-overdue">Overdue only</label>
            </div>
            <div class="fleet-check">
              <input
                id="devices-unassigned"
                type="checkbox"
                name="unassigned"
                checked={draft.unassigned}
                onChange={set('unassigned')}
              />
              <label for="devices-unassigned">Unassigned only</label>
            </div>
          </div>
        </div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          {isFiltered(query) && (
            <a class="button fleet-button-secondary" href="/ui/devices">
              Clear filters
            </a>
          )}
        </div>
      </form>

      <ErrorNotice message={page.error} />
      {items === undefined ? (
        page.error === undefined && <p class="notice">Loading devices…</p>
      ) : items.length === 0 ? (
        <p class="notice" data-testid="devices-empty">
          {firstPage
            ? isFiltered(query)
              ? 'No device matches these filters.'
              : 'No device has checked yet.'
            : 'No more devices.'}
        </p>
      ) : (
        <DevicesTable items={items} filtered={isFiltered(query)} firstPage={firstPage} />
      )}

      <nav class="actions" aria-label="Pages of devices">
        {!firstPage && (
          <a class="button fleet-button-secondary" href={urlOf({ ...query, cursor: undefined })}>
            First page
          </a>
        )}
        {next !== null && (
          <a class="button" href={urlOf({ ...query, cursor: next })} rel="next">
            Next page
          </a>
        )}
      </nav>
    </section>
  );
}

function DevicesTable(props: {
  readonly items: readonly InventoryDevice[];
  readonly filtered: boolean;
  readonly firstPage: boolean;
}) {
  const count = props.items.length;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Devices table">
      <table data-testid="devices-table">
        <caption class="fleet-caption">
          {props.filtered ? 'Devices matching the filters' : 'Devices'},{' '}
          {props.firstPage ? 'first page' : 'a later page'}: {count} {count === 1 ? 'device' : 'devices'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Running version</th>
            <th scope="col">Project / chip</th>
            <th scope="col">Last seen</th>
            <th scope="col" class="number">
              Polls
            </th>
            <th scope="col" class="number">
              Poll interval
            </th>
            <th scope="col">Attempt</th>
            <th scope="col">Tags</th>
            <th scope="col">Marks</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((device) => (
            <tr key={device.id}>
              <th scope="row" class="fleet-row-head">
                <a class="mono" href={deviceHref(device.id)}>
                  {device.id}
                </a>
              </th>
              <td class="mono">{device.runningVersion}</td>
              <td>{device.image === null ? '—' : `${device.image.project} / ${device.image.chip}`}</td>
              <td class="fleet-nowrap">
                <RelativeTime iso={device.lastSeen} />
              </td>
              <td class="number">{device.polls}</td>
              <td class="number fleet-nowrap">{formatSeconds(device.pollIntervalSeconds)}</td>
              <td>{device.attempt === null ? '—' : <AttemptBadge state={device.attempt.state} />}</td>
              <td>
                <TagList tags={device.tags} />
              </td>
              <td>
                <DeviceMarks overdue={device.overdue} unassigned={device.unassigned} hold={device.hold} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
