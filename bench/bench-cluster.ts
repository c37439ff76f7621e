// The bench's tokens: a founder with K keys (EC P-256 and RSA-2048, the RSA ones first) and the
// cluster secrets, N stack targets and (unless told not to) N baseline targets that received the
// secrets through the join path. Setup, not measured.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemberConfig } from '../libs/config/types';
import { initSoftHsmToken, negotiateOaepHash, openToken, prepareSoftHsm } from '../libs/hsm';
import type { SoftHsmSetup, Token } from '../libs/hsm';

export interface BenchToken {
  member: MemberConfig;
  pin: string;
}

export interface BenchCluster {
  setup: SoftHsmSetup;
  founder: BenchToken;
  stackTargets: BenchToken[];
  baselineTargets: BenchToken[];
  keys: { idHex: string; keyType: 'ec' | 'rsa' }[];
}

async function withToken<T>(token: BenchToken, use: (open: Token) => Promise<T>): Promise<T> {
  const open = await openToken(token.member);
  try {
    return await use(open);
  } finally {
    await open.close();
  }
}

export async function createBenchCluster(dir: string, options: { keys: number; rsaKeys: number; members: number; baselineTargets: boolean }, progress: (line: string) => void): Promise<BenchCluster> {
  const setup = prepareSoftHsm(dir);
  // SoftHSM reads its config at the first C_Initialize, which comes later in this process.
  process.env.SOFTHSM2_CONF = setup.confPath;
  mkdirSync(join(dir, 'pins'), { recursive: true });
  const make = async (id: string): Promise<BenchToken> => {
    const pin = randomBytes(8).toString('hex');
    const label = `bench-${id}`;
    await initSoftHsmToken(setup, label, pin, randomBytes(8).toString('hex'));
    const pinFile = join(dir, 'pins', id);
    writeFileSync(pinFile, pin, { mode: 0o600 });
    return { member: { id, pkcs11Module: setup.modulePath, tokenLabel: label, pin: { file: pinFile } }, pin };
  };
  // Every token exists before the first is opened: SoftHSM lists tokens as they were at C_Initialize.
  const founder = await make('founder');
  const stackTargets: BenchToken[] = [];
  const baselineTargets: BenchToken[] = [];
  for (let index = 1; index <= options.members; index += 1) stackTargets.push(await make(`member-${index}`));
  if (options.baselineTargets) for (let index = 1; index <= options.members; index += 1) baselineTargets.push(await make(`baseline-${index}`));

  await withToken(founder, (token) => token.createClusterSecrets());
  for (const target of [...stackTargets, ...baselineTargets]) {
    const transport = await withToken(target, (token) => token.createTransportKey());
    const wrapped = await withToken(founder, (token) => token.wrapClusterSecretsForTransport(transport.publicKeyDer, negotiateOaepHash(token.capabilities().oaepHashes, transport.oaepHashes)));
    await withToken(target, (token) => token.unwrapClusterSecretsFromTransport(wrapped.blob));
  }

  const keys: BenchCluster['keys'] = [];
  await withToken(founder, async (token) => {
    for (let index = 0; index < options.keys; index += 1) {
      const keyType = index < options.rsaKeys ? 'rsa' : 'ec';
      const idHex = (0x100000 + index).toString(16);
      await token.generateKey(keyType === 'rsa' ? { keyType, size: 2048, label: `bench-rsa-${index}`, id: idHex } : { keyType, curve: 'P-256', label: `bench-ec-${index}`, id: idHex });
      keys.push({ idHex, keyType });
      if ((index + 1) % 50 === 0) progress(`generated ${index + 1}/${options.keys} keys`);
    }
  });
  return { setup, founder, stackTargets, baselineTargets, keys };
}
