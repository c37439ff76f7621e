// Counts the objects on a token by class and CKA_ID with pkcs11-tool, in its own process: an
// independent witness that no key was duplicated (libs/hsm's inventory groups by id, so it would
// hide a second copy); and reads their labels, a witness that a rename reached every object.
import { execFile } from 'node:child_process';
import type { MemberConfig } from '../../../libs/config/types';

export type ObjectCounts = Map<string, number>;

/** `env`: pkcs11-tool's environment (a member's own SOFTHSM2_CONF); default this process's. */
export async function countTokenObjects(member: Pick<MemberConfig, 'pkcs11Module' | 'tokenLabel'>, pin: string, env: NodeJS.ProcessEnv = process.env): Promise<ObjectCounts> {
  const stdout = await listObjects(member, pin, env);
  const counts: ObjectCounts = new Map();
  let kind: string | null = null;
  for (const line of stdout.split('\n')) {
    const header = /^(Private Key|Public Key|Secret Key|Certificate|Data) Object/.exec(line);
    if (header) {
      kind = header[1]!.toLowerCase().replace(' ', '-');
      continue;
    }
    const id = /^\s+ID:\s+([0-9a-f]+)/i.exec(line);
    if (id && kind) {
      const key = `${kind}:${id[1]!.toLowerCase()}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      kind = null;
    }
  }
  return counts;
}

/** The labels of the objects with this CKA_ID, by kind (private-key, public-key, certificate), as pkcs11-tool lists them. */
export async function objectLabels(member: Pick<MemberConfig, 'pkcs11Module' | 'tokenLabel'>, pin: string, id: string, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string[]>> {
  const stdout = await listObjects(member, pin, env);
  const labels: Record<string, string[]> = {};
  let current: { kind: string; label: string } | null = null;
  for (const line of stdout.split('\n')) {
    const header = /^(Private Key|Public Key|Secret Key|Certificate|Data) Object/.exec(line);
    if (header) {
      current = { kind: header[1]!.toLowerCase().replace(' ', '-'), label: '' };
      continue;
    }
    const label = /^\s+label:\s+(.*)$/.exec(line);
    if (label && current) current.label = label[1]!.trim();
    const objectId = /^\s+ID:\s+([0-9a-f]+)/i.exec(line);
    if (objectId && current) {
      if (objectId[1]!.toLowerCase() === id.toLowerCase()) (labels[current.kind] ??= []).push(current.label);
      current = null;
    }
  }
  return labels;
}

function listObjects(member: Pick<MemberConfig, 'pkcs11Module' | 'tokenLabel'>, pin: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      'pkcs11-tool',
      ['--module', member.pkcs11Module, '--token-label', member.tokenLabel, '--login', '--pin', pin, '--list-objects'],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (error, out) => (error ? reject(new Error(`pkcs11-tool could not list the objects of ${member.tokenLabel} (${error.code})`)) : resolve(out)),
    );
  });
}
