// Brings a key group already on the token to a package entry's label and certificate (DESIGN 13,
// drift state `differs`): the same key (class, id and fingerprint), so nothing is unwrapped.
// Crash-safe by order: the new certificate object is created before the old ones are destroyed,
// and the key object's label is set last, after its public key's and certificates', so the
// inventory (which reads the key's label) shows the group as differing until everything is done.
// A retry after a crash anywhere finds one of those states (old certificate alone, both, the new
// one alone; some labels set) and completes it; a run with nothing left to do changes nothing.
// A module that refuses the change (a read-only attribute, an object it will not create or
// destroy) leaves the group as it is, reported `not-updated` with the module's reason.
import * as pkcs11 from 'pkcs11js';
import { certificateNames } from '../der';
import { ckrCodeOf, ckrName, HsmError } from '../errors';
import type { KeyGroupReader } from '../key-groups';
import { asText } from '../session';
import type { Handle, HsmSession } from '../session';
import { certificateTemplate } from '../templates';
import type { ImportEntryOutcome, KeyUpdateRequest } from '../../contract/keys';
import type { PackageEntry } from '../../package-format';

export interface GroupUpdate {
  outcome: 'updated' | 'skipped' | 'not-updated';
  changed: NonNullable<ImportEntryOutcome['changed']>;
  reason?: string;
}

/** CKR_ACTION_PROHIBITED (PKCS#11 3.0), which pkcs11js does not name. */
const CKR_ACTION_PROHIBITED = 0x1b;

/** The module's answers that mean "this change is not allowed here", as opposed to a failing device. */
const REFUSALS: ReadonlySet<number> = new Set([
  pkcs11.CKR_ATTRIBUTE_READ_ONLY,
  CKR_ACTION_PROHIBITED,
  pkcs11.CKR_TEMPLATE_INCONSISTENT,
  pkcs11.CKR_TEMPLATE_INCOMPLETE,
  pkcs11.CKR_FUNCTION_NOT_SUPPORTED,
  pkcs11.CKR_ATTRIBUTE_TYPE_INVALID,
  pkcs11.CKR_ATTRIBUTE_VALUE_INVALID,
]);

/** True when this entry is one the import was asked to update. */
export function isUpdateRequested(update: KeyUpdateRequest | undefined, entry: PackageEntry): boolean {
  return update?.keys.some((key) => key.class === entry.class && key.id.toLowerCase() === entry.id.toLowerCase()) ?? false;
}

/**
 * Brings the group of `entry`, already on the token with the same fingerprint, to the entry's
 * certificate and label as `update` allows. `certificateAdded`: the import has just created the
 * certificate the group lacked (completing its companions), which counts as this update's change.
 */
export function updateGroup(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry, update: KeyUpdateRequest, options: { certificateAdded?: boolean } = {}): GroupUpdate {
  const changed: GroupUpdate['changed'] = [];
  try {
    if (update.certificates && (replaceCertificate(session, reader, entry, update.labels) || options.certificateAdded === true)) changed.push('certificate');
    if (update.labels && relabelGroup(session, reader, entry)) changed.push('label');
  } catch (error) {
    const code = ckrCodeOf(error);
    if (code === undefined || !REFUSALS.has(code)) throw error;
    const what = changed.length > 0 ? `${changed.join(' and ')} changed, then ` : '';
    const name = code === CKR_ACTION_PROHIBITED ? 'CKR_ACTION_PROHIBITED' : ckrName(code);
    return {
      outcome: 'not-updated',
      changed,
      reason: `${what}the module refused the change (${name}): this HSM does not let KeySync change the label or certificate of key ${entry.id} ("${entry.label}"); change it with the vendor's tools, or leave it differing.`,
    };
  }
  return { outcome: changed.length > 0 ? 'updated' : 'skipped', changed };
}

/**
 * Creates the entry's certificate object if the token lacks it, then destroys every other
 * certificate object with the key's id. True when anything changed.
 */
function replaceCertificate(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry, takeLabel: boolean): boolean {
  if (entry.class !== 'private' || !entry.certificateDer) return false;
  const der = Buffer.from(entry.certificateDer, 'base64');
  const current = reader.certificateHandles(entry.id).map((handle) => ({ handle, ...readCertificate(session, handle) }));
  const stale = current.filter((certificate) => !certificate.value?.equals(der));
  if (stale.length === 0) return false;
  if (!current.some((certificate) => certificate.value?.equals(der))) {
    let names;
    try {
      names = certificateNames(der);
    } catch {
      throw new HsmError('invalid-data', `The certificate of key ${entry.id} in the package is not DER-encoded X.509.`);
    }
    // Without a label update the certificate keeps the name this member gave the old one.
    const label = takeLabel ? entry.label : (stale[0]?.label ?? entry.label);
    const created = session.lib.C_CreateObject(session.handle, certificateTemplate(der, names, label, Buffer.from(entry.id, 'hex')));
    reader.created(pkcs11.CKO_CERTIFICATE, entry.id, created);
  }
  for (const { handle } of stale) {
    session.destroy(handle);
    reader.destroyed(pkcs11.CKO_CERTIFICATE, entry.id, handle);
  }
  return true;
}

/** Sets the entry's label on the group's certificates and public keys, then on its key object(s) of that fingerprint. True when any label changed. */
function relabelGroup(session: HsmSession, reader: KeyGroupReader, entry: PackageEntry): boolean {
  const companions = entry.class === 'private' ? [...reader.certificateHandles(entry.id), ...reader.publicHandles(entry.id)] : [];
  const keys = reader.find({ class: entry.class, id: entry.id }).filter((group) => group.fingerprint === entry.fingerprint);
  let changed = false;
  for (const handle of [...companions, ...keys.map((group) => group.handle)]) {
    if (labelOf(session, handle) === entry.label) continue;
    session.lib.C_SetAttributeValue(session.handle, handle, [{ type: pkcs11.CKA_LABEL, value: entry.label }]);
    changed = true;
  }
  return changed;
}

function readCertificate(session: HsmSession, handle: Handle): { value: Buffer | undefined; label: string } {
  const attributes = session.read(handle, [pkcs11.CKA_VALUE, pkcs11.CKA_LABEL]);
  return { value: attributes.get(pkcs11.CKA_VALUE), label: asText(attributes.get(pkcs11.CKA_LABEL)) };
}

function labelOf(session: HsmSession, handle: Handle): string {
  return asText(session.read(handle, [pkcs11.CKA_LABEL]).get(pkcs11.CKA_LABEL));
}
