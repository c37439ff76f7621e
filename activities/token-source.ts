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
  /** Closes the token once the activities using it are done; a later call opens it again. */
  close(): Promise<void>;
}

const REOPEN_AFTER: ReadonlySet<HsmErrorKind> = new Set(['session', 'device-error', 'token-not-found']);

interface Lease {
  token: Promise<Token>;
  users: number;
  retired: boolean;
  released: Promise<void> | null;
  /** Settles when the lease is retired and its token closed. */
  closed: Promise<void>;
  markClosed: () => void;
}

function newLease(token: Promise<Token>): Lease {
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  return { token, users: 0, retired: false, released: null, closed, markClosed };
}

export function createTokenSource(ref: TokenRef, openToken: OpenToken): TokenSource {
  let current: Lease | null = null;

  function retire(lease: Lease): void {
    lease.retired = true;
    if (current === lease) current = null;
    if (lease.users === 0 && !lease.released) {
      // The last user closes it; a token that failed to open has nothing to close.
      lease.released = lease.token.then(
        (token) => token.close(),
        () => undefined,
      );
      void lease.released.then(lease.markClosed, lease.markClosed);
    }
  }

  return {
    async withToken(use) {
      current ??= newLease(openToken(ref));
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
      const lease = current;
      if (!lease) return;
      retire(lease);
      await lease.closed;
    },
  };
}
