// The supervisor's restart decision (apps/stack/restart-policy.ts): backoff that doubles, is capped,
// forgets old exits, and gives up on a part that keeps dying.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, decideRestart } from '../../apps/stack/restart-policy';
import type { RestartPolicy } from '../../apps/stack/restart-policy';

const policy: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 5_000, maxExits: 6, windowMs: 60_000 };

describe('the restart policy', () => {
  it('restarts a part that dies for the first time after the initial delay', () => {
    expect(decideRestart([], 100_000, policy)).toEqual({ action: 'restart', delayMs: 1_000 });
  });

  it('doubles the delay for each exit within the window, up to the cap', () => {
    const delays: number[] = [];
    const exits: number[] = [];
    for (let now = 0; now < 5_000; now += 1_000) {
      const decision = decideRestart(exits, now, policy);
      if (decision.action === 'restart') delays.push(decision.delayMs);
      exits.push(now);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('gives up at the maximum number of exits within the window, counting this one', () => {
    expect(decideRestart([0, 1, 2, 3, 4], 5, policy)).toEqual({ action: 'give-up', exits: 6, windowMs: 60_000 });
    expect(decideRestart([0, 1, 2, 3], 4, DEFAULT_RESTART_POLICY)).toEqual({ action: 'give-up', exits: 5, windowMs: 60_000 });
  });

  it('forgets exits older than the window: a part that ran quietly is restarted quickly again', () => {
    expect(decideRestart([0, 1, 2, 3, 50_000], 70_000, policy)).toEqual({ action: 'restart', delayMs: 2_000 });
    expect(decideRestart([0, 1, 2, 3, 4], 200_000, policy)).toEqual({ action: 'restart', delayMs: 1_000 });
  });

  it('restarts 1 s, 2 s, 4 s, 8 s by default, then gives up at the fifth exit within a minute', () => {
    const decisions = [[], [0], [0, 1], [0, 1, 2], [0, 1, 2, 3]].map((earlier) => decideRestart(earlier, 10, DEFAULT_RESTART_POLICY));
    expect(decisions.map((d) => (d.action === 'restart' ? d.delayMs : d.action))).toEqual([1_000, 2_000, 4_000, 8_000, 'give-up']);
  });
});
