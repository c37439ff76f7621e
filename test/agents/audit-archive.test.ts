import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditArchive, GENESIS_HASH } from '../../libs/audit-archive';
import type { ArchiveMeta } from '../../libs/audit-archive';

function meta(workflowId: string, members: string[] = ['node1', 'node2']): ArchiveMeta {
  return { workflowId, runId: `run-of-${workflowId}`, cluster: 'c1', members, kind: 'sync' };
}

describe('AuditArchive', () => {
  let dir: string;
  let archive: AuditArchive;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-audit-'));
    archive = new AuditArchive(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function appendThree(): Promise<void> {
    await archive.append('{"events":[1]}', meta('sync:c1:a'));
    await archive.append('{"events":[2]}', meta('sync:c1:a:node2', ['node2']));
    await archive.append('{"events":[3]}', meta('sync:c1:b'));
  }

  it('chains each index line to the one before and verifies a clean archive', async () => {
    await appendThree();
    const entries = await archive.list();
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(entries[0]?.prev).toBe(GENESIS_HASH);
    expect(entries[1]?.prev).not.toBe(GENESIS_HASH);
    expect(await archive.verifyChain()).toEqual({ ok: true, entries: 3, problems: [] });
    expect(await archive.readHistory(entries[1]!.digest)).toBe('{"events":[2]}');
  });

  it('lists entries by cluster, member, workflow id and kind', async () => {
    await appendThree();
    expect((await archive.list({ member: 'node2' })).map((entry) => entry.workflowId)).toEqual(['sync:c1:a', 'sync:c1:a:node2', 'sync:c1:b']);
    expect((await archive.list({ member: 'node1' })).map((entry) => entry.workflowId)).toEqual(['sync:c1:a', 'sync:c1:b']);
    expect(await archive.list({ cluster: 'other' })).toEqual([]);
    expect((await archive.list({ workflowId: 'sync:c1:b' })).length).toBe(1);
  });

  it('archives a retried append of the same run once', async () => {
    const first = await archive.append('{"events":[1]}', meta('sync:c1:a'));
    const again = await archive.append('{"events":[1]}', meta('sync:c1:a'));
    expect(again).toEqual(first);
    expect((await archive.list()).length).toBe(1);
  });

  it('keeps the chain intact under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, index) => archive.append(`{"n":${index}}`, meta(`sync:c1:${index}`))));
    expect(await archive.verifyChain()).toMatchObject({ ok: true, entries: 8 });
  });

  it('detects an edited index line', async () => {
    await appendThree();
    const indexPath = join(dir, 'index.jsonl');
    const text = await readFile(indexPath, 'utf8');
    await writeFile(indexPath, text.replace('"cluster":"c1","members":["node2"]', '"cluster":"c1","members":["node3"]'));
    const report = await archive.verifyChain();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({ line: 3, problem: expect.stringContaining('chain broken') as string });
  });

  it('detects a removed index line in the middle and at the end', async () => {
    await appendThree();
    const indexPath = join(dir, 'index.jsonl');
    const lines = (await readFile(indexPath, 'utf8')).split('\n').filter(Boolean);
    await writeFile(indexPath, `${lines[0]}\n${lines[2]}\n`);
    expect((await archive.verifyChain()).ok).toBe(false);
    await writeFile(indexPath, `${lines[0]}\n${lines[1]}\n`);
    const truncated = await archive.verifyChain();
    expect(truncated.ok).toBe(false);
    expect(truncated.problems[0]?.problem).toMatch(/head records entry 3/);
  });

  it('detects an altered or missing history file', async () => {
    await appendThree();
    const [first, second] = await archive.list();
    const alteredPath = archive.historyPath(first!.digest);
    await chmod(alteredPath, 0o640);
    await writeFile(alteredPath, '{"events":[]}');
    await rm(archive.historyPath(second!.digest));
    const report = await archive.verifyChain();
    expect(report.problems).toEqual([
      { line: 1, problem: `history file ${first!.digest}.json was altered` },
      { line: 2, problem: `history file ${second!.digest}.json is missing` },
    ]);
  });
});
