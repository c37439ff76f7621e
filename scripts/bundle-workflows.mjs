#!/usr/bin/env node
// Bundles the compiled workflows (dist/workflows) once, at build time, into
// dist/workflows/workflow-bundle.js with the digest of what it was made from, so the worker starts
// without bundling them itself (apps/worker/workflow-bundle.ts says why and when it is used). Run by
// `npm run build` and by scripts/setup.mjs after tsc.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { bundleWorkflowCode } = require('@temporalio/worker');
const { writeWorkflowBundle } = require(join(root, 'dist', 'apps', 'worker', 'workflow-bundle.js'));

const dist = join(root, 'dist');
// Errors only: webpack's module listing would bury the build's output.
const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: (message) => process.stderr.write(`${message}\n`), error: (message) => process.stderr.write(`${message}\n`) };
const { code } = await bundleWorkflowCode({ workflowsPath: join(dist, 'workflows', 'index.js'), logger });
const written = writeWorkflowBundle(dist, code);
process.stdout.write(`[keysync build] workflows bundled into ${written}\n`);
