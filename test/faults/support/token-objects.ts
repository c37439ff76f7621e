// Counts the objects on a token by class and CKA_ID with pkcs11-tool, in its own process: an
// independent witness that no key was duplicated (libs/hsm's inventory groups by id, so it would
// hide a second copy).
import { execFile } from 'node:child_process';
import type { MemberConfig } from '../../../libs/config/types';

export type ObjectCounts = Map<string, number>;

/** `env`: pkcs11-tool's environment (a member's own SOFTHSM2_CONF); default this process's. */
export async function countTokenObjects(member: Pick<MemberConfig, 'pkcs11Module' | 'tokenLabel'>, pin: string, env: NodeJS.ProcessEnv = process.env): Promise<ObjectCounts> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'pkcs11-tool',
      ['--module', member.pkcs11Module, '--token-label', member.tokenLabel, '--login', '--pin', pin, '--list-objects'],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (error, out) => (error ? reject(new Error(`pkcs11-tool could not list the objects of ${member.tokenLabel} (${error.code})`)) : resolve(out)),
    );
  });
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
