// Operation ids are workflow ids (DESIGN section 5), parsed by the contract's one parser so every
// route knows what kind of workflow it addresses, and refuses a malformed id with a 400 before
// asking Temporal.
import { operationIdPattern, operationIdShapes, parseOperationId as parseId } from '../../../libs/contract/workflow-ids';
import type { ParsedOperationId } from '../../../libs/contract/workflow-ids';
import { ApiError } from '../errors/api-error';
import type { StringRule } from '../validation/rules';

/** The three shapes the contract's parser reads, as one rule for the path parameter, which validates and documents it. */
export const operationIdRule: StringRule = {
  pattern: operationIdPattern,
  minLength: 'join:a:b'.length,
  maxLength: `sync:${'c'.repeat(64)}:${'s'.repeat(64)}:${'m'.repeat(64)}`.length,
  reason: `must be an operation id (${operationIdShapes}), as a start request returned it`,
};

export type { ParsedOperationId } from '../../../libs/contract/workflow-ids';

/** The parsed id, or a 400 that says what an operation id looks like. */
export function parseOperationId(operationId: string): ParsedOperationId {
  const parsed = parseId(operationId);
  if (parsed !== null) return parsed;
  throw ApiError.badRequest(
    'invalid-operation-id',
    `An operation id looks like ${operationIdShapes}. Use the operationId a start request returned.`,
    [{ field: 'operationId', reason: 'is not an operation id' }],
  );
}

/** Where an operation is read: the path the Location header of a start points at. */
export function operationLocation(operationId: string): string {
  return `/v1/operations/${encodeURIComponent(operationId)}`;
}
