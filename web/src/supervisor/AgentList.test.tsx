import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReactNode } from 'react';
import { cleanup, fireEvent, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from 'antd';
import { initI18n } from '../i18n';
import { Session } from '../api/session';
import { SessionProvider } from '../app/session';
import { AgentList } from './AgentList';
import { emptyBoard, withCallEvent, type Board, type CallView } from './board';
import { useWallboard } from './useWallboard';

beforeAll(() => {
  initI18n('en');
  // jsdom has no ResizeObserver; antd's popups (the force release's confirmation) observe their size.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});
afterEach(cleanup);

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const enc = new TextEncoder();

/** A fake server recording what the page asks; `answer` decides a POST's reply. */
function fakeServer(answer: (path: string, body: unknown) => Response = () => json(200, {})) {
  const s = { up: true, posts: [] as { path: string; body: unknown }[], gets: [] as string[], streams: new Map<string, ReadableStreamDefaultController<Uint8Array>>() };
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === '/api/v1/auth/refresh') return json(200, { access_token: 'a', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 });
    if (req.method === 'POST') {
      const text = await req.text();
      const body = text ? JSON.parse(text) : undefined;
      s.posts.push({ path, body });
      return answer(path, body);
    }
    s.gets.push(path + url.search);
    for (const name of ['/acd/stream', '/live-calls/stream']) {
      if (!path.endsWith(name)) continue;
      if (!s.up) return new Response('down', { status: 503 });
      const body = new ReadableStream<Uint8Array>({ start: (c) => void s.streams.set(name, c) });
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    }
    if (path.endsWith('/acd/agents'))
      return json(200, { items: [{ agent_id: 'ann', state: 'ready', in_state_seconds: 3, pending_not_ready: false, since: '', work: {}, offers: [], queues: [], today: {} }] });
    if (path.endsWith('/acd/queues')) return json(200, { items: [] });
    if (path.endsWith('/queues') || path.endsWith('/agents')) return json(200, { items: [], next_cursor: null });
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
        <App>{children}</App>
      </SessionProvider>
    </QueryClientProvider>
  );
  const send = (stream: string, event: string, data: unknown) =>
    s.streams.get(stream)!.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  return { s, wrapper, send };
}

const now = 100_000;
const talking: CallView = {
  call_id: 'c1', node: 'fs1', caller: '13800000001', access_number: '+862000001000', queue_id: 'q1', agent_id: 'ann', state: 'talking',
  arrived_at: new Date(now - 60_000).toISOString(), answered_at: new Date(now - 30_000).toISOString(), direction: 'inbound',
  remote_number: '13800000001', held: false, muted: false,
};

function board(): Board {
  const b: Board = {
    ...emptyBoard,
    agents: {
      ann: { id: 'ann', state: 'busy', since: now - 30_000, pendingNotReady: false },
      dan: { id: 'dan', state: 'not_ready', reason: 'lunch', since: now, pendingNotReady: false },
      bob: { id: 'bob', state: 'logged_out', since: now - 5000, pendingNotReady: false },
      cat: { id: 'cat', state: 'break', since: now - 1000, pendingNotReady: false },
    },
  };
  return withCallEvent(b, { kind: 'snapshot', calls: [talking] });
}

function list(wrapper: (p: { children: ReactNode }) => ReactNode, canAct = true) {
  const b = board();
  const calls = new Map([['ann', talking]]);
  const names = new Map([['ann', { name: 'Ann', extension: '1001' }], ['bob', { name: 'Bob', extension: '1002' }], ['cat', { name: 'Cat', extension: '1003' }]]);
  return render(<AgentList board={b} calls={calls} now={now} names={names} queueNames={new Map([['q1', 'support']])} reasons={new Map([['lunch', 'Lunch']])} tenantId="t1" canAct={canAct} />, { wrapper });
}

describe('AgentList', () => {
  it("shows each agent's state, time in state and call, and offers only what the state allows", () => {
    const { wrapper } = fakeServer();
    list(wrapper);
    const ann = within(screen.getByTestId('agent-row-ann'));
    expect(ann.getByTestId('agent-row-state').textContent).toBe('On a call');
    expect(ann.getByText('0:30')).toBeTruthy();
    expect(ann.getByTestId('agent-row-call').textContent).toContain('13800000001');
    expect(ann.getByTestId('agent-row-call').textContent).toContain('support');
    expect((ann.getByLabelText('Listen: Ann') as HTMLButtonElement).disabled).toBe(false);
    expect((ann.getByLabelText('Log out: Ann') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('agent-row-dan').textContent).toContain('Lunch');
    const bobs = screen.getByTestId('agent-row-bob').querySelectorAll('button');
    expect(bobs.length).toBeGreaterThan(0);
    for (const b of bobs) expect(b.disabled).toBe(true);
    const cat = within(screen.getByTestId('agent-row-cat'));
    expect((cat.getByLabelText('End break: Cat') as HTMLButtonElement).disabled).toBe(false);
    expect(cat.queryByLabelText('Grant break: Cat')).toBeNull();
    expect((cat.getByLabelText('Listen: Cat') as HTMLButtonElement).disabled).toBe(true);
    expect((cat.getByLabelText('End call: Cat') as HTMLButtonElement).disabled).toBe(true);
    expect((ann.getByLabelText('End call: Ann') as HTMLButtonElement).disabled).toBe(false);
  });

  it('sends the action to the server and says what it did', async () => {
    const { s, wrapper } = fakeServer();
    list(wrapper);
    fireEvent.click(screen.getByLabelText('End break: Cat'));
    await screen.findByText('The break of Cat has ended.');
    fireEvent.click(screen.getByLabelText('Listen: Ann'));
    await screen.findByText('Your phone is ringing: answer it to listen to Ann.');
    // Force release asks first.
    fireEvent.click(screen.getByLabelText('End call: Ann'));
    await waitFor(() => expect(document.querySelector('.ant-popconfirm')).not.toBeNull());
    fireEvent.click(within(document.querySelector<HTMLElement>('.ant-popconfirm')!).getByText('End call').closest('button')!);
    await screen.findByText('The call of Ann was ended.');
    expect(s.posts).toEqual([
      { path: '/api/v1/tenants/t1/acd/agents/cat/state', body: { state: 'end_break' } },
      { path: '/api/v1/tenants/t1/live-calls/c1/monitor', body: { mode: 'listen' } },
      { path: '/api/v1/tenants/t1/live-calls/c1/hangup', body: undefined },
    ]);
  });

  it("shows the server's refusal in the user's language", async () => {
    const { wrapper } = fakeServer((path) =>
      path.endsWith('/monitor')
        ? json(409, { error: { code: 'no_phone', message: 'the supervisor needs an agent record with a phone', request_id: 'x' } })
        : json(409, { error: { code: 'break_cap_reached', message: 'cap', details: { on_break: 2, max: 2 }, request_id: 'x' } }),
    );
    list(wrapper);
    fireEvent.click(screen.getByLabelText('Barge: Ann'));
    await screen.findByText(/You need an agent record with a phone/);
    fireEvent.click(screen.getByLabelText('Not ready: Ann'));
    await screen.findByText('Break refused: 2 of 2 agents allowed are on break now.');
  });

  it('has no actions for a supervisor without monitor:control', () => {
    const { wrapper } = fakeServer();
    list(wrapper, false);
    expect(document.querySelectorAll('button')).toHaveLength(0);
  });
});

describe('useWallboard', () => {
  it('lists every agent, then follows transitions and live calls on the streams', async () => {
    const { s, wrapper, send } = fakeServer();
    const { result } = renderHook(() => useWallboard('t1'), { wrapper });
    await waitFor(() => expect(result.current.allLive).toBe(true), { timeout: 15_000 });
    await waitFor(() => expect(result.current.board.agents.ann?.state).toBe('ready'));
    expect(s.gets).toContain('/api/v1/tenants/t1/acd/agents?all=true');
    send('/acd/stream', 'transition', { kind: 'transition', agent_id: 'ann', from: 'ready', to: 'break', at: new Date().toISOString() });
    await waitFor(() => expect(result.current.board.agents.ann?.state).toBe('break'));
    send('/live-calls/stream', 'snapshot', { kind: 'snapshot', calls: [talking] });
    await waitFor(() => expect(result.current.board.calls.c1?.agent_id).toBe('ann'));
    send('/live-calls/stream', 'ended', { kind: 'ended', call: talking });
    await waitFor(() => expect(result.current.board.calls.c1).toBeUndefined());
  });

  it('says since when the board is stale while a stream is down, and reads everything again once it is back', async () => {
    const { s, wrapper } = fakeServer();
    s.up = false;
    const { result } = renderHook(() => useWallboard('t1'), { wrapper });
    await waitFor(() => expect(result.current.downSince).not.toBeNull(), { timeout: 10_000 });
    expect(result.current.allLive).toBe(false);
    expect(s.gets.filter((g) => g.includes('/acd/agents?all=true'))).toHaveLength(0);
    s.up = true;
    await waitFor(() => expect(result.current.allLive).toBe(true), { timeout: 15_000 });
    expect(result.current.downSince).toBeNull();
    await waitFor(() => expect(result.current.board.agents.ann?.state).toBe('ready'));
  });
});
