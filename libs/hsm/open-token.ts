// Opens a member's token: the module once per path, the token by label (slots are renumbered on
// every init), the PIN from its source, and a login that counts "already logged in" as success.
import * as pkcs11 from 'pkcs11js';
import { HsmError, hasCkr, toHsmError } from './errors';
import { acquireModule } from './module-registry';
import type { ModuleLease } from './module-registry';
import { readPin } from './pin';
import type { Handle } from './session';
import { Pkcs11Token } from './token';
import { readTokenProfile } from './token-profile';
import type { Token } from './token';
import type { TokenRef } from './types';

/** PKCS#11 token labels are 32 bytes, blank padded. */
function labelMatches(info: pkcs11.TokenInfo, label: string): boolean {
  return (info.flags & pkcs11.CKF_TOKEN_INITIALIZED) !== 0 && info.label.trimEnd() === label.slice(0, 32).trimEnd();
}

function findSlot(lease: ModuleLease, label: string): { slot?: Handle; labels: string[] } {
  const labels: string[] = [];
  for (const slot of lease.lib.C_GetSlotList(true)) {
    const info = lease.lib.C_GetTokenInfo(slot);
    if (labelMatches(info, label)) return { slot, labels };
    if ((info.flags & pkcs11.CKF_TOKEN_INITIALIZED) !== 0) labels.push(info.label.trimEnd());
  }
  return { labels };
}

export async function openToken(ref: TokenRef): Promise<Token> {
  const lease = acquireModule(ref.pkcs11Module, ref.pkcs11LibraryParameters);
  let session: Handle | undefined;
  try {
    const pin = await readPin(ref.pin, ref.tokenLabel);
    const found = findSlot(lease, ref.tokenLabel);
    if (!found.slot) {
      const seen = found.labels.length > 0 ? found.labels.map((label) => `"${label}"`).join(', ') : 'none';
      throw new HsmError(
        'token-not-found',
        `No token labelled "${ref.tokenLabel}" in ${ref.pkcs11Module} (tokens seen: ${seen}): check the label in the member configuration; a token created while this process had tokens of that module open is seen once they are all closed (or after a restart).`,
      );
    }
    session = lease.lib.C_OpenSession(found.slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
    try {
      lease.lib.C_Login(session, pkcs11.CKU_USER, pin);
    } catch (error) {
      if (!hasCkr(error, pkcs11.CKR_USER_ALREADY_LOGGED_IN)) throw error;
    }
    return new Pkcs11Token(lease, found.slot, ref.tokenLabel, session, readTokenProfile(lease.lib, found.slot, ref.wrapMechanisms));
  } catch (error) {
    if (session) {
      try {
        lease.lib.C_CloseSession(session);
      } catch {
        // Already gone.
      }
    }
    lease.release();
    throw toHsmError(error, 'open', ref.tokenLabel);
  }
}
