// RSS and CPU time of a benchmarked process and its children, read from /proc (Linux only), so a
// multi-process subject (nginx master + worker, `switchyard up` + its apps) is counted whole.
import { readFileSync, readdirSync } from 'node:fs';

/** A process and its descendants (from /proc/<pid>/task/<tid>/children; Linux only). */
export function processTree(pid: number | undefined): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(/\s+/) : []) visit(Number(k));
      }
    } catch {
      // the process went away: keep what was read
    }
  };
  if (pid) visit(pid);
  return out;
}

/** RSS in MB of a process tree (VmRSS of each process summed). */
export function treeRssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // the process went away
    }
  }
  return kb / 1024;
}

/** User + system CPU seconds of a process tree so far (/proc/<pid>/stat utime + stime). */
export function treeCpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  let s = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state: utime is the 12th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      s += (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
    } catch {
      // the process went away
    }
  }
  return s;
}
