// A read of the token repeated until two in a row agree, for modules whose per-process view can be
// briefly wrong while another process uses the token (module-quirks.ts: SoftHSM). A view that never
// settles is a retryable device error: the activity runs again later.
import { isDeepStrictEqual } from 'node:util';
import { HsmError } from './errors';

/** Reads before a view that keeps changing is given up (each read is a full listing). */
const MAX_READS = 5;

/** `first`: a read the caller already made (e.g. an import's last confirmation), counted as the first. */
export async function steadyRead<T>(read: () => Promise<T>, what: string, first?: T): Promise<T> {
  let previous = first ?? (await read());
  for (let reads = 1; reads < MAX_READS; reads += 1) {
    const current = await read();
    if (isDeepStrictEqual(current, previous)) return current;
    previous = current;
  }
  throw new HsmError('device-error', `The ${what} read differently ${MAX_READS} times in a row: another process may be writing the token. Try again.`);
}
