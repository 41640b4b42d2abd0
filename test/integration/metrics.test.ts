import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/** The value of one sample of the exposition text (0 when the sample is not there). */
function sample(text: string, name: string, labels = ''): number {
  const escaped = `${name}${labels === '' ? '' : `{${labels}}`}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** `GET /metrics`: Prometheus text for operators, counting what the server did. */
describe('HTTP: metrics', () => {
  let t: RunningTestServer;
  const image = buildEspImage({ version: '2.0' });
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  const scrape = async () => {
    const res = await t.client.get('/metrics');
    expect(res.status).to.equal(200);
    return res;
  };

  it('serves the text format to operators only, with process metrics', async () => {
    const res = await scrape();
    expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'fuota_process_cpu_seconds_total',
      'fuota_process_resident_memory_bytes',
      'fuota_nodejs_eventloop_lag_seconds',
    ]) {
      expect(res.text).to.match(new RegExp(`^${name} `, 'm'));
    }
    expect((await t.client.get('/metrics', { auth: TEST_DEVICE_CREDENTIAL })).status).to.equal(403);
    expect((await t.client.get('/metrics', { auth: null })).status).to.equal(403);
  });

  it('counts requests by route pattern and status, check outcomes, and bytes uploaded and served', async () => {
    const before = (await scrape()).text;
    expect((await t.client.put('/files/fw.bin', image, 'application/octet-stream')).status).to.equal(200);
    await t.client.put('/devices/d1', '"d1","1.0","fw.bin"', 'text/csv');
    await t.client.put('/devices/d2', '"d2","1.0","gone.bin"', 'text/csv');
    expect((await t.client.get('/devices/d1?app_ver=1.0')).status).to.equal(200);
    expect((await t.client.get('/devices/d1?app_ver=1.0', { auth: TEST_DEVICE_CREDENTIAL })).status).to.equal(200);
    expect((await t.client.get('/devices/d1?app_ver=2.0')).status).to.equal(204);
    expect((await t.client.get('/devices/nobody?app_ver=1.0')).status).to.equal(404);
    expect((await t.client.get('/devices/d2?app_ver=1.0')).status).to.equal(404);
    expect((await t.client.get('/files/fw.bin')).body.length).to.equal(image.length);
    expect((await t.client.get('/no/such/route')).status).to.equal(404);
    const after = (await scrape()).text;
    const delta = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('fuota_device_checks_total', 'outcome="update_offered"')).to.equal(2);
    expect(delta('fuota_device_checks_total', 'outcome="no_update"')).to.equal(1);
    expect(delta('fuota_device_checks_total', 'outcome="unknown_device"')).to.equal(1);
    expect(delta('fuota_device_checks_total', 'outcome="missing_file"')).to.equal(1);
    expect(delta('fuota_http_requests_total', 'method="GET",route="/devices/:id",status="200"')).to.equal(2);
    expect(delta('fuota_http_requests_total', 'method="GET",route="/devices/:id",status="404"')).to.equal(2);
    expect(delta('fuota_http_requests_total', 'method="PUT",route="/files/*path",status="200"')).to.equal(1);
    expect(delta('fuota_http_requests_total', 'method="GET",route="unmatched",status="404"')).to.equal(1);
    expect(delta('fuota_uploaded_bytes_total')).to.equal(image.length);
    expect(delta('fuota_served_bytes_total')).to.be.at.least(image.length);
    expect(delta('fuota_http_request_duration_seconds_count', 'method="GET",route="/devices/:id"')).to.equal(5);
    expect(after).to.not.include('nobody');
  });
});
