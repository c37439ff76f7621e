// Cluster: its members with their node agents' health and whether each token holds the cluster
// secrets, the joins in progress, the approvers and the policy.
import { answer, type Schemas } from '../api';
import { h, show } from '../dom';
import type { Page } from '../page';
import { age, emptyState, errorBox, loading, pageHeading, stateBadge } from '../widgets';

export const clusterPage: Page = async (root, { session }) => {
  const { api, cluster } = session;
  const membersBox = h('section', { 'aria-labelledby': 'members-title' }, h('h2', { id: 'members-title' }, 'Members'), loading('the members'));
  const joinsBox = h('section', { 'aria-labelledby': 'joins-title' }, h('h2', { id: 'joins-title' }, 'Joins in progress'), loading('the joins'));
  const policyBox = h('section', { 'aria-labelledby': 'policy-title' }, h('h2', { id: 'policy-title' }, 'Approvers and policy'));
  show(root, pageHeading(`Cluster ${cluster}`), membersBox, joinsBox, policyBox);

  const [detail, health] = await Promise.all([answer(api.GET('/v1/clusters/{cluster}', { params: { path: { cluster } } })), answer(api.GET('/v1/health'))]).catch(
    (error: unknown) => {
      show(membersBox, h('h2', { id: 'members-title' }, 'Members'), errorBox(error, 'read the cluster'));
      return [null, null] as const;
    },
  );
  if (!detail || !health) return;
  const agentOf = new Map(health.members.filter((entry) => entry.cluster === cluster).map((entry) => [entry.member, entry.agent]));
  const secretsCells = new Map(detail.members.map((member) => [member.id, h('td', null, h('span', { class: 'muted' }, 'asking the agent…'))]));
  show(
    membersBox,
    h('h2', { id: 'members-title' }, 'Members'),
    h('p', { class: 'muted' }, `Temporal ${health.temporal.reachable ? 'is reachable' : 'is not reachable'}; founder ${detail.founder}.`),
    h(
      'table',
      { class: 'data' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Member'), h('th', { scope: 'col' }, 'Token'), h('th', { scope: 'col' }, 'Node agent'), h('th', { scope: 'col' }, 'Cluster secrets'))),
      h(
        'tbody',
        null,
        detail.members.map((member) =>
          h(
            'tr',
            { 'data-member': member.id },
            h('th', { scope: 'row' }, member.id),
            h('td', null, member.tokenLabel ?? '—', h('div', { class: 'muted small' }, `queue ${member.taskQueue}`)),
            h('td', null, stateBadge(agentOf.get(member.id) === 'up' ? 'agent-up' : 'agent-down', agentOf.get(member.id) === 'up' ? 'up' : 'down')),
            secretsCells.get(member.id),
          ),
        ),
      ),
    ),
  );
  show(policyBox, h('h2', { id: 'policy-title' }, 'Approvers and policy'), policyView(detail));

  // The cluster secrets are read from each token by its agent: this look takes a few seconds.
  void answer(api.GET('/v1/clusters/{cluster}/inventory', { params: { path: { cluster } } }))
    .then((inventory) => {
      // One cluster, one pair of check values: a token showing others holds another cluster's secrets.
      const counts = new Map<string, number>();
      for (const member of inventory.members) if (member.clusterSecretsKcv) counts.set(kcvText(member.clusterSecretsKcv), (counts.get(kcvText(member.clusterSecretsKcv)) ?? 0) + 1);
      const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      for (const member of inventory.members) {
        const cell = secretsCells.get(member.member);
        if (!cell) continue;
        const held = member.hasClusterSecrets;
        const kcv = member.clusterSecretsKcv;
        show(
          cell,
          held === null
            ? stateBadge('unknown', member.error ? 'unknown (agent did not answer)' : 'unknown')
            : !held
              ? stateBadge('missing', 'not held (not joined)')
              : kcv && kcvText(kcv) !== usual
                ? stateBadge('conflict', 'another cluster’s')
                : stateBadge('present', 'held'),
          kcv ? h('div', { class: 'small mono', 'data-kcv': kcvText(kcv) }, `check values: KTK ${kcv.ktkKcv} · PMK ${kcv.pmkKcv}`) : null,
        );
      }
    })
    .catch((error: unknown) => {
      for (const cell of secretsCells.values()) show(cell, h('span', { class: 'muted' }, 'unknown'));
      membersBox.append(errorBox(error, 'read the members’ tokens'));
    });

  const running = await answer(api.GET('/v1/clusters/{cluster}/operations', { params: { path: { cluster }, query: { state: 'running' } } })).catch((error: unknown) => {
    show(joinsBox, h('h2', { id: 'joins-title' }, 'Joins in progress'), errorBox(error, 'list the joins'));
    return null;
  });
  if (!running) return;
  const joins = running.operations.filter((operation) => operation.kind === 'join');
  const views = await Promise.all(joins.map((join) => answer(api.GET('/v1/operations/{operationId}', { params: { path: { operationId: join.operationId } } })).catch(() => null)));
  show(
    joinsBox,
    h('h2', { id: 'joins-title' }, 'Joins in progress'),
    joins.length === 0
      ? emptyState('No member is joining.', 'An admin starts a join with keysync join or POST /v1/clusters/{cluster}/members.')
      : h(
          'ul',
          { class: 'plain' },
          joins.map((join, index) => {
            const view = views[index];
            return h(
              'li',
              null,
              h('a', { href: `#/operations/${encodeURIComponent(join.operationId)}` }, view?.join ? `${view.join.member} joining, sponsored by ${view.join.sponsor}` : join.operationId),
              ' ',
              view?.join ? stateBadge(view.join.phase) : null,
              ' started ',
              age(join.startTime),
            );
          }),
        ),
  );
};

function kcvText(kcv: Schemas['ClusterSecretsKcvDto']): string {
  return `${kcv.ktkKcv}/${kcv.pmkKcv}`;
}

function policyView(detail: Schemas['ClusterDto']): HTMLElement {
  const { policy } = detail;
  return h(
    'dl',
    { class: 'facts' },
    h('dt', null, 'Approvers'),
    h('dd', null, detail.approvers.length === 0 ? 'none registered' : detail.approvers.map((approver) => approver.id).join(', ')),
    h('dt', null, 'A sync needs'),
    h('dd', null, `${policy.sync.approvals} approval(s) per member, within ${policy.sync.timeoutSeconds} s`),
    h('dt', null, 'A join needs'),
    h('dd', null, `${policy.join.approvals} approval(s), within ${policy.join.timeoutSeconds} s`),
    h('dt', null, 'Drift'),
    h('dd', null, `${policy.drift.mode}, checked every ${policy.drift.intervalSeconds} s`),
  );
}
