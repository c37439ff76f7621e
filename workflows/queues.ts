// Task queues (DESIGN section 2): the orchestrator runs workflows on `keysync`; each member's node
// agent, the only code that opens that member's HSM, polls `keysync.<cluster>.<member>`.

export const orchestratorTaskQueue = 'keysync';

export function memberTaskQueue(cluster: string, member: string): string {
  return `keysync.${cluster}.${member}`;
}

/** Workflow type names, as the worker registers them and clients start them (DESIGN section 5). */
export const workflowTypes = {
  keySync: 'keySync',
  memberSync: 'memberSync',
  join: 'join',
  archiveHistory: 'archiveHistory',
} as const;
