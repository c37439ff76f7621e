// When a part of the stack dies on its own: restart it after a growing delay, as a service manager
// would (systemd's Restart=on-failure with a start limit), or give up when it keeps dying, because a
// part that cannot stay up needs a person, not more restarts. Pure: the supervisor brings the clock.

export interface RestartPolicy {
  /** Delay before the first restart; doubled for each further exit within the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** This many exits within `windowMs` (the last one included) means: give up. */
  maxExits: number;
  windowMs: number;
}

/** 1 s, 2 s, 4 s, 8 s, then give up at the 5th exit within a minute. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, maxExits: 5, windowMs: 60_000 };

export type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'give-up'; exits: number; windowMs: number };

/** The exits still inside the window at `now`: the only ones that count. */
export function recentExits(exitTimes: readonly number[], now: number, policy: RestartPolicy): number[] {
  return exitTimes.filter((time) => now - time < policy.windowMs);
}

/**
 * The decision for an exit at `now`, given the times of earlier exits. The delay grows with the
 * exits in the window only, so a part that ran quietly for a while is restarted quickly again.
 */
export function decideRestart(earlierExits: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const exits = recentExits(earlierExits, now, policy).length + 1;
  if (exits >= policy.maxExits) return { action: 'give-up', exits, windowMs: policy.windowMs };
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (exits - 1));
  return { action: 'restart', delayMs };
}
