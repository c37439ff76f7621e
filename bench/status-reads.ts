// Status reads through the API (GET /v1/operations/{id}) while operations run, as a client waiting
// on them would: each operation read every interval until it has finished, accepting a view as old
// as that interval (Cache-Control: max-age, as the CLI and console poll). Every read's latency is
// kept; answers other than 200 are counted, never hidden.
import type { BenchApi } from './api-process';

export interface StatusReads {
  latenciesMs: number[];
  /** Of each read, the time the API had a Temporal call in flight (its Server-Timing header). */
  temporalMs: number[];
  failures: number;
}

export function newStatusReads(): StatusReads {
  return { latenciesMs: [], temporalMs: [], failures: 0 };
}

/** The `temporal` duration of a Server-Timing header (0 when the answer needed no Temporal call). */
function temporalDuration(header: string | null): number {
  const match = /(?:^|,)\s*temporal;dur=([\d.]+)/.exec(header ?? '');
  return match ? Number(match[1]) : 0;
}

/** Reads the operation's status every intervalMs until the API says it finished or `done` settles. */
export async function pollStatus(api: BenchApi, operationId: string, intervalMs: number, done: Promise<unknown>, into: StatusReads): Promise<void> {
  let over = false;
  void done.finally(() => (over = true)).catch(() => undefined);
  while (!over) {
    const asked = performance.now();
    // A read the API's socket dropped (a keep-alive closed as the request left) counts as a failure, and reading goes on.
    const response = await api.request(`/v1/operations/${encodeURIComponent(operationId)}`, { headers: { 'cache-control': `max-age=${Math.max(1, Math.round(intervalMs / 1000))}` } }).catch(() => null);
    if (response === null) {
      into.failures += 1;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      continue;
    }
    const body = (await response.json()) as { state?: string };
    into.latenciesMs.push(performance.now() - asked);
    into.temporalMs.push(temporalDuration(response.headers.get('server-timing')));
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
  const own = reads.latenciesMs.map((latency, index) => latency - (reads.temporalMs[index] ?? 0));
  return (
    `${reads.latenciesMs.length} read${reads.latenciesMs.length === 1 ? '' : 's'}, p50 ${ms(percentile(reads.latenciesMs, 0.5))}, p99 ${ms(percentile(reads.latenciesMs, 0.99))}, worst ${ms(Math.max(...reads.latenciesMs))}` +
    `; the Temporal calls behind them (Server-Timing) p50 ${ms(percentile(reads.temporalMs, 0.5))}, p99 ${ms(percentile(reads.temporalMs, 0.99))}; the rest (API and HTTP) p50 ${ms(percentile(own, 0.5))}, p99 ${ms(percentile(own, 0.99))}` +
    (reads.failures > 0 ? `, ${reads.failures} not 200 or not answered` : '')
  );
}
