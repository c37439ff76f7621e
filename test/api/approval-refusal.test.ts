// The API's answer to each refusal of the approve update: its failure type as the code, a status
// by the kind of fix it takes, and a message with the workflow's reason and what to do next.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { approvalRefusalError } from '../../apps/api/operations/approval-refusal';
import { approvalRefusalTypes } from '../../libs/contract/approval-refusal-types';

const refusedAs = (type: string) => approvalRefusalError(ApplicationFailure.create({ type, nonRetryable: true, message: 'the workflow says why' }));

describe('approval refusals over HTTP', () => {
  it.each([
    ['approval-malformed', 400],
    ['approval-wrong-member', 409],
    ['approval-bad-signature', 403],
    ['approval-unknown-approver', 403],
    ['approval-by-requester', 403],
    ['approval-duplicate', 409],
    ['approval-not-awaited', 409],
  ])('%s is a %i with that code, the reason and a next step', (type, status) => {
    const error = refusedAs(type);
    expect(error.getStatus()).toBe(status);
    expect(error.code).toBe(type);
    expect(error.message).toMatch(/^The approval was refused: the workflow says why\. \S.+/);
  });

  it('answers every refusal type the workflows can throw', () => {
    for (const type of Object.values(approvalRefusalTypes)) expect(refusedAs(type).code).toBe(type);
  });

  it('keeps a refusal without a known type (a plain error from an older worker) a 409 approval-refused', () => {
    const error = approvalRefusalError(new Error('not awaiting approval now'));
    expect(error.getStatus()).toBe(409);
    expect(error.code).toBe('approval-refused');
    expect(error.message).toMatch(/not awaiting approval now/);
  });
});
