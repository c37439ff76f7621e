// The baseline of `npm run bench`: the same wrap/unwrap work as a sync, done by a bare pkcs11js
// script with nothing around it (no Temporal, no package file, no verification). Run as its own
// process so its module initialisation is its own. Input: one JSON argument; output: one JSON line.
//
// Work per key: find the private key and its public key on the source (indexed once), wrap the private key under
// the KTK (in RFC 5649, with the token's own mechanism for it, as the HSM layer maps it); then on
// each target (targets in parallel, up to `parallelism`): unwrap it into a token object and create
// its public key object, as an import does.
import * as pkcs11 from 'pkcs11js';
import { readTokenProfile, wrapMechanism } from '../libs/hsm/token-profile';

export interface BaselineInput {
  module: string;
  source: { label: string; pin: string };
  targets: { label: string; pin: string }[];
  ktkIdHex: string;
  keys: { idHex: string; keyType: 'ec' | 'rsa' }[];
  parallelism: number;
}

export interface BaselineResult {
  wrapMs: number;
  unwrapMs: number;
  totalMs: number;
  /** CPU (user + system, every thread of this process) over totalMs. */
  cpuMs: number;
  keysUnwrapped: number;
}

interface Wrapped {
  idHex: string;
  keyType: 'ec' | 'rsa';
  wrapped: Buffer;
  publicTemplate: pkcs11.Template;
}

const lib = new pkcs11.PKCS11();

function findSlot(label: string): Buffer {
  const slot = lib.C_GetSlotList(true).find((candidate) => lib.C_GetTokenInfo(candidate).label.trimEnd() === label);
  if (!slot) throw new Error(`no token labelled ${label}`);
  return slot;
}

/** The token's mechanism for RFC 5649 (aes-kwp), as libs/hsm maps it, not a number taken for granted. */
function kwpMechanism(label: string): pkcs11.Mechanism {
  return wrapMechanism(readTokenProfile(lib, findSlot(label)), 'aes-kwp', label);
}

function openSession(label: string, pin: string): Buffer {
  const slot = findSlot(label);
  const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    lib.C_Login(session, pkcs11.CKU_USER, pin);
  } catch (error) {
    if (!(error instanceof pkcs11.Pkcs11Error && error.code === pkcs11.CKR_USER_ALREADY_LOGGED_IN)) throw error;
  }
  return session;
}

function findOne(session: Buffer, template: pkcs11.Template): Buffer {
  lib.C_FindObjectsInit(session, template);
  try {
    const [handle] = lib.C_FindObjects(session, 1);
    if (!handle) throw new Error('object not found');
    return handle;
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** Every object of a class by CKA_ID (hex), in one search: the way an efficient script finds many keys. */
function indexById(session: Buffer, objectClass: number): Map<string, Buffer> {
  const byId = new Map<string, Buffer>();
  lib.C_FindObjectsInit(session, [{ type: pkcs11.CKA_CLASS, value: objectClass }]);
  try {
    for (;;) {
      const batch = lib.C_FindObjects(session, 256);
      if (batch.length === 0) break;
      for (const handle of batch) {
        const [id] = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11.CKA_ID }]);
        if (id?.value) byId.set(Buffer.from(id.value).toString('hex'), handle);
      }
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
  return byId;
}

function publicKeyTemplate(session: Buffer, handle: Buffer, keyType: 'ec' | 'rsa', id: Buffer): pkcs11.Template {
  const wanted = keyType === 'ec' ? [pkcs11.CKA_EC_PARAMS, pkcs11.CKA_EC_POINT] : [pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT];
  const values = lib.C_GetAttributeValue(session, handle, wanted.map((type) => ({ type })));
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PUBLIC_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: keyType === 'ec' ? pkcs11.CKK_EC : pkcs11.CKK_RSA },
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_ID, value: id },
    { type: pkcs11.CKA_VERIFY, value: true },
    ...values.map(({ type, value }) => ({ type, value })),
  ];
}

async function unwrapAll(target: { label: string; pin: string }, ktkId: Buffer, keys: Wrapped[]): Promise<number> {
  const mechanism = kwpMechanism(target.label);
  const session = openSession(target.label, target.pin);
  try {
    const ktk = findOne(session, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY }, { type: pkcs11.CKA_ID, value: ktkId }]);
    for (const key of keys) {
      const id = Buffer.from(key.idHex, 'hex');
      await lib.C_UnwrapKeyAsync(session, mechanism, ktk, key.wrapped, [
        { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY },
        { type: pkcs11.CKA_KEY_TYPE, value: key.keyType === 'ec' ? pkcs11.CKK_EC : pkcs11.CKK_RSA },
        { type: pkcs11.CKA_TOKEN, value: true },
        { type: pkcs11.CKA_PRIVATE, value: true },
        { type: pkcs11.CKA_SENSITIVE, value: true },
        { type: pkcs11.CKA_EXTRACTABLE, value: true },
        { type: pkcs11.CKA_ID, value: id },
        { type: pkcs11.CKA_LABEL, value: `baseline-${key.idHex}` },
        { type: pkcs11.CKA_SIGN, value: true },
      ]);
      lib.C_CreateObject(session, key.publicTemplate);
    }
    return keys.length;
  } finally {
    lib.C_CloseSession(session);
  }
}

async function runBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function runBaseline(input: BaselineInput): Promise<BaselineResult> {
  lib.load(input.module);
  lib.C_Initialize({ flags: pkcs11.CKF_OS_LOCKING_OK });
  try {
    const ktkId = Buffer.from(input.ktkIdHex, 'hex');
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    const mechanism = kwpMechanism(input.source.label);
    const source = openSession(input.source.label, input.source.pin);
    const wrapped: Wrapped[] = [];
    try {
      const ktk = findOne(source, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_SECRET_KEY }, { type: pkcs11.CKA_ID, value: ktkId }]);
      const privateKeys = indexById(source, pkcs11.CKO_PRIVATE_KEY);
      const publicKeys = indexById(source, pkcs11.CKO_PUBLIC_KEY);
      for (const key of input.keys) {
        const id = Buffer.from(key.idHex, 'hex');
        const privateKey = privateKeys.get(key.idHex);
        const publicKey = publicKeys.get(key.idHex);
        if (!privateKey || !publicKey) throw new Error(`key ${key.idHex} is not on the source token`);
        const bytes = await lib.C_WrapKeyAsync(source, mechanism, ktk, privateKey, Buffer.alloc(8192));
        wrapped.push({ idHex: key.idHex, keyType: key.keyType, wrapped: Buffer.from(bytes), publicTemplate: publicKeyTemplate(source, publicKey, key.keyType, id) });
      }
    } finally {
      lib.C_CloseSession(source);
    }
    const wrappedAt = performance.now();
    const counts = await runBounded(input.targets, input.parallelism, (target) => unwrapAll(target, ktkId, wrapped));
    const done = performance.now();
    const cpu = process.cpuUsage(cpuAtStart);
    return { wrapMs: wrappedAt - started, unwrapMs: done - wrappedAt, totalMs: done - started, cpuMs: (cpu.user + cpu.system) / 1000, keysUnwrapped: counts.reduce((sum, count) => sum + count, 0) };
  } finally {
    lib.C_Finalize();
  }
}

if (require.main === module) {
  runBaseline(JSON.parse(process.env.KEYSYNC_BENCH_INPUT ?? '{}') as BaselineInput).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`baseline failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
