// Fresh tokens on any of the PKCS#11 implementations the suite runs on (SoftHSM, Kryoptic, NSS
// softoken), made through libs/hsm's one provisioning path: a private folder under the OS temp
// dir, the module's environment set in this process before any token opens, PINs handed over
// through env variables. Every implementation reads its configuration at C_Initialize, so a test
// file makes all its tokens in one createTokens call, before opening any.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hsmImplementations, implementationUnavailable, openToken, provisionTokens } from '../../../libs/hsm';
import type { HsmImplementation, ProvisionedModule, Token, TokenRef } from '../../../libs/hsm';

export type TestTokenRef = TokenRef & { pinValue: string };

export interface HsmFixture {
  implementation: HsmImplementation;
  dir: string;
  /** Makes these tokens (once per fixture) and returns how to open each. */
  createTokens(labels: readonly string[]): Promise<TestTokenRef[]>;
  /** The module settings a member configuration of these tokens needs (after createTokens). */
  module(): ProvisionedModule;
  open(ref: TokenRef): Promise<Token>;
  dispose(): Promise<void>;
}

/** Every implementation; `npm test` builds Kryoptic, and a missing one fails its tests with what to install. */
export const IMPLEMENTATIONS: readonly HsmImplementation[] = hsmImplementations;

let pinCounter = 0;

export function createHsmFixture(implementation: HsmImplementation, name: string): HsmFixture {
  const dir = mkdtempSync(join(tmpdir(), `keysync-${name}-${implementation}-`));
  const opened: Token[] = [];
  let provisioned: ProvisionedModule | undefined;
  return {
    implementation,
    dir,
    async createTokens(labels) {
      const unavailable = implementationUnavailable(implementation);
      if (unavailable) throw new Error(`${implementation} cannot run here: ${unavailable}`);
      if (provisioned) throw new Error('createTokens makes every token of the fixture at once; call it once, before opening any.');
      const tokens = labels.map((label) => ({ label, userPin: `pin-${randomBytes(6).toString('hex')}` }));
      provisioned = await provisionTokens(implementation, join(dir, 'tokens'), tokens);
      Object.assign(process.env, provisioned.environment);
      const module = provisioned;
      return tokens.map(({ label, userPin }) => {
        pinCounter += 1;
        const envName = `KEYSYNC_TEST_PIN_${process.pid}_${implementation}_${pinCounter}`;
        process.env[envName] = userPin;
        return {
          pkcs11Module: module.pkcs11Module,
          ...(module.pkcs11LibraryParameters !== undefined ? { pkcs11LibraryParameters: module.pkcs11LibraryParameters } : {}),
          tokenLabel: label,
          pin: { env: envName },
          pinValue: userPin,
        };
      });
    },
    module() {
      if (!provisioned) throw new Error('call createTokens first');
      return provisioned;
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
