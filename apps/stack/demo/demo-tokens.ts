// The demo's three tokens (DESIGN section 8): node1, the founder, with the cluster transfer
// secrets and a few CA-like keys; node2 holding the same secrets, received the way a joining member
// receives them (RSA-OAEP under its own transport key); node3 fresh and empty. All SoftHSM, or with
// KEYSYNC_DEMO_HSM=mixed node3 a Kryoptic token (DESIGN 16), so its join and every sync to it cross
// implementations: SoftHSM wraps aes-kwp with 0x210A, Kryoptic unwraps it with 0x210B, and the
// join's RSA-OAEP falls back to SHA-1, all SoftHSM has.
import { join } from 'node:path';
import { initSoftHsmToken, negotiateOaepHash, openToken, prepareSoftHsm, provisionTokens } from '../../../libs/hsm';
import type { SoftHsmSetup, Token } from '../../../libs/hsm';
import type { MemberConfig } from '../../../libs/config/types';
import type { ClusterSecretsKcv, KeyGroup } from '../../../libs/hsm/types';
import { randomPin } from './demo-identities';
import { writeSecretFile } from './secret-file';

export const DEMO_MEMBER_IDS = ['node1', 'node2', 'node3'] as const;

/** `softhsm`: three SoftHSM tokens; `mixed`: node3 on Kryoptic. Chosen by KEYSYNC_DEMO_HSM at the first start. */
export const demoHsmModes = ['softhsm', 'mixed'] as const;
export type DemoHsm = (typeof demoHsmModes)[number];

/** KEYSYNC_DEMO_HSM, or an error that says what it may be. Unset or empty: softhsm. */
export function demoHsmFromEnv(env: NodeJS.ProcessEnv = process.env): DemoHsm {
  const value = env.KEYSYNC_DEMO_HSM ?? '';
  if (value === '') return 'softhsm';
  if ((demoHsmModes as readonly string[]).includes(value)) return value as DemoHsm;
  throw new Error(`KEYSYNC_DEMO_HSM=${value} is not known: use "mixed" (node3 on a Kryoptic token) or "softhsm" (the default, three SoftHSM tokens).`);
}

/** Keys a CA would have on its HSM; all extractable, so they can be synced. */
const DEMO_KEYS = [
  { keyType: 'rsa', size: 2048, label: 'ManagementCA signKey', id: '4d43000000000001' },
  { keyType: 'ec', curve: 'P-256', label: 'IssuingCA signKey', id: '4943000000000001' },
  { keyType: 'aes', size: 256, label: 'DatabaseProtection key', id: '4450000000000001' },
] as const;

/** The founder's part of the demo: the cluster transfer secrets and the demo keys, made on its token. */
export async function createFounderMaterial(founder: Token): Promise<{ secrets: ClusterSecretsKcv; founderKeys: KeyGroup[] }> {
  const secrets = await founder.createClusterSecrets();
  const founderKeys: KeyGroup[] = [];
  for (const key of DEMO_KEYS) {
    founderKeys.push(await founder.generateKey({ ...key, extractable: true }));
  }
  return { secrets, founderKeys };
}

export interface DemoTokens {
  hsm: DemoHsm;
  setup: SoftHsmSetup;
  /** Each with the environment its module reads (SOFTHSM2_CONF, KRYOPTIC_CONF), so pkcs11-tool can be pointed at any of them. */
  members: Array<MemberConfig & { pinValue: string; environment: Record<string, string> }>;
  secrets: ClusterSecretsKcv;
  founderKeys: KeyGroup[];
}

/**
 * Writes softhsm2.conf and tokens/ into `home`, initialises the three tokens with random PINs
 * (written to `<pinsDir>/<member>.pin`), and puts the cluster secrets and demo keys on them; in the
 * mixed demo node3's token is Kryoptic's, under `home/kryoptic/` (its KRYOPTIC_CONF there).
 * Sets SOFTHSM2_CONF (and KRYOPTIC_CONF) for this process, as the modules read them when first loaded.
 */
export async function createDemoTokens(home: string, pinsDir: string, hsm: DemoHsm = 'softhsm'): Promise<DemoTokens> {
  const setup = prepareSoftHsm(home);
  process.env.SOFTHSM2_CONF = setup.confPath;

  const members: DemoTokens['members'] = [];
  for (const id of DEMO_MEMBER_IDS) {
    const pinValue = randomPin();
    const pinFile = join(pinsDir, `${id}.pin`);
    writeSecretFile(pinFile, pinValue);
    if (hsm === 'mixed' && id === 'node3') {
      const kryoptic = await provisionTokens('kryoptic', join(home, 'kryoptic'), [{ label: id, userPin: pinValue }]);
      Object.assign(process.env, kryoptic.environment);
      members.push({ id, pkcs11Module: kryoptic.pkcs11Module, tokenLabel: id, pin: { file: pinFile }, pinValue, environment: kryoptic.environment });
      continue;
    }
    await initSoftHsmToken(setup, id, pinValue, randomPin()); // the SO PIN is not needed again
    members.push({ id, pkcs11Module: setup.modulePath, tokenLabel: id, pin: { file: pinFile }, pinValue, environment: { SOFTHSM2_CONF: setup.confPath } });
  }

  const [founderMember, joinedMember] = members;
  if (!founderMember || !joinedMember) throw new Error('the demo needs node1 and node2');
  const founder = await openToken({ pkcs11Module: setup.modulePath, tokenLabel: founderMember.tokenLabel, pin: founderMember.pin });
  try {
    const { secrets, founderKeys } = await createFounderMaterial(founder);

    const joined = await openToken({ pkcs11Module: setup.modulePath, tokenLabel: joinedMember.tokenLabel, pin: joinedMember.pin });
    try {
      const transportKey = await joined.createTransportKey();
      const { blob } = await founder.wrapClusterSecretsForTransport(transportKey.publicKeyDer, negotiateOaepHash(founder.capabilities().oaepHashes, transportKey.oaepHashes));
      const received = await joined.unwrapClusterSecretsFromTransport(blob);
      if (received.ktkKcv !== secrets.ktkKcv || received.pmkKcv !== secrets.pmkKcv) {
        throw new Error('node2 unwrapped cluster secrets whose check values differ from node1\'s: the demo state is not usable; delete it and start again.');
      }
    } finally {
      await joined.close();
    }
    return { hsm, setup, members, secrets, founderKeys };
  } finally {
    await founder.close();
  }
}
