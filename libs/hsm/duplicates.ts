// Surplus copies of a key group: PKCS#11 does not make CKA_ID unique, so two writers that each
// found a key absent could both create it. A copy is surplus only when it is identical to one that
// stays: a key object with the same class, id, fingerprint, label, usages and extractability; a
// public key object with the same id, public key and label; a certificate with the same id, value
// and label. A copy that differs in any of these is never removed: it is a conflict for an operator.
import * as pkcs11 from 'pkcs11js';
import { byClassAndId, toKeyGroup } from './key-groups';
import type { KeyGroupReader, LocatedKeyGroup } from './key-groups';
import { asText } from './session';
import type { Handle, HsmSession } from './session';
import { CKO_OF_CLASS } from './templates';
import type { KeyGroup, KeySelector } from './types';

/** The objects of one class + id that can go, keeping one of each identical set. */
export interface SurplusCopies {
  keys: Handle[];
  publics: Handle[];
  certificates: Handle[];
}

export function surplusCount(surplus: SurplusCopies): number {
  return surplus.keys.length + surplus.publics.length + surplus.certificates.length;
}

/** What makes two key objects the same object for an application. */
function keyIdentity(group: LocatedKeyGroup): string {
  return [group.fingerprint, group.label, [...group.usages].sort().join(','), String(group.exportable)].join('|');
}

/** Every handle after the first of each identity. */
function beyondFirst<T>(items: readonly T[], identity: (item: T) => string | undefined): T[] {
  const seen = new Set<string>();
  const surplus: T[] = [];
  for (const item of items) {
    const key = identity(item);
    if (key === undefined) continue; // unknown identity (unreadable): never removed
    if (seen.has(key)) surplus.push(item);
    else seen.add(key);
  }
  return surplus;
}

/**
 * The surplus copies of one key group on the token. Key objects without a fingerprint (an EC key
 * whose public object is missing) have no known identity and are never counted as surplus.
 */
export function findSurplusCopies(session: HsmSession, reader: KeyGroupReader, selector: KeySelector): SurplusCopies {
  const keys = beyondFirst(reader.find(selector), (group) => (group.fingerprint === '' ? undefined : keyIdentity(group))).map((group) => group.handle);
  if (selector.class !== 'private') return { keys, publics: [], certificates: [] };
  const publics = beyondFirst(reader.publicHandles(selector.id), (handle) => {
    const der = reader.publicKeyDer(handle);
    return der ? `${der.toString('hex')}|${labelOf(session, handle)}` : undefined;
  });
  const certificates = beyondFirst(reader.certificateHandles(selector.id), (handle) => {
    const value = session.read(handle, [pkcs11.CKA_VALUE]).get(pkcs11.CKA_VALUE);
    return value ? `${value.toString('hex')}|${labelOf(session, handle)}` : undefined;
  });
  return { keys, publics, certificates };
}

/**
 * Destroys the surplus copies of one key group and returns how many objects went. Called by a
 * writer that holds the member's write lock, so nothing creates a copy meanwhile; a crash halfway
 * leaves fewer copies, and a retry finds and removes the rest.
 */
export function removeSurplusCopies(session: HsmSession, reader: KeyGroupReader, selector: KeySelector): number {
  const surplus = findSurplusCopies(session, reader, selector);
  const removals: [number, Handle[]][] = [
    [CKO_OF_CLASS[selector.class], surplus.keys],
    [pkcs11.CKO_PUBLIC_KEY, surplus.publics],
    [pkcs11.CKO_CERTIFICATE, surplus.certificates],
  ];
  for (const [objectClass, handles] of removals) {
    for (const handle of handles) {
      session.destroy(handle);
      reader.destroyed(objectClass, selector.id, handle);
    }
  }
  return surplusCount(surplus);
}

function labelOf(session: HsmSession, handle: Handle): string {
  return asText(session.read(handle, [pkcs11.CKA_LABEL]).get(pkcs11.CKA_LABEL));
}

/**
 * The token's key groups for an inventory, each identical copy folded into the group it copies:
 * one entry per distinct key object, with `duplicates` counting the surplus objects (key, public
 * key and certificate copies) a repair would remove. Copies that differ stay separate entries.
 * `groups`: the groups to fold (default: every group of the token).
 */
export function foldedInventory(session: HsmSession, reader: KeyGroupReader, groups: readonly LocatedKeyGroup[] = reader.all()): KeyGroup[] {
  const folded: KeyGroup[] = [];
  for (const copies of byClassAndId(groups).values()) {
    const [first] = copies as [LocatedKeyGroup];
    // The common case costs no extra reads: one key object and at most one public key and certificate.
    const mayHaveCopies = copies.length > 1 || (first.class === 'private' && (reader.publicHandles(first.id).length > 1 || reader.certificateHandles(first.id).length > 1));
    if (!mayHaveCopies) {
      folded.push(toKeyGroup(first));
      continue;
    }
    const surplus = findSurplusCopies(session, reader, { class: first.class, id: first.id });
    const isSurplus = (group: LocatedKeyGroup) => surplus.keys.some((handle) => handle.equals(group.handle));
    const removed = copies.filter(isSurplus);
    copies
      .filter((group) => !isSurplus(group))
      .forEach((copy, index) => {
        const duplicates = removed.filter((candidate) => keyIdentity(candidate) === keyIdentity(copy)).length + (index === 0 ? surplus.publics.length + surplus.certificates.length : 0);
        folded.push(duplicates > 0 ? { ...toKeyGroup(copy), duplicates } : toKeyGroup(copy));
      });
  }
  return folded;
}
