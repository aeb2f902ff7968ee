import { describe, expect, it } from 'vitest';
import type { ReactNode } from 'react';
import { renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Session } from '../api/session';
import { SessionProvider } from '../app/session';
import { useAgentLive } from './useAgentLive';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const enc = new TextEncoder();

const agentState = {
  agent_id: 'a1', state: 'ready', since: '2026-03-01T09:00:00Z', in_state_seconds: 1, pending_not_ready: false,
  offers: [], queues: ['q1'], work: {},
  today: { handled: 0, outbound: 0, talk_seconds: 0, busy_seconds: 0, ready_seconds: 0, not_ready_seconds: 0, break_seconds: 0, after_call_work_seconds: 0 },
};

/** A fake server: the REST answers the hook reads, and two event streams that are down until `up`. */
function fakeServer() {
  const s = { up: false, streams: new Map<string, ReadableStreamDefaultController<Uint8Array>>(), meReads: 0 };
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const path = new URL(req.url).pathname;
    if (path === '/api/v1/auth/refresh') return json(200, { access_token: 'a', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 });
    for (const name of ['/acd/stream', '/live-calls/events']) {
      if (!path.endsWith(name)) continue;
      if (!s.up) return new Response('down', { status: 503 });
      const body = new ReadableStream<Uint8Array>({ start: (c) => void s.streams.set(name, c) });
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    }
    if (path.endsWith('/acd/me')) {
      s.meReads++;
      return json(200, agentState);
    }
    if (path.endsWith('/acd/queues')) return json(200, { items: [] });
    if (path.endsWith('/desktop-settings')) return json(200, { not_ready_reasons: [], crm_url_template: '' });
    if (path.endsWith('/queues')) return json(200, { items: [], next_cursor: null });
    return json(404, { error: { code: 'not_found', message: path, request_id: 'x' } });
  };
  const storage = new Map([['switchboard.refresh', 'r1']]);
  const session = new Session(fetchFn as typeof fetch, {
    getItem: (k) => storage.get(k) ?? null,
    setItem: (k, v) => void storage.set(k, v),
    removeItem: (k) => void storage.delete(k),
  });
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={qc}>
      <SessionProvider session={session} baseUrl={window.location.origin}>
        {children}
      </SessionProvider>
    </QueryClientProvider>
  );
  const send = (stream: string, event: string, data: unknown) =>
    s.streams.get(stream)!.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  return { s, wrapper, send };
}

describe('useAgentLive', () => {
  it('says since when the live data is stale, reads everything again once the streams are back, then follows them', async () => {
    const { s, wrapper, send } = fakeServer();
    const { result } = renderHook(() => useAgentLive('t1', 'a1'), { wrapper });
    await waitFor(() => expect(result.current.downSince).not.toBeNull(), { timeout: 10_000 });
    expect(result.current.allLive).toBe(false);
    const readsWhileDown = s.meReads;

    s.up = true;
    await waitFor(() => expect(result.current.allLive).toBe(true), { timeout: 15_000 });
    expect(result.current.downSince).toBeNull();
    await waitFor(() => expect(s.meReads).toBeGreaterThan(readsWhileDown));

    // Queue figures and the screen pop arrive on the streams.
    send('/acd/stream', 'queue_stats', { kind: 'queue_stats', queue_id: 'q1',
      queue: { queue_id: 'q1', waiting: 3, longest_wait_seconds: 12, logged_in: 1, agents: { ready: 1 }, windows: [] } });
    await waitFor(() => expect(result.current.figures.q1?.stats.waiting).toBe(3));
    const offer = { kind: 'offer', agent_id: 'a1', call: { node: 'fs1', id: 'c1' }, caller: '138', access_number: '+86', queue_id: 'q1',
      at: '2026-03-01T09:00:00Z' };
    send('/live-calls/events', 'offer', { ...offer, agent_id: 'someone-else', call: { node: 'fs1', id: 'c0' } });
    send('/live-calls/events', 'offer', offer);
    await waitFor(() => expect(result.current.pop?.offer.call.id).toBe('c1'));
    expect(result.current.pop?.phase).toBe('ringing');
    // RONA: the offer went elsewhere; the pop goes.
    send('/acd/stream', 'rona', { kind: 'rona', agent_id: 'a1', interaction_id: 'c1' });
    await waitFor(() => expect(result.current.pop).toBeNull());
  });
});
