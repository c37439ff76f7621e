// Append-only archive of finished workflow histories (DESIGN section 2). Each history is a file
// named by its SHA-256; `index.jsonl` lists them, and every index line carries the hash of the
// line before it, so an edited, removed or reordered entry breaks the chain and is detected.
import { constants } from 'node:fs';
import { appendFile, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../digest';
import { fsyncPath, replaceFile, writeImmutableFile } from '../durable-file';

export interface ArchiveMeta {
  workflowId: string;
  runId: string;
  cluster: string;
  members: string[];
  /** The workflow type's role: sync, member-sync, join, drift-watch... */
  kind: string;
}

export interface ArchiveEntry extends ArchiveMeta {
  seq: number;
  /** SHA-256 of the history file's bytes, hex: the file's name. */
  digest: string;
  size: number;
  archivedAt: string;
  /** SHA-256 of the previous index line (without its newline); 64 zeros for the first. */
  prev: string;
}

export interface ArchiveFilter {
  cluster?: string;
  member?: string;
  workflowId?: string;
  kind?: string;
}

export interface ChainProblem {
  /** 1-based line of index.jsonl. */
  line: number;
  problem: string;
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  problems: ChainProblem[];
}

export const GENESIS_HASH = '0'.repeat(64);
const INDEX_FILE = 'index.jsonl';
/** Hash and count of the last index line: without it, removing the newest lines would go unseen. */
const HEAD_FILE = 'head.json';
const HISTORIES_DIR = 'histories';
const LOCK_FILE = '.append.lock';
const LOCK_STALE_MS = 30_000;

export class AuditArchive {
  /** Serializes appends inside this process; the lock file serializes them across processes. */
  private appendQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  historyPath(digest: string): string {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new TypeError('An archive digest is 64 lower-case hex characters (SHA-256).');
    return join(this.dir, HISTORIES_DIR, `${digest}.json`);
  }

  /**
   * Archives one history. Appending the same history of the same run again (a retried activity)
   * returns the existing entry instead of adding a second one.
   */
  append(historyJson: string, meta: ArchiveMeta): Promise<ArchiveEntry> {
    const next = this.appendQueue.then(() => this.withLock(() => this.appendLocked(historyJson, meta)));
    this.appendQueue = next.catch(() => undefined);
    return next;
  }

  async readHistory(digest: string): Promise<string> {
    const bytes = await readFile(this.historyPath(digest));
    if (sha256Hex(bytes) !== digest) throw new Error(`Archived history ${digest} does not match its digest: the archive was altered.`);
    return bytes.toString('utf8');
  }

  async list(filter: ArchiveFilter = {}): Promise<ArchiveEntry[]> {
    const { entries } = await this.readIndex();
    return entries
      .map((entry) => entry.entry)
      .filter((entry): entry is ArchiveEntry => entry !== null)
      .filter(
        (entry) =>
          (filter.cluster === undefined || entry.cluster === filter.cluster) &&
          (filter.member === undefined || entry.members.includes(filter.member)) &&
          (filter.workflowId === undefined || entry.workflowId === filter.workflowId) &&
          (filter.kind === undefined || entry.kind === filter.kind),
      );
  }

  /** Walks the index: each line's prev matches the line before, each file exists and hashes to its name. */
  async verifyChain(): Promise<ChainReport> {
    const { entries } = await this.readIndex();
    const problems: ChainProblem[] = [];
    let expectedPrev = GENESIS_HASH;
    for (const [index, { raw, entry }] of entries.entries()) {
      const line = index + 1;
      if (entry === null) {
        problems.push({ line, problem: 'not a valid index entry' });
      } else {
        if (entry.prev !== expectedPrev) problems.push({ line, problem: 'chain broken: prev does not match the hash of the line before (an entry was edited, removed or reordered)' });
        if (entry.seq !== line) problems.push({ line, problem: `sequence ${entry.seq} where ${line} was expected` });
        problems.push(...(await this.checkHistoryFile(entry, line)));
      }
      expectedPrev = sha256Hex(raw);
    }
    const head = await this.readHead();
    if (head && (head.seq !== entries.length || head.hash !== expectedPrev)) {
      problems.push({ line: entries.length, problem: `index ends at entry ${entries.length} but the head records entry ${head.seq}: entries were removed or added outside the archive` });
    }
    return { ok: problems.length === 0, entries: entries.length, problems };
  }

  private async checkHistoryFile(entry: ArchiveEntry, line: number): Promise<ChainProblem[]> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.historyPath(entry.digest));
    } catch {
      return [{ line, problem: `history file ${entry.digest}.json is missing` }];
    }
    if (sha256Hex(bytes) !== entry.digest) return [{ line, problem: `history file ${entry.digest}.json was altered` }];
    return [];
  }

  private async appendLocked(historyJson: string, meta: ArchiveMeta): Promise<ArchiveEntry> {
    const bytes = Buffer.from(historyJson, 'utf8');
    const digest = sha256Hex(bytes);
    const { entries } = await this.readIndex();
    const existing = entries.find(
      ({ entry }) => entry !== null && entry.digest === digest && entry.workflowId === meta.workflowId && entry.runId === meta.runId,
    );
    if (existing?.entry) return existing.entry;

    // The same bytes already archived by another run are shared; a history file is never rewritten.
    await writeImmutableFile(this.historyPath(digest), bytes);
    const last = entries.at(-1);
    const entry: ArchiveEntry = {
      seq: entries.length + 1,
      workflowId: meta.workflowId,
      runId: meta.runId,
      cluster: meta.cluster,
      members: [...meta.members],
      kind: meta.kind,
      digest,
      size: bytes.byteLength,
      archivedAt: new Date().toISOString(),
      prev: last ? sha256Hex(last.raw) : GENESIS_HASH,
    };
    const indexPath = join(this.dir, INDEX_FILE);
    await appendFile(indexPath, `${JSON.stringify(entry)}\n`, { mode: 0o640 });
    await fsyncPath(indexPath);
    await this.writeHead({ seq: entry.seq, hash: sha256Hex(JSON.stringify(entry)) });
    return entry;
  }

  private async readHead(): Promise<{ seq: number; hash: string } | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, HEAD_FILE), 'utf8')) as { seq: number; hash: string };
    } catch {
      return null;
    }
  }

  private async writeHead(head: { seq: number; hash: string }): Promise<void> {
    await replaceFile(join(this.dir, HEAD_FILE), JSON.stringify(head));
  }

  private async readIndex(): Promise<{ entries: { raw: string; entry: ArchiveEntry | null }[] }> {
    let text: string;
    try {
      text = await readFile(join(this.dir, INDEX_FILE), 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return { entries: [] };
      throw error;
    }
    const lines = text.split('\n').filter((line) => line.length > 0);
    return { entries: lines.map((raw) => ({ raw, entry: parseEntry(raw) })) };
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const lockPath = join(this.dir, LOCK_FILE);
    for (;;) {
      try {
        const handle = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        await handle.close();
        break;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        // A process killed while holding the lock leaves it behind: take it over once it is old.
        const lockAge = await stat(lockPath).then((info) => Date.now() - info.mtimeMs, () => 0);
        if (lockAge > LOCK_STALE_MS) await rm(lockPath, { force: true });
        else await sleep(20);
      }
    }
    try {
      return await work();
    } finally {
      await rm(lockPath, { force: true });
    }
  }
}

function parseEntry(raw: string): ArchiveEntry | null {
  try {
    const value = JSON.parse(raw) as Partial<ArchiveEntry>;
    if (
      typeof value.seq === 'number' &&
      typeof value.digest === 'string' &&
      typeof value.prev === 'string' &&
      typeof value.workflowId === 'string' &&
      typeof value.runId === 'string' &&
      typeof value.cluster === 'string' &&
      Array.isArray(value.members) &&
      typeof value.kind === 'string'
    ) {
      return value as ArchiveEntry;
    }
  } catch {
    // Falls through: a line that is not JSON is reported by verifyChain, skipped by list.
  }
  return null;
}
