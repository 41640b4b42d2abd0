import { expect } from 'chai';
import { deviceMethodsAt, deviceTarget } from '../../../src/adapters/inbound/http/request-dispatcher.js';

/** The dispatch table: which adapter answers a request, decided from its method and path alone. */
const PATCH_ID = `${'b'.repeat(64)}.${'a'.repeat(64)}.edo1-hs8-7`;

describe('request dispatcher', () => {
  const adapterOf = (method: string, url: string) => deviceTarget(method, url)?.route.name ?? 'operator';

  const rows: Array<[string, string, string]> = [
    // The device protocol, as devices and the CLI send it.
    ['GET', '/devices/AA:BB:CC:DD:EE:FF?app_ver=1.0', 'device-check'],
    ['HEAD', '/devices/dev1?app_ver=1.0', 'device-check'],
    ['GET', '/devices/dev1', 'device-check'], // no app_ver: the device adapter's 400
    ['GET', '/devices/dev1/?app_ver=1.0', 'device-check'], // a trailing slash, as the router allows it
    ['GET', '/devices/AA%3ABB%3ACC%3ADD%3AEE%3AFF?app_ver=1.0', 'device-check'],
    ['GET', '/devices/bad%ZZ?app_ver=1.0', 'device-check'], // a malformed escape: the adapter's 400
    ['GET', '/DEVICES/dev1?app_ver=1.0', 'device-check'], // case-insensitive, as the router is
    ['GET', '/devices/dev1?app_ver=1.0#fragment', 'device-check'],
    ['GET', 'https://localhost:8443/devices/dev1?app_ver=1.0', 'device-check'], // absolute form
    ['GET', '/files/fw/app.bin', 'file-download'],
    ['HEAD', '/files/fw/app.bin', 'file-download'],
    ['GET', '/files/fw/app.bin?from=device', 'file-download'],
    ['GET', '/files/fw%2Fapp.bin', 'file-download'],
    ['GET', '/files/fw/app.bin/', 'file-download'], // the adapter's 400 (not an update path)
    ['GET', '/files/../etc/passwd', 'file-download'], // the adapter's 400
    // Patches (delta updates): under their own path and under a rollout offer's.
    ['GET', `/files/.delta/${PATCH_ID}`, 'file-download'],
    ['HEAD', `/files/.delta/${PATCH_ID}`, 'file-download'],
    ['GET', `/files/.offer/001767225600000-dev1/.delta/${PATCH_ID}`, 'file-download'],
    ['GET', `/files/.delta/${PATCH_ID}?x=1`, 'file-download'],
    ['GET', '/files/.delta/not-a-patch', 'file-download'], // the adapter's 404
    ['PUT', `/files/.delta/${PATCH_ID}`, 'operator'], // the operator adapter refuses the reserved path
    ['DELETE', `/files/.delta/${PATCH_ID}`, 'operator'],
    // The operator's routes, other methods on the device paths included.
    ['GET', '/devices', 'operator'],
    ['GET', '/devices/', 'operator'], // the CSV list, as the router allows the slash
    ['HEAD', '/devices', 'operator'],
    ['PUT', '/devices/dev1', 'operator'],
    ['DELETE', '/devices/dev1', 'operator'],
    ['POST', '/devices/dev1?app_ver=1.0', 'operator'], // the operator adapter's 405
    ['OPTIONS', '/devices/dev1', 'operator'],
    ['PROPFIND', '/files/fw/app.bin', 'operator'],
    ['PUT', '/files/fw/app.bin', 'operator'],
    ['DELETE', '/files/fw/app.bin', 'operator'],
    ['PATCH', '/files/fw/app.bin', 'operator'],
    ['get', '/files/fw/app.bin', 'operator'], // methods are case-sensitive (Node passes it on as sent)
    ['GET', '/devices/a/b?app_ver=1', 'operator'], // no such route: the operator adapter's 404
    ['GET', '/files/', 'operator'],
    ['GET', '/files', 'operator'],
    ['GET', '//devices/dev1?app_ver=1.0', 'operator'],
    ['GET', '/%64evices/dev1?app_ver=1.0', 'operator'], // escapes in the route's own name are not decoded
    ['GET', '/devices%2Fdev1?app_ver=1.0', 'operator'],
    ['GET', '/api/v1/files/fw/app.bin', 'operator'],
    ['GET', '/metrics', 'operator'],
    ['GET', '/healthz', 'operator'],
    ['GET', '/api/v1/openapi.json', 'operator'],
    ['OPTIONS', '*', 'operator'],
    ['GET', '*', 'operator'],
  ];

  for (const [method, url, adapter] of rows) {
    it(`${method} ${url} -> ${adapter}`, () => {
      expect(adapterOf(method, url)).to.equal(adapter);
    });
  }

  it('reads the parameter and the query once, escapes kept, for the device adapter', () => {
    expect(deviceTarget('GET', '/devices/AA%3ABB/?app_ver=1.0%2Bb&x#f')).to.deep.include({
      path: '/devices/AA%3ABB/',
      param: 'AA%3ABB',
      query: 'app_ver=1.0%2Bb&x',
    });
    expect(deviceTarget('HEAD', 'https://h/files/fw/a%20b.bin?x=1')).to.deep.include({
      path: '/files/fw/a%20b.bin',
      param: 'fw/a%20b.bin',
      query: 'x=1',
    });
    expect(deviceTarget('GET', '/devices/d1')).to.deep.include({ param: 'd1', query: '' });
    expect(deviceTarget('GET', `/devices/d1?app_ver=1&delta=edo1-hs8-7&base=${'A'.repeat(64)}`)).to.deep.include({
      param: 'd1',
      query: `app_ver=1&delta=edo1-hs8-7&base=${'A'.repeat(64)}`,
    });
    expect(deviceTarget('GET', `/files/.offer/001767225600000-d1/.delta/${PATCH_ID}`)).to.deep.include({
      param: `.offer/001767225600000-d1/.delta/${PATCH_ID}`,
    });
  });

  it("knows the device adapter's methods on a path, for the operator adapter's Allow", () => {
    expect(deviceMethodsAt('/devices/d1?app_ver=1')).to.deep.equal(['GET', 'HEAD']);
    expect(deviceMethodsAt('/files/fw/a.bin')).to.deep.equal(['GET', 'HEAD']);
    expect(deviceMethodsAt('/devices')).to.deep.equal([]);
    expect(deviceMethodsAt('/api/v1/files/a.bin')).to.deep.equal([]);
    expect(deviceMethodsAt('*')).to.deep.equal([]);
  });
});
