// The Temporal schema on PostgreSQL, applied with the server's own tool (temporal-sql-tool, same
// version as the server): the `temporal` and `temporal_visibility` databases, created when missing,
// set up at version 0.0 once, then updated to the newest versioned schema embedded in the tool.
// Every step is idempotent, so each start runs them all and a newer server's migrations apply.
// The password reaches the tool through its environment (SQL_PASSWORD), never its command line.
import { execFile } from 'node:child_process';
import { requireTemporalSqlTool } from './find-temporal-server';

export interface SchemaTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

function sqlTool(tool: string, target: SchemaTarget, database: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      ['--plugin', 'postgres12', '--ep', target.host, '--port', String(target.port), '--user', target.user, '--db', database, ...args],
      { env: { PATH: process.env.PATH ?? '', SQL_PASSWORD: target.password }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(`${stdout}${stderr}`);
        reject(new Error(`temporal-sql-tool ${args[0]} on database ${database} failed: ${`${stderr}${stdout}`.trim().split('\n').slice(-5).join('\n') || error.message}`));
      },
    );
  });
}

/** Creates and migrates both databases; returns once the schema is the tool's newest. */
export async function applyTemporalSchema(target: SchemaTarget, tool: string = requireTemporalSqlTool()): Promise<void> {
  for (const { database, schema } of TEMPORAL_DATABASES) {
    // create-database fails on an existing database; that is the expected case after the first start.
    await sqlTool(tool, target, database, ['create-database']).catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
    // setup-schema -v 0.0 makes the version tables; on a set-up database it fails harmlessly ("already exists").
    await sqlTool(tool, target, database, ['setup-schema', '-v', '0.0']).catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
    await sqlTool(tool, target, database, ['update-schema', '--schema-name', schema]);
  }
}
