// Moved to libs/contract: re-exported here until every importer reads it from there.
export { memberTaskQueue, orchestratorTaskQueue } from '../libs/contract/task-queues';
export { workflowTypes } from '../libs/contract/workflow-types';
