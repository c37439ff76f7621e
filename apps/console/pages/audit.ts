// Audit: a member's trail across all operations as a timeline, newest first, each entry with a
// download of its raw workflow histories (the file `keysync audit verify` and replay read).
import { parseOperationId } from '../../../libs/contract/workflow-ids';
import { answer, type Schemas } from '../api';
import { h, show } from '../dom';
import { saveFile } from '../download';
import type { Page } from '../page';
import { busy, code, emptyState, errorBox, loading, pageHeading, stateBadge } from '../widgets';

export const auditPage: Page = async (root, { session, param, navigate }) => {
  const { api, cluster } = session;
  if (!session.can('auditor')) {
    show(root, pageHeading('Audit'), emptyState('The audit trail is for auditors.', 'Sign in with a token whose principal has the auditor role.'));
    return;
  }
  const picker = h('select', { id: 'audit-member' }, h('option', { value: '' }, 'choose a member'));
  const body = h('div');
  show(root, pageHeading('Audit'), h('div', { class: 'toolbar' }, h('label', { for: 'audit-member' }, 'Member'), picker), body);
  picker.addEventListener('change', () => navigate(picker.value ? `#/audit/${encodeURIComponent(picker.value)}` : '#/audit'));

  try {
    const detail = await answer(api.GET('/v1/clusters/{cluster}', { params: { path: { cluster } } }));
    for (const member of detail.members) picker.append(h('option', { value: member.id, selected: member.id === param }, member.id));
  } catch (error) {
    show(body, errorBox(error, 'read the members'));
    return;
  }
  if (!param) {
    show(body, emptyState('Choose a member to read its trail.'));
    return;
  }
  show(body, loading(`${param}’s trail`));
  try {
    const trail = await answer(api.GET('/v1/clusters/{cluster}/members/{member}/audit', { params: { path: { cluster, member: param } } }));
    show(body, trail.entries.length === 0 ? emptyState(`Nothing recorded for ${param} yet.`) : timeline(trail.entries));
  } catch (error) {
    show(body, errorBox(error, `read ${param}’s trail`));
  }

  function timeline(entries: Schemas['AuditEntryDto'][]): HTMLElement {
    return h(
      'ol',
      { class: 'timeline', id: 'audit-timeline' },
      entries.map((entry) => {
        const when = entry.startTime ?? entry.archived?.archivedAt;
        const errors = h('div');
        // Only operations (and their members' workflows) have histories to download; short looks do not.
        const download =
          parseOperationId(entry.workflowId) !== null
            ? h('button', { type: 'button', class: 'link', 'data-download': entry.workflowId }, 'Download history')
            : null;
        download?.addEventListener('click', () => void busy(download, errors, 'download the history', () => saveHistory(entry.workflowId)));
        return h(
          'li',
          { 'data-workflow': entry.workflowId },
          h('div', { class: 'timeline-when' }, when ? h('time', { datetime: when }, new Date(when).toLocaleString()) : '—'),
          h(
            'div',
            { class: 'timeline-what' },
            h('div', null, h('strong', null, entry.kind || entry.workflowType), ' ', entry.state ? stateBadge(entry.state) : null, entry.status ? h('span', { class: 'muted small' }, ` ${entry.status.toLowerCase()}`) : null),
            h('div', { class: 'small' }, code(entry.workflowId)),
            entry.archived ? h('div', { class: 'small muted' }, `archived #${entry.archived.seq}, SHA-256 `, code(entry.archived.digest)) : null,
            download,
            errors,
          ),
        );
      }),
    );
  }

  async function saveHistory(workflowId: string): Promise<void> {
    const histories = await answer(api.GET('/v1/operations/{operationId}/history', { params: { path: { operationId: workflowId } } }));
    saveFile(new Blob([JSON.stringify(histories, null, 2)], { type: 'application/json' }), `${workflowId}.history.json`);
  }
};
