import { plainDataEqual } from '../plain-data-equal.js';
import type { Rollout } from './rollout.js';
import type { RolloutInput } from './rollout-definition.js';
import type { RolloutChange } from './rollout-refusal.js';
import { EDITABLE_ROLLOUT_STATES } from './rollout-state.js';
import { parseRolloutDefinition } from './rollout-validation.js';
import type { VersionScheme } from './version-scheme.js';

/**
 * The rollout with a new definition (`PATCH`): only while draft or paused, when nothing is being
 * offered from it, and its file only while a draft (a started rollout's attempts are of its file). `input` is the whole definition (absent fields take their defaults, as on
 * create; the HTTP layer merges a patch into the current definition first). A paused rollout
 * keeps its wave index, so its new waves must still have that wave; its percentage may change.
 * No event: the audit log records operators' changes.
 */
export function editRollout(rollout: Rollout, input: RolloutInput, scheme: VersionScheme, at: number): RolloutChange {
  if (!EDITABLE_ROLLOUT_STATES.has(rollout.state)) {
    const message = `cannot edit ${/^[aeiou]/.test(rollout.state) ? 'an' : 'a'} ${rollout.state} rollout (only draft, paused)`;
    return { ok: false, refusal: { code: 'rollout-state-conflict', message } };
  }
  const parsed = parseRolloutDefinition(input, scheme);
  if (!parsed.ok) return { ok: false, refusal: parsed.refusal };
  if (rollout.state !== 'draft' && parsed.definition.file !== rollout.definition.file) {
    // Its attempts are of its file: another target would mix two images' outcomes in one rollout's
    // counts and halt rule, and leave the first file's devices mid-update with nothing holding it.
    const message = `cannot change the file of a ${rollout.state} rollout (only a draft's): create a new rollout for ${parsed.definition.file}`;
    return { ok: false, refusal: { code: 'rollout-state-conflict', message } };
  }
  if (parsed.definition.waves.length <= rollout.wave) {
    // Counted from 1, as the CLI and the dashboard show waves ("wave 3 of 3"); `wave` in the API is the index.
    const message = `the rollout is at its wave ${rollout.wave + 1} (wave index ${rollout.wave}): keep at least ${rollout.wave + 1} waves`;
    return { ok: false, refusal: { code: 'invalid-rollout', message, problems: [{ path: ['waves'], message }] } };
  }
  // Nothing to change (a PATCH of `{}`, or of the values it has): the rollout itself, not a new
  // state of it, so that nothing is written or recorded.
  if (plainDataEqual(parsed.definition, rollout.definition)) return { ok: true, rollout, events: [] };
  return { ok: true, rollout: { ...rollout, definition: parsed.definition, updatedAt: at }, events: [] };
}
