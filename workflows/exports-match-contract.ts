// Compile-time only (nothing imports this file): the worker's workflow module exports every wire
// name of the contract, each with the signature clients start it by. A workflow whose input or
// result drifts from libs/contract/workflow-types.ts, or a name missing from index.ts, fails the build.
import type { WorkflowSignatures } from '../libs/contract/workflow-types';
import type * as registered from './index';

type ExportsMatchContract = typeof registered extends WorkflowSignatures ? true : never;

export const exportsMatchContract: ExportsMatchContract = true;
