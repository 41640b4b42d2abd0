import type { UpdateFilePath } from '../update-file-path.js';
import type { ImageFacts } from './image-facts.js';

/**
 * The image a rollout offers, as stored now: its path and what its descriptor says. A rollout's
 * file must be a valid image (the app refuses one that is not), since every rule needs its facts.
 */
export interface RolloutTarget {
  readonly file: UpdateFilePath;
  readonly image: ImageFacts;
}
