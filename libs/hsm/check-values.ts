// Check values (KCV) and sizes of secret keys. A KCV is the standard PKCS#11 one: the first three
// bytes of AES-ECB(key, zero block) for AES, of SHA-1(key) for a generic secret. The module's
// CKA_CHECK_VALUE is used when it has one; SoftHSM leaves it (and CKA_VALUE_LEN) empty on
// unwrapped keys, and NSS and Kryoptic have none for these keys, so it is otherwise computed
// inside the HSM, the same way on every member. A key is copied inside the HSM with the token's
// own mechanism for a wrap format (token-profile.ts), never a mechanism number taken for granted.
// The HMAC check value of a generic secret (the proof a package carries for it, DESIGN 16) is
// computed here too: HMAC-SHA256 over a fixed label, by the key itself, inside the HSM.
import * as pkcs11 from 'pkcs11js';
import type { WrapFormat } from '../contract/hsm-capabilities';
import { isPkcs11Failure } from './errors';
import type { Handle, HsmSession } from './session';
import { sessionCheckValueCopyTemplate, sessionWrappingKeyTemplate } from './templates';

/** What the HMAC check value of a generic secret is computed over: fixed, so every member gets the same value for the same key. */
const HMAC_CHECK_LABEL = Buffer.from('keysync.ksp/2 HMAC check value', 'utf8');
/** Bytes of the HMAC kept as the check value: enough to tell keys apart, too few to stand for the key. */
const HMAC_CHECK_BYTES = 8;

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
  private readonly copyFormat: WrapFormat | undefined;

  constructor(private readonly session: HsmSession) {
    // RFC 5649 first: its output length tells the key's size; any format copies a key.
    this.copyFormat = session.profile.capabilities.wrapFormats[0];
  }

  facts(key: Handle, attrs: SecretKeyAttributes): { kcv?: string; sizeBits?: number } {
    let kcv = attrs.checkValue && attrs.checkValue.length > 0 ? attrs.checkValue.toString('hex') : undefined;
    let sizeBits = attrs.valueLen ? attrs.valueLen * 8 : undefined;
    if (kcv && sizeBits) return { kcv, sizeBits };
    const { lib, handle } = this.session;
    let wrapped: Buffer | undefined;
    const copy = this.copyMechanism();
    if (attrs.extractable && copy) {
      wrapped = attempt(() => lib.C_WrapKey(handle, copy, this.wrapper(), key, Buffer.alloc(1024)));
      // RFC 5649 output is the key padded to 8 bytes plus an 8-byte integrity block: exact for AES and for whole-word secrets.
      if (wrapped && this.copyFormat === 'aes-kwp') sizeBits ??= (wrapped.length - 8) * 8;
    }
    if (!kcv) {
      if (attrs.keyType === 'generic-secret') kcv = attempt(() => this.digestKeyKcv(key));
      else if (attrs.canEncrypt) kcv = attempt(() => this.aesKcv(key));
      if (!kcv && attrs.keyType === 'aes' && wrapped) kcv = attempt(() => this.aesKcvOfCopy(wrapped));
    }
    return { ...(kcv ? { kcv } : {}), ...(sizeBits ? { sizeBits } : {}) };
  }

  /**
   * The HMAC check value of a generic secret, hex: by the key itself when it may sign, else by a
   * session copy allowed to (the key must then be extractable). Undefined when neither is possible.
   */
  hmacCheckValue(key: Handle, attrs: { canSign: boolean; extractable: boolean }): string | undefined {
    if (attrs.canSign) {
      const direct = attempt(() => this.hmacOf(key));
      if (direct) return direct;
    }
    const copy = this.copyMechanism();
    if (!attrs.extractable || !copy) return undefined;
    const { lib, handle } = this.session;
    const wrapped = attempt(() => lib.C_WrapKey(handle, copy, this.wrapper(), key, Buffer.alloc(1024)));
    if (!wrapped) return undefined;
    return attempt(() => {
      const signer = lib.C_UnwrapKey(handle, copy, this.wrapper(), wrapped, sessionCheckValueCopyTemplate('generic-secret', 'sign'));
      try {
        return this.hmacOf(signer);
      } finally {
        this.session.destroy(signer);
      }
    });
  }

  /** Runs `use` on a session copy of an extractable key made from `template`, destroyed after; undefined when the HSM will not copy it. */
  async withSessionCopy<T>(key: Handle, template: pkcs11.Template, use: (copy: Handle) => Promise<T>): Promise<T | undefined> {
    const mechanism = this.copyMechanism();
    if (!mechanism) return undefined;
    const { lib, handle } = this.session;
    const wrapped = attempt(() => lib.C_WrapKey(handle, mechanism, this.wrapper(), key, Buffer.alloc(16384)));
    const copy = wrapped && attempt(() => lib.C_UnwrapKey(handle, mechanism, this.wrapper(), wrapped, template));
    if (!copy) return undefined;
    try {
      return await use(copy);
    } finally {
      this.session.destroy(copy);
    }
  }

  dispose(): void {
    if (this.wrappingKey) {
      this.session.destroy(this.wrappingKey);
      this.wrappingKey = undefined;
    }
  }

  private copyMechanism(): pkcs11.Mechanism | undefined {
    const mechanism = this.copyFormat ? this.session.profile.wrapMechanisms[this.copyFormat] : undefined;
    return mechanism === undefined ? undefined : { mechanism };
  }

  private hmacOf(key: Handle): string {
    const { lib, handle } = this.session;
    lib.C_SignInit(handle, { mechanism: pkcs11.CKM_SHA256_HMAC }, key);
    return lib.C_Sign(handle, HMAC_CHECK_LABEL, Buffer.alloc(32)).subarray(0, HMAC_CHECK_BYTES).toString('hex');
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
    const mechanism = this.copyMechanism();
    if (!mechanism) throw new Error('unreachable: a wrapped copy implies a copy mechanism');
    const copy = lib.C_UnwrapKey(handle, mechanism, this.wrapper(), wrapped, sessionCheckValueCopyTemplate('aes', 'encrypt'));
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
    if (isPkcs11Failure(error)) return undefined;
    throw error;
  }
}
