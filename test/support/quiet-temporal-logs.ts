// Test files run Temporal workers in their own process; the SDK's default logger prints every
// worker state change at INFO, which buries the test report. Warnings and errors still show.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
