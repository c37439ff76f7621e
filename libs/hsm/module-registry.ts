// One loaded and initialized PKCS#11 module per module path in this process, shared by every open
// token and reference counted. The module is finalized only by whoever initialized it: if another
// library in the process already did (CKR_CRYPTOKI_ALREADY_INITIALIZED), it is left alone.
// Initialized when the first token of a module opens, finalized when the last one closes: SoftHSM
// lists tokens as they were at C_Initialize, so a token created meanwhile is seen from the next
// first open. Re-initializing under open tokens would kill their sessions, so it is never done.
import * as pkcs11 from 'pkcs11js';
import { HsmError, hasCkr } from './errors';

interface LoadedModule {
  lib: pkcs11.PKCS11;
  refs: number;
  /** True when this registry called C_Initialize successfully, so it owns C_Finalize. */
  ownsInit: boolean;
}

const modules = new Map<string, LoadedModule>();

export interface ModuleLease {
  readonly lib: pkcs11.PKCS11;
  readonly modulePath: string;
  release(): void;
}

export function acquireModule(modulePath: string): ModuleLease {
  let entry = modules.get(modulePath);
  if (!entry) {
    const lib = new pkcs11.PKCS11();
    try {
      lib.load(modulePath);
    } catch {
      throw new HsmError('module-not-found', `The PKCS#11 module ${modulePath} cannot be loaded: check the module path in the member configuration and that the library is installed.`);
    }
    entry = { lib, refs: 0, ownsInit: false };
    modules.set(modulePath, entry);
  }
  if (entry.refs === 0) entry.ownsInit = initialize(entry.lib, modulePath);
  entry.refs += 1;
  const held = entry;
  let released = false;
  return {
    lib: held.lib,
    modulePath,
    release() {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs === 0 && held.ownsInit) {
        held.ownsInit = false;
        held.lib.C_Finalize();
      }
    },
  };
}

function initialize(lib: pkcs11.PKCS11, modulePath: string): boolean {
  try {
    // OS locking: the worker calls the module from libuv threads through the *Async variants.
    lib.C_Initialize({ flags: pkcs11.CKF_OS_LOCKING_OK });
    return true;
  } catch (error) {
    if (hasCkr(error, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) return false;
    throw new HsmError('device-error', `C_Initialize of ${modulePath} failed: check the module's own configuration (for SoftHSM2, SOFTHSM2_CONF and its tokens directory).`, { cause: error });
  }
}
