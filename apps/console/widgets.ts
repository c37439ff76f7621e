// The pieces every page uses: its heading, a loading line, an empty state, the API's error shown
// as it said it, and a state written as a word on a colour (never colour alone).
import { ApiFailure } from './api';
import { h, type Child } from './dom';

export function pageHeading(title: string, ...aside: Child[]): HTMLElement {
  // tabindex -1: the router moves focus here on each page change, for keyboard and screen reader users.
  return h('div', { class: 'page-heading' }, h('h1', { tabindex: -1 }, title), ...aside);
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

export function emptyState(title: string, detail?: string): HTMLElement {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), detail ? h('p', null, detail) : null);
}

/** The API's message and code, and its correlation id to quote to whoever reads the server log. */
export function errorBox(error: unknown, doing?: string): HTMLElement {
  const failure = error instanceof ApiFailure ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', { class: 'error-title' }, doing ? `Could not ${doing}.` : 'Something went wrong.'),
    h('p', { class: 'error-message' }, message),
    failure && failure.status > 0 ? h('p', { class: 'error-meta' }, `HTTP ${failure.status} · ${failure.code}${failure.correlationId ? ` · correlation id ${failure.correlationId}` : ''}`) : null,
  );
}

export function notice(text: string): HTMLElement {
  return h('p', { class: 'notice', role: 'status' }, text);
}

/** A state as a word in a badge; the colour comes from its name (styles.css), colour-blind-safe, and the word is always there. */
export function stateBadge(state: string, label = state.replace(/-/g, ' ')): HTMLElement {
  return h('span', { class: `badge state-${state}` }, label);
}

/** "3 min ago", or "in 9 min" for a moment to come (a deadline), with the exact time in its title. */
export function age(iso: string | undefined, now = Date.now()): HTMLElement {
  if (!iso) return h('span', null, '—');
  const difference = Math.round((now - Date.parse(iso)) / 1000);
  const seconds = Math.abs(difference);
  const span = seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.floor(seconds / 60)} min` : seconds < 86_400 ? `${Math.floor(seconds / 3600)} h` : `${Math.floor(seconds / 86_400)} d`;
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, difference < 0 ? `in ${span}` : `${span} ago`);
}

export function code(text: string): HTMLElement {
  return h('code', { class: 'mono' }, text);
}

/** Runs an action from a button: the button is disabled meanwhile, and a failure shown in `errors`. */
export async function busy(button: HTMLButtonElement, errors: Element, doing: string, action: () => Promise<void>): Promise<void> {
  button.disabled = true;
  errors.replaceChildren();
  try {
    await action();
  } catch (error) {
    errors.replaceChildren(errorBox(error, doing));
  } finally {
    button.disabled = false;
  }
}
