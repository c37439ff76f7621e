// Updates in a sync (DESIGN 13, drift state differs): what a keySync may change on keys a target
// already holds, what its memberSync asks of the import, and how the verify checks the result.
// Pure, so unit tests cover it and the workflows stay deterministic. Behind patched(keyUpdatesPatch)
// in keySync: a run recorded before updates plans and imports as it did.
import type { ImportResult, KeyGroup, KeyUpdateRequest } from '../libs/contract/keys';
import type { KeySyncInput, MemberKeyUpdates } from '../libs/contract/operation-inputs';
import type { NotUpdatedKey } from '../libs/contract/operations';
import type { PlanUpdates } from './plan';

export const keyUpdatesPatch = 'key-updates';

/**
 * What a sync may update: an operator's sync brings labels and certificates to the source's; an
 * automatic one (drift, availability) only certificates, and only to a newer one; a repair nothing.
 */
export function syncUpdates(input: Pick<KeySyncInput, 'automatic' | 'repair'>): PlanUpdates | undefined {
  if (input.repair) return undefined;
  return input.automatic ? { labels: false, certificates: true, newerCertificatesOnly: true } : { labels: true, certificates: true };
}

/** The import's request: which of label and certificate, for which keys (selectors only). */
export function importUpdateRequest(update: MemberKeyUpdates): KeyUpdateRequest {
  return { labels: update.labels, certificates: update.certificates, keys: update.keys.map((key) => ({ class: key.class, id: key.id })) };
}

/** The entries whose update the module refused, with its reason. */
export function notUpdatedOf(imported: ImportResult): NotUpdatedKey[] {
  return imported.entries
    .filter((entry) => entry.outcome === 'not-updated')
    .map((entry) => ({ class: entry.class, id: entry.id, label: entry.label, reason: entry.reason ?? 'the module refused the change' }));
}

/** A sentence for the member's detail: what was updated, and what was left differing and why. */
export function updatesText(imported: ImportResult, notUpdated: readonly NotUpdatedKey[]): string | undefined {
  const updated = imported.entries.filter((entry) => entry.outcome === 'updated');
  const parts: string[] = [];
  if (updated.length > 0) parts.push(`Updated ${updated.map((entry) => `${entry.label} (${entry.class} ${entry.id}: ${(entry.changed ?? []).join(' and ')})`).join(', ')} to the source's.`);
  if (notUpdated.length > 0) parts.push(`Left differing ${notUpdated.map((key) => `${key.label} (${key.class} ${key.id}): ${key.reason}`).join('; ')}.`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * Keys the update should have brought to the source's label or certificate that the member's
 * inventory still shows otherwise (refused ones excepted): another label, another certificate,
 * or stale certificates beside it.
 */
export function stillDiffering(update: MemberKeyUpdates | undefined, notUpdated: readonly NotUpdatedKey[], inventory: readonly KeyGroup[]): string[] {
  if (!update) return [];
  const refused = new Set(notUpdated.map((key) => `${key.class}:${key.id.toLowerCase()}`));
  return update.keys
    .filter((key) => !refused.has(`${key.class}:${key.id.toLowerCase()}`))
    .filter((key) => {
      const held = inventory.find((group) => group.class === key.class && group.id.toLowerCase() === key.id.toLowerCase() && group.fingerprint.toLowerCase() === key.fingerprint.toLowerCase());
      if (!held) return true;
      if (update.labels && held.label !== key.label) return true;
      return update.certificates && key.certificate !== undefined && (held.certificate?.fingerprint !== key.certificate || (held.otherCertificates ?? 0) > 0);
    })
    .map((key) => `${key.label} (${key.class} ${key.id})`);
}
