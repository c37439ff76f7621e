// What a page is: it draws itself into its element, and may leave a stop function for what it keeps
// running (a poll), called when the user goes to another page.
import type { Session } from './session';

export interface PageContext {
  session: Session;
  /** The route's parameter: an operation id, a member. */
  param?: string;
  navigate(hash: string): void;
}

export type Page = (root: HTMLElement, context: PageContext) => Promise<(() => void) | void>;

/** Calls `tick` now and then every `intervalMs` after each one settles, until stopped; a tick that returns false stops it. */
export function poll(intervalMs: number, tick: () => Promise<boolean | void>): () => void {
  let stopped = false;
  let timer: number | undefined;
  const run = async (): Promise<void> => {
    if (stopped) return;
    const goOn = await tick().catch(() => true);
    if (!stopped && goOn !== false) timer = window.setTimeout(() => void run(), intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    if (timer !== undefined) window.clearTimeout(timer);
  };
}
