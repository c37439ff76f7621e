// Sign in: the user pastes an API token (the one `keysync` uses). It is checked against the API
// and kept in this tab's sessionStorage only.
import { h, show } from '../dom';
import { signIn, type Session } from '../session';
import { busy, notice } from '../widgets';

export function signInPage(root: HTMLElement, signedIn: (session: Session) => void, reason?: string): void {
  const token = h('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const errors = h('div');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: -1 }, 'KeySync console'),
    reason ? notice(reason) : null,
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'API token'), token),
    h(
      'p',
      { class: 'muted small' },
      'The same bearer token as the API and the keysync CLI; your roles decide what you may do. The console keeps it in this browser tab’s session storage only: it is forgotten when the tab closes or when you sign out, and is never sent anywhere but this server.',
    ),
    submit,
    errors,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, errors, 'sign in', async () => signedIn(await signIn(token.value.trim())));
  });
  show(root, h('main', { id: 'main' }, form));
  token.focus();
}
