// What /proc says about a process (Linux): running or not, its process group and its start time, so a
// pid recorded by an earlier run is only ever signalled when it is still the very same process.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** One-letter state; `Z` (zombie) and `X` (dead) are not running. */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot when the process started. */
  startTime: number;
}

/** Parses /proc/<pid>/stat text (proc(5)); the comm field may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after comm start at field 3 (state); starttime is field 22.
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!state || ![pid, ppid, pgrp, startTime].every(Number.isSafeInteger)) return undefined;
  return { pid, state, ppid, pgrp, startTime };
}

/** The process's /proc stat, or undefined when there is no such process (or no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Running (not a zombie awaiting its reaper): kill(pid, 0) alone says yes to zombies. */
export function isRunning(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** True when pid is running and started at startTime: the same process, not a recycled pid. */
export function isSameProcess(pid: number, startTime: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X' && st.startTime === startTime;
}

/** Running members of process group pgrp that started no earlier than notBefore (the leader's start). */
export function groupMembers(pgrp: number, notBefore: number): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (!st || st.pgrp !== pgrp || st.state === 'Z' || st.state === 'X') continue;
    if (st.startTime >= notBefore) out.push(st);
  }
  return out;
}
