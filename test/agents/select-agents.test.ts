// Which node agents a worker process runs: every member by default (embedded), the named ones
// with --member, the one member of an agent configuration, and a clear refusal for a member or
// cluster the configuration lacks or a member whose token it does not hold.
import { describe, expect, it } from 'vitest';
import { ignoredPinSources, planWorkers, selectAgents } from '../../apps/worker/select-agents';
import type { AgentConfig, ClusterConfig, KeySyncConfig } from '../../libs/config/types';

function cluster(id: string, members: string[]): ClusterConfig {
  return {
    id,
    founder: members[0]!,
    members: members.map((member) => ({ id: member, pkcs11Module: '/m.so', tokenLabel: `${id}-${member}`, pin: { env: 'PIN' } })),
    approvers: [],
    policy: { sync: { approvals: 0, timeoutSeconds: 1 }, join: { approvals: 0, timeoutSeconds: 1 }, parallelism: 1, packageTtlSeconds: 60, drift: { mode: 'off', intervalSeconds: 60 } },
  };
}

const config: KeySyncConfig = {
  temporal: { address: 'localhost:7233', namespace: 'default' },
  api: { port: 3000 },
  packageStore: { dir: '/tmp/p' },
  auditArchive: { dir: '/tmp/a' },
  clusters: [cluster('east', ['node1', 'node2']), cluster('west', ['node1', 'node9'])],
  principals: [],
};

/** The orchestrator's configuration: member ids only, no token and no PIN source. */
const orchestratorConfig: KeySyncConfig = { ...config, clusters: [{ ...cluster('east', ['node1', 'node2']), members: [{ id: 'node1' }, { id: 'node2' }] }] };

const agentConfig: AgentConfig = {
  temporal: config.temporal,
  packageStore: config.packageStore,
  agent: { cluster: 'east', member: { id: 'node2', pkcs11Module: '/m.so', tokenLabel: 'east-node2', pin: { file: '/host/node2.pin' } } },
};

const names = (specs: ReturnType<typeof selectAgents>) => specs.map((spec) => `${spec.clusterId}.${spec.member.id}`);

describe('selectAgents', () => {
  it('runs an agent for every member of every cluster when no member is named', () => {
    expect(names(selectAgents(config, undefined, undefined))).toEqual(['east.node1', 'east.node2', 'west.node1', 'west.node9']);
  });

  it('runs only the named members, in the named cluster', () => {
    expect(names(selectAgents(config, ['node9'], undefined))).toEqual(['west.node9']);
    expect(names(selectAgents(config, ['node1', 'node2'], 'east'))).toEqual(['east.node1', 'east.node2']);
  });

  it('refuses a member id shared by two clusters unless the cluster is named', () => {
    expect(() => selectAgents(config, ['node1'], undefined)).toThrow(/several clusters \(east, west\); name one with --cluster/);
  });

  it('refuses an unknown member or cluster, saying which', () => {
    expect(() => selectAgents(config, ['node7'], undefined)).toThrow(/Member "node7" is not in the configuration/);
    expect(() => selectAgents(config, ['node1'], 'north')).toThrow(/Cluster "north" is not in the configuration; known clusters: east, west/);
  });

  it('runs the one member of an agent configuration, and refuses another member or cluster by name', () => {
    expect(names(selectAgents(agentConfig, undefined, undefined))).toEqual(['east.node2']);
    expect(names(selectAgents(agentConfig, ['node2'], 'east'))).toEqual(['east.node2']);
    expect(() => selectAgents(agentConfig, ['node1'], undefined)).toThrow(/holds member "node2" only, not "node1": each member's agent runs from its own agent configuration/);
    expect(() => selectAgents(agentConfig, undefined, 'west')).toThrow(/is for cluster "east", not "west": check --cluster/);
  });

  it('refuses to run an agent for a member whose token the configuration leaves out', () => {
    expect(() => selectAgents(orchestratorConfig, ['node2'], undefined)).toThrow(
      /Member "node2" of cluster "east" has no token in this configuration \(pkcs11Module, tokenLabel, pin\), so no agent can run for it here: run its agent on its own host with an agent configuration/,
    );
    expect(() => selectAgents(orchestratorConfig, undefined, undefined)).toThrow(/or run this process with --orchestrator/);
  });
});

describe('planWorkers', () => {
  it('runs the orchestrator and every agent by default, the orchestrator alone with orchestrator: true', () => {
    expect(names(planWorkers(config, {}).agents)).toHaveLength(4);
    expect(planWorkers(config, {}).orchestrator).toBe(true);
    expect(planWorkers(orchestratorConfig, { orchestrator: true })).toEqual({ orchestrator: true, agents: [] });
    expect(planWorkers(config, { members: ['node9'] }).orchestrator).toBe(false);
  });

  it('runs only the agent from an agent configuration, and refuses the orchestrator there', () => {
    expect(planWorkers(agentConfig, {})).toMatchObject({ orchestrator: false, agents: [{ clusterId: 'east', member: { id: 'node2' } }] });
    expect(() => planWorkers(agentConfig, { orchestrator: true })).toThrow(/An agent configuration cannot run the orchestrator/);
  });
});

describe('ignoredPinSources', () => {
  it('names the PIN source fields of the members this process runs no agent for', () => {
    const agents = selectAgents(config, ['node9'], undefined);
    expect(ignoredPinSources(config, agents)).toEqual(['clusters[0].members[0].pin', 'clusters[0].members[1].pin', 'clusters[1].members[0].pin']);
    expect(ignoredPinSources(config, selectAgents(config, undefined, undefined))).toEqual([]);
    expect(ignoredPinSources(orchestratorConfig, [])).toEqual([]);
    expect(ignoredPinSources(agentConfig, selectAgents(agentConfig, undefined, undefined))).toEqual([]);
  });
});
