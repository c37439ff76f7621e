// The challenge of a security key registration (DESIGN 14), stateless and self-verifying so any
// API instance that shares the secret can check it: 16 random bytes || expiry (8 bytes, ms since
// the epoch) || HMAC-SHA256 over them, bound to the cluster and the approver. A challenge only
// proves the API issued it recently for that approver; a replay within its lifetime registers
// nothing new, as the credential store refuses a credential id it holds already.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const lifetimeMs = 120_000;
const randomLength = 16;
const expiryLength = 8;
const macLength = 32;

export type ChallengeCheck = 'ok' | 'malformed' | 'forged' | 'expired';

export class RegistrationChallenges {
  /** Per process unless given: a registration is then finished on the instance that began it. */
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  issue(cluster: string, approverId: string, now = Date.now()): string {
    const body = Buffer.alloc(randomLength + expiryLength);
    randomBytes(randomLength).copy(body);
    body.writeBigUInt64BE(BigInt(now + lifetimeMs), randomLength);
    return Buffer.concat([body, this.mac(cluster, approverId, body)]).toString('base64url');
  }

  check(challenge: string, cluster: string, approverId: string, now = Date.now()): ChallengeCheck {
    const bytes = Buffer.from(challenge, 'base64url');
    if (bytes.length !== randomLength + expiryLength + macLength || bytes.toString('base64url') !== challenge) return 'malformed';
    const body = bytes.subarray(0, randomLength + expiryLength);
    if (!timingSafeEqual(bytes.subarray(randomLength + expiryLength), this.mac(cluster, approverId, body))) return 'forged';
    return Number(body.readBigUInt64BE(randomLength)) < now ? 'expired' : 'ok';
  }

  private mac(cluster: string, approverId: string, body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(`keysync-webauthn-registration/1|${cluster}|${approverId}|`).update(body).digest();
  }
}
