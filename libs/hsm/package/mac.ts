// The package MAC: HMAC-SHA256 by the PMK, always computed inside the HSM.
import * as pkcs11 from 'pkcs11js';
import type { Handle, HsmSession } from '../session';

export async function packageMac(session: HsmSession, pmk: Handle, data: Buffer): Promise<Buffer> {
  session.lib.C_SignInit(session.handle, { mechanism: pkcs11.CKM_SHA256_HMAC }, pmk);
  return session.lib.C_SignAsync(session.handle, data, Buffer.alloc(32));
}
