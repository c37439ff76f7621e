import { describe, expect, it } from 'vitest';
import { eligibleApprovers } from '../../libs/approvals/check-approval';
import { FailureTypes, nonRetryableFailureTypes } from '../../libs/contract/failure-types';
import { adviceFor, reasonForFailureType } from '../../workflows/failure-reasons';
import { runBounded } from '../../workflows/pool';

describe('runBounded', () => {
  it('runs every item, never more than the parallelism at once, starting them in order', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 * (item % 3)));
      running -= 1;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('runs one at a time for a parallelism below one, and nothing for no items', async () => {
    let peak = 0;
    let running = 0;
    await runBounded([1, 2], 0, async () => {
      running += 1;
      peak = Math.max(peak, running);
      await Promise.resolve();
      running -= 1;
    });
    expect(peak).toBe(1);
    await expect(runBounded([], 4, () => Promise.reject(new Error('must not run')))).resolves.toBeUndefined();
  });
});

describe('member failure reasons', () => {
  it('maps each non-retryable failure type to a reason an operator can act on', () => {
    expect(nonRetryableFailureTypes.map((type) => [type, reasonForFailureType(type)])).toEqual([
      [FailureTypes.tamperedPackage, 'tampered-package'],
      [FailureTypes.wrongCluster, 'wrong-cluster'],
      [FailureTypes.expiredPackage, 'expired-package'],
      [FailureTypes.conflict, 'conflict'],
      [FailureTypes.badPin, 'hsm-error'],
      [FailureTypes.transportKeyMismatch, 'tampered-package'],
    ]);
    expect(reasonForFailureType('something-new')).toBe('hsm-error');
    expect(adviceFor('wrong-cluster')).toMatch(/join it to this cluster/);
  });
});

describe('eligibleApprovers', () => {
  it('leaves the requester out, so a policy asking more can never be met', () => {
    const approvers = [{ id: 'a', publicKey: '' }, { id: 'b', publicKey: '' }];
    expect(eligibleApprovers(approvers, 'a')).toBe(1);
    expect(eligibleApprovers(approvers, 'operator')).toBe(2);
  });
});
