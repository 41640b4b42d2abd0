import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { JournalStatement } from '../../../src/adapters/outbound/sqljs/journal-record.js';
import { encodeEntry, encodeSeal } from '../../../src/adapters/outbound/sqljs/journal-record.js';
import { recoverJournal } from '../../../src/adapters/outbound/sqljs/journal-recovery.js';
import { openDiskStorage } from '../../../src/main/bootstrap/storage.js';
import { dataLayout } from '../../../src/main/config/data-layout.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { RecordingLogger } from '../../support/test-server.js';

const UPSERT = 'INSERT OR REPLACE INTO device_app (device_id, app_ver, update_file_path) VALUES (?, ?, ?)';
const upsert = (id: string): JournalStatement[] => [[UPSERT, [id, '1.0.0', 'fw.bin']]];
/** A record whose checksum fails, as a write cut at a block boundary and followed by others leaves it. */
const TORN =
  '0badc0de [["INSERT OR REPLACE INTO device_app (device_id, app_ver, update_file_path) VALUES (?, ?, ?)",["x';

describe('journal replay', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-replay-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports a segment torn in the middle, with offset and byte count, and still replays the newer segments', async () => {
    const file = join(dir, 'devices.db');
    const head = encodeEntry(upsert('a'));
    const tail = `${TORN}${encodeEntry(upsert('lost'))}`;
    await writeFile(`${file}.journal.3`, head + tail);
    await writeFile(`${file}.journal.4`, encodeEntry(upsert('c')));
    const recovered = await recoverJournal(file);
    expect(recovered.entries).to.deep.equal([upsert('a'), upsert('c')]);
    expect(recovered.segments).to.deep.equal([3, 4]);
    expect(recovered.skipped).to.deep.equal([
      {
        segment: `${file}.journal.3`,
        offset: Buffer.byteLength(head),
        bytes: Buffer.byteLength(tail),
        reason: 'torn',
        intactRecordsAfter: 1,
      },
    ]);
  });

  it('replays a sealed segment only up to the sealed length, and reports the rest', async () => {
    const file = join(dir, 'devices.db');
    const kept = encodeEntry(upsert('a'));
    const failed = encodeEntry(upsert('failed'));
    await writeFile(`${file}.journal.1`, kept + failed);
    await writeFile(`${file}.journal.2`, TORN); // a seal attempt that failed
    await writeFile(`${file}.journal.3`, encodeSeal(1, Buffer.byteLength(kept)) + encodeEntry(upsert('b')));
    const recovered = await recoverJournal(file);
    expect(recovered.entries).to.deep.equal([upsert('a'), upsert('b')]);
    expect(recovered.skipped).to.deep.equal([
      {
        segment: `${file}.journal.1`,
        offset: Buffer.byteLength(kept),
        bytes: Buffer.byteLength(failed),
        reason: 'sealed',
        intactRecordsAfter: 0,
      },
      { segment: `${file}.journal.2`, offset: 0, bytes: TORN.length, reason: 'torn', intactRecordsAfter: 0 },
    ]);
  });

  it('is logged as a warning when the server opens its storage', async () => {
    const layout = dataLayout(dir);
    await mkdir(layout.filesDir, { recursive: true });
    const head = encodeEntry(upsert('a'));
    await writeFile(`${layout.databaseFile}.journal.1`, `${head}${TORN}\n${encodeEntry(upsert('lost'))}`);
    const logger = new RecordingLogger();
    const storage = await openDiskStorage(layout, logger);
    try {
      expect(await storage.devices.get('a' as DeviceId)).to.have.property('appVersion', '1.0.0');
      const warnings = logger.lines.filter((line) => line.startsWith('warn '));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('damaged record');
      expect(warnings[0]).to.include(`"segment":"${layout.databaseFile}.journal.1"`);
      expect(warnings[0]).to.include(`"offset":${Buffer.byteLength(head)}`);
      expect(warnings[0]).to.include('"intactRecordsAfter":1');
      // Kept for a person to look at, out of replay's way.
      expect(warnings[0]).to.include(`"keptAs":"${layout.databaseFile}.journal.1.skipped"`);
      expect((await readdir(dir)).filter((name) => name.includes('.journal.1'))).to.deep.equal([
        'devices.db.journal.1.skipped',
      ]);
    } finally {
      await storage.close();
    }
  });
});
