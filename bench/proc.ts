// What the benches read about a process: peak RSS of this one (process.resourceUsage().maxRSS),
// and, for a process the bench started but does not run JavaScript in (a server started with
// `npm start`, workerd under `wrangler dev`), its memory and CPU time from Linux's /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** This process's peak resident set in MB (maxRSS is in KiB). */
export const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** One line for a bench's output: this process's peak resident set. */
export const peakRssLine = (what = 'this bench process') => `peak RSS (${what}): ${peakRssMb().toFixed(0)} MB`;

/** Resident set now and at its peak (VmRSS, VmHWM) of another process, in MB. */
export function procMemoryMb(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time (user + system, ms) another process has used so far: fields 14 and 15 of
 * /proc/<pid>/stat, in clock ticks (10 ms at the usual 100 Hz, so only sums over many
 * events mean anything).
 */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks();
}
