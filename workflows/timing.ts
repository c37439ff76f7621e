// How long a workflow waits on a member's agent, unless its input says otherwise (AgentTiming, in
// libs/contract/agent-timing.ts, says what each value means).
import type { AgentTiming } from '../libs/contract/agent-timing';

export const defaultAgentTiming: AgentTiming = {
  nodeProbeSeconds: 30,
  nodeProbeMaxSeconds: 600,
  heartbeatSeconds: 30,
  attemptSeconds: 3600,
  callSeconds: 300,
  retryInitialSeconds: 1,
  retryMaxSeconds: 60,
  continueAsNewAfterEvents: 5000,
};

export function agentTiming(overrides: Partial<AgentTiming> | undefined): AgentTiming {
  return { ...defaultAgentTiming, ...overrides };
}
