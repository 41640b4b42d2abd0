/**
 * The patch rows of `npm run bench` (issue 21): how long making a patch takes and how much memory
 * it needs, for a 1.5 MiB and a 4 MiB image pair, each in a process of its own (delta-make.ts),
 * and how large fuota's patches of the shared golden pairs are beside the patches detools made.
 * `npm run bench:delta` runs these rows alone.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DELTA_PATCH_HEADER_SIZE } from '../src/domain/delta/delta-patch.js';
import { largeImagePair } from '../test/support/delta-pairs.js';
import { DELTA_FIXTURES, GOLDEN_PAIRS } from '../test/support/delta-fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAKE = join(ROOT, 'dist', 'bench', 'delta-make.js');
const MiB = 1024 * 1024;
const RUNS = Number(process.env.BENCH_DELTA_RUNS ?? 3);

/** What one patch cost, as delta-make.ts prints it. */
interface Made {
  readonly seconds: number;
  readonly patchBytes: number;
  readonly appliesBack: boolean;
  readonly peakRssMiB: number;
}

/** One bench row: fuota's figure, and the reference's where there is one (detools' patch size). */
export interface DeltaRow {
  readonly scenario: string;
  readonly value: number;
  readonly reference: number | null;
  readonly unit: string;
  readonly target: string;
  readonly met: boolean;
}

async function made(basePath: string, targetPath: string): Promise<Made> {
  const { stdout } = await promisify(execFile)(process.execPath, [MAKE, basePath, targetPath], {
    maxBuffer: MiB,
  });
  const result = JSON.parse(stdout) as Made;
  if (!result.appliesBack) throw new Error(`the patch from ${basePath} to ${targetPath} did not apply back`);
  return result;
}

async function creationRows(dir: string, name: string, size: number): Promise<DeltaRow[]> {
  // Flash-image-like bytes (code, strings, tables, 0xFF padding) changed as a release changes them.
  const { base, target } = largeImagePair(size);
  const basePath = join(dir, `${name}-base.bin`);
  const targetPath = join(dir, `${name}-target.bin`);
  await writeFile(basePath, base);
  await writeFile(targetPath, target);
  const runs: Made[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await made(basePath, targetPath));
  const seconds = [...runs.map((run) => run.seconds)].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? 0;
  const peak = Math.max(...runs.map((run) => run.peakRssMiB));
  const ratio = (runs[0]?.patchBytes ?? 0) / size;
  return [
    {
      scenario: `patch creation, ${name} pair: seconds`,
      value: seconds,
      reference: null,
      unit: 's',
      target: '< 10 s',
      met: seconds < 10,
    },
    {
      scenario: `patch creation, ${name} pair: peak RSS of its process`,
      value: peak,
      reference: null,
      unit: 'MiB',
      target: '< 300 MiB',
      met: peak < 300,
    },
    {
      scenario: `patch creation, ${name} pair: patch / image`,
      value: ratio,
      reference: null,
      unit: '',
      target: '(informative)',
      met: true,
    },
  ];
}

/** Espressif's own test pair for esp_delta_ota, and the patch (no 64-byte header) it ships. */
const ESPRESSIF_PAIR = {
  name: "Espressif's esp_delta_ota test",
  old: 'esp-delta-ota/base.bin',
  new: 'esp-delta-ota/new.bin',
  heatshrink: 'esp-delta-ota/patch.bin',
} as const;

/** fuota's patch of each golden pair (without its 64-byte header) beside the heatshrink patch its makers made. */
async function goldenRows(): Promise<DeltaRow[]> {
  const rows: DeltaRow[] = [];
  for (const pair of [...GOLDEN_PAIRS, ESPRESSIF_PAIR]) {
    const ours = await made(join(DELTA_FIXTURES, pair.old), join(DELTA_FIXTURES, pair.new));
    const theirs = statSync(join(DELTA_FIXTURES, pair.heatshrink)).size;
    const size = ours.patchBytes - DELTA_PATCH_HEADER_SIZE;
    const isTarget = pair.name === 'detools micropython';
    rows.push({
      scenario: `${pair.name} pair: heatshrink patch bytes (theirs beside)`,
      value: size,
      reference: theirs,
      unit: 'B',
      target: isTarget ? '<= 1.05x detools' : '(informative)',
      met: !isTarget || size <= 1.05 * theirs,
    });
  }
  return rows;
}

export async function deltaRows(): Promise<DeltaRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'fuota-bench-delta-'));
  try {
    const rows = [...(await creationRows(dir, '1.5 MiB', 1.5 * MiB)), ...(await creationRows(dir, '4 MiB', 4 * MiB))];
    if (existsSync(join(DELTA_FIXTURES, 'README.md'))) rows.push(...(await goldenRows()));
    else process.stdout.write(`(the golden pairs' rows skipped: ${DELTA_FIXTURES} is not there)\n`);
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await deltaRows()) {
    const reference = row.reference === null ? '' : ` (reference ${row.reference})`;
    process.stdout.write(
      `${row.scenario}: ${row.value.toFixed(3)} ${row.unit}${reference}; target ${row.target}: ${row.met ? 'met' : 'NOT met'}\n`,
    );
  }
}
