import { describe, expect, it } from 'vitest';
import {
  agentsByState,
  callsByAgent,
  emptyBoard,
  History,
  percent,
  tile,
  withACDEvent,
  withAgents,
  withCallEvent,
  withQueues,
  type AgentState,
  type CallView,
  type QueueStats,
} from './board';

const window15 = {
  minutes: 15,
  offered: 20,
  answered: 16,
  abandoned: 4,
  overflowed: 0,
  service_level: 0.75,
  service_level_threshold_seconds: 20,
  service_level_definition: 'answered_and_abandoned_after_threshold',
  answered_in_threshold: 15,
  abandoned_after_threshold: 2,
  asa_seconds: 9,
  abandon_rate: 0.2,
  aht_seconds: 120,
} as QueueStats['windows'][number];

const stats = (over: Partial<QueueStats> = {}): QueueStats => ({
  queue_id: 'q1',
  waiting: 2,
  longest_wait_seconds: 30,
  logged_in: 3,
  agents: { ready: 1, busy: 2, logged_out: 4 },
  windows: [{ ...window15, minutes: 5, offered: 0, service_level: 1, abandon_rate: 0 }, window15, { ...window15, minutes: 60 }],
  ...over,
});

const agent = (id: string, state: AgentState['state'], inState = 10): AgentState =>
  ({ agent_id: id, state, in_state_seconds: inState, pending_not_ready: false, since: '', work: {}, offers: [], queues: [], today: {} }) as unknown as AgentState;

const call = (over: Partial<CallView>): CallView =>
  ({ call_id: 'c1', node: 'fs1', caller: '138', access_number: '+86', queue_id: 'q1', state: 'talking', arrived_at: '2026-01-01T00:00:00Z',
    direction: 'inbound', remote_number: '138', held: false, muted: false, ...over }) as CallView;

describe('tile', () => {
  it("shows the server's 15-minute service level and abandon rate, and the longest wait counting on", () => {
    const x = tile('q1', { stats: stats(), at: 1000 }, 3500);
    expect(x.waiting).toBe(2);
    expect(x.longestWaitSeconds).toBeCloseTo(32.5);
    expect(x.serviceLevel).toBe(0.75);
    expect(x.abandonRate).toBe(0.2);
    expect(x.serviceLevelThresholdSeconds).toBe(20);
    expect(x.windowMinutes).toBe(15);
    expect(x.agents).toEqual({ ready: 1, busy: 2, logged_out: 4 });
    expect(percent(x.serviceLevel)).toBe('75%');
  });

  it('has no rate before anything was offered, and no longest wait when nobody waits', () => {
    const x = tile('q1', { stats: stats({ waiting: 0 }), at: 0 }, 5000, 5);
    expect(x.longestWaitSeconds).toBe(0);
    expect(x.serviceLevel).toBeNull();
    expect(x.abandonRate).toBeNull();
    expect(percent(x.abandonRate)).toBe('–');
  });

  it('falls back to the shortest window the server sent', () => {
    expect(tile('q1', { stats: stats(), at: 0 }, 0, 30).windowMinutes).toBe(5);
  });
});

describe('board', () => {
  it('a transition moves the agent at once, from the server time of the event', () => {
    let b = withAgents(emptyBoard, [agent('ann', 'not_ready', 5)], 0, 10_000, {});
    expect(b.agents.ann).toMatchObject({ state: 'not_ready', since: 5000 });
    b = withACDEvent(b, { kind: 'transition', agent_id: 'ann', from: 'not_ready', to: 'ready', at: new Date(9000).toISOString() }, 10_000);
    expect(b.agents.ann).toMatchObject({ state: 'ready', since: 9000 });
    // An event stamped in the future (clocks apart) counts from now.
    b = withACDEvent(b, { kind: 'transition', agent_id: 'ann', to: 'busy', at: new Date(20_000).toISOString() }, 10_000);
    expect(b.agents.ann!.since).toBe(10_000);
    expect(agentsByState(b)).toMatchObject({ busy: 1, ready: 0 });
  });

  it('a list asked for before a transition arrived does not undo it', () => {
    let b = withACDEvent(emptyBoard, { kind: 'transition', agent_id: 'ann', to: 'break' }, 2000);
    b = withAgents(b, [agent('ann', 'ready'), agent('bob', 'ready')], 1000, 3000, { ann: 2000 });
    expect(b.agents.ann!.state).toBe('break');
    expect(b.agents.bob!.state).toBe('ready');
  });

  it('queue figures: the stream replaces them; a list asked for earlier does not', () => {
    let b = withACDEvent(emptyBoard, { kind: 'queue_stats', queue_id: 'q1', queue: stats({ waiting: 5 }) }, 2000);
    b = withQueues(b, [stats({ waiting: 1 })], 1000, 3000);
    expect(b.queues.q1!.stats.waiting).toBe(5);
    b = withQueues(b, [stats({ waiting: 1 })], 2500, 3000);
    expect(b.queues.q1!.stats.waiting).toBe(1);
  });

  it('live calls: snapshot, change, end; each agent with their call', () => {
    let b = withCallEvent(emptyBoard, { kind: 'snapshot', calls: [call({ agent_id: 'ann' }), call({ call_id: 'c2', state: 'queued' })] });
    expect(callsByAgent(b).get('ann')?.call_id).toBe('c1');
    b = withCallEvent(b, { kind: 'changed', call: call({ call_id: 'c2', agent_id: 'bob', state: 'ringing' }), at: '2026-01-01T00:00:05Z' });
    expect(callsByAgent(b).get('bob')?.state).toBe('ringing');
    expect(b.callsAt.c2).toBe('2026-01-01T00:00:05Z');
    b = withCallEvent(b, { kind: 'ended', call: call({ agent_id: 'ann' }) });
    expect(callsByAgent(b).has('ann')).toBe(false);
    b = withCallEvent(b, { kind: 'ended', call: call({ call_id: 'c2' }) });
    expect(b.callsAt.c2).toBeUndefined();
    b = withCallEvent(b, { kind: 'appeared', call: call({ call_id: 'c3', direction: 'internal', agent_id: 'cat', remote_agent_id: 'dan' }) });
    expect(callsByAgent(b).get('dan')?.call_id).toBe('c3');
  });
});

describe('History', () => {
  it('keeps one sample a second per queue, the latest of a second, and drops the oldest', () => {
    const h = new History(3);
    h.sample(1000, { a: 1 });
    h.sample(1500, { a: 2 });
    h.sample(2000, { a: 3, b: 1 });
    expect(h.columns(['a', 'b'])).toEqual([[1, 2], [2, 3], [0, 1]]);
    h.sample(3000, { a: 0, b: 0 });
    h.sample(4000, { b: 4 });
    expect(h.columns(['a', 'b', 'c'])).toEqual([[2, 3, 4], [3, 0, 0], [1, 0, 4], [0, 0, 0]]);
  });
});
