// Which node agents a worker process runs. A full configuration: every member of every cluster (the
// embedded shape), or the members --member names. An agent configuration: its one member. An agent
// needs its member's token in the configuration; the PIN sources of members it does not run are
// never read, and named once in a warning so an operator can remove them from that host's file.
import { hasToken, isAgentConfig } from '../../libs/config/types';
import type { MemberConfig, WorkerConfig } from '../../libs/config/types';

export interface AgentSpec {
  clusterId: string;
  member: MemberConfig;
}

const quoted = (ids: string[]): string => ids.map((id) => `"${id}"`).join(', ');

/** The agents this process runs, with a clear error for a member it cannot run. */
export function selectAgents(config: WorkerConfig, members: string[] | undefined, clusterId: string | undefined): AgentSpec[] {
  if (isAgentConfig(config)) {
    const { cluster, member } = config.agent;
    if (clusterId !== undefined && clusterId !== cluster) {
      throw new Error(`This agent configuration is for cluster "${cluster}", not "${clusterId}": check --cluster.`);
    }
    const others = (members ?? []).filter((id) => id !== member.id);
    if (others.length > 0) {
      throw new Error(`This agent configuration holds member "${member.id}" only, not ${quoted(others)}: each member's agent runs from its own agent configuration.`);
    }
    return [{ clusterId: cluster, member }];
  }

  const clusters = clusterId === undefined ? config.clusters : config.clusters.filter((cluster) => cluster.id === clusterId);
  if (clusterId !== undefined && clusters.length === 0) {
    throw new Error(`Cluster "${clusterId}" is not in the configuration; known clusters: ${config.clusters.map((cluster) => cluster.id).join(', ') || 'none'}.`);
  }
  const all = clusters.flatMap((cluster) => cluster.members.map((member) => ({ clusterId: cluster.id, member })));
  const chosen =
    members === undefined
      ? all
      : members.map((id) => {
          const matches = all.filter((spec) => spec.member.id === id);
          if (matches.length === 0) throw new Error(`Member "${id}" is not in the configuration${clusterId ? ` of cluster "${clusterId}"` : ''}; check --member and --cluster.`);
          if (matches.length > 1) throw new Error(`Member "${id}" is in several clusters (${matches.map((spec) => spec.clusterId).join(', ')}); name one with --cluster.`);
          return matches[0]!;
        });
  return chosen.map(({ clusterId: cluster, member }) => {
    if (!hasToken(member)) {
      throw new Error(
        `Member "${member.id}" of cluster "${cluster}" has no token in this configuration (pkcs11Module, tokenLabel, pin), so no agent can run for it here: ` +
          `run its agent on its own host with an agent configuration that holds its token${members === undefined ? ', or run this process with --orchestrator' : ''}.`,
      );
    }
    return { clusterId: cluster, member };
  });
}

export interface WorkerPlan {
  orchestrator: boolean;
  agents: AgentSpec[];
}

/**
 * What one worker process runs. Nothing named: the embedded shape (the orchestrator and every
 * member's agent) from a full configuration, the one agent from an agent configuration.
 * `orchestrator: true` without members: the orchestrator alone. Members: their agents, beside the
 * orchestrator only when asked.
 */
export function planWorkers(config: WorkerConfig, options: { members?: string[]; cluster?: string; orchestrator?: boolean }): WorkerPlan {
  const orchestrator = options.orchestrator ?? (options.members === undefined && !isAgentConfig(config));
  if (orchestrator && isAgentConfig(config)) {
    throw new Error('An agent configuration cannot run the orchestrator: it holds no cluster policy, approvers or audit archive. Run the orchestrator with a full configuration.');
  }
  const orchestratorAlone = options.orchestrator === true && options.members === undefined;
  return { orchestrator, agents: orchestratorAlone ? [] : selectAgents(config, options.members, options.cluster) };
}

/**
 * The fields of a full configuration that name a PIN source of a member this process runs no agent
 * for (`clusters[0].members[2].pin`): ignored, never read. Empty for an agent configuration.
 */
export function ignoredPinSources(config: WorkerConfig, agents: AgentSpec[]): string[] {
  if (isAgentConfig(config)) return [];
  const running = new Set(agents.map((agent) => `${agent.clusterId}\n${agent.member.id}`));
  return config.clusters.flatMap((cluster, c) =>
    cluster.members.flatMap((member, m) => (member.pin !== undefined && !running.has(`${cluster.id}\n${member.id}`) ? [`clusters[${c}].members[${m}].pin`] : [])),
  );
}
