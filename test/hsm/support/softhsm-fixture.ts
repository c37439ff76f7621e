// Fresh SoftHSM2 tokens for one test file: a private config and tokens folder under the OS temp
// dir, SOFTHSM2_CONF set before any token is opened, PINs handed over through env variables.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSoftHsmToken, negotiateOaepHash, openToken, prepareSoftHsm } from '../../../libs/hsm';
import type { SoftHsmSetup, Token, TokenRef } from '../../../libs/hsm';

export interface SoftHsmFixture {
  dir: string;
  setup: SoftHsmSetup;
  /** Creates a token and returns how to open it; the PIN sits in a fresh env variable. */
  createToken(label: string): Promise<TokenRef & { pinValue: string }>;
  open(ref: TokenRef): Promise<Token>;
  dispose(): Promise<void>;
}

export function createSoftHsmFixture(name: string): SoftHsmFixture {
  const dir = mkdtempSync(join(tmpdir(), `keysync-${name}-`));
  const setup = prepareSoftHsm(dir);
  process.env.SOFTHSM2_CONF = setup.confPath;
  const opened: Token[] = [];
  let counter = 0;
  return {
    dir,
    setup,
    async createToken(label) {
      const pinValue = `pin-${randomBytes(6).toString('hex')}`;
      await initSoftHsmToken(setup, label, pinValue, `so-${randomBytes(6).toString('hex')}`);
      counter += 1;
      const envName = `KEYSYNC_TEST_PIN_${process.pid}_${counter}`;
      process.env[envName] = pinValue;
      return { pkcs11Module: setup.modulePath, tokenLabel: label, pin: { env: envName }, pinValue };
    },
    async open(ref) {
      const token = await openToken(ref);
      opened.push(token);
      return token;
    },
    async dispose() {
      for (const token of opened) await token.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Founds a cluster on `founder` and joins `others` to it through the real transport path. */
export async function formCluster(founder: Token, others: Token[]): Promise<void> {
  await founder.createClusterSecrets();
  for (const member of others) {
    const transport = await member.createTransportKey();
    const { blob } = await founder.wrapClusterSecretsForTransport(transport.publicKeyDer, negotiateOaepHash(founder.capabilities().oaepHashes, transport.oaepHashes));
    await member.unwrapClusterSecretsFromTransport(blob);
  }
}
