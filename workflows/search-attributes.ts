// Search attributes on every key sync workflow (DESIGN section 5). The stack registers them with
// the server; the API and the CLI list operations by them.
import { defineSearchAttributeKey } from '@temporalio/common';

export const KeySyncCluster = defineSearchAttributeKey('KeySyncCluster', 'KEYWORD');
export const KeySyncMembers = defineSearchAttributeKey('KeySyncMembers', 'KEYWORD_LIST');
/** `sync`, `repair` (a keySync of a member onto itself), `member-sync`, `join`; also `drift-watch`, `inventory`, `availability` on the short workflows. */
export const KeySyncKind = defineSearchAttributeKey('KeySyncKind', 'KEYWORD');
/** An operation's state (`running`, `completed`, ...) or, on a memberSync, the member's state. */
export const KeySyncState = defineSearchAttributeKey('KeySyncState', 'KEYWORD');

export const keySyncSearchAttributes = [KeySyncCluster, KeySyncMembers, KeySyncKind, KeySyncState] as const;
