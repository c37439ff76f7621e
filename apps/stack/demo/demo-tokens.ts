// The demo's three SoftHSM tokens (DESIGN section 8): node1, the founder, with the cluster
// transfer secrets and a few CA-like keys; node2 holding the same secrets, received the way a
// joining member receives them (RSA-OAEP under its own transport key); node3 fresh and empty.
import { join } from 'node:path';
import { initSoftHsmToken, negotiateOaepHash, openToken, prepareSoftHsm } from '../../../libs/hsm';
import type { SoftHsmSetup, Token } from '../../../libs/hsm';
import type { MemberConfig } from '../../../libs/config/types';
import type { ClusterSecretsKcv, KeyGroup } from '../../../libs/hsm/types';
import { randomPin } from './demo-identities';
import { writeSecretFile } from './secret-file';

export const DEMO_MEMBER_IDS = ['node1', 'node2', 'node3'] as const;

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
  setup: SoftHsmSetup;
  members: Array<MemberConfig & { pinValue: string }>;
  secrets: ClusterSecretsKcv;
  founderKeys: KeyGroup[];
}

/**
 * Writes softhsm2.conf and tokens/ into `home`, initialises the three tokens with random PINs
 * (written to `<pinsDir>/<member>.pin`), and puts the cluster secrets and demo keys on them.
 * Sets SOFTHSM2_CONF for this process, as SoftHSM reads it when the module is first loaded.
 */
export async function createDemoTokens(home: string, pinsDir: string): Promise<DemoTokens> {
  const setup = prepareSoftHsm(home);
  process.env.SOFTHSM2_CONF = setup.confPath;

  const members: DemoTokens['members'] = [];
  for (const id of DEMO_MEMBER_IDS) {
    const pinValue = randomPin();
    const pinFile = join(pinsDir, `${id}.pin`);
    writeSecretFile(pinFile, pinValue);
    await initSoftHsmToken(setup, id, pinValue, randomPin()); // the SO PIN is not needed again
    members.push({ id, pkcs11Module: setup.modulePath, tokenLabel: id, pin: { file: pinFile }, pinValue });
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
    return { setup, members, secrets, founderKeys };
  } finally {
    await founder.close();
  }
}
