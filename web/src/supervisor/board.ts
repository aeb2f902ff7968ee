// The wallboard's data, shaped from what the server sends: every queue's
// figures (GET /acd/queues, then queue_stats events), every agent's state
// (GET /acd/agents?all=true, then transition events) and the live calls
// (the live-call stream's snapshot and changes). The server computes every
// figure (service level, abandon rate, agents by state); this file only
// keeps the latest of each and picks what a tile shows.
import type { Schemas } from '../api/client';

export type QueueStats = Schemas['ACDQueueStats'];
export type AgentState = Schemas['ACDAgentState'];
export type ACDEvent = Schemas['ACDStreamEvent'];
export type LiveCallEvent = Schemas['LiveCallEvent'];
export type CallView = Schemas['CallView'];
export type StateName = AgentState['state'];

/** The states in the order a wallboard lists them. */
export const stateOrder: StateName[] = ['ready', 'reserved', 'busy', 'after_call_work', 'not_ready', 'break', 'logged_out'];

/** An agent as the wallboard shows it: the state and since when (local clock). */
export interface AgentLine {
  id: string;
  state: StateName;
  reason?: string;
  /** Local time the state began: the server's in_state_seconds (or the event's time) counted back from arrival. */
  since: number;
  pendingNotReady: boolean;
}

export interface Board {
  queues: Record<string, { stats: QueueStats; at: number }>;
  agents: Record<string, AgentLine>;
  calls: Record<string, CallView>;
  /** When the controller saw each call's last change (the event's `at`; none for the snapshot's). */
  callsAt: Record<string, string>;
}

export const emptyBoard: Board = { queues: {}, agents: {}, calls: {}, callsAt: {} };

/** Every queue's figures as listed; a newer figure already held (from the stream) is kept. */
export function withQueues(b: Board, items: QueueStats[], asked: number, now: number): Board {
  const queues = { ...b.queues };
  for (const q of items) if (!queues[q.queue_id] || queues[q.queue_id]!.at < asked) queues[q.queue_id] = { stats: q, at: now };
  return { ...b, queues };
}

/** Every agent's state as listed; a transition that arrived after the list was asked for is kept. */
export function withAgents(b: Board, items: AgentState[], asked: number, now: number, seen: Record<string, number>): Board {
  const agents: Record<string, AgentLine> = {};
  for (const a of items) {
    const prev = b.agents[a.agent_id];
    if (prev && (seen[a.agent_id] ?? 0) > asked) agents[a.agent_id] = prev;
    else
      agents[a.agent_id] = {
        id: a.agent_id,
        state: a.state,
        reason: a.reason,
        since: now - a.in_state_seconds * 1000,
        pendingNotReady: a.pending_not_ready,
      };
  }
  return { ...b, agents };
}

/**
 * One event of the ACD stream: queue_stats replaces the queue's figures, a
 * transition moves the agent (since: the event's time, which the server's
 * clock stamps, taken as now when it would be in the future).
 */
export function withACDEvent(b: Board, ev: ACDEvent, now: number): Board {
  if (ev.kind === 'queue_stats' && ev.queue) {
    return { ...b, queues: { ...b.queues, [ev.queue.queue_id]: { stats: ev.queue, at: now } } };
  }
  if (ev.kind === 'transition' && ev.agent_id && ev.to) {
    const at = ev.at ? Math.min(Date.parse(ev.at), now) : now;
    const prev = b.agents[ev.agent_id];
    const line: AgentLine = {
      id: ev.agent_id,
      state: ev.to,
      reason: ev.reason || undefined,
      since: Number.isFinite(at) ? at : now,
      pendingNotReady: ev.to === 'not_ready' ? false : (prev?.pendingNotReady ?? false),
    };
    return { ...b, agents: { ...b.agents, [ev.agent_id]: line } };
  }
  return b;
}

/** One event of the live-call stream: the snapshot replaces every call, a change replaces one, ended removes it. */
export function withCallEvent(b: Board, ev: LiveCallEvent): Board {
  if (ev.kind === 'snapshot') {
    const calls: Record<string, CallView> = {};
    for (const c of ev.calls ?? []) calls[c.call_id] = c;
    return { ...b, calls, callsAt: {} };
  }
  if (!ev.call) return b;
  const id = ev.call.call_id;
  const calls = { ...b.calls };
  const callsAt = { ...b.callsAt };
  if (ev.kind === 'ended' || ev.kind === 'left') {
    delete calls[id];
    delete callsAt[id];
  } else {
    calls[id] = ev.call;
    if (ev.at) callsAt[id] = ev.at;
    else delete callsAt[id];
  }
  return { ...b, calls, callsAt };
}

/** The call each agent is on now: the agent's own call, or an internal call to them. */
export function callsByAgent(b: Board): Map<string, CallView> {
  const out = new Map<string, CallView>();
  for (const c of Object.values(b.calls)) {
    if (c.agent_id) out.set(c.agent_id, c);
    if (c.remote_agent_id && !out.has(c.remote_agent_id)) out.set(c.remote_agent_id, c);
  }
  return out;
}

/** What a queue's tile shows; rates are the server's, as fractions (0..1), null when nothing was offered. */
export interface Tile {
  queueId: string;
  waiting: number;
  longestWaitSeconds: number;
  serviceLevel: number | null;
  serviceLevelThresholdSeconds: number;
  abandonRate: number | null;
  offered: number;
  windowMinutes: number;
  agents: Partial<Record<StateName, number>>;
  loggedIn: number;
}

/**
 * A queue's tile over the window of windowMinutes (the server sends 5, 15
 * and 60; another falls back to the shortest). The longest wait counts on
 * from when the figures arrived while anyone waits.
 */
export function tile(queueId: string, f: { stats: QueueStats; at: number }, now: number, windowMinutes = 15): Tile {
  const ws = f.stats.windows ?? [];
  const w = ws.find((x) => x.minutes === windowMinutes) ?? [...ws].sort((a, b) => a.minutes - b.minutes)[0];
  const waiting = f.stats.waiting;
  const agents: Partial<Record<StateName, number>> = {};
  for (const [k, v] of Object.entries(f.stats.agents ?? {})) if (v > 0) agents[k as StateName] = v;
  return {
    queueId,
    waiting,
    longestWaitSeconds: waiting > 0 ? f.stats.longest_wait_seconds + Math.max(0, now - f.at) / 1000 : 0,
    serviceLevel: w && w.offered > 0 ? w.service_level : null,
    serviceLevelThresholdSeconds: w?.service_level_threshold_seconds ?? 0,
    abandonRate: w && w.offered > 0 ? w.abandon_rate : null,
    offered: w?.offered ?? 0,
    windowMinutes: w?.minutes ?? windowMinutes,
    agents,
    loggedIn: f.stats.logged_in,
  };
}

/** Agents per state over the whole tenant (each agent once, whatever its queues). */
export function agentsByState(b: Board): Record<StateName, number> {
  const out = Object.fromEntries(stateOrder.map((s) => [s, 0])) as Record<StateName, number>;
  for (const a of Object.values(b.agents)) out[a.state] += 1;
  return out;
}

/** A percentage for a tile: 0.857 → "86%"; null → "–". */
export function percent(x: number | null): string {
  return x === null ? '–' : `${Math.round(x * 100)}%`;
}

/**
 * The chart's history: one sample a second of every queue's waiting count,
 * at most `keep` samples (the oldest go). Columns are uPlot's: x (Unix
 * seconds) first, then one series per queue in `queueIds`' order.
 */
export class History {
  times: number[] = [];
  series = new Map<string, number[]>();
  constructor(private keep = 300) {}

  sample(t: number, waiting: Record<string, number>) {
    const sec = Math.floor(t / 1000);
    if (this.times[this.times.length - 1] !== sec) this.times.push(sec);
    const n = this.times.length;
    for (const q of Object.keys(waiting)) if (!this.series.has(q)) this.series.set(q, new Array<number>(n - 1).fill(0));
    for (const [q, s] of this.series) {
      // A second sampled twice keeps the latest figure.
      if (s.length < n) s.push(waiting[q] ?? 0);
      else s[n - 1] = waiting[q] ?? 0;
    }
    if (n > this.keep) {
      this.times.shift();
      for (const s of this.series.values()) s.shift();
    }
  }

  columns(queueIds: string[]): number[][] {
    return [this.times, ...queueIds.map((q) => this.series.get(q) ?? this.times.map(() => 0))];
  }
}
