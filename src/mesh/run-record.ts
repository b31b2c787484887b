// The pid file of one `switchyard up`: its own pid and every child process group it started, each with
// the start time /proc gives, so the next `up` can stop what a crashed run left behind — and never a
// process that merely reuses a recorded pid.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupMembers, isSameProcess, procStat } from './process-table.js';

export interface RecordedProcess {
  pid: number;
  startTime: number;
  /** What it was (a workload name), for the message that it was stopped. */
  name: string;
}

export interface RunRecordFile {
  up: { pid: number; startTime: number };
  /** Each child leads its own process group (spawned detached), pgid = pid. */
  children: RecordedProcess[];
}

/** `$SWITCHYARD_HOME/run`: one `up-<pid>.json` per running `up`, so runs sharing a home never collide. */
export function runDir(home: string): string {
  return join(home, 'run');
}

export class RunRecord {
  private readonly children = new Map<number, RecordedProcess>();
  readonly path: string;
  private readonly self: { pid: number; startTime: number };

  constructor(home: string) {
    mkdirSync(runDir(home), { recursive: true, mode: 0o700 });
    this.path = join(runDir(home), `up-${process.pid}.json`);
    this.self = { pid: process.pid, startTime: procStat(process.pid)?.startTime ?? -1 };
    this.write();
  }

  add(pid: number, name: string): void {
    const startTime = procStat(pid)?.startTime;
    // Without /proc there is no way to tell a leftover from a recycled pid: record nothing.
    if (startTime === undefined) return;
    this.children.set(pid, { pid, startTime, name });
    this.write();
  }

  remove(pid: number): void {
    if (this.children.delete(pid)) this.write();
  }

  /** A clean stop: nothing is left over. */
  close(): void {
    rmSync(this.path, { force: true });
  }

  private write(): void {
    const body: RunRecordFile = { up: this.self, children: [...this.children.values()] };
    // Written whole and renamed: a crash mid-write never leaves a torn record.
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(body) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

/**
 * Stops the children of every earlier `up` with this home that is no longer running (crashed or
 * SIGKILLed): SIGTERM to each child's process group, SIGKILL after graceMs. A child is signalled only
 * when its pid still has the recorded start time; a group whose leader is gone is found through /proc.
 * Returns what was stopped. Records of a live `up` are left alone.
 */
export async function stopLeftovers(home: string, graceMs = 3000): Promise<RecordedProcess[]> {
  let files: string[];
  try {
    files = readdirSync(runDir(home)).filter((f) => /^up-\d+\.json$/.test(f));
  } catch {
    return [];
  }
  const stopped: RecordedProcess[] = [];
  for (const f of files) {
    const path = join(runDir(home), f);
    const record = readRecord(path);
    if (record && isSameProcess(record.up.pid, record.up.startTime)) continue;
    for (const child of record?.children ?? []) {
      if (await stopGroup(child, graceMs)) stopped.push(child);
    }
    rmSync(path, { force: true });
  }
  return stopped;
}

function readRecord(path: string): RunRecordFile | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as RunRecordFile;
    if (!v || typeof v !== 'object' || !Array.isArray(v.children) || !v.up) return undefined;
    return v;
  } catch {
    return undefined;
  }
}

/** The running processes of a recorded child's group (the leader when it is still itself). */
function groupOf(child: RecordedProcess): number[] {
  if (!Number.isSafeInteger(child.pid) || child.pid <= 1) return [];
  // The pid is someone else's now: the kernel only reuses it once the old group is empty.
  const leader = procStat(child.pid);
  if (leader && leader.startTime !== child.startTime) return [];
  // The kernel never hands out a pid that is still some group's id, so members of group <pid> that
  // started after the recorded leader are that child's descendants.
  return groupMembers(child.pid, child.startTime).map((p) => p.pid);
}

async function stopGroup(child: RecordedProcess, graceMs: number): Promise<boolean> {
  let pids = groupOf(child);
  if (pids.length === 0) return false;
  signal(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    pids = groupOf(child);
    if (pids.length === 0) return true;
  }
  signal(groupOf(child), 'SIGKILL');
  return true;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone in the meantime.
    }
  }
}
