// The colour default: istioctl's terminal/TERM rule, NO_COLOR (no-color.org) and Node's FORCE_COLOR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorDefault } from './color.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

test('a terminal gets colour, a pipe or TERM=dumb does not (istioctl IstioctlColorDefault)', () => {
  assert.equal(colorDefault(tty, {}), true);
  assert.equal(colorDefault(pipe, {}), false);
  assert.equal(colorDefault(tty, { TERM: 'dumb' }), false);
  assert.equal(colorDefault(tty, { TERM: 'DUMB' }), false);
});

test('a non-empty NO_COLOR turns colour off even on a terminal; an empty one does not (no-color.org)', () => {
  assert.equal(colorDefault(tty, { NO_COLOR: '1' }), false);
  assert.equal(colorDefault(tty, { NO_COLOR: 'false' }), false);
  assert.equal(colorDefault(tty, { NO_COLOR: '' }), true);
});

test('FORCE_COLOR 1/true/2/3/empty turns colour on, wins over NO_COLOR; other values turn it off (Node cli.md)', () => {
  for (const v of ['', '1', 'true', '2', '3']) {
    assert.equal(colorDefault(pipe, { FORCE_COLOR: v }), true, v);
    assert.equal(colorDefault(pipe, { FORCE_COLOR: v, NO_COLOR: '1' }), true, v);
  }
  for (const v of ['0', 'false', 'yes'])
    assert.equal(colorDefault(tty, { FORCE_COLOR: v }), false, v);
});
