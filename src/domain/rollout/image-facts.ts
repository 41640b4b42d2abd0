import type { EspImageInfo } from '../firmware/esp-image-info.js';

/**
 * What the rollout rules need of a stored image: the target's, and the one a device runs (found
 * by the version it reports). Taken from the image's app descriptor (see esp-image-info.ts).
 */
export interface ImageFacts {
  readonly version: string;
  readonly project: string;
  readonly chip: string;
  readonly secureVersion: number;
  /** As the descriptor holds them: C's `__DATE__` (`Jan  2 2026`) and `__TIME__` (`01:02:03`). */
  readonly compileDate: string;
  readonly compileTime: string;
}

export function imageFactsOf(info: EspImageInfo): ImageFacts {
  return {
    version: info.version,
    project: info.projectName,
    chip: info.chip,
    secureVersion: info.secureVersion,
    compileDate: info.compileDate,
    compileTime: info.compileTime,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DATE = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{4})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

/**
 * When the image was built, as a number that orders builds (yyyymmddhhmmss), or null when the
 * descriptor's date or time is not in the compiler's format (a build that overrode them). The
 * compiler writes the build machine's local time with no zone: two images built in different
 * zones order by their clocks, which is the best the image itself says.
 */
export function buildTimeOf(image: Pick<ImageFacts, 'compileDate' | 'compileTime'>): number | null {
  const date = DATE.exec(image.compileDate.trim());
  const time = TIME.exec(image.compileTime.trim());
  if (date === null || time === null) return null;
  const month = MONTHS.indexOf(date[1] ?? '') + 1;
  const [day, year] = [Number(date[2]), Number(date[3])];
  const [hours, minutes, seconds] = [Number(time[1]), Number(time[2]), Number(time[3])];
  if (month === 0 || day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 60) return null;
  return ((((year * 100 + month) * 100 + day) * 100 + hours) * 100 + minutes) * 100 + seconds;
}
