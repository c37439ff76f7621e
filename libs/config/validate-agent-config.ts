// Validates an agent configuration (DESIGN 15): what one node agent on its own host needs, and
// nothing else. A file is an agent configuration when it has `agent`; validateWorkerConfig takes
// either shape, for the worker process, which runs an agent from either.
import { ConfigError } from './config-error';
import { ConfigReader, join } from './config-reader';
import type { Json } from './config-reader';
import type { AgentConfig, WorkerConfig } from './types';
import { readAgentMember, readId, readLocks, readPackageStore, readTemporal, validateConfig } from './validate-config';

const AGENT_FIELDS = ['temporal', 'packageStore', 'locks', 'agent'];

/** True when the parsed file has the agent configuration's `agent` section. */
export function looksLikeAgentConfig(raw: Json): boolean {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'agent' in raw;
}

/** Checks an agent configuration; throws a ConfigError listing every problem by field. */
export function validateAgentConfig(raw: Json, source: string, baseDir: string): AgentConfig {
  const r = new ConfigReader();
  // Clusters, approvers and principals belong to the orchestrator's and the API's file: here they
  // are unknown fields, so a copied full configuration is refused instead of half-used.
  const root = r.object(raw, '', AGENT_FIELDS) ?? {};
  const agent = r.object(root.agent, 'agent', ['cluster', 'member']) ?? {};
  const config: AgentConfig = {
    temporal: readTemporal(r, root.temporal, baseDir),
    packageStore: readPackageStore(r, root.packageStore, baseDir),
    agent: { cluster: readId(r, agent.cluster, join('agent', 'cluster')), member: readAgentMember(r, agent.member, join('agent', 'member'), baseDir) },
  };
  if (root.locks !== undefined) config.locks = readLocks(r, root.locks, baseDir);
  if (r.issues.length > 0) throw new ConfigError(source, r.issues);
  return config;
}

/** A full configuration or an agent configuration, by the presence of `agent`. */
export function validateWorkerConfig(raw: Json, source: string, baseDir: string): WorkerConfig {
  return looksLikeAgentConfig(raw) ? validateAgentConfig(raw, source, baseDir) : validateConfig(raw, source, baseDir);
}
