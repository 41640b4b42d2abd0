import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { humanBytes, table } from '../output.js';

interface DeltaPatchJson {
  id: string;
  format: string;
  baseSha256: string;
  baseImageSha256: string;
  basePath: string | null;
  baseVersion: string | null;
  targetSha256: string;
  targetPath: string | null;
  targetSize: number;
  size: number;
  ratio: number;
  offered: boolean;
  createdAt: string;
}

interface DeltaBuildJson {
  basePath: string | null;
  baseSha256: string;
  targetPath: string | null;
  targetSha256: string;
  state: 'pending' | 'not-smaller' | 'failed' | 'removed';
  detail: string;
  at: string;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
/** A file by its path, or by the start of its SHA-256 when no stored file has those bytes any more. */
const fileName = (path: string | null, sha256: string) => path ?? `(gone: ${sha256.slice(0, 12)}…)`;

function listingText(listing: { patches: DeltaPatchJson[]; builds: DeltaBuildJson[] }): string {
  const lines: string[] = [];
  lines.push(
    listing.patches.length === 0
      ? 'no delta patches stored'
      : table(
          ['TARGET', 'FROM', 'SIZE', 'OF TARGET', 'OFFERED', 'STORED', 'ID'],
          listing.patches.map((patch) => [
            fileName(patch.targetPath, patch.targetSha256),
            `${fileName(patch.basePath, patch.baseSha256)}${patch.baseVersion === null ? '' : ` (${patch.baseVersion})`}`,
            humanBytes(patch.size),
            percent(patch.ratio),
            patch.offered ? 'yes' : 'no',
            patch.createdAt,
            patch.id,
          ]),
        ),
  );
  if (listing.builds.length > 0) {
    lines.push(
      '',
      table(
        ['BUILD', 'TARGET', 'FROM', 'SINCE', 'DETAIL'],
        listing.builds.map((build) => [
          build.state,
          fileName(build.targetPath, build.targetSha256),
          fileName(build.basePath, build.baseSha256),
          build.at,
          build.detail,
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/** `fuota delta`: the server's delta patches (`/api/v1/deltas`). */
export function deltaCommands(program: Command, context: CliContext): void {
  const delta = program
    .command('delta')
    .description('delta patches (what esp_delta_ota devices download instead of a full image): ls, make, rm')
    .addHelpText(
      'after',
      `
The server makes patches itself (on upload, when a rollout starts, when a device asks); a patch is
kept only when it rebuilds its target exactly and is under FUOTA_DELTA_MAX_RATIO of its size.

Examples:
  fuota delta ls
  fuota delta make lamp/v1.9.0.bin lamp/v2.0.0.bin
  fuota delta rm <id>`,
    );

  delta
    .command('ls')
    .description(
      'every stored patch, newest first, whether it is offered, and the pairs without one (builds under way, not smaller, failed, removed)',
    )
    .action(async () => {
      const res = await context.client().expect([200], 'GET', apiPath('api', 'v1', 'deltas'));
      const listing = JSON.parse(res.body.toString('utf8')) as { patches: DeltaPatchJson[]; builds: DeltaBuildJson[] };
      context.output.result(listing, () => listingText(listing));
    });

  delta
    .command('make')
    .description('make the patch from one stored image to another now (exit 5 when it is not smaller or fails)')
    .argument('<base>', 'the stored file devices run now')
    .argument('<target>', 'the stored file they are to run')
    .action(async (base: string, target: string) => {
      const res = await context.client().expect([201], 'POST', apiPath('api', 'v1', 'deltas'), {
        headers: JSON_HEADERS,
        body: Buffer.from(JSON.stringify({ base, target })),
        unhurried: true,
      });
      const patch = JSON.parse(res.body.toString('utf8')) as DeltaPatchJson;
      context.output.result(
        patch,
        () =>
          `stored patch ${patch.id}\n  ${base} -> ${target}: ${humanBytes(patch.size)}, ${percent(patch.ratio)} of ${humanBytes(patch.targetSize)}`,
      );
    });

  delta
    .command('rm')
    .description('remove a stored patch (devices get the full image for its pair)')
    .argument('<id>', 'the patch id, as fuota delta ls shows it')
    .action(async (id: string) => {
      await context.client().expect([204], 'DELETE', apiPath('api', 'v1', 'deltas', id));
      context.output.result({ removed: id }, () => `removed patch ${id}`);
    });
}
