// One open token per node agent, opened on first use and closed when the agent stops. libs/hsm
// opens a session per call, so concurrent activities share the token. A session, device or
// lookup fault retires the open token, so the next activity (a Temporal retry) opens it afresh.
import { HsmError } from '../libs/hsm/errors';
import type { HsmErrorKind } from '../libs/hsm/errors';
import type { TokenRef } from '../libs/hsm/types';
import type { Token } from '../libs/hsm/token';

export type OpenToken = (ref: TokenRef) => Promise<Token>;

export interface TokenSource {
  withToken<T>(use: (token: Token) => Promise<T>): Promise<T>;
  /** Closes the token once no activity uses it; a later call opens it again. */
  close(): Promise<void>;
}

const REOPEN_AFTER: ReadonlySet<HsmErrorKind> = new Set(['session', 'device-error', 'token-not-found']);

interface Lease {
  token: Promise<Token>;
  users: number;
  retired: boolean;
  released: Promise<void> | null;
}

export function createTokenSource(ref: TokenRef, openToken: OpenToken): TokenSource {
  let current: Lease | null = null;
  const closing = new Set<Promise<void>>();

  function retire(lease: Lease): void {
    lease.retired = true;
    if (current === lease) current = null;
    if (lease.users === 0 && !lease.released) {
      // The last user closes it; a token that failed to open has nothing to close.
      lease.released = lease.token.then(
        (token) => token.close(),
        () => undefined,
      );
      closing.add(lease.released);
      void lease.released.finally(() => closing.delete(lease.released!));
    }
  }

  return {
    async withToken(use) {
      current ??= { token: openToken(ref), users: 0, retired: false, released: null };
      const lease = current;
      lease.users += 1;
      try {
        return await use(await lease.token);
      } catch (error) {
        const openFailed = await lease.token.then(() => false, () => true);
        if (openFailed || (error instanceof HsmError && REOPEN_AFTER.has(error.kind))) lease.retired = true;
        throw error;
      } finally {
        lease.users -= 1;
        if (lease.retired) retire(lease);
      }
    },

    async close() {
      if (current) retire(current);
      await Promise.all([...closing]);
    },
  };
}
