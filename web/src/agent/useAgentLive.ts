// The agent desktop's live data: the agent's own state and today's figures
// (GET /acd/me, fetched again at each of its events on the ACD stream), the
// queues' figures (GET /acd/queues, then queue_stats events, published at
// most every second by the ACD) and screen pops (the call notices stream).
// Both streams reconnect by themselves; `downSince` says since when one is
// down, so the page can say its data is stale.
import { useCallback, useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { must, type Schemas } from '../api/client';
import { openStream, type SSEMessage, type StreamState } from '../api/sse';
import { useSession } from '../app/session';

export type AgentState = Schemas['ACDAgentState'];
export type QueueStats = Schemas['ACDQueueStats'];
export type Notice = Schemas['CallNotice'];

/** A queue's figures and when they arrived (longest wait keeps counting from there). */
export interface QueueFigures {
  stats: QueueStats;
  at: number;
}

/** The screen pop: the offer, then connected, then ended. */
export interface Pop {
  offer: Notice;
  phase: 'ringing' | 'connected' | 'ended';
  /** Local time the offer arrived, and the call connected (waited stops there). */
  offeredAt: number;
  connectedAt?: number;
}

export function useAgentLive(tenantId: string, agentId: string) {
  const { api, session } = useSession();
  const qc = useQueryClient();
  const path = { tenant_id: tenantId };
  const me = useQuery({
    queryKey: ['acd-me', tenantId],
    queryFn: async () => ({ state: await must(api.GET('/tenants/{tenant_id}/acd/me', { params: { path } })), at: Date.now() }),
    refetchInterval: 30_000,
  });
  const settings = useQuery({
    queryKey: ['desktop-settings', tenantId],
    queryFn: () => must(api.GET('/tenants/{tenant_id}/desktop-settings', { params: { path } })),
    staleTime: 60_000,
  });
  const queues = useQuery({
    queryKey: ['queues', tenantId],
    queryFn: () => must(api.GET('/tenants/{tenant_id}/queues', { params: { path, query: { limit: 500 } } })),
    staleTime: 60_000,
  });
  const [figures, setFigures] = useState<Record<string, QueueFigures>>({});
  const [pop, setPop] = useState<Pop | null>(null);
  const [streams, setStreams] = useState<Record<string, StreamState>>({});
  const [downSince, setDownSince] = useState<number | null>(null);

  // Every queue's figures now (at start and after each reconnect); the
  // stream's queue_stats events keep them current in between.
  const loadQueues = useCallback(() => {
    const asked = Date.now();
    void must(api.GET('/tenants/{tenant_id}/acd/queues', { params: { path: { tenant_id: tenantId } } })).then((l) => {
      setFigures((f) => {
        const next = { ...f };
        for (const q of l.items) if (!next[q.queue_id] || next[q.queue_id]!.at < asked) next[q.queue_id] = { stats: q, at: Date.now() };
        return next;
      });
    }, () => undefined);
  }, [api, tenantId]);

  const refetchMe = useCallback(() => void qc.invalidateQueries({ queryKey: ['acd-me', tenantId] }), [qc, tenantId]);

  const onACD = useCallback(
    (m: SSEMessage) => {
      const ev = JSON.parse(m.data) as Schemas['ACDStreamEvent'];
      if (ev.kind === 'queue_stats' && ev.queue) {
        const q = ev.queue;
        setFigures((f) => ({ ...f, [q.queue_id]: { stats: q, at: Date.now() } }));
        return;
      }
      if (ev.agent_id !== agentId) return;
      if (ev.kind === 'rona' || ev.kind === 'cancel_offer') {
        // The offer went elsewhere (RONA) or was withdrawn: no pop for it.
        setPop((p) => (p && p.phase === 'ringing' ? null : p));
      }
      refetchMe();
    },
    [agentId, refetchMe],
  );

  const onNotice = useCallback(
    (m: SSEMessage) => {
      const n = JSON.parse(m.data) as Notice;
      if (n.agent_id !== agentId) return;
      const now = Date.now();
      if (n.kind === 'offer') setPop({ offer: n, phase: 'ringing', offeredAt: now });
      const same = (p: Pop | null) => p && p.offer.call.id === n.call.id && p.offer.call.node === n.call.node;
      if (n.kind === 'connected') setPop((p) => (same(p) ? { ...p!, phase: 'connected', connectedAt: now } : p));
      if (n.kind === 'ended') {
        setPop((p) => {
          if (!same(p)) return p;
          // A pop that never connected is gone; a call that did stays on
          // screen (with its CRM link) for the after-call work.
          return p!.phase === 'ringing' ? null : { ...p!, phase: 'ended' };
        });
      }
      refetchMe();
    },
    [agentId, refetchMe],
  );

  useEffect(() => {
    const base = `${window.location.origin}/api/v1/tenants/${encodeURIComponent(tenantId)}`;
    const state = (name: string) => (s: StreamState) => setStreams((st) => ({ ...st, [name]: s }));
    const closers = [
      openStream(base + '/acd/stream', { fetch: session.authFetch, onMessage: onACD, onState: state('acd') }),
      openStream(base + '/live-calls/events', { fetch: session.authFetch, onMessage: onNotice, onState: state('notices') }),
    ];
    return () => closers.forEach((c) => c());
  }, [session, tenantId, onACD, onNotice]);

  const allLive = Object.keys(streams).length === 2 && Object.values(streams).every((s) => s === 'live');
  useEffect(() => {
    if (allLive) {
      setDownSince(null);
      refetchMe(); // anything missed while a stream was down
      loadQueues();
    } else setDownSince((d) => d ?? Date.now());
  }, [allLive, refetchMe, loadQueues]);

  return { me, settings, queues, figures, pop, dismissPop: () => setPop(null), allLive, downSince };
}
