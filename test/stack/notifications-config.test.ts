// The configuration's `notifications` and `api.publicUrl` (DESIGN 14): webhooks with an optional
// secret file (resolved against the file's folder), checked with a problem per field that never
// repeats a URL (an incoming-webhook URL is often a secret itself).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../libs/config/config-error';
import { validateConfig } from '../../libs/config/validate-config';

const PUBLIC_KEY = Buffer.alloc(32, 7).toString('base64');

function configWith(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    temporal: { address: '127.0.0.1:7233' },
    packageStore: { dir: 'packages' },
    auditArchive: { dir: 'audit' },
    clusters: [
      {
        id: 'demo',
        founder: 'node1',
        members: [{ id: 'node1' }],
        approvers: [{ id: 'approver-1', publicKey: PUBLIC_KEY }],
        policy: { sync: { approvals: 1, timeoutSeconds: 60 }, join: { approvals: 1, timeoutSeconds: 60 } },
      },
    ],
    principals: [],
    ...extra,
  };
}

function problemsOf(extra: Record<string, unknown>): { field: string; problem: string }[] {
  try {
    validateConfig(configWith(extra), 'config.json', '/etc/keysync');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('notifications in the configuration', () => {
  it('takes webhooks, a secret file resolved against the configuration\'s folder, and the API\'s public address', () => {
    const config = validateConfig(
      configWith({
        api: { port: 3000, publicUrl: 'https://keysync.example.com:8443/' },
        notifications: [{ webhook: { url: 'https://hooks.example.com/keysync', secretFile: 'secrets/webhook' } }, { webhook: { url: 'http://10.0.0.5:9000/events' } }],
      }),
      'config.json',
      '/etc/keysync',
    );
    expect(config.notifications).toEqual([
      { webhook: { url: 'https://hooks.example.com/keysync', secretFile: '/etc/keysync/secrets/webhook' } },
      { webhook: { url: 'http://10.0.0.5:9000/events' } },
    ]);
    expect(config.api.publicUrl).toBe('https://keysync.example.com:8443');
  });

  it('leaves both out when the file has neither', () => {
    const config = validateConfig(configWith({}), 'config.json', '/etc/keysync');
    expect(config.notifications).toBeUndefined();
    expect(config.api.publicUrl).toBeUndefined();
  });

  it('names each bad field and what to do, without repeating the URL', () => {
    const secretUrl = 'https://hooks.chat.example/services/T0/B0/s3cr3tpathvalue';
    const problems = problemsOf({
      api: { publicUrl: 'https://keysync.example.com/console?x=1' },
      notifications: [
        { webhook: { url: 'hooks.example.com/keysync' } },
        { webhook: { url: 'ftp://files.example.com/drop' } },
        { webhook: { url: 'https://user:pw@hooks.example.com/' } },
        { webhook: { url: secretUrl, secret: 'inline' } },
        { webhook: { url: secretUrl } },
        { url: 'https://hooks.example.com/' },
        { webhook: { url: 'https://hooks.example.com/#x', secretFile: '' } },
      ],
    });
    expect(problems).toEqual([
      { field: 'api.publicUrl', problem: 'must be the origin alone, e.g. https://keysync.example.com:3000 (the console is at its root)' },
      { field: 'notifications[0].webhook.url', problem: 'must be an absolute URL, e.g. https://hooks.example.com/keysync' },
      { field: 'notifications[1].webhook.url', problem: 'must be an http or https URL, not ftp' },
      { field: 'notifications[2].webhook.url', problem: 'must not carry a user name or password: give the receiver a secretFile to check signatures instead' },
      { field: 'notifications[3].webhook.secret', problem: 'unknown field (known here: url, secretFile)' },
      { field: 'notifications[5].url', problem: 'unknown field (known here: webhook)' },
      { field: 'notifications[5].webhook', problem: 'must be an object' },
      { field: 'notifications[6].webhook.url', problem: 'must not have a #fragment' },
      { field: 'notifications[6].webhook.secretFile', problem: 'must be a non-empty string' },
      { field: 'notifications[4].webhook.url', problem: 'is the same URL as notifications[3]: each receiver would get every event twice' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('s3cr3tpathvalue');
  });

  it('refuses a list that is not a list', () => {
    expect(problemsOf({ notifications: { webhook: { url: 'https://hooks.example.com/' } } })).toEqual([{ field: 'notifications', problem: 'must be a list' }]);
  });
});
