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
  /** What C_Initialize was given as library parameters (NSS softoken's configdir and tokens), while initialized. */
  libraryParameters: string | undefined;
  /** True when this registry called C_Initialize successfully, so it owns C_Finalize. */
  ownsInit: boolean;
}

const modules = new Map<string, LoadedModule>();

export interface ModuleLease {
  readonly lib: pkcs11.PKCS11;
  readonly modulePath: string;
  release(): void;
}

/**
 * `libraryParameters`: the string some modules need at C_Initialize (NSS softoken: configdir and
 * tokens). One module is initialized once per process, so every token of it open at the same time
 * must name the same parameters; a different string is refused until the last of them closes.
 */
export function acquireModule(modulePath: string, libraryParameters?: string): ModuleLease {
  let entry = modules.get(modulePath);
  if (!entry) {
    const lib = new pkcs11.PKCS11();
    try {
      lib.load(modulePath);
    } catch {
      throw new HsmError('module-not-found', `The PKCS#11 module ${modulePath} cannot be loaded: check the module path in the member configuration and that the library is installed.`);
    }
    entry = { lib, refs: 0, ownsInit: false, libraryParameters: undefined };
    modules.set(modulePath, entry);
  }
  if (entry.refs === 0) {
    entry.ownsInit = initialize(entry.lib, modulePath, libraryParameters);
    entry.libraryParameters = libraryParameters;
  } else if (entry.libraryParameters !== libraryParameters) {
    throw new HsmError(
      'unsupported',
      `The PKCS#11 module ${modulePath} is already initialized in this process with other library parameters: members on one module in one process must give it the same pkcs11LibraryParameters (for NSS softoken, one configuration listing every token).`,
    );
  }
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

function initialize(lib: pkcs11.PKCS11, modulePath: string, libraryParameters: string | undefined): boolean {
  try {
    // OS locking: the worker calls the module from libuv threads through the *Async variants.
    lib.C_Initialize({ flags: pkcs11.CKF_OS_LOCKING_OK, ...(libraryParameters !== undefined ? { libraryParameters } : {}) });
    return true;
  } catch (error) {
    if (hasCkr(error, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) return false;
    throw new HsmError('device-error', `C_Initialize of ${modulePath} failed: check the module's own configuration (SoftHSM2: SOFTHSM2_CONF and its tokens directory; Kryoptic: KRYOPTIC_CONF; NSS softoken: pkcs11LibraryParameters).`, { cause: error });
  }
}

/** True while some token of the module is open in this process (its configuration can no longer change). */
export function moduleInUse(modulePath: string): boolean {
  return (modules.get(modulePath)?.refs ?? 0) > 0;
}
