// The wallboard's live data: every queue's figures and every agent's state
// from the ACD (listed at start and after each reconnect, then kept current
// by the ACD stream: transitions at once, queue figures at most a second
// after they change) and the tenant's live calls (the live-call stream's
// snapshot, then each change). `downSince` says since when a stream is down,
// so the page can say its data is stale.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { must } from '../api/client';
import { openStream, type SSEMessage, type StreamState } from '../api/sse';
import { useSession } from '../app/session';
import { emptyBoard, withACDEvent, withAgents, withCallEvent, withQueues, type ACDEvent, type Board, type LiveCallEvent } from './board';

export function useWallboard(tenantId: string) {
  const { api, session } = useSession();
  // Names: queues, agents and the tenant's not-ready reasons.
  const path = { tenant_id: tenantId };
  const queues = useQuery({
    queryKey: ['queues', tenantId],
    queryFn: () => must(api.GET('/tenants/{tenant_id}/queues', { params: { path, query: { limit: 500 } } })),
    staleTime: 60_000,
  });
  const agents = useQuery({
    queryKey: ['agents', tenantId],
    queryFn: () => must(api.GET('/tenants/{tenant_id}/agents', { params: { path, query: { limit: 500 } } })),
    staleTime: 60_000,
  });
  const settings = useQuery({
    queryKey: ['desktop-settings', tenantId],
    queryFn: () => must(api.GET('/tenants/{tenant_id}/desktop-settings', { params: { path } })),
    staleTime: 60_000,
  });
  const [board, setBoard] = useState<Board>(emptyBoard);
  const [streams, setStreams] = useState<Record<string, StreamState>>({});
  const [downSince, setDownSince] = useState<number | null>(null);
  // When each agent's last transition arrived: a list asked for before it is older.
  const seen = useRef<Record<string, number>>({});

  const load = useCallback(() => {
    const asked = Date.now();
    const p = { params: { path: { tenant_id: tenantId } } };
    void must(api.GET('/tenants/{tenant_id}/acd/queues', p)).then(
      (l) => setBoard((b) => withQueues(b, l.items, asked, Date.now())),
      () => undefined,
    );
    void must(api.GET('/tenants/{tenant_id}/acd/agents', { params: { ...p.params, query: { all: true } } })).then(
      (l) => setBoard((b) => withAgents(b, l.items, asked, Date.now(), seen.current)),
      () => undefined,
    );
  }, [api, tenantId]);

  const onACD = useCallback((m: SSEMessage) => {
    const ev = JSON.parse(m.data) as ACDEvent;
    const now = Date.now();
    if (ev.kind === 'transition' && ev.agent_id) seen.current[ev.agent_id] = now;
    setBoard((b) => withACDEvent(b, ev, now));
  }, []);

  const onCalls = useCallback((m: SSEMessage) => {
    const ev = JSON.parse(m.data) as LiveCallEvent;
    setBoard((b) => withCallEvent(b, ev));
  }, []);

  useEffect(() => {
    const base = `${window.location.origin}/api/v1/tenants/${encodeURIComponent(tenantId)}`;
    const state = (name: string) => (s: StreamState) => setStreams((st) => ({ ...st, [name]: s }));
    const closers = [
      openStream(base + '/acd/stream', { fetch: session.authFetch, onMessage: onACD, onState: state('acd') }),
      openStream(base + '/live-calls/stream', { fetch: session.authFetch, onMessage: onCalls, onState: state('calls') }),
    ];
    return () => closers.forEach((c) => c());
  }, [session, tenantId, onACD, onCalls]);

  const allLive = Object.keys(streams).length === 2 && Object.values(streams).every((s) => s === 'live');
  useEffect(() => {
    if (allLive) {
      setDownSince(null);
      load(); // anything missed while a stream was down
    } else setDownSince((d) => d ?? Date.now());
  }, [allLive, load]);

  return { board, queues, agents, settings, allLive, downSince, reload: load };
}
