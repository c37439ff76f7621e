// A PKCS#11 session with typed helpers for finding objects and reading attributes. One session
// carries one operation at a time (PKCS#11 allows one active crypto operation per session), so
// Token opens one per call and closes it in finally.
import * as pkcs11 from 'pkcs11js';
import { createObjectOffThread } from './create-object-thread';
import { hasCkr } from './errors';
import type { TokenProfile } from './token-profile';

export type Handle = Buffer;

/** Reads of one object before CKR_OBJECT_HANDLE_INVALID is believed. */
const STALE_HANDLE_READS = 3;

export class HsmSession {
  constructor(
    readonly lib: pkcs11.PKCS11,
    readonly handle: Handle,
    /** What the token is and which mechanism it uses for each wrap format: read once when it opened. */
    readonly profile: TokenProfile,
    /** The module's path, for the thread that creates objects (create-object-thread.ts). */
    readonly modulePath: string,
  ) {}

  find(template: pkcs11.Template): Handle[] {
    this.lib.C_FindObjectsInit(this.handle, template);
    try {
      const found: Handle[] = [];
      for (;;) {
        const batch = this.lib.C_FindObjects(this.handle, 256);
        if (batch.length === 0) return found;
        found.push(...batch);
      }
    } finally {
      this.lib.C_FindObjectsFinal(this.handle);
    }
  }

  /** Reads attributes; one that the object lacks or keeps secret is left out instead of failing the rest. */
  read(object: Handle, types: readonly number[]): Map<number, Buffer> {
    const all = this.readAll(object, types);
    if (all) return all;
    const values = new Map<number, Buffer>();
    for (const type of types) {
      try {
        const [attr] = this.getAttributes(object, [{ type }]);
        if (attr) values.set(type, attr.value);
      } catch (error) {
        if (!hasCkr(error, pkcs11.CKR_ATTRIBUTE_TYPE_INVALID) && !hasCkr(error, pkcs11.CKR_ATTRIBUTE_SENSITIVE)) throw error;
      }
    }
    return values;
  }

  /** Reads attributes in one call; undefined when the object lacks one of them or keeps it secret. */
  readAll(object: Handle, types: readonly number[]): Map<number, Buffer> | undefined {
    try {
      return new Map(this.getAttributes(object, types.map((type) => ({ type }))).map((attr) => [attr.type, attr.value]));
    } catch (error) {
      if (!hasCkr(error, pkcs11.CKR_ATTRIBUTE_TYPE_INVALID) && !hasCkr(error, pkcs11.CKR_ATTRIBUTE_SENSITIVE)) throw error;
      return undefined;
    }
  }

  /**
   * C_GetAttributeValue, asked again when the module calls a handle invalid. SoftHSM 2.6's file
   * store can show this process one of its objects as invalid for one read while another process
   * uses the token (see concurrent-reader.test.ts); the next read finds it again. An object that is
   * really gone stays invalid, and the error goes on.
   */
  private getAttributes(object: Handle, template: pkcs11.Template): ReturnType<pkcs11.PKCS11['C_GetAttributeValue']> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return this.lib.C_GetAttributeValue(this.handle, object, template);
      } catch (error) {
        if (attempt >= STALE_HANDLE_READS || !hasCkr(error, pkcs11.CKR_OBJECT_HANDLE_INVALID)) throw error;
      }
    }
  }

  /** C_CreateObject on the create thread, so the event loop goes on meanwhile: for creates made in bulk (an import's). */
  createObject(template: pkcs11.Template): Promise<Handle> {
    return createObjectOffThread(this.modulePath, this.handle, template);
  }

  destroy(object: Handle): void {
    this.lib.C_DestroyObject(this.handle, object);
  }
}

export function asBool(value: Buffer | undefined): boolean | undefined {
  return value === undefined || value.length === 0 ? undefined : value[0] !== 0;
}

/** CK_ULONG in host byte order (little-endian on the platforms this runs on). */
export function asUlong(value: Buffer | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined;
  return Number(value.length >= 8 ? value.readBigUInt64LE(0) : BigInt(value.readUIntLE(0, value.length)));
}

export function asText(value: Buffer | undefined): string {
  return value === undefined ? '' : value.toString('utf8');
}
