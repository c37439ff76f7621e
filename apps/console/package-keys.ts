// The keys a package holds, as a table: what an approval of its digest lets onto a member, shown
// the same on the approval card and on the operation's page. Public facts only (the API sends no
// key bytes): class, CKA_ID, label, fingerprint.
import type { Schemas } from './api';
import { h } from './dom';
import { code } from './widgets';

export function packageKeysTable(summary: Schemas['PackageSummaryDto']): HTMLElement {
  if (!summary.keys) return h('p', { class: 'muted small' }, `${summary.keyCount} key(s); this operation did not record which (it predates the key list).`);
  return h(
    'table',
    { class: 'data package-keys' },
    h('caption', { class: 'small muted' }, `${summary.keys.length} key(s) in the package`),
    h('thead', null, h('tr', null, ['Label', 'Class', 'Id (CKA_ID)', 'Fingerprint'].map((title) => h('th', { scope: 'col' }, title)))),
    h(
      'tbody',
      null,
      summary.keys.map((key) =>
        h('tr', { 'data-key-id': key.id, 'data-key-class': key.class }, h('th', { scope: 'row' }, key.label || '(no label)'), h('td', null, key.class), h('td', null, code(key.id)), h('td', null, code(key.fingerprint))),
      ),
    ),
  );
}
