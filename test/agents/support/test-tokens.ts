// Real SoftHSM tokens for agent and fault tests: a private SoftHSM config in a temp folder, one
// token per member, PINs in files (as a member's configuration names them). SOFTHSM2_CONF is set
// for this process, and children inherit it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemberConfig } from '../../../libs/config/types';
import { initSoftHsmToken, prepareSoftHsm } from '../../../libs/hsm/softhsm';
import type { SoftHsmSetup } from '../../../libs/hsm/softhsm';

export interface TestTokens {
  setup: SoftHsmSetup;
  members: MemberConfig[];
  /** User PINs by member id: tests search histories for them, nothing else may hold them. */
  pins: Record<string, string>;
}

export function testPin(): string {
  // Distinctive enough that finding it in a history or a log cannot be a coincidence.
  return `pin${randomBytes(6).toString('hex')}`;
}

export async function createTestTokens(dir: string, memberIds: string[], labelPrefix = 'ks'): Promise<TestTokens> {
  const setup = prepareSoftHsm(dir);
  process.env.SOFTHSM2_CONF = setup.confPath;
  const pinsDir = join(dir, 'pins');
  mkdirSync(pinsDir, { recursive: true });
  const pins: Record<string, string> = {};
  const members: MemberConfig[] = [];
  for (const id of memberIds) {
    const pin = testPin();
    const label = `${labelPrefix}-${id}`;
    await initSoftHsmToken(setup, label, pin, testPin());
    const pinFile = join(pinsDir, id);
    writeFileSync(pinFile, pin, { mode: 0o600 });
    pins[id] = pin;
    members.push({ id, pkcs11Module: setup.modulePath, tokenLabel: label, pin: { file: pinFile } });
  }
  return { setup, members, pins };
}
