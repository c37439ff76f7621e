// An S3 client made by KeySync prints no AWS SDK Node-version notice: every agent of `npm start`
// and `start:production` used to put seven lines of it on the terminal. The same process with the
// SDK's own constructor does print it (so the check below can fail), and a user who asks for the
// notice still gets it. Run as child processes: the SDK prints it once per process.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../libs/config/paths';

const entry = join(repoRoot(), 'dist', 'libs', 'package-store', 's3-client.js');
const NOTICE = 'NodeVersionSupportWarning';

/** The process warnings a script raises, one message per line (printed by a 'warning' handler). */
function warningsOf(script: string, env: NodeJS.ProcessEnv = {}): string {
  const cleaned = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'));
  return execFileSync(process.execPath, ['-e', `process.on('warning', (w) => console.log(w.message)); ${script}; setTimeout(() => {}, 50);`], {
    env: { ...cleaned, ...env },
    encoding: 'utf8',
    // Node also prints each warning on stderr: kept out of the test run's own output.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

describe('the S3 client KeySync makes', () => {
  it('prints no Node-version notice, where the SDK’s own constructor does, and a user can ask for it', () => {
    expect(existsSync(entry), `${entry}: run \`npm run build\` first`).toBe(true);
    const viaKeySync = `require(${JSON.stringify(entry)}).newS3Client({ region: 'us-east-1' })`;
    const viaSdk = `const { S3Client } = require('@aws-sdk/client-s3'); new S3Client({ region: 'us-east-1' })`;
    expect(warningsOf(viaKeySync)).not.toContain(NOTICE);
    expect(warningsOf(viaSdk)).toContain(NOTICE);
    expect(warningsOf(viaKeySync, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' })).toContain(NOTICE);
  });
});
