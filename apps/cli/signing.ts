// The approver's side of DESIGN section 6: an Ed25519 key pair whose private half stays in a PEM
// file on the approver's machine, and a signature over the exact challenge of one operation.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { challengeFormat } from '../../libs/approvals/challenge';
import type { Approval, Decision } from '../../libs/contract/approvals';
import { CliError } from './cli-error';

/** An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix followed by the 32 raw key bytes. */
function rawPublicKey(key: KeyObject): string {
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

export interface ApproverKey {
  privateKey: KeyObject;
  /** The 32 raw public key bytes in base64: the form the cluster configuration registers. */
  publicKey: string;
}

export function readApproverKey(path: string): ApproverKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError('key-unreadable', `Cannot read the approver key ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}). Pass the PEM file made by \`keysync approver-key new\`.`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // The parser's message is not shown: it could quote the file.
    throw new CliError('key-invalid', `${path} is not a private key in PEM form. Pass the PEM file made by \`keysync approver-key new\`.`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new CliError('key-invalid', `${path} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key; approvals are signed with Ed25519 keys.`);
  }
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** Makes a key pair, writes the private half to `path` (owner-only), and returns the public half. */
export function createApproverKey(path: string, overwrite = false): { publicKey: string } {
  if (existsSync(path) && !overwrite) {
    throw new CliError('file-exists', `${path} exists already; an approver key is never overwritten by accident. Choose another --out, or pass --force.`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  return { publicKey: rawPublicKey(privateKey) };
}

/**
 * The challenge for `decision`. The API and the workflow's query answer the string for approve; a
 * rejection signs the same string ending in `reject`. Anything that is not a KeySync challenge is
 * refused, so the key never signs a string someone slipped in.
 */
export function challengeFor(challenge: string, decision: Decision): string {
  const fields = challenge.split('|');
  if (fields.length !== 5 || fields[0] !== challengeFormat || fields.some((field) => field.length === 0) || fields[4] !== 'approve') {
    throw new CliError('bad-challenge', `This is not a KeySync approval challenge (${challengeFormat}|<workflowId>|<member>|<subject>|approve); nothing was signed.`);
  }
  return [...fields.slice(0, 4), decision].join('|');
}

export interface ChallengeParts {
  workflowId: string;
  member: string;
  subject: string;
}

export function challengeParts(challenge: string): ChallengeParts {
  const [, workflowId = '', member = '', subject = ''] = challengeFor(challenge, 'approve').split('|');
  return { workflowId, member, subject };
}

/** Signs the challenge for `decision` and returns the approval to deliver (API, signal or update). */
export function signApproval(key: ApproverKey, approverId: string, challenge: string, decision: Decision): Approval & { signature: string } {
  const message = challengeFor(challenge, decision);
  const { member } = challengeParts(challenge);
  const signature = sign(null, Buffer.from(message, 'utf8'), key.privateKey).toString('base64');
  return { member, approverId, decision, signature };
}
