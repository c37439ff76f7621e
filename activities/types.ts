// Moved to libs/contract: re-exported here until every importer reads it from there.
export type {
  ExportKeysInput,
  ExportKeysResult,
  ImportPackageInput,
  NodeAgentActivities,
  OrchestratorActivities,
  TransportKeyResult,
  WrapSecretsForJoinInput,
  WrapSecretsForJoinResult,
} from '../libs/contract/activities';
export type { KeyRef as PackageEntrySummary } from '../libs/contract/keys';
