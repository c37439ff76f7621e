// Moved to libs/contract: re-exported here until every importer reads it from there.
export type {
  DriftMemberStatus,
  DriftMemberView,
  DriftMode,
  DriftSyncRequest,
  DriftWatchInput,
  DriftWatchResult,
  DriftWatchState,
  StartedDriftSync,
} from '../libs/contract/drift';
export type { KeyAvailabilityInput, KeyAvailabilityResult, KeyPresence } from '../libs/contract/key-availability';
