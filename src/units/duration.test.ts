import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, formatDurationMs, formatGoDuration, parseGoDuration } from './duration.js';

const S = 1_000_000_000n;
const MS = 1_000_000n;
const US = 1_000n;
const MIN = 60n * S;
const H = 60n * MIN;
const MAX = (1n << 63n) - 1n;

// The inputs and results of Go's own table (golang/go src/time/time_test.go parseDurationTests).
test('time.ParseDuration: every accepted input of Go test table, to the nanosecond', () => {
  const cases: [string, bigint][] = [
    ['0', 0n],
    ['5s', 5n * S],
    ['30s', 30n * S],
    ['1478s', 1478n * S],
    ['-5s', -5n * S],
    ['+5s', 5n * S],
    ['-0', 0n],
    ['+0', 0n],
    ['5.0s', 5n * S],
    ['5.6s', 5n * S + 600n * MS],
    ['5.s', 5n * S],
    ['.5s', 500n * MS],
    ['1.0s', S],
    ['1.00s', S],
    ['1.004s', S + 4n * MS],
    ['1.0040s', S + 4n * MS],
    ['100.00100s', 100n * S + MS],
    ['10ns', 10n],
    ['11us', 11n * US],
    ['12µs', 12n * US],
    ['12μs', 12n * US],
    ['13ms', 13n * MS],
    ['14s', 14n * S],
    ['15m', 15n * MIN],
    ['16h', 16n * H],
    ['3h30m', 3n * H + 30n * MIN],
    ['10.5s4m', 4n * MIN + 10n * S + 500n * MS],
    ['-2m3.4s', -(2n * MIN + 3n * S + 400n * MS)],
    ['1h2m3s4ms5us6ns', H + 2n * MIN + 3n * S + 4n * MS + 5n * US + 6n],
    ['39h9m14.425s', 39n * H + 9n * MIN + 14n * S + 425n * MS],
    ['52763797000ns', 52763797000n],
    ['0.3333333333333333333h', 20n * MIN],
    ['9007199254740993ns', (1n << 53n) + 1n],
    ['9223372036854775807ns', MAX],
    ['9223372036854775.807us', MAX],
    ['9223372036s854ms775us807ns', MAX],
    ['-9223372036854775808ns', -(1n << 63n)],
    ['-9223372036854775.808us', -(1n << 63n)],
    ['-9223372036s854ms775us808ns', -(1n << 63n)],
    ['-2562047h47m16.854775808s', -(1n << 63n)],
    ['0.100000000000000000000h', 6n * MIN],
    ['0.830103483285477580700h', 49n * MIN + 48n * S + 372539827n],
  ];
  for (const [input, want] of cases) assert.equal(parseGoDuration(input), want, input);
});

test('time.ParseDuration: every rejected input of Go test table (and Istio-looking mistakes)', () => {
  const rejected = [
    '',
    '3',
    '-',
    's',
    '.',
    '-.',
    '.s',
    '+.s',
    '1d',
    '\uFFFD',
    '\uFFFD hello \uFFFD world',
    '9223372036854775810ns',
    '9223372036854775808ns',
    '-9223372036854775809ns',
    '9223372036854776us',
    '3000000h',
    '9223372036854775.808us',
    '9223372036854ms775us808ns',
    // not Go durations, though a reader might expect them to be
    '10',
    '1 s',
    ' 1s',
    '1s ',
    '1S',
    '1sec',
    'PT1S',
    '--1s',
  ];
  for (const input of rejected) assert.equal(parseGoDuration(input), undefined, input);
});

test('a config duration in milliseconds: `1.s` is one second (it was "no timeout")', () => {
  assert.equal(durationMs('1.s'), 1000);
  assert.equal(durationMs('.5s'), 500);
  assert.equal(durationMs('1h'), 3_600_000);
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('250us'), 0.25);
  assert.equal(durationMs('0'), 0);
  assert.equal(durationMs('10'), undefined);
  assert.equal(durationMs(undefined), undefined);
  assert.equal(durationMs(10), undefined);
  assert.equal(durationMs('2562047h47m16.854s'), 9_223_372_036_854);
});

test('time.Duration.String()', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(1), '1ns');
  assert.equal(formatGoDuration(1100), '1.1µs');
  assert.equal(formatGoDuration(2_200_000), '2.2ms');
  assert.equal(formatGoDuration(3_300_000_000), '3.3s');
  assert.equal(formatGoDuration(4n * MIN + 5n * S), '4m5s');
  assert.equal(formatGoDuration(4n * MIN + 5001n * MS), '4m5.001s');
  assert.equal(formatGoDuration(5n * H + 6n * MIN + 7001n * MS), '5h6m7.001s');
  assert.equal(formatGoDuration(8n * MIN + 1n), '8m0.000000001s');
  assert.equal(formatGoDuration(MAX), '2562047h47m16.854775807s');
  assert.equal(formatGoDuration(-(1n << 63n)), '-2562047h47m16.854775808s');
  assert.equal(formatDurationMs(90_000), '1m30s');
  assert.equal(formatDurationMs(500), '500ms');
});
