import { Readable } from 'node:stream';
import { expect } from 'chai';
import { deviceRecordsCsv, parseDeviceRecordCsv } from '../../../src/adapters/inbound/http/device-record-csv.js';
import type { DeviceAppRecord } from '../../../src/domain/device-app-record.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function* rows(...records: Array<[string, string, string]>): AsyncIterable<DeviceAppRecord> {
  for (const [deviceId, appVersion, updateFilePath] of records) {
    yield { deviceId, appVersion, updateFilePath } as DeviceAppRecord;
  }
}

describe('device record CSV', () => {
  describe('parseDeviceRecordCsv', () => {
    it("reads the seed's quoted record, with or without a trailing newline or CRLF", () => {
      for (const body of ['"d1","1.0","a.bin"', '"d1","1.0","a.bin"\n', '"d1","1.0","a.bin"\r\n', 'd1,1.0,a.bin']) {
        expect(parseDeviceRecordCsv(body), JSON.stringify(body)).to.deep.equal({
          deviceId: 'd1',
          appVersion: '1.0',
          updateFilePath: 'a.bin',
        });
      }
    });

    it('keeps commas and doubled quotes inside quoted fields', () => {
      expect(parseDeviceRecordCsv('"d1","1,0 ""x""","a.bin"')).to.deep.equal({
        deviceId: 'd1',
        appVersion: '1,0 "x"',
        updateFilePath: 'a.bin',
      });
    });

    it('refuses anything but exactly one record of three fields', () => {
      for (const body of [
        '',
        '\n',
        '"d1","1.0"',
        '"d1","1.0","a.bin","x"',
        '"d1","1.0","a.bin"\n"d2","1","b"',
        '"d1,"1.0","a.bin"',
        '"d1"x,"1","a"',
      ]) {
        expect(() => parseDeviceRecordCsv(body), JSON.stringify(body))
          .to.throw()
          .with.property('code', 'invalid-record');
      }
    });
  });

  describe('deviceRecordsCsv', () => {
    it('writes every field quoted, one LF-terminated line per row, quotes doubled', async () => {
      const csv = await text(deviceRecordsCsv(rows(['a', '1', 'x.bin'], ['b', 'say "hi"', ''])));
      expect(csv).to.equal('"a","1","x.bin"\n"b","say ""hi""",""\n');
    });

    it('writes nothing at all for no rows', async () => {
      expect(await text(deviceRecordsCsv(rows()))).to.equal('');
    });
  });
});
