// Check values (KCV) and sizes of secret keys. A KCV is the standard PKCS#11 one: the first three
// bytes of AES-ECB(key, zero block) for AES, of SHA-1(key) for a generic secret. The module's
// CKA_CHECK_VALUE is used when it has one; SoftHSM leaves it (and CKA_VALUE_LEN) empty on
// unwrapped keys, so it is otherwise computed inside the HSM, the same way on every member.
import * as pkcs11 from 'pkcs11js';
import type { Handle, HsmSession } from './session';
import { sessionCheckValueCopyTemplate, sessionWrappingKeyTemplate } from './templates';

const WRAP_PAD: pkcs11.Mechanism = { mechanism: pkcs11.CKM_AES_KEY_WRAP_PAD };

export interface SecretKeyAttributes {
  keyType: 'aes' | 'generic-secret';
  checkValue?: Buffer;
  valueLen?: number;
  extractable: boolean;
  canEncrypt: boolean;
}

/**
 * Computes what the module does not tell. An extractable key is copied inside the HSM through a
 * throw-away session key (its wrapped length gives the size; the session copy may encrypt one
 * zero block), so a wrap-only key such as the KTK gets the same KCV as its CKA_CHECK_VALUE elsewhere.
 */
export class CheckValueCalculator {
  private wrappingKey: Handle | undefined;

  constructor(private readonly session: HsmSession) {}

  facts(key: Handle, attrs: SecretKeyAttributes): { kcv?: string; sizeBits?: number } {
    let kcv = attrs.checkValue && attrs.checkValue.length > 0 ? attrs.checkValue.toString('hex') : undefined;
    let sizeBits = attrs.valueLen ? attrs.valueLen * 8 : undefined;
    if (kcv && sizeBits) return { kcv, sizeBits };
    const { lib, handle } = this.session;
    let wrapped: Buffer | undefined;
    if (attrs.extractable) {
      wrapped = attempt(() => lib.C_WrapKey(handle, WRAP_PAD, this.wrapper(), key, Buffer.alloc(1024)));
      // RFC 5649 output is the key padded to 8 bytes plus an 8-byte integrity block: exact for AES and for whole-word secrets.
      if (wrapped) sizeBits ??= (wrapped.length - 8) * 8;
    }
    if (!kcv) {
      if (attrs.keyType === 'generic-secret') kcv = attempt(() => this.digestKeyKcv(key));
      else if (attrs.canEncrypt) kcv = attempt(() => this.aesKcv(key));
      if (!kcv && attrs.keyType === 'aes' && wrapped) kcv = attempt(() => this.aesKcvOfCopy(wrapped));
    }
    return { ...(kcv ? { kcv } : {}), ...(sizeBits ? { sizeBits } : {}) };
  }

  dispose(): void {
    if (this.wrappingKey) {
      this.session.destroy(this.wrappingKey);
      this.wrappingKey = undefined;
    }
  }

  private wrapper(): Handle {
    this.wrappingKey ??= this.session.lib.C_GenerateKey(this.session.handle, { mechanism: pkcs11.CKM_AES_KEY_GEN }, sessionWrappingKeyTemplate());
    return this.wrappingKey;
  }

  private aesKcv(key: Handle): string {
    const { lib, handle } = this.session;
    lib.C_EncryptInit(handle, { mechanism: pkcs11.CKM_AES_ECB }, key);
    return lib.C_Encrypt(handle, Buffer.alloc(16), Buffer.alloc(16)).subarray(0, 3).toString('hex');
  }

  private aesKcvOfCopy(wrapped: Buffer): string {
    const { lib, handle } = this.session;
    const copy = lib.C_UnwrapKey(handle, WRAP_PAD, this.wrapper(), wrapped, sessionCheckValueCopyTemplate('aes'));
    try {
      return this.aesKcv(copy);
    } finally {
      this.session.destroy(copy);
    }
  }

  private digestKeyKcv(key: Handle): string {
    const { lib, handle } = this.session;
    lib.C_DigestInit(handle, { mechanism: pkcs11.CKM_SHA_1 });
    lib.C_DigestKey(handle, key);
    return lib.C_DigestFinal(handle, Buffer.alloc(20)).subarray(0, 3).toString('hex');
  }
}

/**
 * A key's policy may forbid a way of computing its facts (CKA_WRAP_WITH_TRUSTED, allowed
 * mechanisms, an HSM that will not digest a sensitive key): the fact is then unknown, never
 * invented, and one such key does not fail the listing of the others.
 */
function attempt<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (error) {
    if (error instanceof pkcs11.Pkcs11Error) return undefined;
    throw error;
  }
}
