// Every agent of the tenant on the wallboard: state, time in state and the
// call they are on, and what a supervisor may do (OPS-13): force not ready,
// log out, grant or end a break, listen to, whisper to or barge into the
// agent's call (the supervisor's own phone rings), and end the call (force
// release: the API's hang-up, which a supervisor may use on any call). The server decides and
// audits every action; a refusal shows its reason.
import { useState } from 'react';
import { App, Button, Card, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { must, type Schemas } from '../api/client';
import { ApiError } from '../api/session';
import { errorText } from '../app/errors';
import { useSession } from '../app/session';
import { clock } from '../app/clock';
import { stateOrder, type AgentLine, type Board, type CallView } from './board';
import { stateColor } from './colors';

type ForceState = Schemas['SupervisorStateRequest']['state'];
type MonitorMode = Schemas['MonitorRequest']['mode'];

/** Which of the supervisor's actions make sense in each state (the server still decides). */
export function allowed(a: AgentLine, call: CallView | undefined) {
  const s = a.state;
  return {
    not_ready: s !== 'logged_out' && s !== 'not_ready' && !(a.pendingNotReady && (s === 'busy' || s === 'reserved')),
    logout: s === 'ready' || s === 'not_ready' || s === 'break',
    break: s === 'ready' || s === 'not_ready',
    end_break: s === 'break',
    monitor: !!call && call.state === 'talking',
    release: !!call,
  };
}

const reasonKeys = ['login', 'no answer', 'rejected', 'supervisor'] as const;

function reasonText(t: TFunction<'supervisor'>, labels: Map<string, string>, code?: string): string {
  if (!code) return '';
  const label = labels.get(code);
  if (label) return label;
  if (code.startsWith('supervisor:')) return t('reasons.supervisor');
  return (reasonKeys as readonly string[]).includes(code) ? t(`reasons.${code as (typeof reasonKeys)[number]}`) : code;
}

export interface AgentListProps {
  board: Board;
  calls: Map<string, CallView>;
  now: number;
  names: Map<string, { name: string; extension: string }>;
  queueNames: Map<string, string>;
  /** The tenant's not-ready reason codes' labels. */
  reasons: Map<string, string>;
  tenantId: string;
  canAct: boolean;
}

export function AgentList({ board, calls, now, names, queueNames, reasons, tenantId, canAct }: AgentListProps) {
  const { t } = useTranslation('supervisor');
  const { t: tApp } = useTranslation('app');
  const { api } = useSession();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const path = { tenant_id: tenantId };

  const run = async (key: string, what: string, f: () => Promise<unknown>) => {
    setBusy(key);
    try {
      await f();
      void message.success(what);
    } catch (e) {
      void message.error(refusal(t, tApp, e));
    } finally {
      setBusy(null);
    }
  };
  const force = (a: AgentLine, state: ForceState) =>
    run(a.id + state, t(`done.${state}`, { name: names.get(a.id)?.name ?? a.id }), () =>
      must(api.POST('/tenants/{tenant_id}/acd/agents/{agent_id}/state', { params: { path: { ...path, agent_id: a.id } }, body: { state } })),
    );
  const monitor = (a: AgentLine, call: CallView, mode: MonitorMode) =>
    run(a.id + mode, t(`done.${mode}`, { name: names.get(a.id)?.name ?? a.id }), () =>
      must(api.POST('/tenants/{tenant_id}/live-calls/{call_id}/monitor', { params: { path: { ...path, call_id: call.call_id } }, body: { mode } })),
    );

  const release = (a: AgentLine, call: CallView) =>
    run(a.id + 'release', t('done.release', { name: names.get(a.id)?.name ?? a.id }), () =>
      must(api.POST('/tenants/{tenant_id}/live-calls/{call_id}/hangup', { params: { path: { ...path, call_id: call.call_id } } })),
    );

  const rank = (s: AgentLine['state']) => stateOrder.indexOf(s);
  const rows = Object.values(board.agents).sort(
    (x, y) => rank(x.state) - rank(y.state) || (names.get(x.id)?.name ?? x.id).localeCompare(names.get(y.id)?.name ?? y.id),
  );

  return (
    <Card size="small" title={t('agents.title')} data-testid="agent-list">
      <Table<AgentLine>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={rows}
        onRow={(a) => ({ 'data-testid': `agent-row-${a.id}`, 'data-state': a.state }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('agents.agent'),
            key: 'agent',
            render: (_, a) => {
              const n = names.get(a.id);
              return (
                <span>
                  {n?.name ?? a.id}
                  {n && <Typography.Text type="secondary"> · {n.extension}</Typography.Text>}
                </span>
              );
            },
          },
          {
            title: t('agents.state'),
            key: 'state',
            render: (_, a) => (
              <Space size={4} wrap>
                <Tag color={stateColor[a.state]} data-testid="agent-row-state">
                  {t(`states.${a.state}`)}
                </Tag>
                {a.reason && a.state === 'not_ready' && <Typography.Text type="secondary">{reasonText(t, reasons, a.reason)}</Typography.Text>}
                {a.pendingNotReady && <Typography.Text type="secondary">{t('agents.pendingNotReady')}</Typography.Text>}
              </Space>
            ),
          },
          { title: t('agents.inState'), key: 'since', align: 'right', render: (_, a) => clock((now - a.since) / 1000) },
          {
            title: t('agents.call'),
            key: 'call',
            render: (_, a) => {
              const c = calls.get(a.id);
              if (!c) return <Typography.Text type="secondary">–</Typography.Text>;
              const from = Date.parse(c.answered_at ?? c.arrived_at);
              const queue = c.queue_id ? queueNames.get(c.queue_id) ?? c.queue_id : '';
              return (
                <span data-testid="agent-row-call" data-call={c.call_id} data-call-state={c.state} data-changed-at={board.callsAt[c.call_id]}>
                  {t(`call.${c.direction}`)} {c.remote_number}
                  {queue && <Typography.Text type="secondary"> · {queue}</Typography.Text>}
                  {' · '}
                  {t(`call.states.${c.state}`)} {clock((now - from) / 1000)}
                  {c.held && <Tag className="sb-tag-gap">{t('call.held')}</Tag>}
                  {c.muted && <Tag className="sb-tag-gap">{t('call.muted')}</Tag>}
                </span>
              );
            },
          },
          ...(canAct
            ? [
                {
                  title: t('agents.actions'),
                  key: 'actions',
                  render: (_: unknown, a: AgentLine) => {
                    const call = calls.get(a.id);
                    const ok = allowed(a, call);
                    const name = names.get(a.id)?.name ?? a.id;
                    const b = (key: string, label: string, enabled: boolean, onClick: () => void, danger = false) => (
                      <Tooltip title={t(`help.${key}` as 'help.not_ready', { name })} key={key}>
                        <Button size="small" danger={danger} disabled={!enabled || busy !== null} loading={busy === a.id + key} onClick={onClick} aria-label={`${label}: ${name}`}>
                          {label}
                        </Button>
                      </Tooltip>
                    );
                    return (
                      <Space size={4} wrap>
                        {b('not_ready', t('actions.not_ready'), ok.not_ready, () => void force(a, 'not_ready'))}
                        {ok.end_break
                          ? b('end_break', t('actions.end_break'), true, () => void force(a, 'end_break'))
                          : b('break', t('actions.break'), ok.break, () => void force(a, 'break'))}
                        {b('logout', t('actions.logout'), ok.logout, () => void force(a, 'logout'), true)}
                        {(['listen', 'whisper', 'barge'] as const).map((m) => b(m, t(`actions.${m}`), ok.monitor, () => void monitor(a, call!, m)))}
                        <Popconfirm
                          key="release"
                          title={t('help.release', { name })}
                          okText={t('actions.release')}
                          cancelText={t('actions.cancel')}
                          okButtonProps={{ danger: true }}
                          disabled={!ok.release || busy !== null}
                          onConfirm={() => void release(a, call!)}
                        >
                          <Button size="small" danger disabled={!ok.release || busy !== null} loading={busy === a.id + 'release'} aria-label={`${t('actions.release')}: ${name}`}>
                            {t('actions.release')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    );
                  },
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}

/** A refusal in the user's language: a full break quota and a supervisor without a phone are explained. */
function refusal(t: TFunction<'supervisor'>, tApp: TFunction<'app'>, e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'break_cap_reached') {
      const d = e.details as { on_break?: number; max?: number } | undefined;
      return t('errors.breakCap', { onBreak: d?.on_break ?? '?', max: d?.max ?? '?' });
    }
    if (e.code === 'no_phone') return t('errors.noPhone');
    if (e.code === 'illegal_state') return t('errors.illegalState', { message: e.message });
  }
  return errorText(tApp, e);
}
