import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRunning, isSameProcess, parseProcStat, procStat } from './process-table.js';

test('parseProcStat reads pid, state, ppid, pgrp and starttime (field 22) past a comm with spaces and parens', () => {
  // proc(5): "pid (comm) state ppid pgrp session tty_nr tpgid flags ... starttime(22) ..."
  const line =
    '4242 (my (odd) prog) S 17 4242 4242 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 987654 1000 50';
  assert.deepEqual(parseProcStat(line), {
    pid: 4242,
    state: 'S',
    ppid: 17,
    pgrp: 4242,
    startTime: 987654,
  });
  assert.equal(parseProcStat('garbage'), undefined);
  assert.equal(parseProcStat('1 (x) S 0'), undefined);
});

test('this process is running and the same process only with its own start time', (t) => {
  const me = procStat(process.pid);
  if (!me) return t.skip('no /proc on this platform');
  assert.equal(isRunning(process.pid), true);
  assert.equal(isSameProcess(process.pid, me.startTime), true);
  assert.equal(isSameProcess(process.pid, me.startTime + 1), false, 'a recycled pid differs');
});
