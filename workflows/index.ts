// The workflows the orchestrator registers (its workflowsPath points here). Each is exported under
// its wire name from DESIGN section 5 (`workflowTypes` in libs/contract/workflow-types.ts): the
// name a history records and the API, the CLI and auditors start and find it by. Never rename an
// export once released.
import type { WorkflowSignatures } from '../libs/contract/workflow-types';
import type * as registered from './index';

export { keySyncWorkflow as keySync } from './key-sync-workflow';
export { memberSyncWorkflow as memberSync } from './member-sync-workflow';
export { joinWorkflow as join } from './join-workflow';
export { archiveHistoryWorkflow as archiveHistory } from './archive-workflow';
export { driftWatchWorkflow as driftWatch } from './drift-watch-workflow';
export { keyAvailabilityWorkflow as keyAvailability } from './key-availability-workflow';
export { clusterInventoryWorkflow as clusterInventory } from './cluster-inventory-workflow';

/**
 * Compile-time only: every wire name of the contract is exported here, with the signature clients
 * start it by. A workflow whose input or result drifts from the contract fails the build.
 */
type ExportsMatchContract = typeof registered extends WorkflowSignatures ? true : never;
const _exportsMatchContract: ExportsMatchContract = true;
