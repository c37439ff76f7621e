// Workflow histories for the tests: fetch them as the SDK's proto JSON (what the audit archive and
// replay use), read them as text with every payload decoded (payload data is base64 in that JSON,
// so a plain search would miss a secret), scan them for secrets, and record them for replay tests.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { decodePackage } from '../../../libs/hsm';

export const historiesDir = join(__dirname, '..', 'histories');

export async function fetchHistoryJson(client: Client, workflowId: string, runId?: string): Promise<string> {
  return historyToJSON(await client.workflow.getHandle(workflowId, runId).fetchHistory());
}

/** The history's JSON followed by the decoded text of each of its payloads. */
export function readableHistory(historyJson: string): string {
  const decoded: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record.data === 'string' && typeof record.metadata === 'object') {
        decoded.push(Buffer.from(record.data, 'base64').toString('utf8'));
      }
      Object.values(record).forEach(visit);
    }
  };
  visit(JSON.parse(historyJson));
  return [historyJson, ...decoded].join('\n');
}

/** What must never be in a history: the PINs, each wrapped key of each package, each join blob. */
export function secretsToLookFor(pins: Record<string, string>, packageDir: string): string[] {
  const secrets = Object.values(pins);
  let files: string[] = [];
  try {
    files = readdirSync(packageDir).filter((name) => !name.startsWith('.'));
  } catch {
    files = [];
  }
  for (const name of files) {
    const bytes = readFileSync(join(packageDir, name));
    try {
      for (const entry of decodePackage(bytes).entries) secrets.push(entry.wrappedKey.slice(0, 40));
    } catch {
      // Not a package: a join's wrapped-secrets blob. Its bytes must not appear in any encoding.
      secrets.push(bytes.toString('base64').slice(0, 40), bytes.toString('hex').slice(0, 40));
    }
  }
  return secrets;
}

/** The secrets found in a history (empty when it is clean). Reports which kind, never the value. */
export function secretsIn(historyJson: string, secrets: readonly string[]): number {
  const text = readableHistory(historyJson);
  return secrets.filter((secret) => secret.length >= 8 && text.includes(secret)).length;
}

/** Where each recorded history's workflow id is kept: replay needs the id the history ran under. */
export const historyIndexPath = join(historiesDir, 'workflow-ids.json');

export function readHistoryIndex(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(historyIndexPath, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Writes a history under test/workflows/histories when KEYSYNC_RECORD_HISTORIES is set (see replay.test.ts). */
export function recordHistory(name: string, workflowId: string, historyJson: string): void {
  if (!process.env.KEYSYNC_RECORD_HISTORIES) return;
  writeFileSync(join(historiesDir, `${name}.json`), JSON.stringify(JSON.parse(historyJson), null, 1) + '\n');
  // Test files record in parallel: read, add and write back at once to keep every entry.
  const index = { ...readHistoryIndex(), [name]: workflowId };
  const sorted = Object.fromEntries(Object.entries(index).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(historyIndexPath, JSON.stringify(sorted, null, 2) + '\n');
}

/** The decoded inputs of every activity of this type the history scheduled, in order (none: the activity never ran). */
export function scheduledActivityInputs(historyJson: string, activityType: string): unknown[] {
  interface Scheduled {
    activityType?: { name?: string };
    input?: { payloads?: Array<{ data?: string }> };
  }
  const events = (JSON.parse(historyJson) as { events: Array<{ activityTaskScheduledEventAttributes?: Scheduled }> }).events;
  return events
    .map((event) => event.activityTaskScheduledEventAttributes)
    .filter((scheduled): scheduled is Scheduled => scheduled?.activityType?.name === activityType)
    .map((scheduled) => {
      const data = scheduled.input?.payloads?.[0]?.data;
      return data === undefined ? undefined : (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown);
    });
}
