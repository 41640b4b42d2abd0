import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BufferedLineDestination } from '../../../src/adapters/outbound/logging/buffered-line-destination.js';

describe('BufferedLineDestination', () => {
  let dir: string;
  let file: string;
  let fd: number;
  const written = () => readFileSync(file, 'utf8');
  const waitFor = async (condition: () => boolean) => {
    const deadline = Date.now() + 2000;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fuota-log-'));
    file = join(dir, 'out.log');
    fd = openSync(file, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gathers lines and writes them together once the interval has passed', async () => {
    const destination = new BufferedLineDestination(fd, { intervalMs: 20, bufferBytes: 1024 });
    destination.write('one\n');
    destination.write('two\n');
    expect(written()).to.equal('');
    await waitFor(() => written() !== '');
    expect(written()).to.equal('one\ntwo\n');
    destination.write('three\n');
    await waitFor(() => written().endsWith('three\n'));
    expect(written()).to.equal('one\ntwo\nthree\n');
  });

  it('writes at once what would overflow the buffer, and a line longer than the buffer on its own, in order', () => {
    const destination = new BufferedLineDestination(fd, { intervalMs: 60_000, bufferBytes: 90 });
    const line = (n: number) => `${String(n).padStart(2, '0')}${'x'.repeat(17)}\n`; // 20 characters
    destination.write(line(1));
    destination.write(line(2));
    expect(written()).to.equal('');
    destination.write(line(3)); // 40 bytes held, and 20 characters might take 60 more: the two go out
    expect(written()).to.equal(line(1) + line(2));
    const long = `${'y'.repeat(100)}\n`;
    destination.write(long);
    expect(written()).to.equal(line(1) + line(2) + line(3) + long);
    destination.flushSync();
    expect(written()).to.equal(line(1) + line(2) + line(3) + long);
  });

  it('keeps multi-byte UTF-8 intact, however full the buffer', () => {
    const destination = new BufferedLineDestination(fd, { intervalMs: 60_000, bufferBytes: 16 });
    const lines = ['ä€\n', '😀x\n', 'ß\n', 'plain\n', '€€€€€\n'];
    for (const line of lines) destination.write(line);
    destination.flushSync();
    expect(written()).to.equal(lines.join(''));
  });

  it("answers pino's flush(cb) after writing what it gathered", async () => {
    const destination = new BufferedLineDestination(fd, { intervalMs: 60_000, bufferBytes: 1024 });
    destination.write('pending\n');
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
    expect(written()).to.equal('pending\n');
  });

  it('writes what it gathered when the process exits at once', () => {
    const module = fileURLToPath(
      new URL('../../../src/adapters/outbound/logging/buffered-line-destination.js', import.meta.url),
    );
    const script = `
      const { BufferedLineDestination } = await import(${JSON.stringify(module)});
      const destination = new BufferedLineDestination(1, { intervalMs: 60_000, bufferBytes: 1024 });
      destination.write('last words\\n');
      process.exit(3);`;
    let output = '';
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    } catch (error) {
      output = (error as { stdout: string; status: number }).stdout;
      expect((error as { status: number }).status).to.equal(3);
    }
    expect(output).to.equal('last words\n');
  });

  it('never stalls on a reader that falls behind: it drops lines whole, counts them and says so', async () => {
    const module = fileURLToPath(
      new URL('../../../src/adapters/outbound/logging/buffered-line-destination.js', import.meta.url),
    );
    // The child logs 20 MB while nobody reads its stdout (a pipe takes 64 KiB), then says so on
    // stderr: a destination that waited for the reader would never get there.
    const script = `
      const { BufferedLineDestination } = await import(${JSON.stringify(module)});
      void process.stdout; // Node makes a piped stdout non-blocking, as for the server
      const destination = new BufferedLineDestination(1, { intervalMs: 5, bufferBytes: 64 * 1024 });
      const pad = 'x'.repeat(200);
      for (let n = 0; n < 100_000; n += 1) destination.write(JSON.stringify({ n, pad }) + '\\n');
      process.stderr.write('logged\\n');
      process.stdin.once('data', () => process.exit(0));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      child.stdout.pause();
      const [said] = (await once(child.stderr, 'data')) as [Buffer];
      expect(said.toString()).to.equal('logged\n');
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout.resume();
      child.stdin.write('go');
      await once(child, 'exit');
      const records = output
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { n?: number; dropped?: number; level?: number });
      const kept = records.filter((record) => record.n !== undefined).map((record) => record.n as number);
      const dropped = records.reduce((sum, record) => sum + (record.dropped ?? 0), 0);
      expect(dropped, 'lines reported dropped').to.be.above(0);
      expect(kept.length + dropped).to.equal(100_000);
      expect(kept).to.deep.equal([...kept].sort((a, b) => a - b));
      expect(records.find((record) => record.dropped !== undefined)).to.include({ level: 40 });
    } finally {
      child.kill();
    }
  });

  it('drops lines quietly when its descriptor is gone', () => {
    const destination = new BufferedLineDestination(fd, { intervalMs: 60_000, bufferBytes: 1024 });
    closeSync(fd);
    destination.write('lost\n');
    expect(() => destination.flushSync()).to.not.throw();
    fd = openSync(file, 'r'); // for afterEach
  });
});
