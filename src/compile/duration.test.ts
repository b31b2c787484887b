import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs } from './duration.js';
import { tabWrite } from './tab-writer.js';

test('Go durations to milliseconds; malformed ones are undefined', () => {
  assert.equal(durationMs('1h'), 3_600_000);
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('0.5s'), 500);
  assert.equal(durationMs('30ms'), 30);
  assert.equal(durationMs('0s'), 0);
  assert.equal(durationMs('0'), 0);
  assert.equal(durationMs(undefined), undefined);
  assert.equal(durationMs('10'), undefined);
  assert.equal(durationMs('5 s'), undefined);
});

test('tabWrite pads every cell but the last by the column width plus 5, as istioctl', () => {
  assert.equal(
    tabWrite([
      ['A', 'BB', 'C'],
      ['aaa', 'b', ''],
    ]),
    'A       BB     C\naaa     b      \n',
  );
});
