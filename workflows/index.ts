// The workflows the orchestrator registers (its workflowsPath points here). Each is exported under
// its wire name from DESIGN section 5 (`workflowTypes` in libs/contract/workflow-types.ts): the
// name a history records and the API, the CLI and auditors start and find it by. Never rename an
// export once released. exports-match-contract.ts checks these exports against the contract.
export { keySyncWorkflow as keySync } from './key-sync-workflow';
export { memberSyncWorkflow as memberSync } from './member-sync-workflow';
export { joinWorkflow as join } from './join-workflow';
export { archiveHistoryWorkflow as archiveHistory } from './archive-workflow';
export { driftWatchWorkflow as driftWatch } from './drift-watch-workflow';
export { keyAvailabilityWorkflow as keyAvailability } from './key-availability-workflow';
export { clusterInventoryWorkflow as clusterInventory } from './cluster-inventory-workflow';
export { retireWorkflow as retire } from './retire-workflow';
export { memberRetireWorkflow as memberRetire } from './member-retire-workflow';
export { tombstoneWorkflow as tombstone } from './tombstone-workflow';
export { notifyWorkflow as notify } from './notify-workflow';
export { approverCredentialsWorkflow as approverCredentials } from './credential-store-workflow';
