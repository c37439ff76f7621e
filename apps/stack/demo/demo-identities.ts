// The demo's people: approvers with Ed25519 key pairs (the PIN pad's stand-in) and principals with
// random bearer tokens. Only public keys and token hashes go into config.json.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ApproverConfig, PrincipalConfig, Role } from '../../../libs/config/types';
import { sha256Hex } from '../../../libs/digest';
import { writeSecretFile } from './secret-file';

export interface DemoApprover {
  config: ApproverConfig;
  privateKeyPath: string;
}

export interface DemoPrincipal {
  config: PrincipalConfig;
  token: string;
}

/** Makes an Ed25519 key pair; the private PEM goes to `<dir>/<id>.pem` (0600), the public key to config. */
export function createDemoApprover(dir: string, id: string): DemoApprover {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privateKeyPath = join(dir, `${id}.pem`);
  writeSecretFile(privateKeyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  // An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix followed by the 32-byte key.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { config: { id, publicKey: raw.toString('base64') }, privateKeyPath };
}

/** A principal with a fresh random bearer token; config.json keeps only its SHA-256. */
export function createDemoPrincipal(id: string, roles: Role[]): DemoPrincipal {
  const token = `ks_${id.replace(/-/g, '')}_${randomBytes(24).toString('base64url')}`;
  return { config: { id, roles, tokenSha256: sha256Hex(token) }, token };
}

/** A random PIN for a demo token: long, so it is never guessable, and plain ASCII. */
export function randomPin(): string {
  return randomBytes(12).toString('base64url');
}
