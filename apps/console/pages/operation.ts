// One operation, live: each member's state, attempts and last error redrawn every second without a
// reload while it runs; its package; a cancel button for operators.
import { answer, type Schemas } from '../api';
import { h, show } from '../dom';
import { saveFile } from '../download';
import { packageKeysTable } from '../package-keys';
import { poll, type Page } from '../page';
import { busy, code, errorBox, loading, notice, pageHeading, stateBadge } from '../widgets';

type Operation = Schemas['OperationDto'];

export const operationPage: Page = async (root, { session, param }) => {
  const { api } = session;
  const operationId = param ?? '';
  const summary = h('div', null, loading('the operation'));
  const members = h('section', { 'aria-labelledby': 'op-members-title' });
  const actions = h('div', { class: 'actions' });
  const errors = h('div');
  const packageBox = h('div');
  show(root, pageHeading('Operation'), h('p', null, code(operationId)), errors, summary, packageBox, members, actions);

  // Operators may take the package file to a member the source cannot reach (the seed's manual path).
  // The package's keys for every role; its download for operators. Drawn once: a package never changes.
  const drawPackage = (operation: Operation) => {
    if (!operation.package || packageBox.childElementCount > 0) return;
    const keys = h('section', { 'aria-labelledby': 'op-package-title' }, h('h2', { id: 'op-package-title' }, 'Package'), packageKeysTable(operation.package));
    if (!session.can('operator')) {
      show(packageBox, keys);
      return;
    }
    const { digest } = operation.package;
    const download = h('button', { type: 'button', class: 'secondary' }, 'Download the package');
    const downloadErrors = h('div');
    download.addEventListener('click', () =>
      void busy(download, downloadErrors, 'download the package', async () => {
        const bytes = await answer(api.GET('/v1/packages/{digest}', { params: { path: { digest } }, parseAs: 'blob' }));
        saveFile(bytes, `${digest}.ksp`);
      }),
    );
    show(packageBox, keys, download, h('span', { class: 'muted small' }, ' wrapped keys and public data only; it authenticates itself on import.'), downloadErrors);
  };

  let cancelling = false;
  const drawActions = (operation: Operation) => {
    if (operation.state !== 'running' || !session.can('operator')) {
      actions.replaceChildren();
      return;
    }
    if (actions.childElementCount > 0) return;
    const cancel = h('button', { type: 'button', class: 'danger', id: 'cancel-operation' }, 'Cancel operation');
    const cancelErrors = h('div');
    cancel.addEventListener('click', () => {
      if (!window.confirm('Cancel what has not finished? Members already in sync stay so.')) return;
      void busy(cancel, cancelErrors, 'cancel the operation', async () => {
        await answer(api.POST('/v1/operations/{operationId}/cancel', { params: { path: { operationId } } }));
        cancelling = true;
        cancelErrors.replaceChildren(notice('Cancel requested; the members still running stop.'));
      });
    });
    show(actions, cancel, cancelErrors);
  };

  const tick = async (): Promise<boolean> => {
    let operation: Operation;
    try {
      // Read every second: a view a second old will do, which the API may answer without asking Temporal.
      operation = await answer(api.GET('/v1/operations/{operationId}', { params: { path: { operationId }, header: { 'Cache-Control': 'max-age=1' } } }));
    } catch (error) {
      show(errors, errorBox(error, 'read the operation'));
      return true;
    }
    errors.replaceChildren();
    show(summary, summaryView(operation, cancelling));
    drawPackage(operation);
    show(members, h('h2', { id: 'op-members-title' }, 'Members'), membersView(operation));
    drawActions(operation);
    // Once ended, nothing more changes: stop asking.
    return operation.state === 'running';
  };
  return poll(1000, tick);
};

function summaryView(operation: Operation, cancelling: boolean): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    h('dt', null, 'State'),
    h('dd', { 'aria-live': 'polite', id: 'operation-state' }, stateBadge(operation.state), cancelling && operation.state === 'running' ? ' (cancelling)' : null),
    h('dt', null, 'Kind'),
    h('dd', null, operation.kind),
    h('dt', null, 'Requested by'),
    h('dd', null, operation.requestedBy),
    operation.message ? [h('dt', null, 'Note'), h('dd', null, operation.message)] : null,
    h('dt', null, 'Package'),
    h('dd', null, operation.package ? [code(operation.package.digest), ` · ${operation.package.keyCount} key(s)`] : 'none (yet)'),
    operation.wrapFormat ? [h('dt', null, 'Wrap format'), h('dd', null, operation.wrapFormat)] : null,
    operation.notExportable && operation.notExportable.length > 0
      ? [h('dt', null, 'Left out (not exportable)'), h('dd', null, operation.notExportable.map((key) => `${key.label} (${key.id})`).join(', '))]
      : null,
    operation.join
      ? [
          h('dt', null, 'Join'),
          h('dd', null, `${operation.join.member} sponsored by ${operation.join.sponsor}, phase `, stateBadge(operation.join.phase)),
          h('dt', null, 'Transport key'),
          h('dd', null, operation.join.transportFingerprint ? code(operation.join.transportFingerprint) : 'not made yet'),
          h('dt', null, 'Approvals'),
          h('dd', null, approvalsText(operation.join.approvals)),
        ]
      : null,
    operation.retire
      ? [
          h('dt', null, 'Key retired'),
          h('dd', null, `${operation.retire.key.class} ${operation.retire.key.label} (${operation.retire.key.id}) `, code(operation.retire.key.fingerprint)),
          h('dt', null, 'Phase'),
          h('dd', null, stateBadge(operation.retire.phase)),
          h('dt', null, 'Approvals'),
          h('dd', null, approvalsText(operation.retire.approvals)),
        ]
      : null,
  );
}

function approvalsText(approvals: Schemas['ApprovalStatusDto'] | undefined): string {
  if (!approvals) return '—';
  const granted = approvals.granted.filter((record) => record.decision === 'approve').map((record) => record.approverId);
  return `${granted.length} of ${approvals.required}${granted.length > 0 ? ` (${granted.join(', ')})` : ''}`;
}

function membersView(operation: Operation): HTMLElement {
  return h(
    'table',
    { class: 'data', id: 'operation-members' },
    h('thead', null, h('tr', null, ['Member', 'State', 'Attempts', 'Imported', 'Skipped', 'Updated', 'Approvals', 'Last error'].map((title) => h('th', { scope: 'col' }, title)))),
    h(
      'tbody',
      null,
      operation.members.map((member) =>
        h(
          'tr',
          { 'data-member': member.member, 'data-state': member.state },
          h('th', { scope: 'row' }, member.member),
          h('td', null, stateBadge(member.state)),
          h('td', null, String(member.attempts)),
          h('td', null, String(member.keysImported)),
          h('td', null, String(member.keysSkipped)),
          h('td', null, member.keysUpdated === undefined ? '—' : String(member.keysUpdated)),
          h('td', null, approvalsText(member.approvals)),
          h('td', null, member.reason ? h('strong', null, member.reason) : null, member.detail ? h('div', { class: 'small' }, member.detail) : member.reason ? null : '—'),
        ),
      ),
    ),
  );
}
