// An audit export on disk: one history per file (the SDK's proto JSON, replayable by any Temporal
// tool), a manifest naming each file's workflow and digest, and approvers.json, the registered
// approver keys at export time, so `audit verify` runs offline years later.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AuditArchive } from '../../libs/audit-archive';
import { sha256Hex } from '../../libs/digest';
import type { ChainReport } from '../../libs/audit-archive';
import type { Histories } from './api-client';
import type { HistoryToVerify, TrustedApprovers } from './audit-verify';
import { CliError, exitCodes } from './cli-error';

export const manifestFile = 'manifest.json';
export const approversFile = 'approvers.json';
const historiesDir = 'histories';

export interface ExportedHistory {
  workflowId: string;
  runId?: string;
  /** The history, as the SDK's proto JSON text. */
  json: string;
}

export interface Manifest {
  format: 'keysync-audit-export/1';
  operationId: string;
  exportedAt: string;
  source: string;
  histories: Array<{ workflowId: string; runId?: string; file: string; sha256: string }>;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The API's history answer as files to write: each workflow's history as proto JSON text. */
export function readHistoryAnswer(answer: Histories): ExportedHistory[] {
  return answer.histories.map(({ workflowId, runId, history }) => ({ workflowId, runId, json: JSON.stringify(history) }));
}

function fileNameOf(workflowId: string, runId: string | undefined, taken: Set<string>): string {
  const base = workflowId.replace(/[^A-Za-z0-9_.-]+/g, '_');
  let name = `${base}.json`;
  if (taken.has(name) && runId) name = `${base}_${runId}.json`;
  for (let index = 2; taken.has(name); index += 1) name = `${base}_${index}.json`;
  taken.add(name);
  return name;
}

export function writeExport(
  dir: string,
  operationId: string,
  source: string,
  histories: ExportedHistory[],
  approvers: { cluster: string; approvers: Array<{ id: string; publicKey: string }> },
): Manifest {
  mkdirSync(join(dir, historiesDir), { recursive: true });
  const taken = new Set<string>();
  const manifest: Manifest = { format: 'keysync-audit-export/1', operationId, exportedAt: new Date().toISOString(), source, histories: [] };
  for (const history of histories) {
    const file = join(historiesDir, fileNameOf(history.workflowId, history.runId, taken));
    writeFileSync(join(dir, file), history.json);
    manifest.histories.push({
      workflowId: history.workflowId,
      ...(history.runId ? { runId: history.runId } : {}),
      file,
      sha256: sha256Hex(history.json),
    });
  }
  writeFileSync(join(dir, approversFile), `${JSON.stringify({ ...approvers, registeredAt: source, exportedAt: manifest.exportedAt }, null, 2)}\n`);
  writeFileSync(join(dir, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    const why = error instanceof SyntaxError ? 'is not valid JSON' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new CliError('unreadable-file', `${path} ${why}.`, exitCodes.usage);
  }
}

/** The export folder a path belongs to: the folder itself, or the folder holding the manifest above a file. */
function bundleRoot(path: string): string | null {
  const candidates = statSync(path).isDirectory() ? [path] : [dirname(path), dirname(dirname(path))];
  return candidates.find((candidate) => existsSync(join(candidate, manifestFile)) || existsSync(join(candidate, approversFile))) ?? null;
}

export interface LoadedBundle {
  histories: HistoryToVerify[];
  /** approvers.json of the export, when there is one. */
  approversPath: string | null;
  /** Files whose bytes no longer match the manifest's digest. */
  digestMismatches: string[];
}

const archiveIndexFile = 'index.jsonl';

export function isAuditArchive(path: string): boolean {
  return statSync(path).isDirectory() && existsSync(join(path, archiveIndexFile));
}

/**
 * Reads the stack's audit archive (DESIGN section 2): every history its index lists, and the
 * index's own hash chain, so an entry edited, removed or reordered is reported too.
 */
export async function loadArchive(path: string): Promise<LoadedBundle & { chain: ChainReport }> {
  const archive = new AuditArchive(resolve(path));
  const chain = await archive.verifyChain();
  const entries = await archive.list();
  const histories = entries.map((entry) => {
    const file = archive.historyPath(entry.digest);
    let history: unknown = { events: null };
    try {
      history = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      // Reported by the chain check (missing or altered file) and as unreadable by the verification.
    }
    return { workflowId: entry.workflowId, runId: entry.runId, file, history };
  });
  return { histories, approversPath: null, digestMismatches: [], chain };
}

/** Reads a folder (an export, or any folder of history JSON files) or one history file. */
export function loadHistories(path: string): LoadedBundle {
  const target = resolve(path);
  if (!existsSync(target)) throw new CliError('not-found', `${path} does not exist.`, exitCodes.usage);
  const root = bundleRoot(target);
  const manifestPath = root ? join(root, manifestFile) : null;
  const manifest = manifestPath && existsSync(manifestPath) ? (readJson(manifestPath) as Partial<Manifest>) : null;
  const listed = new Map((manifest?.histories ?? []).map((entry) => [resolve(root as string, entry.file), entry]));

  let files: string[];
  if (statSync(target).isDirectory()) {
    files = listed.size > 0 ? [...listed.keys()] : historyFilesIn(target);
  } else {
    files = [target];
  }
  if (files.length === 0) throw new CliError('no-histories', `${path} holds no history files (*.json).`, exitCodes.usage);
  const digestMismatches: string[] = [];
  const histories = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const entry = listed.get(file);
    if (entry && sha256Hex(text) !== entry.sha256) digestMismatches.push(file);
    let history: unknown;
    try {
      history = JSON.parse(text) as unknown;
    } catch {
      history = { events: null };
    }
    return { workflowId: entry?.workflowId ?? null, ...(entry?.runId ? { runId: entry.runId } : {}), file, history };
  });
  const approversPath = root && existsSync(join(root, approversFile)) ? join(root, approversFile) : null;
  return { histories, approversPath, digestMismatches };
}

function historyFilesIn(dir: string): string[] {
  const own = readdirSync(dir)
    .filter((name) => name.endsWith('.json') && name !== manifestFile && name !== approversFile)
    .map((name) => join(dir, name));
  const nested = existsSync(join(dir, historiesDir)) ? historyFilesIn(join(dir, historiesDir)) : [];
  return [...own, ...nested].sort();
}

/**
 * Registered approver keys from a file: an export's approvers.json ({approvers: [...]}), a KeySync
 * configuration (every cluster's approvers, or only `cluster`'s), or a bare list.
 */
export function readTrustedApprovers(path: string, cluster?: string): TrustedApprovers {
  const value = readJson(path);
  const root = record(value);
  let list: unknown[] = [];
  if (Array.isArray(value)) list = value;
  else if (Array.isArray(root.approvers)) list = root.approvers;
  else if (Array.isArray(root.clusters)) {
    list = root.clusters
      .map(record)
      .filter((entry) => cluster === undefined || entry.id === cluster)
      .flatMap((entry): unknown[] => (Array.isArray(entry.approvers) ? (entry.approvers as unknown[]) : []));
  }
  const keys = new Map<string, string>();
  for (const approver of list.map(record)) {
    if (typeof approver.id === 'string' && typeof approver.publicKey === 'string') keys.set(approver.id, approver.publicKey);
  }
  if (keys.size === 0) throw new CliError('no-approver-keys', `${path} lists no approver keys ({id, publicKey}).`, exitCodes.usage);
  return { source: basename(path) === approversFile ? path : `${path}${cluster ? ` (cluster ${cluster})` : ''}`, keys };
}
