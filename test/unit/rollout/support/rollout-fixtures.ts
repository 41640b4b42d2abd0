import type { DeviceId } from '../../../../src/domain/device-id.js';
import type { ImageFacts } from '../../../../src/domain/rollout/image-facts.js';
import { draftRollout, type Rollout } from '../../../../src/domain/rollout/rollout.js';
import type { RolloutDefinition, RolloutInput } from '../../../../src/domain/rollout/rollout-definition.js';
import type { RolloutDevice } from '../../../../src/domain/rollout/rollout-device.js';
import type { RolloutId } from '../../../../src/domain/rollout/rollout-id.js';
import type { RolloutTarget } from '../../../../src/domain/rollout/rollout-target.js';
import { parseRolloutDefinition } from '../../../../src/domain/rollout/rollout-validation.js';
import type { UpdateFilePath } from '../../../../src/domain/update-file-path.js';
import { fakeVersionScheme } from './fake-version-scheme.js';

/** Shared builders for the rollout tests: a device running 1.0.0 on an esp32 of project `sensor`, a 2.0.0 target. */

export const T0 = 1_767_225_600_000;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const image = (overrides: Partial<ImageFacts> = {}): ImageFacts => ({
  version: '1.0.0',
  project: 'sensor',
  chip: 'esp32',
  secureVersion: 1,
  compileDate: 'Jan  2 2026',
  compileTime: '10:00:00',
  ...overrides,
});

export const TARGET_FILE = 'fw/sensor-2.0.0.bin' as UpdateFilePath;

export const target = (overrides: Partial<ImageFacts> = {}, file: UpdateFilePath = TARGET_FILE): RolloutTarget => ({
  file,
  image: image({ version: '2.0.0', compileDate: 'Mar  1 2026', ...overrides }),
});

export const device = (overrides: Partial<RolloutDevice> = {}): RolloutDevice => ({
  id: 'esp-1' as DeviceId,
  tags: [],
  runningVersion: overrides.runningImage?.version ?? '1.0.0',
  runningImage: image(),
  hold: false,
  rolledBackVersions: new Set(),
  attempts: [],
  penaltyClearedAt: null,
  openAttempt: null,
  ...overrides,
});

/** A valid definition: the input with its defaults (a test that wants an invalid one uses parseRolloutDefinition). */
export const definition = (overrides: Partial<RolloutInput> = {}): RolloutDefinition => {
  const parsed = parseRolloutDefinition({ name: 'sensor 2.0', file: TARGET_FILE, ...overrides }, fakeVersionScheme);
  if (!parsed.ok) throw new Error(`test definition is invalid: ${parsed.refusal.message}`);
  return parsed.definition;
};

export const rolloutId = (raw = 'r-1'): RolloutId => raw as RolloutId;

/** A rollout in `state`, at wave `wave`, started at T0 (draft: never started). */
export const rollout = (
  overrides: Partial<RolloutInput> = {},
  state: Rollout['state'] = 'running',
  wave = 0,
  id = rolloutId(),
): Rollout => {
  const draft = draftRollout(id, definition(overrides), T0);
  if (state === 'draft') return draft;
  return { ...draft, state, wave, startedAt: T0, waveStartedAt: T0 };
};
