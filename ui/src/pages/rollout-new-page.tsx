import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, failureText } from '../api/api-error.js';
import { listFiles } from '../api/file-api.js';
import type { FieldProblem, RolloutInput, RolloutPreview } from '../api/rollout-api.js';
import { createRollout, fieldProblemsOf, previewDefinition, problemPath, rolloutHref } from '../api/rollout-api.js';
import { useResource } from '../api/use-resource.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { problemsAt, TextField } from '../components/rollout-form-fields.js';
import { RolloutPreviewView } from '../components/rollout-preview.js';
import '../rollout.css';

interface Form {
  name: string;
  file: string;
  tagsAll: string;
  tagsAny: string;
  devices: string;
  versionsKind: 'any' | 'list' | 'range';
  versions: string;
  project: string;
  chip: string;
  waves: string;
  advanceKind: 'manual' | 'automatic';
  successPercent: string;
  advanceMinResolved: string;
  soakMinutes: string;
  maxInFlight: string;
  maxOffersPerMinute: string;
  haltFailurePercent: string;
  haltFailureCount: string;
  haltMinResolved: string;
  penaltyFailures: string;
  penaltyHours: string;
  priority: string;
  allowDowngrade: boolean;
  includeUnknownImages: boolean;
}

const DEFAULT_WAVES = '1, 10, 50, 100';

const EMPTY: Form = {
  name: '',
  file: '',
  tagsAll: '',
  tagsAny: '',
  devices: '',
  versionsKind: 'any',
  versions: '',
  project: '',
  chip: '',
  waves: DEFAULT_WAVES,
  advanceKind: 'manual',
  successPercent: '',
  advanceMinResolved: '',
  soakMinutes: '',
  maxInFlight: '',
  maxOffersPerMinute: '',
  haltFailurePercent: '',
  haltFailureCount: '',
  haltMinResolved: '',
  penaltyFailures: '',
  penaltyHours: '',
  priority: '',
  allowDowngrade: false,
  includeUnknownImages: false,
};

/** A list typed with commas (or one per line), blanks dropped. */
function listOf(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A number as typed; what is not one is sent as typed, for the server to say what is wrong with it. */
function numberOf(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** An object of the fields that have a value, or undefined when none has. */
function someOf<T extends Record<string, unknown>>(fields: T): Partial<T> | undefined {
  const given = Object.entries(fields).filter(([, value]) => value !== undefined);
  return given.length === 0 ? undefined : (Object.fromEntries(given) as Partial<T>);
}

/** The request body: the fields the operator filled, nothing else (the server's defaults apply). */
export function bodyOf(form: Form): RolloutInput {
  const list = (text: string) => {
    const items = listOf(text);
    return items.length === 0 ? undefined : items;
  };
  const versions =
    form.versionsKind === 'list'
      ? list(form.versions)
      : form.versionsKind === 'range' && form.versions.trim() !== ''
        ? form.versions.trim()
        : undefined;
  const selector = someOf({
    tagsAll: list(form.tagsAll),
    tagsAny: list(form.tagsAny),
    devices: list(form.devices),
    versions,
    project: form.project.trim() === '' ? undefined : form.project.trim(),
    chip: form.chip.trim() === '' ? undefined : form.chip.trim(),
  });
  const waves = listOf(form.waves).map((item) => numberOf(item) ?? item);
  const sameAsDefault = waves.join(',') === listOf(DEFAULT_WAVES).join(',');
  const body: RolloutInput = { name: form.name.trim(), file: form.file };
  if (selector !== undefined) body.selector = selector;
  if (!sameAsDefault) body.waves = waves;
  if (form.advanceKind === 'automatic') {
    body.advance =
      someOf({
        successPercent: numberOf(form.successPercent),
        minResolved: numberOf(form.advanceMinResolved),
        soakMinutes: numberOf(form.soakMinutes),
      }) ?? {};
  }
  const maxInFlight = numberOf(form.maxInFlight);
  if (maxInFlight !== undefined) body.maxInFlight = maxInFlight;
  const maxOffersPerMinute = numberOf(form.maxOffersPerMinute);
  if (maxOffersPerMinute !== undefined) body.maxOffersPerMinute = maxOffersPerMinute;
  const halt = someOf({
    failurePercent: numberOf(form.haltFailurePercent),
    failureCount: numberOf(form.haltFailureCount),
    minResolved: numberOf(form.haltMinResolved),
  });
  if (halt !== undefined) body.halt = halt;
  const penalty = someOf({ failures: numberOf(form.penaltyFailures), hours: numberOf(form.penaltyHours) });
  if (penalty !== undefined) body.penalty = penalty;
  const priority = numberOf(form.priority);
  if (priority !== undefined) body.priority = priority;
  if (form.allowDowngrade) body.allowDowngrade = true;
  if (form.includeUnknownImages) body.includeUnknownImages = true;
  return body;
}

/** `value` once it has not changed for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The server previews a definition only once it names a rollout and its image. */
function previewable(body: RolloutInput): boolean {
  return body.name !== '' && body.file !== '';
}

/** The newest preview answer, for the body (as JSON) it was asked for. */
type Live =
  | { readonly key: string; readonly kind: 'none' }
  | { readonly key: string; readonly kind: 'preview'; readonly preview: RolloutPreview }
  | { readonly key: string; readonly kind: 'invalid'; readonly problems: readonly FieldProblem[] }
  | { readonly key: string; readonly kind: 'failed'; readonly message: string };

/** A create the server refused, for the body (as JSON) it refused. */
interface Refusal {
  readonly key: string;
  readonly message: string;
  readonly problems: readonly FieldProblem[];
}

const PREVIEW_DELAY_MS = 400;

/**
 * The preview of the definition as it is typed (`POST /api/v1/rollouts/preview`), asked once
 * the form has been still for a moment. A newer definition aborts the request for the older
 * one, so only the newest request's answer shows.
 */
function useLivePreview(key: string): Live {
  const settled = useDebounced(key, PREVIEW_DELAY_MS);
  const [live, setLive] = useState<Live>({ key: '', kind: 'none' });
  useEffect(() => {
    const body = JSON.parse(settled) as RolloutInput;
    if (!previewable(body)) {
      setLive({ key: settled, kind: 'none' });
      return undefined;
    }
    const controller = new AbortController();
    previewDefinition(body, controller.signal)
      .then((preview) => {
        if (!controller.signal.aborted) setLive({ key: settled, kind: 'preview', preview });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const problems = error instanceof ApiError ? fieldProblemsOf(error.extra) : [];
        setLive(
          problems.length > 0
            ? { key: settled, kind: 'invalid', problems }
            : { key: settled, kind: 'failed', message: failureText(error) },
        );
      });
    return () => controller.abort();
  }, [settled]);
  return live;
}

function problemsSentence(count: number): string {
  return `${count} problem${count === 1 ? '' : 's'}`;
}

/** The preview region: a hint, the preview, or why there is none, announced politely as it changes. */
function LivePreview({
  live,
  ready,
  pending,
}: {
  readonly live: Live;
  readonly ready: boolean;
  readonly pending: boolean;
}) {
  let content;
  if (!ready) {
    content = <p class="hint">Fill in the name and choose the image to see the preview.</p>;
  } else if (live.kind === 'preview') {
    content = (
      <>
        <RolloutPreviewView preview={live.preview} testId="rollout-preview-counts" />
        <p class="hint">
          Exclusions are exact; the waves are drawn with a stand-in id, so the created rollout’s may differ by sampling
          noise.
        </p>
      </>
    );
  } else if (live.kind === 'invalid') {
    content = (
      <>
        <p class="notice notice-error">
          No preview: the server found {problemsSentence(live.problems.length)}, shown beside{' '}
          {live.problems.length === 1 ? 'its field' : 'their fields'}.
        </p>
        <ul class="inline-list field-error">
          {live.problems.map((problem, index) => (
            <li key={index}>
              <code>{problemPath(problem)}</code>: {problem.message}
            </li>
          ))}
        </ul>
      </>
    );
  } else if (live.kind === 'failed') {
    content = <p class="notice notice-error">No preview: {live.message}</p>;
  } else {
    content = <p class="notice">Counting…</p>;
  }
  return (
    <div data-testid="rollout-preview" aria-live="polite" aria-busy={pending ? 'true' : 'false'}>
      {ready && pending && live.kind !== 'none' && <p class="hint">Updating…</p>}
      {content}
    </div>
  );
}

/**
 * A new rollout's definition, with a live preview beside it: as the operator types, the
 * definition is previewed (`POST /api/v1/rollouts/preview`: devices per wave, exclusions by rule)
 * and the server's problems with it show beside their fields. "Create draft" creates it as a
 * draft, which offers nothing until started.
 */
export function RolloutNewPage(_props: { readonly params?: Record<string, string> }) {
  usePageTitle('New rollout');
  const location = useLocation();
  const preset = location.query.file ?? '';
  const [form, setForm] = useState<Form>({ ...EMPTY, file: preset });
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | undefined>(undefined);
  const summary = useRef<HTMLDivElement>(null);
  const files = useResource((signal) => listFiles(signal), 'files');
  const images = (files.data ?? []).filter((file) => file.image !== null);
  const body = bodyOf(form);
  const key = JSON.stringify(body);
  const live = useLivePreview(key);
  const ready = previewable(body);
  // A refusal stands while the form is as it was refused; once it changes, the preview's
  // problems (of the newest answer) are the ones beside the fields.
  const refused = refusal !== undefined && refusal.key === key ? refusal : undefined;
  const problems = refused?.problems ?? (live.kind === 'invalid' ? live.problems : []);

  useEffect(() => {
    if (refusal !== undefined) summary.current?.focus();
  }, [refusal]);

  const set =
    <K extends keyof Form>(key: K) =>
    (value: Form[K]) =>
      setForm((current) => ({ ...current, [key]: value }));
  const at = (key: string) => problemsAt(problems, key);

  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(undefined);
    createRollout(body)
      .then((rollout) => location.route(rolloutHref(rollout.id)))
      .catch((error: unknown) => {
        const named = error instanceof ApiError ? fieldProblemsOf(error.extra) : [];
        setRefusal({
          key,
          message:
            named.length === 0
              ? failureText(error)
              : `The rollout was not created: the server found ${problemsSentence(named.length)}, listed here and beside ${named.length === 1 ? 'its field' : 'their fields'}.`,
          problems: named,
        });
        setBusy(false);
      });
  };

  return (
    <section>
      <h1>New rollout</h1>
      <p>
        The rollout is created as a <strong>draft</strong>: it offers nothing until you start it. As you fill in the
        form, the preview shows how many devices each wave would hold and which rules exclude which devices. Fields left
        empty take the server’s defaults.
      </p>
      <div ref={summary} tabIndex={-1} data-testid="rollout-form-problems">
        <ErrorNotice message={refused?.message} />
        {refused !== undefined && refused.problems.length > 0 && (
          <ul class="inline-list field-error" aria-label="Problems with the definition">
            {refused.problems.map((problem, index) => (
              <li key={index}>
                <code>{problemPath(problem)}</code>: {problem.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-start', gap: '0 1.5rem' }}>
        <div style={{ flex: '3 1 34rem', minWidth: 0 }}>
          <form onSubmit={submit} noValidate>
            <fieldset>
              <legend>What</legend>
              <div class="form-grid">
                <TextField
                  id="rollout-name"
                  label="Name"
                  value={form.name}
                  onInput={set('name')}
                  hint="1-100 characters."
                  problems={at('name')}
                  required
                />
                <div class="field">
                  <label for="rollout-file">Image (stored file)</label>
                  <select
                    id="rollout-file"
                    value={form.file}
                    required
                    aria-invalid={at('file').length > 0 ? 'true' : undefined}
                    aria-describedby={at('file').length > 0 ? 'rollout-file-error' : 'rollout-file-hint'}
                    onChange={(event) => set('file')(event.currentTarget.value)}
                  >
                    <option value="">Choose an image…</option>
                    {images.map((file) => (
                      <option key={file.path} value={file.path}>
                        {file.path} — {file.image?.projectName} {file.image?.version} ({file.image?.chip})
                      </option>
                    ))}
                    {form.file !== '' && !images.some((file) => file.path === form.file) && (
                      <option value={form.file}>{form.file} (not a stored image)</option>
                    )}
                  </select>
                  <span class="hint" id="rollout-file-hint">
                    {files.error ??
                      (files.loading && files.data === undefined
                        ? 'Loading the stored files…'
                        : 'Only valid application images can be rolled out.')}
                  </span>
                  {at('file').length > 0 && (
                    <span class="field-error" id="rollout-file-error">
                      {at('file')
                        .map((problem) => problem.message)
                        .join('; ')}
                    </span>
                  )}
                </div>
              </div>
            </fieldset>

            <fieldset>
              <legend>Which devices</legend>
              <p class="hint">Each filled field narrows the selection; empty ones narrow nothing.</p>
              <div class="form-grid">
                <TextField
                  id="rollout-tags-all"
                  label="Tags, all of"
                  value={form.tagsAll}
                  onInput={set('tagsAll')}
                  hint="Comma-separated: the device carries every one."
                  problems={at('selector.tagsAll')}
                />
                <TextField
                  id="rollout-tags-any"
                  label="Tags, any of"
                  value={form.tagsAny}
                  onInput={set('tagsAny')}
                  hint="Comma-separated: the device carries at least one."
                  problems={at('selector.tagsAny')}
                />
                <TextField
                  id="rollout-devices"
                  label="Devices"
                  value={form.devices}
                  onInput={set('devices')}
                  hint="Device ids, comma-separated or one per line (at most 10,000)."
                  problems={at('selector.devices')}
                  multiline
                />
                <div class="field">
                  <label for="rollout-versions-kind">Running version</label>
                  <select
                    id="rollout-versions-kind"
                    value={form.versionsKind}
                    onChange={(event) => set('versionsKind')(event.currentTarget.value as Form['versionsKind'])}
                  >
                    <option value="any">Any version</option>
                    <option value="list">One of these versions</option>
                    <option value="range">In a semver range</option>
                  </select>
                </div>
                {form.versionsKind !== 'any' && (
                  <TextField
                    id="rollout-versions"
                    label={form.versionsKind === 'list' ? 'Versions' : 'Semver range'}
                    value={form.versions}
                    onInput={set('versions')}
                    hint={
                      form.versionsKind === 'list'
                        ? 'Exact versions, comma-separated: 1.0.0, 1.1.0.'
                        : 'For example >=1.2.0 <2.0.0 (a leading v is allowed).'
                    }
                    problems={at('selector.versions')}
                  />
                )}
                <TextField
                  id="rollout-project"
                  label="Project"
                  value={form.project}
                  onInput={set('project')}
                  hint="The project name of the running image."
                  problems={at('selector.project')}
                />
                <TextField
                  id="rollout-chip"
                  label="Chip"
                  value={form.chip}
                  onInput={set('chip')}
                  hint="Of the running image: esp32, esp32c3, esp32s3, …"
                  problems={at('selector.chip')}
                />
              </div>
              {problemsAt(problems, 'selector')
                .filter((problem) => problem.path.length <= 1)
                .map((problem, index) => (
                  <p key={index} class="field-error">
                    selector: {problem.message}
                  </p>
                ))}
            </fieldset>

            <fieldset>
              <legend>Waves</legend>
              <div class="form-grid">
                <TextField
                  id="rollout-waves"
                  label="Waves (cumulative %)"
                  value={form.waves}
                  onInput={set('waves')}
                  hint="Strictly increasing percentages of the selected devices, comma-separated, the last usually 100."
                  problems={at('waves')}
                />
              </div>
              <fieldset>
                <legend>Advance</legend>
                <label class="check">
                  <input
                    type="radio"
                    name="rollout-advance"
                    value="manual"
                    checked={form.advanceKind === 'manual'}
                    onChange={() => set('advanceKind')('manual')}
                  />
                  <span>Manual: a wave grows only when an operator advances it</span>
                </label>
                <label class="check">
                  <input
                    type="radio"
                    name="rollout-advance"
                    value="automatic"
                    checked={form.advanceKind === 'automatic'}
                    onChange={() => set('advanceKind')('automatic')}
                  />
                  <span>Automatic: once enough of the wave succeeded, after a soak time</span>
                </label>
              </fieldset>
              {form.advanceKind === 'automatic' && (
                <div class="form-grid">
                  <TextField
                    id="rollout-success-percent"
                    label="Success %, at least"
                    value={form.successPercent}
                    onInput={set('successPercent')}
                    hint="Of the resolved devices. Default 95."
                    problems={at('advance.successPercent')}
                    inputMode="decimal"
                  />
                  <TextField
                    id="rollout-advance-min-resolved"
                    label="Resolved devices, at least"
                    value={form.advanceMinResolved}
                    onInput={set('advanceMinResolved')}
                    hint="Default 10."
                    problems={at('advance.minResolved')}
                    inputMode="numeric"
                  />
                  <TextField
                    id="rollout-soak-minutes"
                    label="Soak minutes"
                    value={form.soakMinutes}
                    onInput={set('soakMinutes')}
                    hint="Since the wave began. Default 60."
                    problems={at('advance.soakMinutes')}
                    inputMode="decimal"
                  />
                </div>
              )}
            </fieldset>

            <fieldset>
              <legend>Caps, halt and penalty</legend>
              <div class="form-grid">
                <TextField
                  id="rollout-max-in-flight"
                  label="Max in flight"
                  value={form.maxInFlight}
                  onInput={set('maxInFlight')}
                  hint="Attempts between offered and resolved at once. Default 50."
                  problems={at('maxInFlight')}
                  inputMode="numeric"
                />
                <TextField
                  id="rollout-max-offers"
                  label="Max offers per minute"
                  value={form.maxOffersPerMinute}
                  onInput={set('maxOffersPerMinute')}
                  hint="Default 60."
                  problems={at('maxOffersPerMinute')}
                  inputMode="numeric"
                />
                <TextField
                  id="rollout-halt-percent"
                  label="Halt at failure %"
                  value={form.haltFailurePercent}
                  onInput={set('haltFailurePercent')}
                  hint="Of the devices resolved or booted in the wave. Default 20."
                  problems={at('halt.failurePercent')}
                  inputMode="decimal"
                />
                <TextField
                  id="rollout-halt-count"
                  label="Halt at failures"
                  value={form.haltFailureCount}
                  onInput={set('haltFailureCount')}
                  hint="Whatever their share. Default 10."
                  problems={at('halt.failureCount')}
                  inputMode="numeric"
                />
                <TextField
                  id="rollout-halt-min-resolved"
                  label="Halt judged after devices"
                  value={form.haltMinResolved}
                  onInput={set('haltMinResolved')}
                  hint="Devices resolved or booted before either is judged. Default 10."
                  problems={at('halt.minResolved')}
                  inputMode="numeric"
                />
                <TextField
                  id="rollout-penalty-failures"
                  label="Penalty after failures"
                  value={form.penaltyFailures}
                  onInput={set('penaltyFailures')}
                  hint="Failed attempts of the image on one device. Default 3."
                  problems={at('penalty.failures')}
                  inputMode="numeric"
                />
                <TextField
                  id="rollout-penalty-hours"
                  label="Penalty hours"
                  value={form.penaltyHours}
                  onInput={set('penaltyHours')}
                  hint="No offer of it for this long. Default 24."
                  problems={at('penalty.hours')}
                  inputMode="decimal"
                />
                <TextField
                  id="rollout-priority"
                  label="Priority"
                  value={form.priority}
                  onInput={set('priority')}
                  hint="Higher wins when several rollouts want a device. Default 0."
                  problems={at('priority')}
                  inputMode="numeric"
                />
              </div>
              <label class="check">
                <input
                  type="checkbox"
                  checked={form.allowDowngrade}
                  onChange={(event) => set('allowDowngrade')(event.currentTarget.checked)}
                />
                <span>Allow downgrade: offer an older version than the device runs</span>
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  checked={form.includeUnknownImages}
                  onChange={(event) => set('includeUnknownImages')(event.currentTarget.checked)}
                />
                <span>Include devices whose running image is unknown (chip, project and secure_version unchecked)</span>
              </label>
              {['allowDowngrade', 'includeUnknownImages', 'halt', 'penalty', 'advance'].flatMap((key) =>
                problems
                  .filter((problem) => problemPath(problem) === key)
                  .map((problem, index) => (
                    <p key={`${key}-${index}`} class="field-error">
                      {key}: {problem.message}
                    </p>
                  )),
              )}
            </fieldset>

            <div class="actions">
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create draft'}
              </button>
              <a href="/ui/rollouts">Cancel</a>
            </div>
          </form>
        </div>
        <aside
          class="panel"
          aria-labelledby="rollout-preview-heading"
          style={{
            flex: '2 1 22rem',
            minWidth: 0,
            position: 'sticky',
            top: '0.5rem',
            maxHeight: 'calc(100vh - 1rem)',
            overflowY: 'auto',
          }}
        >
          <h2 id="rollout-preview-heading" style={{ marginTop: 0 }}>
            Preview
          </h2>
          <LivePreview live={live} ready={ready} pending={live.key !== key} />
        </aside>
      </div>
    </section>
  );
}
