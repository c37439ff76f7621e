// Keys: the key x member matrix, one row per key group and one cell per member with its drift
// state (and a legend); a filter by label or id; selected rows synced from a chosen source, or one
// retired with a reason (operators).
import { inventoryRows, readInventory, readRetired, type InventoryRow } from '../../../libs/api-client/inventory-rows';
import { answer } from '../api';
import { h, show } from '../dom';
import { cellState, keyCellStateMeaning, keyCellStates } from '../key-states';
import type { Page } from '../page';
import { busy, emptyState, errorBox, loading, pageHeading, stateBadge } from '../widgets';

export const keysPage: Page = async (root, { session, navigate }) => {
  const { api, cluster } = session;
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  const body = h('div', null, loading('the inventory (each member’s agent is asked)'));
  show(root, pageHeading('Keys', refresh), legend(), body);

  const load = async (): Promise<void> => {
    show(body, loading('the inventory (each member’s agent is asked)'));
    try {
      const inventory = await answer(api.GET('/v1/clusters/{cluster}/inventory', { params: { path: { cluster } } }));
      const members = inventory.members.map((member) => member.member);
      const rows = inventoryRows(readInventory(inventory), readRetired(inventory));
      show(body, h('p', { class: 'muted' }, 'Checked ', h('time', { datetime: inventory.checkedAt }, new Date(inventory.checkedAt).toLocaleString()), '.'), matrix(rows, members));
    } catch (error) {
      show(body, errorBox(error, 'read the inventory'));
    }
  };

  const matrix = (rows: InventoryRow[], members: string[]): HTMLElement => {
    if (rows.length === 0) return emptyState('No key on any member yet.', 'Keys made on a member (by the CA, or with pkcs11-tool) show here once its agent reports them.');
    const selected = new Set<string>();
    const rowKey = (row: InventoryRow) => `${row.class}:${row.id}`;
    const filter = h('input', { id: 'key-filter', type: 'search', placeholder: 'label or id', autocomplete: 'off' });
    const count = h('span', { class: 'muted', role: 'status' }, '');
    const actions = h('div', { class: 'actions' });
    const lines = rows.map((row) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${row.label} (${row.id})` });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(rowKey(row));
        else selected.delete(rowKey(row));
        drawActions();
      });
      const line = h(
        'tr',
        { 'data-key': row.id, 'data-class': row.class },
        h('td', null, box),
        h('th', { scope: 'row' }, row.label || h('span', { class: 'muted' }, '(no label)')),
        h('td', null, h('code', { class: 'mono' }, row.id)),
        h('td', null, `${row.class} ${row.keyType}`),
        members.map((member) => {
          const state = cellState(row, row.members[member] ?? 'unknown');
          const differences = row.differences[member];
          return h('td', { 'data-member': member, 'data-state': state, class: 'cell' }, stateBadge(state), differences ? h('div', { class: 'small muted' }, `its ${differences.join(' and ')}`) : null);
        }),
      );
      return { row, line, box };
    });
    const applyFilter = () => {
      const text = filter.value.trim().toLowerCase();
      let shown = 0;
      for (const { row, line } of lines) {
        const visible = text === '' || row.label.toLowerCase().includes(text) || row.id.includes(text);
        line.hidden = !visible;
        if (visible) shown += 1;
      }
      count.textContent = `${shown} of ${rows.length} key groups`;
    };
    filter.addEventListener('input', applyFilter);
    applyFilter();

    const drawActions = () => {
      if (!session.can('operator')) {
        show(actions, h('p', { class: 'muted' }, 'Starting a sync or a retire needs the operator role.'));
        return;
      }
      const chosen = rows.filter((row) => selected.has(rowKey(row)));
      if (chosen.length === 0) {
        show(actions, h('p', { class: 'muted' }, 'Select key groups to sync them, or one to retire it.'));
        return;
      }
      show(actions, syncForm(chosen, members), chosen.length === 1 ? retireForm(chosen[0]!) : h('p', { class: 'muted' }, 'Select a single key group to retire it.'));
    };
    drawActions();

    return h(
      'div',
      null,
      h('div', { class: 'toolbar' }, h('label', { for: 'key-filter' }, 'Filter'), filter, count),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'data matrix', id: 'key-matrix' },
          h(
            'thead',
            null,
            h('tr', null, h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')), h('th', { scope: 'col' }, 'Label'), h('th', { scope: 'col' }, 'ID'), h('th', { scope: 'col' }, 'Key'), members.map((member) => h('th', { scope: 'col' }, member))),
          ),
          h('tbody', null, lines.map(({ line }) => line)),
        ),
      ),
      actions,
    );
  };

  const syncForm = (chosen: InventoryRow[], members: string[]): HTMLElement => {
    // The usual source holds every chosen key as the others do.
    const holdsAll = (member: string) => chosen.every((row) => ['present', 'differs', 'duplicated'].includes(row.members[member] ?? ''));
    const source = h('select', { id: 'sync-source' }, members.map((member) => h('option', { value: member, selected: holdsAll(member) && members.find(holdsAll) === member }, member)));
    const reason = h('input', { id: 'sync-reason', type: 'text', required: true, maxlength: 500, value: '', placeholder: 'why, for the audit trail' });
    const submit = h('button', { type: 'submit' }, `Sync ${chosen.length} key group${chosen.length === 1 ? '' : 's'}`);
    const errors = h('div');
    const form = h(
      'form',
      { class: 'action-form', 'aria-labelledby': 'sync-title' },
      h('h2', { id: 'sync-title' }, 'Start a sync'),
      h('p', { class: 'muted' }, `Keys: ${chosen.map((row) => `${row.label || '(no label)'} (${row.id})`).join(', ')}. To every other member.`),
      h('div', { class: 'field' }, h('label', { for: 'sync-source' }, 'From member'), source),
      h('div', { class: 'field' }, h('label', { for: 'sync-reason' }, 'Reason for the sync'), reason),
      submit,
      errors,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(submit, errors, 'start the sync', async () => {
        const keyIds = [...new Set(chosen.map((row) => row.id))];
        const started = await answer(
          api.POST('/v1/clusters/{cluster}/syncs', { params: { path: { cluster }, header: { 'Idempotency-Key': crypto.randomUUID() } }, body: { source: source.value, keyIds, reason: reason.value.trim() } }),
        );
        navigate(`#/operations/${encodeURIComponent(started.operationId)}`);
      });
    });
    return form;
  };

  const retireForm = (row: InventoryRow): HTMLElement => {
    const reason = h('input', { id: 'retire-reason', type: 'text', required: true, maxlength: 500, placeholder: 'why, recorded in the tombstone' });
    const submit = h('button', { type: 'submit', class: 'danger' }, `Retire ${row.label || row.id}`);
    const errors = h('div');
    const form = h(
      'form',
      { class: 'action-form', 'aria-labelledby': 'retire-title' },
      h('h2', { id: 'retire-title' }, 'Retire this key'),
      h('p', { class: 'muted' }, `Destroys ${row.class} key ${row.id} on every member once approvers agree; a recovery package is kept first when the key is exportable.`),
      h('div', { class: 'field' }, h('label', { for: 'retire-reason' }, 'Reason for the retire'), reason),
      submit,
      errors,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(submit, errors, 'start the retire', async () => {
        const started = await answer(
          api.POST('/v1/clusters/{cluster}/keys/{keyId}/retire', { params: { path: { cluster, keyId: row.id }, header: { 'Idempotency-Key': crypto.randomUUID() } }, body: { reason: reason.value.trim(), class: row.class } }),
        );
        navigate(`#/operations/${encodeURIComponent(started.operationId)}`);
      });
    });
    return form;
  };

  refresh.addEventListener('click', () => void load());
  await load();
};

function legend(): HTMLElement {
  return h(
    'details',
    { class: 'legend', open: true },
    h('summary', null, 'Legend'),
    h(
      'dl',
      null,
      keyCellStates.map((state) => [h('dt', null, stateBadge(state)), h('dd', null, keyCellStateMeaning[state])]),
    ),
  );
}
