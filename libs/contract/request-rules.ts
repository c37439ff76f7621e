// What makes a sync or a join request valid against its cluster, written once: the API checks a
// request with these before it starts anything (400 with each field's problem), and keySync and
// join check their input with the same rules (failure `invalid-input`), because an input typed in
// the Temporal UI never passed the API. Pure: no I/O, no workflow API.

/** One thing wrong with a request: the field, and why, phrased to follow the field's name. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** The members of the cluster a request names (a ClusterSnapshot or a configured cluster's ids). */
export interface RequestCluster {
  id: string;
  members: readonly string[];
}

export interface SyncRequest {
  source: string;
  targets?: readonly string[];
  repair?: boolean;
  requestedBy: string;
}

export interface JoinRequest {
  member: string;
  sponsor: string;
  requestedBy: string;
}

/** "source node9 is not a member ...; targets repeat a member": the problems as one sentence. */
export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((problem) => `${problem.field} ${problem.reason}`).join('; ');
}

/** The members a sync goes to: the given targets, else every member but the source (a repair: the source alone). */
export function syncTargets(request: Pick<SyncRequest, 'source' | 'targets' | 'repair'>, members: readonly string[]): string[] {
  if (request.targets !== undefined) return [...request.targets];
  return request.repair ? [request.source] : members.filter((member) => member !== request.source);
}

export function syncRequestProblems(request: SyncRequest, cluster: RequestCluster): FieldProblem[] {
  const members = new Set(cluster.members);
  const targets = syncTargets(request, cluster.members);
  const problems = requesterProblems(request.requestedBy, 'sync');
  if (!members.has(request.source)) problems.push({ field: 'source', reason: `${request.source} is not ${membershipOf(cluster)}` });
  for (const target of targets) {
    if (!members.has(target)) problems.push({ field: 'targets', reason: `${target} is not a member of cluster ${cluster.id}` });
    if (target === request.source && !request.repair) problems.push({ field: 'targets', reason: `${target} is the source` });
    if (target !== request.source && request.repair) problems.push({ field: 'targets', reason: `include ${target}, but a repair's only target is its own member ${request.source}` });
  }
  if (new Set(targets).size !== targets.length) problems.push({ field: 'targets', reason: 'repeat a member' });
  if (targets.length === 0) problems.push({ field: 'targets', reason: 'leave no member to sync to' });
  return problems;
}

export function joinRequestProblems(request: JoinRequest, cluster: RequestCluster): FieldProblem[] {
  const members = new Set(cluster.members);
  const problems = requesterProblems(request.requestedBy, 'join');
  if (!members.has(request.member)) problems.push({ field: 'member', reason: `${request.member} is not ${membershipOf(cluster)}` });
  if (!members.has(request.sponsor)) problems.push({ field: 'sponsor', reason: `${request.sponsor} is not ${membershipOf(cluster)}` });
  if (request.member === request.sponsor) problems.push({ field: 'sponsor', reason: 'is the joining member: name another member, one that holds the cluster secrets' });
  return problems;
}

export interface RetireRequest {
  key: { class: string; id: string; fingerprint: string };
  holders: readonly string[];
  exportable: boolean;
  allowWithoutRecovery?: boolean;
  requestedBy: string;
}

/** A retire's input (DESIGN 13): the API builds it from the members' inventories; an input typed by hand is checked the same way. */
export function retireRequestProblems(request: RetireRequest, cluster: RequestCluster): FieldProblem[] {
  const problems = requesterProblems(request.requestedBy, 'retire');
  if (request.key.class !== 'private' && request.key.class !== 'secret') problems.push({ field: 'key.class', reason: 'must be private or secret' });
  if (!/^(?:[0-9a-f]{2})+$/.test(request.key.id)) problems.push({ field: 'key.id', reason: 'must be a CKA_ID in lower-case hex' });
  if (!/^[0-9a-f]+$/.test(request.key.fingerprint)) problems.push({ field: 'key.fingerprint', reason: 'must be the key fingerprint in lower-case hex, as the inventory shows it' });
  for (const holder of request.holders) {
    if (!cluster.members.includes(holder)) problems.push({ field: 'holders', reason: `${holder} is not a member of cluster ${cluster.id}` });
  }
  if (!request.exportable && request.allowWithoutRecovery !== true) {
    problems.push({ field: 'allowWithoutRecovery', reason: 'must be true to retire a key no member can export: there will be no recovery package' });
  }
  if (request.exportable && request.holders.length === 0) problems.push({ field: 'holders', reason: 'must name a member that holds the key, to export its recovery package' });
  return problems;
}

/** The four-eyes rule compares approvers with the requester: an input typed by hand must name one. */
function requesterProblems(requestedBy: unknown, operation: 'sync' | 'join' | 'retire'): FieldProblem[] {
  if (typeof requestedBy === 'string' && requestedBy.trim() !== '') return [];
  return [{ field: 'requestedBy', reason: `is missing: name who asks for the ${operation} (no requester may approve it)` }];
}

function membershipOf(cluster: RequestCluster): string {
  return `a member of cluster ${cluster.id} (members: ${cluster.members.join(', ')})`;
}
