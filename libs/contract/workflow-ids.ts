// Workflow ids (DESIGN section 5), built here and parsed here. An operation's id is its workflow's
// id, so the API, the CLI, the workflows and the audit archive all name an operation the same way,
// and an operation id is always one of the shapes parseOperationId reads.

/** One part of an id (a cluster, a member, a sync id): what a workflow id and a task queue can safely hold. */
export const idPartPattern = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}';

/** The id of a keySync: `sync:<cluster>:<syncId>`. */
export function keySyncWorkflowId(cluster: string, syncId: string): string {
  return `sync:${cluster}:${syncId}`;
}

/** The id of one member's sync inside a keySync: `sync:<cluster>:<syncId>:<member>`. */
export function memberSyncWorkflowId(keySyncId: string, member: string): string {
  return `${keySyncId}:${member}`;
}

/** The id of a join: `join:<cluster>:<member>`. */
export function joinWorkflowId(cluster: string, member: string): string {
  return `join:${cluster}:${member}`;
}

/** The syncId of the keySync a join starts to bring every key to its member. */
export function joinSyncId(member: string): string {
  return `join-${member}`;
}

/** The id of a retire: `retire:<cluster>:<retireId>`. */
export function retireWorkflowId(cluster: string, retireId: string): string {
  return `retire:${cluster}:${retireId}`;
}

/** The id of one member's part of a retire: `retire:<cluster>:<retireId>:<member>`, that member's audit record of it. */
export function memberRetireWorkflowId(retireId: string, member: string): string {
  return `${retireId}:${member}`;
}

/**
 * The tombstone of a retired key: `tombstone:<cluster>:<class>:<id>`. One per key, so a drift
 * watch, a sync and the API find it by the key alone (workflows/tombstone-workflow.ts).
 */
export function tombstoneWorkflowId(cluster: string, keyClass: string, keyId: string): string {
  return `tombstone:${cluster}:${keyClass}:${keyId.toLowerCase()}`;
}

/** A cluster's store of approvers' security key credentials: `credentials:<cluster>` (workflows/credential-store-workflow.ts). */
export function credentialStoreWorkflowId(cluster: string): string {
  return `credentials:${cluster}`;
}

/**
 * Which workflow receives approvals for `member` in operation `operationId`: a join and a retire
 * take them themselves (a retire's once, for every member: member `*`); a keySync's member
 * approves its own memberSync.
 */
export function approvalWorkflowId(operationId: string, member: string): string {
  return operationId.startsWith('join:') || operationId.startsWith('retire:') ? operationId : memberSyncWorkflowId(operationId, member);
}

/** The archiving of one closed run: `archive:<workflowId>:<runId>`. */
export function archiveWorkflowId(workflowId: string, runId: string): string {
  return `archive:${workflowId}:${runId}`;
}

/** One notification of one run: `notify:<workflowId>:<runId>:<event>` (workflows/notify-workflow.ts); also the event's id. */
export function notifyWorkflowId(workflowId: string, runId: string, event: string): string {
  return `notify:${workflowId}:${runId}:${event}`;
}

/** A cluster's drift watch: `drift:<cluster>`, the id of its Schedule and of the runs it starts (Temporal appends the time). */
export function driftWatchWorkflowId(cluster: string): string {
  return `drift:${cluster}`;
}

/** One availability request: `availability:<cluster>:<keyId>:<requestId>`. */
export function keyAvailabilityWorkflowId(cluster: string, keyId: string, requestId: string): string {
  return `availability:${cluster}:${keyId}:${requestId}`;
}

/** One inventory request: `inventory:<cluster>:<requestId>`. */
export function clusterInventoryWorkflowId(cluster: string, requestId: string): string {
  return `inventory:${cluster}:${requestId}`;
}

export type ParsedOperationId =
  | { kind: 'sync'; cluster: string; syncId: string }
  /** A keySync's member, or a memberSync started on its own (a package uploaded for one member). */
  | { kind: 'member-sync'; cluster: string; syncId: string; member: string }
  | { kind: 'join'; cluster: string; member: string }
  | { kind: 'retire'; cluster: string; retireId: string }
  /** One member's part of a retire: its audit record. */
  | { kind: 'member-retire'; cluster: string; retireId: string; member: string };

/** What an operation id looks like, for messages that refuse one. */
export const operationIdShapes =
  'sync:<cluster>:<syncId>, sync:<cluster>:<syncId>:<member>, join:<cluster>:<member>, retire:<cluster>:<retireId> or retire:<cluster>:<retireId>:<member>';

/** Every operation id in one expression, for a schema that must state what the parser accepts. */
export const operationIdPattern = new RegExp(
  `^(?:(?:sync|retire):${idPartPattern}:${idPartPattern}(?::${idPartPattern})?|join:${idPartPattern}:${idPartPattern})$`,
);

const syncPattern = new RegExp(`^sync:(${idPartPattern}):(${idPartPattern})$`);
const memberSyncPattern = new RegExp(`^sync:(${idPartPattern}):(${idPartPattern}):(${idPartPattern})$`);
const joinPattern = new RegExp(`^join:(${idPartPattern}):(${idPartPattern})$`);
const retirePattern = new RegExp(`^retire:(${idPartPattern}):(${idPartPattern})$`);
const memberRetirePattern = new RegExp(`^retire:(${idPartPattern}):(${idPartPattern}):(${idPartPattern})$`);

/** What kind of operation an id addresses and its parts; null for anything that is not an operation id. */
export function parseOperationId(operationId: string): ParsedOperationId | null {
  let match = syncPattern.exec(operationId);
  if (match) return { kind: 'sync', cluster: match[1] as string, syncId: match[2] as string };
  match = memberSyncPattern.exec(operationId);
  if (match) return { kind: 'member-sync', cluster: match[1] as string, syncId: match[2] as string, member: match[3] as string };
  match = joinPattern.exec(operationId);
  if (match) return { kind: 'join', cluster: match[1] as string, member: match[2] as string };
  match = retirePattern.exec(operationId);
  if (match) return { kind: 'retire', cluster: match[1] as string, retireId: match[2] as string };
  match = memberRetirePattern.exec(operationId);
  if (match) return { kind: 'member-retire', cluster: match[1] as string, retireId: match[2] as string, member: match[3] as string };
  return null;
}
