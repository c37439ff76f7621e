#!/usr/bin/env node
// The `keysync` command: runs the compiled CLI (apps/cli/main.ts, built by `npm run build`).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`keysync: ${entry} is missing. Build it first: npm run build\n`);
  process.exit(2);
}
require(entry);
