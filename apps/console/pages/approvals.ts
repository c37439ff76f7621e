// Approvals: what waits for this approver, with exactly what an approval covers (the canonical
// challenge it signs: the package digest, the package's keys and the members, a join's transport
// key fingerprint, or the retired key), approved or rejected with a confirmed security key.
// Refreshed every few seconds while the page is open.
import { answer, type Schemas } from '../api';
import { approveWithSecurityKey, listCredentials } from '../credentials';
import { h, show } from '../dom';
import { packageKeysTable } from '../package-keys';
import { poll, type Page, type PageContext } from '../page';
import { age, busy, code, emptyState, errorBox, loading, notice, pageHeading } from '../widgets';
import { signChallenge, webauthnUnavailable } from '../webauthn';

type Operation = Schemas['OperationDto'];

/** One step that waits for approvals: a member of a sync, a join, or a whole retire (member *). */
interface Waiting {
  operation: Operation;
  member: string;
  what: string;
  approvals: Schemas['ApprovalStatusDto'] | undefined;
}

export const approvalsPage: Page = async (root, context) => {
  const { session } = context;
  if (!session.can('approver')) {
    show(root, pageHeading('Approvals'), emptyState('Approvals are for approvers.', 'Sign in with a token whose principal has the approver role.'));
    return;
  }
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  const body = h('div', null, loading('what waits for approval'));
  show(root, pageHeading('Approvals', refresh), body);

  // Redrawn only when what the cards show changed, so keyboard focus on a card survives the
  // refresh; and not while a decision is being signed or has just been made (its outcome stays
  // readable until the next change).
  let shown = '';
  let holdUntil = 0;
  const hold = (ms: number) => {
    holdUntil = Date.now() + ms;
  };
  const tick = async (force = false) => {
    if (!force && Date.now() < holdUntil) return;
    try {
      const read = await readInbox(context);
      const now = JSON.stringify(read.facts);
      if (!force && now === shown) return;
      shown = now;
      show(body, drawInbox(context, read, hold));
    } catch (error) {
      shown = '';
      show(body, errorBox(error, 'read what waits for approval'));
    }
  };
  refresh.addEventListener('click', () => void tick(true));
  return poll(4000, () => tick());
};

interface Inbox {
  waiting: Waiting[];
  /** The ids of this approver's confirmed security keys. */
  mine: string[];
  /** Why this browser cannot sign here, or null. */
  unavailable: string | null;
  /** What the cards show: compared between polls. */
  facts: unknown;
}

async function readInbox({ session }: PageContext): Promise<Inbox> {
  const { api, cluster } = session;
  const running = await answer(api.GET('/v1/clusters/{cluster}/operations', { params: { path: { cluster }, query: { state: 'running' } } }));
  const operations = await Promise.all(running.operations.map((entry) => answer(api.GET('/v1/operations/{operationId}', { params: { path: { operationId: entry.operationId } } })).catch(() => null)));
  const waiting = operations.flatMap((operation): Waiting[] => (operation ? waitingIn(operation) : []));
  const credentials = waiting.length === 0 ? [] : await listCredentials(session).catch(() => []);
  const mine = credentials.filter((credential) => credential.approverId === session.principal.id && credential.state === 'confirmed').map((credential) => credential.credentialId);
  const unavailable = webauthnUnavailable() ?? (mine.length === 0 ? 'You have no confirmed security key: register one on the Security keys page and have an admin confirm it. (keysync approve signs with an Ed25519 key file.)' : null);
  const facts = {
    mine,
    unavailable,
    waiting: waiting.map(({ operation, member, what, approvals }) => [operation.operationId, member, what, approvals, operation.requestedBy, operation.members.map((entry) => entry.member), operation.package, operation.join?.transportFingerprint, operation.retire?.key]),
  };
  return { waiting, mine, unavailable, facts };
}

function drawInbox({ session }: PageContext, { waiting, mine, unavailable }: Inbox, hold: (ms: number) => void): HTMLElement {
  const { api } = session;
  if (waiting.length === 0) return emptyState('Nothing waits for your approval.', 'A sync, a join or a retire that needs approvers shows here while it waits.');
  return h(
    'div',
    null,
    unavailable ? h('p', { class: 'notice' }, unavailable) : null,
    h('ul', { class: 'cards', id: 'approval-inbox' }, waiting.map((item) => h('li', null, card(item)))),
  );

  function card(item: Waiting): HTMLElement {
    const { operation, member } = item;
    const granted = item.approvals?.granted ?? [];
    const mineAlready = granted.find((record) => record.approverId === session.principal.id);
    const challengeBox = h('div', null, loading('the challenge'));
    const errors = h('div');
    const buttons = h('div', { class: 'buttons' });
    const box = h(
      'article',
      { class: 'card', 'data-operation': operation.operationId, 'data-member': member },
      h('h2', null, item.what),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Operation'),
        h('dd', null, h('a', { href: `#/operations/${encodeURIComponent(operation.operationId)}` }, code(operation.operationId))),
        h('dt', null, 'Requested by'),
        h('dd', null, operation.requestedBy),
        h('dt', null, operation.retire ? 'Members' : 'Targets'),
        h('dd', null, operation.members.map((entry) => entry.member).join(', ')),
        operation.package ? [h('dt', null, 'Package (SHA-256)'), h('dd', null, code(operation.package.digest), ` · ${operation.package.keyCount} key(s)`)] : null,
        operation.join ? [h('dt', null, 'Transport key (SHA-256)'), h('dd', null, operation.join.transportFingerprint ? code(operation.join.transportFingerprint) : 'not made yet')] : null,
        operation.retire
          ? [h('dt', null, 'Key to destroy'), h('dd', null, `${operation.retire.key.class} ${operation.retire.key.label} (${operation.retire.key.id}), fingerprint `, code(operation.retire.key.fingerprint))]
          : null,
        h('dt', null, 'Approvals'),
        h('dd', null, `${granted.filter((record) => record.decision === 'approve').length} of ${item.approvals?.required ?? '?'}`, item.approvals?.deadline ? [' · the wait ends ', age(item.approvals.deadline)] : null),
        h('dt', null, 'You sign'),
        h('dd', null, challengeBox),
      ),
      // What the digest stands for: the keys an approval lets onto the member.
      operation.package ? packageKeysTable(operation.package) : null,
      buttons,
      errors,
    );
    if (operation.requestedBy === session.principal.id) {
      show(buttons, notice('You requested this operation: another approver must approve it (four eyes).'));
    } else if (mineAlready) {
      show(buttons, notice(`You have already ${mineAlready.decision === 'approve' ? 'approved' : 'rejected'} this.`));
    }
    void answer(api.GET('/v1/operations/{operationId}/approvals/{member}/challenge', { params: { path: { operationId: operation.operationId, member } } }))
      .then(({ challenge }) => {
        show(challengeBox, h('code', { class: 'mono challenge' }, challenge));
        if (operation.requestedBy === session.principal.id || mineAlready || unavailable) return;
        const decide = (decision: 'approve' | 'reject') => {
          const button = h('button', { type: 'button', class: decision === 'approve' ? 'primary' : 'danger' }, decision === 'approve' ? 'Approve with security key' : 'Reject with security key');
          button.addEventListener('click', () => {
            // The security key's prompt can take a while: no redraw under it.
            hold(120_000);
            void busy(button, errors, `${decision} with the security key`, async () => {
              const signed = decision === 'approve' ? challenge : challenge.replace(/\|approve$/, '|reject');
              const assertion = await signChallenge(signed, mine);
              await approveWithSecurityKey(session, operation.operationId, member, decision, assertion);
              show(buttons, notice(`${decision === 'approve' ? 'Approved' : 'Rejected'}; the operation goes on.`));
            }).finally(() => {
              hold(5000);
            });
          });
          return button;
        };
        show(buttons, decide('approve'), decide('reject'));
      })
      .catch((error: unknown) => show(challengeBox, errorBox(error, 'read the challenge')));
    return box;
  }
}

/** What in an operation waits for approvers now. */
function waitingIn(operation: Operation): Waiting[] {
  if (operation.join && operation.join.phase === 'approval') {
    return [{ operation, member: operation.join.member, what: `Join of ${operation.join.member}, sponsored by ${operation.join.sponsor}`, approvals: operation.join.approvals }];
  }
  if (operation.retire && operation.retire.phase === 'approval') {
    return [{ operation, member: '*', what: `Retire of ${operation.retire.key.label} (${operation.retire.key.id}) on every member`, approvals: operation.retire.approvals }];
  }
  return operation.members
    .filter((member) => member.state === 'awaiting-approval')
    .map((member) => ({ operation, member: member.member, what: `${operation.kind === 'repair' ? 'Repair' : 'Sync'} to ${member.member}`, approvals: member.approvals }));
}
