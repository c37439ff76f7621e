// Operation ids are workflow ids (DESIGN section 5), parsed once here so every route knows what
// kind of workflow it addresses, and refuses a malformed id with a 400 before asking Temporal.
import { ApiError } from '../errors/api-error';

const part = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}';
const syncPattern = new RegExp(`^sync:(${part}):(${part})$`);
const memberSyncPattern = new RegExp(`^sync:(${part}):(${part}):(${part})$`);
const joinPattern = new RegExp(`^join:(${part}):(${part})$`);

export type ParsedOperationId =
  | { kind: 'sync'; cluster: string; syncId: string }
  /** A memberSync started on its own (a package uploaded for one member). */
  | { kind: 'member-sync'; cluster: string; syncId: string; member: string }
  | { kind: 'join'; cluster: string; member: string };

export function parseOperationId(operationId: string): ParsedOperationId {
  let match = syncPattern.exec(operationId);
  if (match) return { kind: 'sync', cluster: match[1] as string, syncId: match[2] as string };
  match = memberSyncPattern.exec(operationId);
  if (match) return { kind: 'member-sync', cluster: match[1] as string, syncId: match[2] as string, member: match[3] as string };
  match = joinPattern.exec(operationId);
  if (match) return { kind: 'join', cluster: match[1] as string, member: match[2] as string };
  throw ApiError.badRequest(
    'invalid-operation-id',
    'An operation id looks like sync:<cluster>:<syncId>, sync:<cluster>:<syncId>:<member> or join:<cluster>:<member>. Use the operationId a start request returned.',
    [{ field: 'operationId', reason: 'is not an operation id' }],
  );
}

/** Where an operation is read: the path the Location header of a start points at. */
export function operationLocation(operationId: string): string {
  return `/v1/operations/${encodeURIComponent(operationId)}`;
}
