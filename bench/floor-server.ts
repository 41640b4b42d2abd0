/**
 * The floor: a bare node:https server answering the same URLs as fuota with no framework and no
 * safety (string-compare auth, a Map for device rows, fs.createReadStream for files), so that the
 * benchmark can say how close fuota comes to what Node itself does on this machine.
 *
 * Environment: FLOOR_CERT, FLOOR_KEY (PEM files), FLOOR_FILES (directory of files), FLOOR_AUTH
 * (the expected Authorization header), and FLOOR_HEAP_MIB: when set, the floor first fills its
 * heap with idle objects up to that many MiB in use (fuota's heap, to show what a heap of that
 * size costs a bare server). It prints `floor listening <port>` when ready.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { serverCipherList } from '../src/adapters/inbound/http/tls-cipher-order.js';

// Idle objects, never touched again: only their presence in the heap is measured.
const ballast: Array<{ readonly index: number; readonly label: string }> = [];
const heapTarget = Number(process.env.FLOOR_HEAP_MIB ?? 0) * 1024 * 1024;
while (process.memoryUsage().heapUsed < heapTarget) {
  for (let i = 0; i < 10_000; i += 1) ballast.push({ index: ballast.length, label: `ballast-${ballast.length}` });
}

const rows = new Map<string, { appVersion: string; path: string }>();
const files = process.env.FLOOR_FILES ?? '.';
const expected = process.env.FLOOR_AUTH ?? '';

const server = createServer(
  {
    cert: readFileSync(process.env.FLOOR_CERT ?? ''),
    key: readFileSync(process.env.FLOOR_KEY ?? ''),
    keepAliveTimeout: 5000,
    // fuota's TLS order, so that both negotiate the same suite and a ratio measures the rest.
    ciphers: serverCipherList(),
  },
  (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(403).end();
      return;
    }
    const [pathname = '', query = ''] = (req.url ?? '').split('?');
    if (req.method === 'GET' && pathname.startsWith('/devices/')) {
      const row = rows.get(pathname.slice(9));
      const version = new URLSearchParams(query).get('app_ver');
      if (row === undefined) res.writeHead(404).end();
      else if (row.appVersion !== version) res.writeHead(204).end();
      else
        res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': Buffer.byteLength(row.path) }).end(row.path);
      return;
    }
    if (req.method === 'PUT' && pathname.startsWith('/devices/')) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const [id = '', appVersion = '', path = ''] = body.split(',').map((field) => field.replace(/^"|"$/g, ''));
        rows.set(id, { appVersion, path });
        res.writeHead(200).end();
      });
      return;
    }
    if (req.method === 'GET' && pathname.startsWith('/files/')) {
      const file = join(files, pathname.slice(7));
      stat(file).then(
        (info) => {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': info.size });
          createReadStream(file).pipe(res);
        },
        () => res.writeHead(404).end(),
      );
      return;
    }
    res.writeHead(404).end();
  },
);

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`floor listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
