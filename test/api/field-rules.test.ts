// The rules the field decorators validate and document (apps/api/validation): each agrees with
// what the rest of the system reads, so the OpenAPI document never promises what the server refuses.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { AvailabilityQueryDto, waitSeconds } from '../../apps/api/availability/availability.dto';
import { jsonBodyLimit } from '../../apps/api/http/body-limits';
import { operationIdRule } from '../../apps/api/operations/operation-id';
import { SyncRequestDto } from '../../apps/api/syncs/sync-request.dto';
import { followsRule } from '../../apps/api/validation/fields';
import { reasonRule } from '../../apps/api/validation/rules';
import { parseOperationId } from '../../libs/contract/workflow-ids';

const problemsOf = async <T extends object>(type: new () => T, plain: object) => validate(plainToInstance(type, plain), { whitelist: true, forbidNonWhitelisted: true });

describe('field rules', () => {
  it('the operation id rule accepts exactly the ids the contract parses', () => {
    const candidates = [
      'sync:demo:abc',
      'sync:demo:k-0123:node2',
      'join:demo:node3',
      'sync:demo',
      'join:demo:a:b',
      'sync::x',
      'sync:demo:abc:node2:x',
      'x:demo:abc',
      'sync:-bad:abc',
      `sync:${'a'.repeat(64)}:${'b'.repeat(64)}:${'c'.repeat(64)}`,
      `sync:${'a'.repeat(65)}:b`,
      'join:demo:node3\n',
    ];
    for (const id of candidates) expect(followsRule(id, operationIdRule), id).toBe(parseOperationId(id) !== null);
  });

  it('lengths count code points, as JSON Schema does: 500 emoji are a reason, 501 are not', () => {
    expect(followsRule('😀'.repeat(500), reasonRule)).toBe(true);
    expect(followsRule('😀'.repeat(501), reasonRule)).toBe(false);
    expect(followsRule('', reasonRule)).toBe(false);
  });

  it('a wait is at most 120 s in every unit, and the rule alone says so', async () => {
    expect(['0', '120', '120s', '500ms', '120000ms', '2m'].map(waitSeconds)).toEqual([0, 120, 120, 0.5, 120, 120]);
    for (const wait of ['121', '121s', '120001ms', '3m', '1.5s', '0030s', '']) {
      expect(await problemsOf(AvailabilityQueryDto, { wait }), wait).not.toEqual([]);
    }
  });

  it('the largest sync request the rules allow fits in a JSON body, even with every character of its reason escaped', async () => {
    const longest = {
      source: 's'.repeat(64),
      targets: Array.from({ length: 256 }, (_, index) => String(index).padStart(64, 't')),
      keyIds: Array.from({ length: 256 }, () => 'ab'.repeat(64)),
      reason: '😀'.repeat(500),
    };
    expect(await problemsOf(SyncRequestDto, longest)).toEqual([]);
    expect(await problemsOf(SyncRequestDto, { ...longest, keyIds: [...longest.keyIds, 'cd'] })).not.toEqual([]);
    // JSON as Python's json.dumps writes it by default: every non-ASCII character as \u escapes.
    const text = JSON.stringify(longest).replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const limit = Number(/^(\d+)kb$/.exec(jsonBodyLimit)?.[1]) * 1024;
    expect(Buffer.byteLength(text)).toBeLessThan(limit);
  });
});
