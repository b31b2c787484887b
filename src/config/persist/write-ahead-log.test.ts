// The write-ahead log keeps every fsynced record, cuts a torn or corrupt tail (etcd's WAL does the
// same at open: etcd-io/etcd server/storage/wal/wal.go ReadAll repairs an unexpected EOF at the end)
// and survives a crash at any point of a compaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncodedWalRecord, WriteAheadLog, type WalRecord } from './write-ahead-log.js';

function record(revision: number, name = `vs-${revision}`): WalRecord {
  return {
    revision,
    put: [
      {
        kind: 'VirtualService',
        namespaceExplicit: true,
        object: { metadata: { name, namespace: 'default', resourceVersion: String(revision) } },
      },
    ],
    deleted: [],
  };
}

const dir = () => join(mkdtempSync(join(tmpdir(), 'wal-')), 'state');

test('records appended are read back in order after a reopen', () => {
  const d = dir();
  const { wal, state } = WriteAheadLog.open(d);
  assert.deepEqual(state, { image: undefined, records: [], droppedBytes: 0 });
  for (let r = 1; r <= 3; r++) wal.append(record(r));
  wal.close();
  const again = WriteAheadLog.open(d);
  assert.deepEqual(
    again.state.records.map((r) => r.revision),
    [1, 2, 3],
  );
  assert.equal(again.state.droppedBytes, 0);
  assert.equal(statSync(join(d, 'wal.log')).mode & 0o777, 0o600);
  assert.equal(statSync(d).mode & 0o777, 0o700);
  again.wal.close();
});

test('a torn last record (crash mid-write) is dropped, never half-applied, and cut off the file', () => {
  const d = dir();
  const { wal } = WriteAheadLog.open(d);
  wal.append(record(1));
  wal.append(record(2));
  wal.close();
  const log = join(d, 'wal.log');
  const whole = statSync(log).size;
  truncateSync(log, whole - 5); // the last record lost its last 5 bytes
  const { wal: reopened, state } = WriteAheadLog.open(d);
  assert.deepEqual(
    state.records.map((r) => r.revision),
    [1],
  );
  assert.ok(state.droppedBytes > 0);
  // The next append starts at a record boundary: revision 2 again, then readable.
  reopened.append(record(2, 'other'));
  reopened.close();
  const third = WriteAheadLog.open(d);
  assert.deepEqual(
    third.state.records.map((r) => [r.revision, r.put[0]?.object.metadata]),
    [
      [1, { name: 'vs-1', namespace: 'default', resourceVersion: '1' }],
      [2, { name: 'other', namespace: 'default', resourceVersion: '2' }],
    ],
  );
  assert.equal(third.state.droppedBytes, 0);
  third.wal.close();
});

test('a record whose checksum does not match ends the log there; a lone partial header too', () => {
  const d = dir();
  const { wal } = WriteAheadLog.open(d);
  wal.append(record(1));
  wal.append(record(2));
  wal.close();
  const log = join(d, 'wal.log');
  const data = readFileSync(log);
  const at = data.length - 3;
  data.writeUInt8(data.readUInt8(at) ^ 0xff, at); // a flipped byte inside the last record's JSON
  writeFileSync(log, data);
  appendFileSync(log, Buffer.from([0, 0, 0])); // and three bytes of a header that never finished
  const { state, wal: w } = WriteAheadLog.open(d);
  assert.deepEqual(
    state.records.map((r) => r.revision),
    [1],
  );
  w.close();
});

test('compaction replaces the log with an image; records the image holds are skipped after a crash between the steps', () => {
  const d = dir();
  const { wal } = WriteAheadLog.open(d, { maxRecords: 2 });
  wal.append(record(1));
  assert.equal(wal.needsCompaction(), false);
  wal.append(record(2));
  assert.equal(wal.needsCompaction(), true);
  const oldLog = readFileSync(join(d, 'wal.log'));
  wal.compact({ revision: 2, objects: [...record(1).put, ...record(2).put] });
  assert.equal(statSync(join(d, 'wal.log')).size, 0);
  wal.append(record(3));
  wal.close();
  let { state, wal: w } = WriteAheadLog.open(d);
  assert.equal(state.image?.revision, 2);
  assert.deepEqual(
    state.records.map((r) => r.revision),
    [3],
  );
  w.close();
  // A crash after the image was renamed into place but before the log was emptied: the old log's
  // records (1, 2) are already in the image and are not replayed twice.
  writeFileSync(join(d, 'wal.log'), oldLog);
  ({ state, wal: w } = WriteAheadLog.open(d));
  assert.equal(state.image?.revision, 2);
  assert.deepEqual(state.records, []);
  w.close();
});

test('erase forgets every revision (up --fresh)', () => {
  const d = dir();
  const { wal } = WriteAheadLog.open(d);
  wal.append(record(1));
  wal.compact({ revision: 1, objects: record(1).put });
  wal.close();
  WriteAheadLog.erase(d);
  const { state, wal: w } = WriteAheadLog.open(d);
  assert.deepEqual(state, { image: undefined, records: [], droppedBytes: 0 });
  w.close();
});

test('a record built from objects encoded earlier reads back as the same WalRecord', () => {
  const d = dir();
  const { wal } = WriteAheadLog.open(d);
  const plain: WalRecord = {
    revision: 7,
    put: [
      ...record(7, 'a "quoted" näme').put,
      { kind: 'Gateway', namespaceExplicit: false, object: { metadata: { name: 'gw' }, spec: {} } },
    ],
    deleted: ['VirtualService/default/old'],
  };
  const encoded = new EncodedWalRecord(7);
  for (const o of plain.put)
    encoded.put(o.kind, o.namespaceExplicit, Buffer.from(JSON.stringify(o.object)));
  for (const key of plain.deleted) encoded.delete(key);
  assert.equal(encoded.empty, false);
  assert.deepEqual(JSON.parse(encoded.bytes().toString('utf8')), plain);
  wal.append(encoded);
  wal.append(record(8));
  wal.close();
  const again = WriteAheadLog.open(d);
  assert.deepEqual(again.state.records, [plain, record(8)]);
  again.wal.close();
});
