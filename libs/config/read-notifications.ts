// Checks `notifications` (DESIGN 14): webhooks the orchestrator posts operation events to, each
// with an optional secret file whose content signs the body (libs/notifications). And
// `api.publicUrl`, the address people reach the API and its console at, which the events link to.
// Problems never repeat a URL: an incoming-webhook URL often holds its own secret.
import { resolveConfigPath } from './config-path';
import { join } from './config-reader';
import type { ConfigReader, Json } from './config-reader';
import type { NotificationConfig } from './types';

function readUrl(r: ConfigReader, value: Json, field: string, { allowPath }: { allowPath: boolean }): string {
  const text = r.string(value, field);
  if (text === '') return '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    r.report(field, 'must be an absolute URL, e.g. https://hooks.example.com/keysync');
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') r.report(field, `must be an http or https URL, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username !== '' || url.password !== '') r.report(field, 'must not carry a user name or password: give the receiver a secretFile to check signatures instead');
  if (url.hash !== '') r.report(field, 'must not have a #fragment');
  if (!allowPath && (url.search !== '' || url.pathname !== '/')) r.report(field, 'must be the origin alone, e.g. https://keysync.example.com:3000 (the console is at its root)');
  return text;
}

/** `notifications`: a list of `{ webhook: { url, secretFile? } }`. */
export function readNotifications(r: ConfigReader, value: Json, baseDir: string): NotificationConfig[] {
  const list = r.array(value, 'notifications');
  const notifications = list.map((entry, i): NotificationConfig => {
    const field = join('notifications', i);
    const webhook = r.object(r.object(entry, field, ['webhook'])?.webhook, join(field, 'webhook'), ['url', 'secretFile']);
    // Not an object: that one problem says it all.
    if (webhook === null) return { webhook: { url: '' } };
    const config: NotificationConfig = { webhook: { url: readUrl(r, webhook.url, join(join(field, 'webhook'), 'url'), { allowPath: true }) } };
    if (webhook.secretFile !== undefined) {
      config.webhook.secretFile = resolveConfigPath(r.string(webhook.secretFile, join(join(field, 'webhook'), 'secretFile')), baseDir);
    }
    return config;
  });
  notifications.forEach((notification, i) => {
    const first = notifications.findIndex((other) => other.webhook.url === notification.webhook.url);
    if (notification.webhook.url !== '' && first < i) r.report(join(join(join('notifications', i), 'webhook'), 'url'), `is the same URL as notifications[${first}]: each receiver would get every event twice`);
  });
  return notifications;
}

/** `api.publicUrl`: the API's address as its users reach it (behind a proxy, another than its port). Trailing slash dropped. */
export function readPublicUrl(r: ConfigReader, value: Json): string {
  return readUrl(r, value, 'api.publicUrl', { allowPath: false }).replace(/\/$/, '');
}
