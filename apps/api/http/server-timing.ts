// Server-Timing on every answer: the request's time in the API, and how much of it had a Temporal
// call in flight (the gateway times each call; calls in parallel count once), so a client or the
// bench sees the API's own share of a status read apart from the Temporal calls behind it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApiRequest, ApiResponse } from './api-request';

interface TemporalTime {
  calls: number;
  inFlight: number;
  since: number;
  ms: number;
}

const requestTemporalTime = new AsyncLocalStorage<TemporalTime>();

/** Runs a Temporal call, adding its time to the current request's (outside a request: just runs it). */
export async function timedTemporalCall<T>(call: () => Promise<T>): Promise<T> {
  const time = requestTemporalTime.getStore();
  if (!time) return call();
  if (time.inFlight === 0) time.since = performance.now();
  time.inFlight += 1;
  time.calls += 1;
  try {
    return await call();
  } finally {
    time.inFlight -= 1;
    if (time.inFlight === 0) time.ms += performance.now() - time.since;
  }
}

export function serverTiming() {
  return (_request: ApiRequest, response: ApiResponse, next: () => void): void => {
    const time: TemporalTime = { calls: 0, inFlight: 0, since: 0, ms: 0 };
    const started = performance.now();
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ApiResponse;
    // Set as the head is written, when the handler's Temporal calls are done.
    response.writeHead = ((...args: unknown[]) => {
      if (!response.headersSent) {
        const temporal = time.calls > 0 ? `temporal;dur=${time.ms.toFixed(1)};desc="${time.calls} call${time.calls === 1 ? '' : 's'}", ` : '';
        response.setHeader('server-timing', `${temporal}api;dur=${(performance.now() - started).toFixed(1)}`);
      }
      return writeHead(...args);
    });
    requestTemporalTime.run(time, next);
  };
}
