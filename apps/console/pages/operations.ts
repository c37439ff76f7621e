// Operations: the cluster's syncs, repairs, joins and retires, newest first, with state and age;
// refreshed every few seconds while the page is open.
import { answer, type Schemas } from '../api';
import { h, show } from '../dom';
import { poll, type Page } from '../page';
import { age, emptyState, errorBox, loading, pageHeading, stateBadge } from '../widgets';

const stateFilters = ['', 'running', 'completed', 'failed', 'cancelled'] as const;

export const operationsPage: Page = async (root, { session }) => {
  const { api, cluster } = session;
  const filter = h('select', { id: 'operation-state' }, stateFilters.map((state) => h('option', { value: state }, state === '' ? 'any state' : state)));
  const body = h('div', null, loading('the operations'));
  show(root, pageHeading('Operations'), h('div', { class: 'toolbar' }, h('label', { for: 'operation-state' }, 'State'), filter), body);

  let shown = '';
  const draw = (operations: Schemas['OperationSummaryDto'][]) => {
    // Redrawn only when something changed, so keyboard focus in the table survives the refresh.
    const now = JSON.stringify([filter.value, operations]);
    if (now === shown) return;
    shown = now;
    if (operations.length === 0) {
      show(body, emptyState(filter.value ? `No ${filter.value} operation.` : 'No operation yet.', 'Start a sync from the Keys page, or with keysync sync.'));
      return;
    }
    show(
      body,
      h(
        'table',
        { class: 'data', id: 'operations' },
        h('thead', null, h('tr', null, ['Operation', 'Kind', 'State', 'Members', 'Started', 'Requested by'].map((title) => h('th', { scope: 'col' }, title)))),
        h(
          'tbody',
          null,
          operations.map((operation) =>
            h(
              'tr',
              { 'data-operation': operation.operationId },
              h('th', { scope: 'row' }, h('a', { href: `#/operations/${encodeURIComponent(operation.operationId)}` }, h('code', { class: 'mono' }, operation.operationId))),
              h('td', null, operation.kind),
              h('td', null, stateBadge(operation.state)),
              h('td', null, operation.members.join(', ')),
              h('td', null, age(operation.startTime)),
              h('td', null, operation.requestedBy ?? '—'),
            ),
          ),
        ),
      ),
    );
  };

  const tick = async () => {
    const state = filter.value === '' ? undefined : (filter.value as Schemas['OperationSummaryDto']['state']);
    try {
      const list = await answer(api.GET('/v1/clusters/{cluster}/operations', { params: { path: { cluster }, query: state ? { state } : {} } }));
      draw(list.operations);
    } catch (error) {
      shown = '';
      show(body, errorBox(error, 'list the operations'));
    }
  };
  filter.addEventListener('change', () => void tick());
  return poll(5000, tick);
};
