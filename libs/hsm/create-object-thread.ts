// C_CreateObject off the event loop. pkcs11js has *Async variants for the long cryptographic calls
// (unwrap, sign) but none for C_CreateObject, and an import makes one or two per key: the public key
// object and the certificate. On SoftHSM each writes a file (5 to 7 ms measured under a sync's
// load), and made on the event loop, thousands of them held up everything else the worker did
// meanwhile: other agents' imports, heartbeats, and the Temporal worker's own tasks, whose delay
// the next member's import then waited for (DESIGN 12).
//
// One thread per process makes them, one at a time, in the order asked: the HSM sees one create at
// a time, as when they were made on the event loop, which is left free for everything else. The
// thread loads the module itself: dlopen gives it the same library, already initialized, and a
// session handle is valid in every thread of the process. It never initializes or finalizes the
// module (module-registry.ts owns that) and never logs in; it only creates, in the caller's session.
import { Worker } from 'node:worker_threads';
import * as pkcs11 from 'pkcs11js';
import type { Handle } from './session';

/** A create the thread was asked for, answered by its id. */
interface CreateRequest {
  id: number;
  modulePath: string;
  session: Handle;
  template: pkcs11.Template;
}

/** The thread's answer: the new object's handle, or the module's refusal as its CKR code. */
interface CreateAnswer {
  id: number;
  handle?: Uint8Array;
  error?: { message: string; code?: number };
}

// Plain JavaScript, evaluated as the thread's script: it runs the same from the compiled build and
// under the test runner, which does not compile a worker's own file. pkcs11js throws either a
// Pkcs11Error (a code) or, for C_CreateObject, an Error whose message is "CKR_NAME:code" (errors.ts).
const THREAD_SCRIPT = `
const { parentPort } = require('node:worker_threads');
const pkcs11 = require(${JSON.stringify(require.resolve('pkcs11js'))});
const modules = new Map();
const asBuffer = (value) => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);
parentPort.on('message', ({ id, modulePath, session, template }) => {
  try {
    let lib = modules.get(modulePath);
    if (!lib) {
      lib = new pkcs11.PKCS11();
      lib.load(modulePath);
      modules.set(modulePath, lib);
    }
    const handle = lib.C_CreateObject(asBuffer(session), template.map(({ type, value }) => ({ type, value: asBuffer(value) })));
    parentPort.postMessage({ id, handle });
  } catch (error) {
    const code = typeof error.code === 'number' ? error.code : undefined;
    parentPort.postMessage({ id, error: { message: String(error.message), ...(code === undefined ? {} : { code }) } });
  }
});
`;

let thread: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (handle: Handle) => void; reject: (error: Error) => void }>();

/**
 * Creates an object in `session` (opened on the module at `modulePath` in this process) on the
 * create thread. Rejects with the module's CKR code as a synchronous C_CreateObject would throw it.
 */
export function createObjectOffThread(modulePath: string, session: Handle, template: pkcs11.Template): Promise<Handle> {
  const worker = (thread ??= startThread());
  const id = nextId++;
  return new Promise<Handle>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // The thread is unreferenced while idle (it must not keep a finished process alive), referenced while a create is owed.
    if (pending.size === 1) worker.ref();
    const request: CreateRequest = { id, modulePath, session, template };
    try {
      worker.postMessage(request);
    } catch (error) {
      // A template the thread cannot be sent (a value that does not clone) is a bug of the caller's: nothing is owed for it.
      settle({ id, error: { message: error instanceof Error ? error.message : String(error) } });
    }
  });
}

function startThread(): Worker {
  // Its only work is one call and a message per create: a small heap is plenty.
  const worker = new Worker(THREAD_SCRIPT, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } });
  worker.unref();
  worker.on('message', (answer: CreateAnswer) => settle(answer));
  // A thread that failed or ended owes its creates an answer: each is rejected (the import, idempotent, can run again), and the next create starts a new thread.
  const lost = (error: Error) => {
    if (thread === worker) thread = undefined;
    for (const [id, { reject }] of pending) {
      pending.delete(id);
      reject(error);
    }
  };
  worker.on('error', (error) => lost(new Error(`The thread that creates PKCS#11 objects failed: ${error.message}`)));
  worker.on('exit', (code) => lost(new Error(`The thread that creates PKCS#11 objects ended (exit code ${code}).`)));
  return worker;
}

function settle({ id, handle, error }: CreateAnswer): void {
  const owed = pending.get(id);
  if (!owed) return;
  pending.delete(id);
  if (pending.size === 0) thread?.unref();
  if (handle) owed.resolve(Buffer.from(handle));
  else if (error?.code !== undefined) owed.reject(new pkcs11.Pkcs11Error(error.message, error.code, 'C_CreateObject'));
  else owed.reject(new Error(error?.message ?? 'C_CreateObject gave no answer'));
}
