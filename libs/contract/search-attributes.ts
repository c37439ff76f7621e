// Search attributes on every KeySync workflow (DESIGN section 5), and the values each one takes.
// The stack registers the keys with the server (libs/temporal/search-attributes.ts); workflows
// set them; the API, the CLI and the metrics list and count workflows by them.
import { defineSearchAttributeKey } from '@temporalio/common';
import { driftWatchStates } from './drift';
import { memberStates, operationStatuses } from './operations';

export const KeySyncCluster = defineSearchAttributeKey('KeySyncCluster', 'KEYWORD');
export const KeySyncMembers = defineSearchAttributeKey('KeySyncMembers', 'KEYWORD_LIST');
/** One of keySyncKinds. */
export const KeySyncKind = defineSearchAttributeKey('KeySyncKind', 'KEYWORD');
/** One of keySyncStates[kind]: an operation's state or, on a memberSync, the member's state. */
export const KeySyncState = defineSearchAttributeKey('KeySyncState', 'KEYWORD');

export const keySyncSearchAttributes = [KeySyncCluster, KeySyncMembers, KeySyncKind, KeySyncState] as const;

/**
 * What KeySyncKind says: `sync`, `repair` (a keySync of a member onto itself), `member-sync`,
 * `join`, `retire` and `member-retire` are operations; `drift-watch`, `inventory` and
 * `availability` are the short looks; `tombstone` is a retired key's standing record; `credentials`
 * a cluster's store of security key credentials.
 */
export const keySyncKinds = ['sync', 'repair', 'member-sync', 'join', 'drift-watch', 'inventory', 'availability', 'retire', 'member-retire', 'tombstone', 'credentials'] as const;
export type KeySyncKindValue = (typeof keySyncKinds)[number];

/** What KeySyncState holds on each kind of workflow. */
export const keySyncStates = {
  sync: operationStatuses,
  repair: operationStatuses,
  join: operationStatuses,
  'member-sync': memberStates,
  'drift-watch': ['running', ...driftWatchStates],
  inventory: ['in-sync', 'drift', 'unreachable'],
  availability: ['running', 'available', 'unavailable'],
  retire: operationStatuses,
  'member-retire': memberStates,
  tombstone: ['retired', 'lifted'],
  credentials: ['open'],
} as const satisfies Record<KeySyncKindValue, readonly string[]>;
