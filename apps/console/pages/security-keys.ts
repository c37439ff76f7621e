// Security keys: an approver registers a FIDO2 key (it counts only once an admin confirms it);
// an admin confirms pending keys. Every change is a workflow update, so the history audits it.
import { confirmCredential, listCredentials, registerCredential, registrationOptions, type Credential } from '../credentials';
import { h, show } from '../dom';
import type { Page } from '../page';
import { age, busy, emptyState, errorBox, loading, notice, pageHeading, stateBadge } from '../widgets';
import { createCredential, webauthnUnavailable } from '../webauthn';

export const securityKeysPage: Page = async (root, { session }) => {
  const list = h('section', { 'aria-labelledby': 'keys-title' }, h('h2', { id: 'keys-title' }, 'Registered security keys'), loading('the security keys'));
  const register = h('section', { 'aria-labelledby': 'register-title' });
  show(root, pageHeading('Security keys'), h('p', { class: 'muted' }, 'Approvers sign approvals with a FIDO2 security key and its PIN. A new key counts only after an admin confirms it.'), register, list);

  const load = async () => {
    try {
      const credentials = await listCredentials(session);
      show(list, h('h2', { id: 'keys-title' }, 'Registered security keys'), credentials.length === 0 ? emptyState('No security key is registered yet.') : table(credentials));
    } catch (error) {
      show(list, h('h2', { id: 'keys-title' }, 'Registered security keys'), errorBox(error, 'list the security keys'));
    }
  };

  const table = (credentials: Credential[]) =>
    h(
      'table',
      { class: 'data', id: 'credentials' },
      h('thead', null, h('tr', null, ['Approver', 'Name', 'State', 'Registered', 'Confirmed by', ''].map((title) => h('th', { scope: 'col' }, title)))),
      h(
        'tbody',
        null,
        credentials.map((credential) => {
          const errors = h('div');
          let action: HTMLElement | null = null;
          if (credential.state === 'pending' && session.can('admin')) {
            const confirm = h('button', { type: 'button' }, `Confirm ${credential.approverId}’s key`);
            confirm.addEventListener('click', () =>
              void busy(confirm, errors, 'confirm the security key', async () => {
                await confirmCredential(session, credential);
                await load();
              }),
            );
            action = confirm;
          }
          return h(
            'tr',
            { 'data-credential': credential.credentialId, 'data-state': credential.state },
            h('th', { scope: 'row' }, credential.approverId),
            h('td', null, credential.name ?? '—'),
            h('td', null, stateBadge(credential.state)),
            h('td', null, age(credential.registeredAt)),
            h('td', null, credential.confirmedBy ?? '—'),
            h('td', null, action, errors),
          );
        }),
      ),
    );

  if (session.can('approver')) {
    const unavailable = webauthnUnavailable();
    const name = h('input', { id: 'credential-name', type: 'text', maxlength: 64, placeholder: 'e.g. YubiKey on my keyring' });
    const submit = h('button', { type: 'submit', disabled: unavailable !== null }, 'Register a security key');
    const errors = h('div');
    const form = h(
      'form',
      { class: 'action-form' },
      h('h2', { id: 'register-title' }, `Register a key for ${session.principal.id}`),
      unavailable ? h('p', { class: 'error-message' }, unavailable) : h('p', { class: 'muted' }, 'Your browser asks you to touch the key and type its PIN.'),
      h('div', { class: 'field' }, h('label', { for: 'credential-name' }, 'Name (optional)'), name),
      submit,
      errors,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(submit, errors, 'register the security key', async () => {
        const options = await registrationOptions(session);
        const registration = await createCredential(options);
        await registerCredential(session, registration, name.value.trim());
        errors.replaceChildren(notice('Registered. It counts once an admin confirms it.'));
        await load();
      });
    });
    show(register, form);
  }
  await load();
};
