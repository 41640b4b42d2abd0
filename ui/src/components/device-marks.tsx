import { useRef, useState } from 'preact/hooks';
import type { DeviceDetail } from '../api/fleet-api.js';
import { changeDevice } from '../api/fleet-api.js';
import { ActionOutcome, useAction } from './device-action.js';

interface Props {
  readonly device: DeviceDetail;
  readonly onChanged: () => void;
}

/** Tags, hold and note are the inventory's: a device that never checked has none to set yet. */
function NotYet() {
  return <p>This can be set once the device has checked.</p>;
}

/** The device's tags, each removable, and a field to add more (separated by spaces). */
export function DeviceTags({ device, onChanged }: Props) {
  const action = useAction(onChanged);
  const [adding, setAdding] = useState('');
  // The Remove button goes with its tag: focus then moves to the tag field, not the page's top.
  const input = useRef<HTMLInputElement>(null);
  const save = (tags: readonly string[], done: string) => action.run(() => changeDevice(device.id, { tags }), done);

  const add = async (event: Event) => {
    event.preventDefault();
    // Each new tag once ("lab lab" adds lab, and says so once).
    const more = [...new Set(adding.split(/\s+/))].filter((tag) => tag !== '' && !device.tags.includes(tag));
    if (more.length === 0) return;
    const ok = await save([...device.tags, ...more], `Tag${more.length === 1 ? '' : 's'} added: ${more.join(', ')}.`);
    if (ok) setAdding('');
  };

  return (
    <>
      <h2 id="tags-title">Tags</h2>
      <div class="panel" data-testid="device-tags">
        {device.lastSeen === null ? (
          <NotYet />
        ) : (
          <>
            {device.tags.length === 0 ? (
              <p>No tags.</p>
            ) : (
              <ul class="fleet-tag-list" aria-labelledby="tags-title">
                {device.tags.map((tag) => (
                  <li key={tag}>
                    <span class="mono">{tag}</span>
                    <button
                      type="button"
                      class="secondary fleet-small"
                      disabled={action.busy}
                      aria-label={`Remove tag ${tag}`}
                      onClick={() =>
                        void save(
                          device.tags.filter((other) => other !== tag),
                          `Tag removed: ${tag}.`,
                        ).then(() => input.current?.focus())
                      }
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <form class="fleet-inline-form" onSubmit={add}>
              <div class="field">
                <label for="tag-add">Add tags (separated by spaces)</label>
                <input
                  ref={input}
                  id="tag-add"
                  name="tags"
                  autoComplete="off"
                  spellcheck={false}
                  value={adding}
                  onInput={(event) => setAdding(event.currentTarget.value)}
                />
              </div>
              <button type="submit" disabled={action.busy || adding.trim() === ''}>
                Add
              </button>
            </form>
          </>
        )}
        <ActionOutcome action={action} />
      </div>
    </>
  );
}

/** Hold: no rollout offers the device an update while it is on. */
export function DeviceHold({ device, onChanged }: Props) {
  const action = useAction(onChanged);
  const toggle = () =>
    void action.run(
      () => changeDevice(device.id, { hold: !device.hold }),
      // The section's own sentence says where the hold stands (and is read out as it changes).
      '',
    );
  return (
    <>
      <h2>Hold</h2>
      <div class="panel" data-testid="device-hold">
        {device.lastSeen === null ? (
          <NotYet />
        ) : (
          <>
            <p aria-live="polite" data-testid="hold-state">
              {device.hold
                ? 'On hold: no rollout offers this device an update.'
                : 'Not on hold: rollouts may offer this device updates.'}
            </p>
            <div class="actions">
              <button
                type="button"
                class={device.hold ? undefined : 'secondary'}
                disabled={action.busy}
                onClick={toggle}
              >
                {device.hold ? 'Release hold' : 'Put on hold'}
              </button>
            </div>
          </>
        )}
        <ActionOutcome action={action} />
      </div>
    </>
  );
}

const MAX_NOTE = 2000;

/** The operators' note on the device (plain text). */
export function DeviceNote({ device, onChanged }: Props) {
  const action = useAction(onChanged);
  // What is being typed; undefined: the note as stored (a live reload does not undo typing).
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const text = draft ?? device.note;
  const save = async (event: Event) => {
    event.preventDefault();
    const ok = await action.run(
      () => changeDevice(device.id, { note: text }),
      text === '' ? 'Note cleared.' : 'Note saved.',
    );
    if (ok) setDraft(undefined);
  };
  return (
    <>
      <h2>Note</h2>
      <div class="panel" data-testid="device-note">
        {device.lastSeen === null ? (
          <NotYet />
        ) : (
          <form onSubmit={save}>
            <div class="field">
              <label for="device-note">Note (at most {MAX_NOTE} characters)</label>
              <textarea
                id="device-note"
                name="note"
                rows={4}
                maxLength={MAX_NOTE}
                value={text}
                onInput={(event) => setDraft(event.currentTarget.value)}
              />
            </div>
            <div class="actions">
              <button type="submit" disabled={action.busy || draft === undefined || draft === device.note}>
                Save note
              </button>
              {draft !== undefined && draft !== device.note && (
                <button type="button" class="secondary" onClick={() => setDraft(undefined)}>
                  Discard changes
                </button>
              )}
            </div>
          </form>
        )}
        <ActionOutcome action={action} />
      </div>
    </>
  );
}
