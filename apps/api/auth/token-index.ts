// Maps a bearer token to its principal by the SHA-256 the configuration stores. Every stored
// hash is compared, in constant time, so response timing does not reveal how close a guess was.
import { timingSafeEqual } from 'node:crypto';
import type { PrincipalConfig } from '../../../libs/config/types';
import { sha256Hex } from '../../../libs/digest';
import type { Principal } from '../http/api-request';

export class TokenIndex {
  private readonly entries: { hash: Buffer; principal: Principal }[];

  constructor(principals: PrincipalConfig[]) {
    this.entries = principals.map((principal) => ({
      hash: Buffer.from(principal.tokenSha256.toLowerCase(), 'hex'),
      principal: { id: principal.id, roles: [...principal.roles] },
    }));
  }

  principalFor(token: string): Principal | null {
    const presented = Buffer.from(sha256Hex(token), 'hex');
    let found: Principal | null = null;
    for (const entry of this.entries) {
      const same = entry.hash.length === presented.length && timingSafeEqual(entry.hash, presented);
      if (same && !found) found = entry.principal;
    }
    return found;
  }
}
