// Moved to libs/contract: re-exported here until every importer reads it from there.
export { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState, keySyncSearchAttributes } from '../libs/contract/search-attributes';
