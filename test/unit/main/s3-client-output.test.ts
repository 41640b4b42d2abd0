import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const BLOB_STORAGE = new URL('../../../src/main/bootstrap/s3-blob-storage.js', import.meta.url).href;

/**
 * The server's log is one JSON object per line: the AWS SDK's multi-line notice about its future
 * releases (printed on Node 20 when a client is made) must not break it. Found by a new operator.
 */
describe("the bucket's client", () => {
  it('is made without the SDK printing anything, and keeps an operator who wants the notice', async () => {
    const make = `const { createS3Client } = await import(${JSON.stringify(BLOB_STORAGE)});
createS3Client({ region: 'us-east-1', pathStyle: true, bucket: 'b', prefix: '', endpoint: 'http://127.0.0.1:9' });
process.stdout.write(String(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED));`;
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const quiet = await run(process.execPath, ['--input-type=module', '-e', make], { env });
    expect(quiet.stderr).to.equal('');
    expect(quiet.stdout).to.equal('true');
    const asked = await run(process.execPath, ['--input-type=module', '-e', make], {
      env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' },
    });
    expect(asked.stdout).to.equal('false');
  });
});
