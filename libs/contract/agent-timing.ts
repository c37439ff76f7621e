// How long a workflow waits on a member's agent. Carried in a workflow's input (not read from
// config at run time) so a replay sees the values the run used; tests shorten them. The defaults
// are the workflows' (workflows/timing.ts).

export interface AgentTiming {
  /**
   * How long an activity may sit on a member's queue before the member shows `waiting-for-node`.
   * The activity is then scheduled again (with a growing window), so a node that comes back is
   * picked up, and the state is visible while the other members go on.
   */
  nodeProbeSeconds: number;
  /** Longest probe window once a node is known to be down: bounds history growth during long outages. */
  nodeProbeMaxSeconds: number;
  /** An agent that stops heartbeating for this long is taken for dead and the import is retried. */
  heartbeatSeconds: number;
  /** Upper bound of one attempt of a heartbeating call (import). */
  attemptSeconds: number;
  /** Upper bound of one attempt of a call that does not heartbeat (inventory, export, check values, join steps). */
  callSeconds: number;
  /** First pause before retrying an HSM or transport fault; doubles up to retryMaxSeconds. */
  retryInitialSeconds: number;
  retryMaxSeconds: number;
  /**
   * A workflow that has waited this many events for a node continues as new (same id, a new run)
   * carrying its progress, so an outage of weeks never reaches Temporal's history limits.
   */
  continueAsNewAfterEvents: number;
}
