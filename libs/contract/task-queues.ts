// Task queues (DESIGN section 2): the orchestrator runs workflows on `keysync`; each member's node
// agent, the only code that opens that member's HSM, polls `keysync.<cluster>.<member>`.

export const orchestratorTaskQueue = 'keysync';

export function memberTaskQueue(cluster: string, member: string): string {
  return `keysync.${cluster}.${member}`;
}
