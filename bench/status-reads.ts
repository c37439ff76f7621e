// Status reads through the API (GET /v1/operations/{id}) while operations run, as a client waiting
// on them would: each operation read every interval until it has finished. Every read's latency is
// kept; answers other than 200 are counted, never hidden.
import type { BenchApi } from './api-process';

export interface StatusReads {
  latenciesMs: number[];
  failures: number;
}

export function newStatusReads(): StatusReads {
  return { latenciesMs: [], failures: 0 };
}

/** Reads the operation's status every intervalMs until the API says it finished or `done` settles. */
export async function pollStatus(api: BenchApi, operationId: string, intervalMs: number, done: Promise<unknown>, into: StatusReads): Promise<void> {
  let over = false;
  void done.finally(() => (over = true)).catch(() => undefined);
  while (!over) {
    const asked = performance.now();
    const response = await api.request(`/v1/operations/${encodeURIComponent(operationId)}`);
    const body = (await response.json()) as { state?: string };
    into.latenciesMs.push(performance.now() - asked);
    if (response.status !== 200) into.failures += 1;
    else if (body.state !== undefined && body.state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The value below which `share` of the samples fall (nearest rank). */
export function percentile(samples: readonly number[], share: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

export function describeReads(reads: StatusReads): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return `${reads.latenciesMs.length} read${reads.latenciesMs.length === 1 ? '' : 's'}, p50 ${ms(percentile(reads.latenciesMs, 0.5))}, p99 ${ms(percentile(reads.latenciesMs, 0.99))}, worst ${ms(Math.max(...reads.latenciesMs))}${reads.failures > 0 ? `, ${reads.failures} not 200` : ''}`;
}
