// Peak resident memory of a process, as the kernel counts it: VmHWM in /proc/<pid>/status. The
// peak is reset (clear_refs 5) when a measured run starts, so setup (key generation, Nest start-up)
// does not count. Linux only: elsewhere the figures say they could not be read.
import { readFileSync, writeFileSync } from 'node:fs';

/** Resets the process's VmHWM to its current RSS; false when the kernel does not allow it. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** VmHWM in bytes, or null when /proc cannot be read (not Linux, the process is gone). */
export function peakRssBytes(pid: number): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('VmHWM:'));
    const kb = line ? Number(/(\d+)\s*kB/.exec(line)?.[1]) : NaN;
    return Number.isFinite(kb) ? kb * 1024 : null;
  } catch {
    return null;
  }
}

export function describePeak(bytes: number | null, sinceReset: boolean): string {
  if (bytes === null) return 'not readable (no /proc)';
  return `${(bytes / 1024 / 1024).toFixed(0)} MB${sinceReset ? '' : ' (since the process started: clear_refs refused)'}`;
}
