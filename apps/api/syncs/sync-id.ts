// The syncId of a keySync started through the API (a sync or a repair), derived from the optional
// Idempotency-Key so a retried request addresses the same workflow id and Temporal itself
// refuses a second start: no store of keys besides Temporal.
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../../libs/digest';
import { followsRule } from '../validation/fields';
import { idempotencyKeyRule } from '../validation/rules';

/** The header as the OpenAPI document describes it, on every route that takes it: the rule idempotencyKeyProblem checks. */
export const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same key and body: the same operation; same key, other body: 409.',
  schema: { type: 'string', pattern: idempotencyKeyRule.pattern?.source, minLength: idempotencyKeyRule.minLength, maxLength: idempotencyKeyRule.maxLength },
} as const;

/** What is wrong with an Idempotency-Key header, as a field problem; null when it is absent or fine. */
export function idempotencyKeyProblem(idempotencyKey: string | undefined): { field: string; reason: string } | null {
  if (idempotencyKey === undefined || followsRule(idempotencyKey, idempotencyKeyRule)) return null;
  return { field: 'Idempotency-Key', reason: idempotencyKeyRule.reason };
}

/**
 * Same principal + key -> same syncId -> same workflow id. The principal is part of it, so two
 * callers who pick the same key never meet; the key itself is hashed, so it never shows in an id.
 */
export function syncIdFor(principalId: string, idempotencyKey: string | undefined): string {
  return idempotencyKey ? `k-${sha256Hex(`${principalId}\n${idempotencyKey}`).slice(0, 40)}` : randomUUID();
}
