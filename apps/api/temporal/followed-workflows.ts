// Workflow descriptions the API keeps current by following each workflow's history: a long poll
// that Temporal answers as soon as an event is written. A status read that accepts a view some
// moments old (the request's Cache-Control: max-age) is answered from here without a Temporal
// call; under many running syncs a describe waits behind the server's writes (the bench measured
// its p99 in hundreds of milliseconds), while a followed view is in memory.
//
// A view's age is how long ago the API last knew it current:
// - zero while its follower waits with nothing new (Temporal would have answered the poll), for as
//   long as Temporal answers a quiet poll anyway (its long-poll interval, 20 s by default): a poll
//   silent for longer (a connection lost without an error) vouches for nothing, and the view ages;
// - the time since new events arrived, while the follower describes the workflow again (after the
//   events that change what a describe shows: its status, memo or search attributes; counters such
//   as its history length and pending activities are left as they were, past its first task);
// - the time since the API saw the run end, once it has.
// A read that needs a younger view (or sends no max-age) describes, as it always did; what it
// learns updates the view. A workflow the API starts, or sees a followed parent start, is followed
// from what its start says (started-description.ts), so no read waits on a first describe; after
// the API's own update or cancel the view is dropped, so whoever made the change reads it next
// from Temporal (see TemporalGateway).
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { startedDescription, type WorkflowStarted } from './started-description';

/** What following needs from Temporal (TemporalGateway provides it). */
export interface FollowSource {
  describe(workflowId: string): Promise<WorkflowExecutionDescription>;
  /** The completed run's result. */
  result(workflowId: string, runId: string): Promise<unknown>;
  /** The run's next events after `token` (its first page without one), waiting until there are some. */
  nextEvents(workflowId: string, runId: string, token: Uint8Array | undefined): Promise<HistoryPage>;
}

export interface HistoryPage {
  /** The id of the last event in the page; 0 for a page without events (the poll's own timeout). */
  lastEventId: number;
  /** Whether an event in the page changes a describe's status, memo or search attributes. */
  changesView: boolean;
  /** Children the workflow asked for in this page, as it asked (StartChildWorkflowExecutionInitiated). */
  childrenAsked: WorkflowStarted[];
  /** Children this page says were started: followed from their start, before a read asks for them. */
  childrenStarted: { workflowId: string; runId: string }[];
  /** Where the next page starts; null once the run has ended. */
  next: Uint8Array | null;
}

export interface FollowLimits {
  /** At most this many workflows followed; the least recently read is let go first. */
  maxFollowed: number;
  /** A workflow nobody read for this long is no longer followed. */
  idleMs: number;
}

const defaultFollowLimits: FollowLimits = { maxFollowed: 1000, idleMs: 60_000 };

/**
 * Until a workflow's first workflow task has completed (its start, that task's three events, maybe a
 * retried one's), how far its history has come is itself what a read shows: whether a worker has
 * picked it up yet (operation-reader.ts).
 */
const eventsOfAFirstTask = 5;

function notPastItsFirstTask(description: WorkflowExecutionDescription): boolean {
  return description.historyLength <= eventsOfAFirstTask;
}

/** Temporal answers a history long poll within its long-poll interval (20 s by default), with no events if nothing happened. */
const quietPollMs = 30_000;

interface Followed {
  workflowId: string;
  description: WorkflowExecutionDescription;
  /** The completed run's result, fetched once it ended. */
  result?: { value: unknown };
  /** Since when the description may be behind (new events, or a run that ended); null while current. */
  behindSince: number | null;
  /** When the poll now in flight was sent (null between polls). */
  pollSentAt: number | null;
  lastReadAt: number;
  /** Children it asked for that have not started yet, by workflow id. */
  childrenAsked: Map<string, WorkflowStarted>;
  /**
   * Set when it is let go: its poll is left to end by itself (within Temporal's long-poll interval),
   * never cancelled. The dev server's in-memory SQLite can be left failing every query with
   * "interrupted (9)" when a request is cancelled while it reads, which a poll woken by a new event does.
   */
  stopped: boolean;
}

export class FollowedWorkflows {
  private readonly followed = new Map<string, Followed>();
  /** Children a followed parent asked for that have not started yet: the parent, by the child's id. */
  private readonly askedBy = new Map<string, Followed>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly source: FollowSource,
    private readonly limits: FollowLimits = defaultFollowLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.sweep = setInterval(() => this.letIdleGo(), Math.max(1_000, limits.idleMs / 4));
    this.sweep.unref();
  }

  /**
   * The followed description if it is at most maxAgeMs old; 'not-started' for a child a followed
   * parent has asked for but Temporal has not started, as of a parent's view that fresh (a describe
   * would not find it either); else null (the caller describes, and offers what it got).
   */
  async described(workflowId: string, maxAgeMs: number): Promise<WorkflowExecutionDescription | 'not-started' | null> {
    const entry = this.read(workflowId);
    if (!entry) {
      const parent = this.askedBy.get(workflowId);
      return parent && this.ageOf(parent) <= maxAgeMs ? 'not-started' : null;
    }
    return this.ageOf(entry) <= maxAgeMs ? entry.description : null;
  }

  /** The completed run's result if the API has it and its view is at most maxAgeMs old, else null. */
  resultOf(workflowId: string, runId: string | undefined, maxAgeMs: number): { value: unknown } | null {
    const entry = this.read(workflowId);
    if (!entry?.result || this.ageOf(entry) > maxAgeMs) return null;
    return runId === undefined || runId === entry.description.runId ? entry.result : null;
  }

  /** A description a caller got straight from Temporal: follows a running workflow from it, and keeps the view current. */
  offer(description: WorkflowExecutionDescription): void {
    const entry = this.read(description.workflowId);
    if (entry && entry.description.runId === description.runId) {
      // The same run: keep whichever view is further along.
      if (entry.description.historyLength > description.historyLength) return;
      entry.description = description;
      if (description.status.name !== 'RUNNING') entry.behindSince ??= this.now();
      return;
    }
    // Another run of that id: start over from this one.
    if (entry) this.forget(description.workflowId);
    if (description.status.name === 'RUNNING') this.follow(this.add(description.workflowId, description));
  }

  /** Drops the view: the next read describes (after the API itself changed the workflow). */
  forget(workflowId: string): void {
    const entry = this.followed.get(workflowId);
    if (!entry) return;
    entry.stopped = true;
    this.followed.delete(workflowId);
    for (const child of entry.childrenAsked.keys()) if (this.askedBy.get(child) === entry) this.askedBy.delete(child);
  }

  close(): void {
    clearInterval(this.sweep);
    for (const workflowId of [...this.followed.keys()]) this.forget(workflowId);
  }

  /** How many workflows are followed now. */
  get size(): number {
    return this.followed.size;
  }

  private read(workflowId: string): Followed | undefined {
    const entry = this.followed.get(workflowId);
    if (!entry) return undefined;
    entry.lastReadAt = this.now();
    // Map order is the eviction order: the read moves it last.
    this.followed.delete(workflowId);
    this.followed.set(workflowId, entry);
    return entry;
  }

  private ageOf(entry: Followed): number {
    const now = this.now();
    if (entry.behindSince !== null) return now - entry.behindSince;
    return entry.pollSentAt === null ? 0 : Math.max(0, now - entry.pollSentAt - quietPollMs);
  }

  private add(workflowId: string, description: WorkflowExecutionDescription): Followed {
    while (this.followed.size >= this.limits.maxFollowed) {
      const oldest = this.followed.keys().next().value as string;
      this.forget(oldest);
    }
    const entry: Followed = { workflowId, description, behindSince: null, pollSentAt: null, lastReadAt: this.now(), childrenAsked: new Map(), stopped: false };
    this.followed.set(workflowId, entry);
    return entry;
  }

  /**
   * A child a followed parent started: followed from its start, so the first read of it finds a view.
   * The parent's request for it is in this page or an earlier one: a run is followed from its first event.
   */
  private childStarted(parent: Followed, workflowId: string, runId: string): void {
    const asked = parent.childrenAsked.get(workflowId);
    parent.childrenAsked.delete(workflowId);
    if (this.askedBy.get(workflowId) === parent) this.askedBy.delete(workflowId);
    if (asked && !this.followed.has(workflowId)) this.offer(startedDescription(asked, runId, new Date(this.now())));
  }

  private follow(entry: Followed): void {
    void this.followRuns(entry).catch(() => this.dropIfCurrent(entry));
  }

  /** Follows the run until it ends; then its successor, if the id's latest run is another one still running (continued as new, reset). */
  private async followRuns(entry: Followed): Promise<void> {
    for (;;) {
      const runId = entry.description.runId;
      await this.followRun(entry, runId);
      if (entry.stopped) return;
      const latest = entry.description;
      if (latest.status.name !== 'RUNNING' || latest.runId === runId) return;
    }
  }

  private async followRun(entry: Followed, runId: string): Promise<void> {
    let token: Uint8Array | undefined;
    for (;;) {
      entry.pollSentAt = this.now();
      const page = await this.source.nextEvents(entry.workflowId, runId, token);
      entry.pollSentAt = null;
      if (entry.stopped) return;
      for (const asked of page.childrenAsked) {
        entry.childrenAsked.set(asked.workflowId, asked);
        this.askedBy.set(asked.workflowId, entry);
      }
      for (const child of page.childrenStarted) this.childStarted(entry, child.workflowId, child.runId);
      const ended = page.next === null;
      if (ended || (page.lastEventId > entry.description.historyLength && (page.changesView || notPastItsFirstTask(entry.description)))) await this.describeAgain(entry);
      if (ended) return;
      token = page.next!;
    }
  }

  /** New events (or the end): describe again; the view stays readable meanwhile, its age growing. */
  private async describeAgain(entry: Followed): Promise<void> {
    const since = this.now();
    entry.behindSince ??= since;
    const description = await this.source.describe(entry.workflowId);
    if (description.status.name === 'COMPLETED' && !entry.stopped) {
      entry.result = { value: await this.source.result(entry.workflowId, description.runId) };
    } else {
      delete entry.result;
    }
    if (entry.stopped) return;
    entry.description = description;
    // An ended run's view is as current as this describe; a running one (this run, or the one that
    // followed an ended run) is current until its follower sees the next event.
    entry.behindSince = description.status.name === 'RUNNING' ? null : since;
  }

  private dropIfCurrent(entry: Followed): void {
    if (this.followed.get(entry.workflowId) === entry) this.forget(entry.workflowId);
  }

  private letIdleGo(): void {
    const before = this.now() - this.limits.idleMs;
    for (const entry of [...this.followed.values()]) if (entry.lastReadAt < before) this.forget(entry.workflowId);
  }
}
