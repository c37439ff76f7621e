// Import: verify everything first, then bring in each key group idempotently. Inside a group the
// public key object is created before the private key and the certificate after it, so a crash at
// any point leaves something a retry completes: the public object lets the retry recognise an EC
// key, and "private key present with the same fingerprint" means only companions may be missing.
// A key already present more than once (identical copies left by writers that raced) is brought
// back to one copy: the caller holds the member's write lock, so the look-up here is the last word.
// Each entry is unwrapped with this token's own mechanism for the entry's wrap format, and proven
// (prove-key.ts) before it counts: one that fails is destroyed and reported as invalid-data, and
// the other entries go on.
// What a kill leaves at each step, and what the retry does with it:
// - inside C_UnwrapKey (SoftHSM commits the template, then the key material): an object of the
//   key's class and id without material (key-material.ts); it is destroyed first and counted as
//   incompleteRemoved, then the key is unwrapped again;
// - inside C_CreateObject of the public key or certificate: nothing visible, or the whole object
//   (its value is in the template, written in the first commit); a present public object is reused;
// - between the unwrap and the proof or its destroy (one C_DestroyObject, a single file removal on
//   SoftHSM): a complete key not yet proven. An RSA or secret key's fingerprint is read from the key
//   itself, so a wrong one is a conflict; an EC key's is read from its public object, so a present
//   EC key is proven again before it is skipped (a failure is invalid-data, the key left alone).
import * as pkcs11 from 'pkcs11js';
import { keyNotHeldReason } from '../../contract/hsm-capabilities';
import type { WrapFormat } from '../../contract/hsm-capabilities';
import { CheckValueCalculator } from '../check-values';
import { certificateNames } from '../der';
import { HsmError, hasCkr, isPkcs11Failure } from '../errors';
import { ecPrivateKeyAttributes } from '../module-quirks';
import { foldedInventory, removeSurplusCopies } from '../duplicates';
import { byClassAndId } from '../key-groups';
import type { KeyGroupReader, LocatedKeyGroup } from '../key-groups';
import { withReaderAsync } from '../key-operations';
import type { Handle, HsmSession } from '../session';
import { sha256Hex } from '../../digest';
import { bareEcPoint, curveInfo } from '../spki';
import { asBool } from '../session';
import { certificateTemplate, CKO_OF_CLASS, publicKeyObjectTemplate, publicUsagesFor, unwrappedKeyTemplate, USAGE_ATTRIBUTE, USAGES_OF } from '../templates';
import { wrapMechanism } from '../token-profile';
import type { ImportEntryOutcome, ImportResult, KeyGroup } from '../types';
import type { PackageEntry } from '../../package-format';
import { PackagePublicKey } from './package-public-key';
import { ecProofFailure, proofFailure } from './prove-key';
import { isUpdateRequested, updateGroup } from './update-group';
import { verifyPackageFile } from './verify-package';
import type { VerifyOptions } from './verify-package';
import type { KeyUpdateRequest } from '../../contract/keys';

export interface ImportOptions extends VerifyOptions {
  onProgress?: (done: number, total: number) => void;
  /** Asked between key groups only, so a cancel never leaves half a group. */
  shouldStop?: () => boolean;
  /** Keys already here to bring to the package's label and certificate (update-group.ts); absent: none. */
  update?: KeyUpdateRequest;
  /**
   * Given the package keys' groups, folded as an inventory of them, as the confirmation's last
   * round read them when it found every entry right (modules with steadyReads only): the first of
   * the two agreeing reads of a steady inventory after the import (Token.importPackage).
   */
  onConfirmed?: (view: KeyGroup[]) => void;
}

export async function importPackage(session: HsmSession, tokenLabel: string, bytes: Buffer, opts: ImportOptions): Promise<ImportResult> {
  const { file, manifest, secrets } = await verifyPackageFile(session, tokenLabel, bytes, opts);
  // Every format of the package is mapped before anything is unwrapped: a token that has none for one imports nothing.
  const mechanisms = new Map<WrapFormat, pkcs11.Mechanism>();
  for (const entry of file.entries) if (!mechanisms.has(entry.wrapFormat)) mechanisms.set(entry.wrapFormat, wrapMechanism(session.profile, entry.wrapFormat, tokenLabel));
  const unwrap: Unwrap = { ktk: secrets.ktk, mechanisms, checkValues: new CheckValueCalculator(session) };
  const outcomes: ImportEntryOutcome[] = [];
  let stopped = false;
  try {
    return await importEntries();
  } catch (error) {
    // A module whose objects another process can write over (module-quirks.ts) may call an object of this import gone for a moment: the import, idempotent, can run again.
    if (session.profile.quirks.steadyReads && hasCkr(error, pkcs11.CKR_OBJECT_HANDLE_INVALID)) {
      throw new HsmError('device-error', `An object this import had just found or made on token "${tokenLabel}" was reported gone, as happens while another process uses the token; the import can run again.`);
    }
    throw error;
  } finally {
    unwrap.checkValues.dispose();
  }

  async function importEntries(): Promise<ImportResult> {
    await withReaderAsync(session, async (reader) => {
      for (const entry of file.entries) {
        if (opts.shouldStop?.()) {
          stopped = true;
          break;
        }
        outcomes.push(entryOutcome(entry, await importEntry(session, reader, unwrap, entry, opts.update)));
        opts.onProgress?.(outcomes.length, file.entries.length);
      }
    }, true);
    if (session.profile.quirks.steadyReads && !stopped) {
      const view = await confirmEntries(session, unwrap, file.entries, outcomes, opts.update);
      if (view) opts.onConfirmed?.(view);
    }
    const count = (outcome: ImportEntryOutcome['outcome']) => outcomes.filter((entry) => entry.outcome === outcome).length;
    const incompleteRemoved = outcomes.reduce((sum, entry) => sum + (entry.incompleteRemoved ?? 0), 0);
    return {
      packageDigest: manifest.digest,
      entries: outcomes,
      imported: count('imported'),
      skipped: count('skipped'),
      conflicts: count('conflict'),
      copiesRemoved: outcomes.reduce((sum, entry) => sum + (entry.copiesRemoved ?? 0), 0),
      ...(incompleteRemoved > 0 ? { incompleteRemoved } : {}),
      ...(count('invalid-data') > 0 ? { invalidData: count('invalid-data') } : {}),
      ...(stopped ? { stopped: true } : {}),
      ...(opts.update ? { updated: count('updated'), notUpdated: count('not-updated') } : {}),
    };
  }
}

function entryOutcome(entry: PackageEntry, { outcome, copiesRemoved, incompleteRemoved, reason, changed }: EntryOutcome): ImportEntryOutcome {
  return {
    class: entry.class,
    id: entry.id,
    label: entry.label,
    fingerprint: entry.fingerprint,
    outcome,
    ...(copiesRemoved > 0 ? { copiesRemoved } : {}),
    ...(incompleteRemoved > 0 ? { incompleteRemoved } : {}),
    ...(reason ? { reason } : {}),
    ...(changed && changed.length > 0 ? { changed } : {}),
  };
}

/** Outcomes whose key another key or the operator's request holds: not confirmed as the package's. */
const LEFT_ALONE: ReadonlySet<ImportEntryOutcome['outcome']> = new Set(['conflict', 'not-updated']);

/** Rounds of confirmation (each a fresh read of every entry, then a new import of the entries it finds wrong). */
const CONFIRM_ROUNDS = 4;
/** Lets another process finish what it was writing over an object before the token is read again. */
const CONFIRM_PAUSE_MS = 200;

/**
 * For modules whose file store another process can write over while this one creates a key
 * (module-quirks.ts, SoftHSM 2.6: a process that read one of our objects half-written, and then
 * reads its attributes, writes it back with defaults for what it missed, losing the key material
 * or the id): every entry handled is read again, with a fresh reader, after a pause, and an entry
 * whose key is not there once, whole, with the package's fingerprint is imported again. That is
 * the same idempotent step a retry after a crash runs (the leftover without material is removed,
 * the key unwrapped and proven again); a round that finds everything right ends it. Conflicts and
 * refused updates are left alone: another key holds that id.
 */
async function confirmEntries(session: HsmSession, unwrap: Unwrap, entries: readonly PackageEntry[], outcomes: ImportEntryOutcome[], update: KeyUpdateRequest | undefined): Promise<KeyGroup[] | undefined> {
  const ids = [...new Set(entries.map((entry) => entry.id))];
  for (let round = 0; round < CONFIRM_ROUNDS; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, CONFIRM_PAUSE_MS));
    // One listing of the token per round (a bulk reader), not a find per entry: SoftHSM's file store
    // re-checks every object file on each find, so per-entry finds cost O(entries x objects) and held
    // the event loop for minutes at 600 keys. An entry this listing misses is only a candidate: its
    // import below looks it up again with targeted finds, and skips it when it is there.
    const { wrong, view } = await withReaderAsync(
      session,
      async (reader) => {
        const groups = reader.ofIds(ids);
        const located = byClassAndId(groups);
        const misses = outcomes.flatMap((outcome, index) => (!LEFT_ALONE.has(outcome.outcome) && !presentOnce(reader, located, entries[index]!) ? [index] : []));
        // The groups just read, folded exactly as an inventory of the package's keys folds them (Token.inventory).
        return { wrong: misses, view: misses.length === 0 ? foldedInventory(session, reader, groups) : undefined };
      },
      true,
    );
    if (wrong.length === 0) return view;
    await withReaderAsync(session, async (reader) => {
      for (const index of wrong) {
        const previous = outcomes[index]!;
        const again = entryOutcome(entries[index]!, await importEntry(session, reader, unwrap, entries[index]!, update));
        // An entry first imported (or updated) and now found present again keeps what this import did to it.
        outcomes[index] = previous.outcome !== 'skipped' && again.outcome === 'skipped' ? { ...again, outcome: previous.outcome } : again;
      }
    });
  }
  return undefined;
}

/** The entry's key is on the token once (among the groups the round read), with its material and the package's fingerprint. */
function presentOnce(reader: KeyGroupReader, located: ReadonlyMap<string, readonly LocatedKeyGroup[]>, entry: PackageEntry): boolean {
  const found = located.get(`${entry.class}:${entry.id.toLowerCase()}`) ?? [];
  if (found.length !== 1 || found[0]!.fingerprint !== entry.fingerprint) return false;
  // The one key object of that class and id is the complete key just found: no leftover to look for.
  const selector = { class: entry.class, id: entry.id };
  return reader.keyObjects(selector).length === 1 || reader.incomplete(selector).length === 0;
}

/** What every entry's unwrap uses: the KTK, this token's mechanism per format, and the calculator of check values for the proofs. */
interface Unwrap {
  ktk: Handle;
  mechanisms: ReadonlyMap<WrapFormat, pkcs11.Mechanism>;
  checkValues: CheckValueCalculator;
}

interface EntryOutcome {
  outcome: ImportEntryOutcome['outcome'];
  copiesRemoved: number;
  incompleteRemoved: number;
  reason?: string;
  changed?: ImportEntryOutcome['changed'];
}

async function importEntry(session: HsmSession, reader: KeyGroupReader, unwrap: Unwrap, entry: PackageEntry, update: KeyUpdateRequest | undefined): Promise<EntryOutcome> {
  const incompleteRemoved = removeIncompleteLeftovers(session, reader, entry);
  const requested = update !== undefined && isUpdateRequested(update, entry);
  // A certificate the key lacked is added by the companions' completion below: for an update, that is the update.
  const hadCertificate = requested && reader.certificateHandles(entry.id).length > 0;
  const created = await createEntry(session, reader, unwrap, entry, PackagePublicKey.of(entry));
  // Only a key that was already here can have copies: one created now was absent a moment ago.
  if (created.outcome !== 'skipped') return { ...created, copiesRemoved: 0, incompleteRemoved };
  // A key already here that the sync found differing (label, certificate) is brought to the package's.
  const updated = requested ? updateGroup(session, reader, entry, update, { certificateAdded: !hadCertificate && reader.certificateHandles(entry.id).length > 0 }) : undefined;
  return {
    outcome: updated?.outcome ?? created.outcome,
    copiesRemoved: removeSurplusCopies(session, reader, { class: entry.class, id: entry.id }),
    incompleteRemoved,
    ...(updated?.reason ? { reason: updated.reason } : {}),
    ...(updated ? { changed: updated.changed } : {}),
  };
}

/**
 * Destroys the objects of the entry's class and id that an interrupted create left without key
 * material (key-material.ts): no application can use them, and left there they would stand beside
 * the key unwrapped now as a second object of that id. The caller holds the member's write lock,
 * so no create of ours is under way meanwhile.
 */
function removeIncompleteLeftovers(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry): number {
  const leftovers: [number, Handle[]][] = [
    [CKO_OF_CLASS[entry.class], reader.incomplete({ class: entry.class, id: entry.id })],
    [pkcs11.CKO_PUBLIC_KEY, entry.class === 'private' ? reader.incompletePublics(entry.id) : []],
  ];
  for (const [objectClass, handles] of leftovers) {
    for (const handle of handles) {
      session.destroy(handle);
      reader.destroyed(objectClass, entry.id, handle);
    }
  }
  return leftovers.reduce((sum, [, handles]) => sum + handles.length, 0);
}

async function createEntry(session: HsmSession, reader: KeyGroupReader, unwrap: Unwrap, entry: PackageEntry, publicKey: PackagePublicKey | undefined): Promise<{ outcome: ImportEntryOutcome['outcome']; reason?: string }> {
  const id = Buffer.from(entry.id, 'hex');
  let existing = reader.find({ class: entry.class, id: entry.id });
  // An EC key is known by its public object; one whose public object went (a leftover removed above) gets the package's back, and must then prove itself.
  const restoredPublic = entry.keyType === 'ec' && existing.some((group) => group.fingerprint === '') && reader.publicHandles(entry.id).length === 0 ? await ensurePublicKey(session, reader, entry, id, publicKey) : undefined;
  if (restoredPublic) existing = reader.find({ class: entry.class, id: entry.id });
  if (existing.length > 0) {
    // PKCS#11 ids are not unique: any key with this id and this fingerprint means "already here".
    const same = existing.find((group) => group.fingerprint !== '' && group.fingerprint === entry.fingerprint);
    const unproven = same ? await presentKeyUnproven(session, unwrap, same.handle, entry, publicKey) : undefined;
    if ((!same || unproven) && restoredPublic && restoredPublic !== 'conflict') {
      session.destroy(restoredPublic);
      reader.destroyed(pkcs11.CKO_PUBLIC_KEY, entry.id, restoredPublic);
    }
    if (!same) return { outcome: 'conflict' };
    if (unproven) return { outcome: 'invalid-data', reason: unproven };
    await completeCompanions(session, reader, entry, id, publicKey);
    return { outcome: 'skipped' };
  }

  // A key this token cannot hold (a curve it lacks...) is left alone: the package may carry it for another target.
  const lacks = keyNotHeldReason(session.profile.capabilities, entry);
  if (lacks) return { outcome: 'unsupported-mechanism', reason: lacks };
  const createdPublic = entry.class === 'private' ? await ensurePublicKey(session, reader, entry, id, publicKey) : undefined;
  if (createdPublic === 'conflict') return { outcome: 'conflict' };
  const undoPublic = () => {
    if (!createdPublic) return;
    session.destroy(createdPublic);
    reader.destroyed(pkcs11.CKO_PUBLIC_KEY, entry.id, createdPublic);
  };
  const mechanism = unwrap.mechanisms.get(entry.wrapFormat);
  if (!mechanism) throw new Error(`unreachable: no mechanism mapped for ${entry.wrapFormat}`);
  let key: Handle;
  try {
    key = await session.lib.C_UnwrapKeyAsync(session.handle, mechanism, unwrap.ktk, Buffer.from(entry.wrappedKey, 'base64'), unwrappedKeyTemplate({ ...entry, id }, moduleAttributes(session, entry, publicKey)));
  } catch (error) {
    undoPublic();
    throw error;
  }
  // One read of the key's usages serves the proof (may it sign?) and keepPackageUsages.
  const usages = session.read(key, USAGES_OF[entry.class].map((usage) => USAGE_ATTRIBUTE[usage]));
  const canSign = asBool(usages.get(pkcs11.CKA_SIGN)) === true;
  // A failed proof is asked again before the key goes: one bad read of a module whose view can be briefly wrong (module-quirks.ts) must not destroy a good key.
  const failed = (await proofFailure(session, reader, unwrap.checkValues, key, entry, publicKey, canSign)) && (await proofFailure(session, reader, unwrap.checkValues, key, entry, publicKey, canSign));
  if (failed) {
    session.destroy(key);
    undoPublic();
    return { outcome: 'invalid-data', reason: `Key ${entry.id} ("${entry.label}") was unwrapped but ${failed}; it was destroyed again. The source's and this HSM's mechanisms for ${entry.wrapFormat} disagree: check the members' wrapMechanisms, then sync again.` };
  }
  keepPackageUsages(session, key, entry, usages);
  reader.created(CKO_OF_CLASS[entry.class], entry.id, key);
  // The public object was ensured above, before the private key.
  await ensureCertificate(session, reader, entry, id);
  return { outcome: 'imported' };
}

/**
 * An EC key found present was matched by its public object only (the private object has no
 * point): a key left by a kill between its unwrap and its proof or destroy would pass for the
 * package's. It is proven again; one whose signature does not verify is reported, never counted,
 * and left in place (a key of this id that this import cannot tell is its own). Other key types
 * were matched by a fingerprint read from the key itself, which is their proof.
 */
async function presentKeyUnproven(session: HsmSession, unwrap: Unwrap, key: Handle, entry: PackageEntry, publicKey: PackagePublicKey | undefined): Promise<string | undefined> {
  if (entry.keyType !== 'ec') return undefined;
  const failed = (await ecProofFailure(session, unwrap.checkValues, key, entry, publicKey)) && (await ecProofFailure(session, unwrap.checkValues, key, entry, publicKey));
  if (!failed?.definite) return undefined;
  return `Key ${entry.id} ("${entry.label}") is present with the package's public key but ${failed.reason}: it was left in place and not counted. Remove that private key object if it is not an application's, then sync again.`;
}

/**
 * Some modules (NSS) give an unwrapped key their default usages on top of the template's (unwrap
 * on RSA, derive on EC): the key is brought back to the package's usages where the module allows
 * the change, so it is the same key group as on the source.
 */
function keepPackageUsages(session: HsmSession, key: Handle, entry: PackageEntry, current: ReadonlyMap<number, Buffer>): void {
  const changes = USAGES_OF[entry.class]
    .filter((usage) => current.has(USAGE_ATTRIBUTE[usage]) && asBool(current.get(USAGE_ATTRIBUTE[usage])) !== entry.usages.includes(usage))
    .map((usage) => ({ type: USAGE_ATTRIBUTE[usage], value: entry.usages.includes(usage) }));
  for (const change of changes) {
    try {
      session.lib.C_SetAttributeValue(session.handle, key, [change]);
    } catch (error) {
      // A module that keeps its usages fixed (CKR_ATTRIBUTE_READ_ONLY) keeps the key as it made it: the key is still the package's.
      if (!isPkcs11Failure(error)) throw error;
    }
  }
}

/** The module's vendor attributes for this key (NSS: the EC point on an EC private key). */
function moduleAttributes(session: HsmSession, entry: PackageEntry, publicKey: PackagePublicKey | undefined): pkcs11.Template {
  if (entry.keyType !== 'ec' || !publicKey || !entry.curve) return [];
  const facts = publicKey.facts;
  return facts.keyType === 'ec' ? ecPrivateKeyAttributes(session.profile.quirks, bareEcPoint(facts.ecPoint, curveInfo(entry.curve))) : [];
}

/** Creates the public key and certificate objects of a group that the token lacks (a retry after a crash). */
async function completeCompanions(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry, id: Buffer, publicKey: PackagePublicKey | undefined): Promise<void> {
  if (entry.class !== 'private') return;
  await ensurePublicKey(session, reader, entry, id, publicKey);
  await ensureCertificate(session, reader, entry, id);
}

async function ensureCertificate(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry, id: Buffer): Promise<void> {
  if (entry.certificateDer && !reader.certificateHandle(entry.id)) {
    const der = Buffer.from(entry.certificateDer, 'base64');
    let names;
    try {
      names = certificateNames(der);
    } catch {
      throw new HsmError('invalid-data', `The certificate of key ${entry.id} in the package is not DER-encoded X.509.`);
    }
    reader.created(pkcs11.CKO_CERTIFICATE, entry.id, await session.createObject(certificateTemplate(der, names, entry.label, id)));
  }
}

/** The handle of a public object created now, undefined when a matching one was already there, 'conflict' for another key's. */
async function ensurePublicKey(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry, id: Buffer, publicKey: PackagePublicKey | undefined): Promise<Handle | undefined | 'conflict'> {
  if (!publicKey) return undefined;
  const der = publicKey.der;
  if (sha256Hex(der) !== entry.fingerprint) throw new HsmError('invalid-data', `The public key of entry ${entry.id} does not match its fingerprint.`);
  const publics = reader.publicHandles(entry.id);
  if (publics.some((handle) => reader.publicKeyDer(handle, publicKey.facts.keyType)?.equals(der))) return undefined;
  if (publics.length > 0) return 'conflict';
  const created = await session.createObject(publicKeyObjectTemplate(publicKey.facts, entry.label, id, publicUsagesFor(entry.usages)));
  reader.created(pkcs11.CKO_PUBLIC_KEY, entry.id, created);
  return created;
}
