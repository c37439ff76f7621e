// The console's shell: sign-in, the navigation bar (what the principal's roles may use), and the
// hash router (#/keys, #/operations/<id>...), which stops the old page's polls and moves focus to
// the new page's heading.
import { whenUnauthenticated } from './api';
import { h, show } from './dom';
import type { Page } from './page';
import { approvalsPage } from './pages/approvals';
import { auditPage } from './pages/audit';
import { clusterPage } from './pages/cluster';
import { keysPage } from './pages/keys';
import { operationPage } from './pages/operation';
import { operationsPage } from './pages/operations';
import { securityKeysPage } from './pages/security-keys';
import { signInPage } from './pages/sign-in';
import { chooseCluster, forgetToken, rememberedToken, signIn, type Role, type Session } from './session';
import { errorBox } from './widgets';

interface Route {
  path: string;
  title: string;
  page: Page;
  /** Shown in the navigation only to these roles (the API checks every request anyway). */
  roles?: Role[];
  inNav?: boolean;
}

const routes: Route[] = [
  { path: 'cluster', title: 'Cluster', page: clusterPage },
  { path: 'keys', title: 'Keys', page: keysPage },
  { path: 'operations', title: 'Operations', page: operationsPage },
  { path: 'operation', title: 'Operation', page: operationPage, inNav: false },
  { path: 'approvals', title: 'Approvals', page: approvalsPage, roles: ['approver'] },
  { path: 'security-keys', title: 'Security keys', page: securityKeysPage, roles: ['approver', 'admin'] },
  { path: 'audit', title: 'Audit', page: auditPage, roles: ['auditor'] },
];

const app = document.getElementById('app') as HTMLElement;
let session: Session | null = null;
let stopPage: (() => void) | void = undefined;

function parseHash(): { route: Route; param?: string } {
  const [, first = '', ...rest] = window.location.hash.replace(/^#/, '').split('/');
  const param = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
  // #/operations/<id> is one operation's page.
  if (first === 'operations' && param) return { route: routes.find((route) => route.path === 'operation')!, param };
  return { route: routes.find((route) => route.path === first) ?? routes[0]!, ...(param ? { param } : {}) };
}

function navigate(hash: string): void {
  if (window.location.hash === hash) void render();
  else window.location.hash = hash;
}

function shell(current: Session, active: Route): HTMLElement {
  const visible = routes.filter((route) => route.inNav !== false && (!route.roles || route.roles.some((role) => current.can(role))));
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    forgetToken();
    session = null;
    void render('You are signed out; the token is forgotten.');
  });
  const clusterPicker =
    current.clusters.length > 1
      ? h('select', { 'aria-label': 'Cluster' }, current.clusters.map((id) => h('option', { value: id, selected: id === current.cluster }, id)))
      : h('span', { class: 'cluster-name' }, current.cluster);
  if (clusterPicker instanceof HTMLSelectElement) {
    clusterPicker.addEventListener('change', () => {
      session = chooseCluster(current, clusterPicker.value);
      void render();
    });
  }
  return h(
    'header',
    { class: 'top' },
    h('a', { class: 'skip', href: '#main', onclick: (event: Event) => { event.preventDefault(); document.getElementById('main')?.focus(); } }, 'Skip to content'),
    h('span', { class: 'brand' }, 'KeySync'),
    clusterPicker,
    h(
      'nav',
      { 'aria-label': 'Pages' },
      h('ul', null, visible.map((route) => h('li', null, h('a', { href: `#/${route.path}`, 'aria-current': route === active || (active.path === 'operation' && route.path === 'operations') ? 'page' : false }, route.title)))),
    ),
    h('span', { class: 'who' }, `${current.principal.id} (${current.principal.roles.join(', ')})`),
    signOut,
  );
}

async function render(reason?: string): Promise<void> {
  if (stopPage) stopPage();
  stopPage = undefined;
  if (!session) {
    const token = rememberedToken();
    if (token && !reason) {
      try {
        session = await signIn(token);
      } catch {
        forgetToken();
        reason = 'Your saved token was refused; sign in again.';
      }
    }
  }
  if (!session) {
    signInPage(app, (signedIn) => {
      session = signedIn;
      if (!window.location.hash || window.location.hash === '#/') window.location.hash = '#/cluster';
      void render();
    }, reason);
    return;
  }
  const { route, param } = parseHash();
  const main = h('main', { id: 'main', tabindex: -1 });
  show(app, shell(session, route), main);
  document.title = `${route.title} · KeySync`;
  // A page draws its heading before its first await: focus goes there at once, for keyboard and screen reader users.
  const drawing = route.page(main, { session, ...(param !== undefined ? { param } : {}), navigate });
  main.querySelector<HTMLElement>('h1')?.focus();
  try {
    stopPage = await drawing;
  } catch (error) {
    show(main, errorBox(error, `show ${route.title}`));
  }
}

whenUnauthenticated((message) => {
  if (!session) return;
  forgetToken();
  session = null;
  void render(`Signed out: ${message}`);
});
window.addEventListener('hashchange', () => void render());
void render();
