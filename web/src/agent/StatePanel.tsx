// The agent's own state and what they can do from it (AG-2, AG-5, AG-6):
// ready, not ready with one of the tenant's reason codes, break requests
// (granted or refused with the reason), after-call work with its countdown
// and "done", and what to do after a missed call. The server decides every
// change; a refusal is shown as it explains it.
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Descriptions, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/session';
import type { Schemas } from '../api/client';
import { errorText } from '../app/errors';
import { clock } from './format';
import type { AgentState } from './useAgentLive';

export type SelfState = Schemas['AgentStateRequest']['state'];

const stateColor: Record<AgentState['state'], string> = {
  logged_out: 'default',
  not_ready: 'orange',
  ready: 'green',
  reserved: 'blue',
  busy: 'red',
  after_call_work: 'purple',
  break: 'gold',
};

/** The reasons the ACD sets itself (acd.Reason*), shown in the user's language. */
const coreReasons = ['login', 'no answer', 'rejected', 'supervisor'] as const;
const defaultReasons = ['meeting', 'training', 'admin', 'personal'] as const;

export function reasonLabel(t: TFunction<'agent'>, code: string, label?: string): string {
  if (label) return label;
  if ((coreReasons as readonly string[]).includes(code) || (defaultReasons as readonly string[]).includes(code)) {
    return t(`reasons.${code as (typeof coreReasons)[number] | (typeof defaultReasons)[number]}`);
  }
  return code;
}

export interface StatePanelProps {
  state: AgentState;
  /** Local time the state was fetched: in-state time and the countdown count from it. */
  fetchedAt: number;
  now: number;
  reasons: Schemas['ReasonCode'][];
  readOnly: boolean;
  act: (state: SelfState, reason?: string) => Promise<unknown>;
}

export function StatePanel({ state, fetchedAt, now, reasons, readOnly, act }: StatePanelProps) {
  const { t } = useTranslation('agent');
  const { t: tApp } = useTranslation('app');
  const [reason, setReason] = useState<string | undefined>(reasons[0]?.code);
  const [notice, setNotice] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!reason || !reasons.some((r) => r.code === reason)) setReason(reasons[0]?.code);
  }, [reasons, reason]);

  const run = async (s: SelfState, r?: string) => {
    setBusy(true);
    setNotice(null);
    try {
      await act(s, r);
      if (s === 'break') setNotice({ type: 'success', text: t('break.granted') });
    } catch (e) {
      setNotice({ type: 'error', text: s === 'break' ? breakRefusal(t, tApp, e) : errorText(tApp, e) });
    } finally {
      setBusy(false);
    }
  };

  const st = state.state;
  // Keyboard: the action just taken usually goes away with the state it
  // belonged to (Ready once ready, Done after after-call work), and the focus
  // with it, back to the page's top. When the focus was in the panel it
  // moves to the panel's first action instead.
  const panelRef = useRef<HTMLDivElement>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  const focusInPanel = useRef(false);
  useEffect(() => {
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (focusInPanel.current && lost) actionsRef.current?.querySelector<HTMLElement>('button:not([disabled])')?.focus();
  }, [st]);
  const inState = state.in_state_seconds + (now - fetchedAt) / 1000;
  const missed = st === 'not_ready' && (state.reason === 'no answer' || state.reason === 'rejected');
  const wrapLeft = state.wrap_until ? (Date.parse(state.wrap_until) - now) / 1000 : null;
  const can = {
    login: st === 'logged_out',
    ready: st === 'not_ready' || st === 'break',
    notReady: st === 'ready' || st === 'not_ready' || ((st === 'busy' || st === 'reserved') && !state.pending_not_ready),
    break: st === 'ready' || st === 'not_ready',
    endBreak: st === 'break',
    done: st === 'after_call_work',
    logout: st === 'ready' || st === 'not_ready' || st === 'break',
  };

  // Keyboard first: every action has a shortcut (listed on the page).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || readOnly || busy) return;
      const go = (ok: boolean, s: SelfState, r?: string) => {
        e.preventDefault();
        if (ok) void run(s, r);
      };
      switch (e.code) {
        case 'KeyR':
          return go(can.ready, st === 'break' ? 'end_break' : 'ready');
        case 'KeyN':
          return go(can.notReady && !!reason, 'not_ready', reason);
        case 'KeyB':
          return go(can.break || can.endBreak, can.endBreak ? 'end_break' : 'break');
        case 'KeyD':
          return go(can.done, 'end_wrap');
        case 'KeyL':
          return go(can.login || can.logout, can.login ? 'login' : 'logout');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <Card title={t('state.label')} className="sb-card" data-testid="state-panel">
      <div
        ref={panelRef}
        onFocus={() => (focusInPanel.current = true)}
        onBlur={(e) => {
          if (e.relatedTarget) focusInPanel.current = panelRef.current?.contains(e.relatedTarget) ?? false;
        }}
      >
        <Space orientation="vertical" className="sb-full">
          <div className="sb-state-line">
            <Tag color={stateColor[st]} className="sb-state-tag" data-testid="agent-state" data-state={st}>
              {t(`state.names.${st}`)}
            </Tag>
            {state.reason && st === 'not_ready' && <Typography.Text data-testid="agent-reason">{reasonLabel(t, state.reason, reasons.find((r) => r.code === state.reason)?.label)}</Typography.Text>}
            <Typography.Text type="secondary">{t('state.since', { duration: clock(inState) })}</Typography.Text>
          </div>
          {state.pending_not_ready && <Alert type="info" showIcon title={t('state.pendingNotReady')} />}
          {missed && (
            <Alert
              type="warning"
              showIcon
              data-testid="rona"
              title={t('rona.title')}
              description={
                <>
                  <p>{state.reason === 'rejected' ? t('rona.rejected') : t('rona.noAnswer')}</p>
                  <p>{t('rona.next')}</p>
                </>
              }
            />
          )}
          {st === 'after_call_work' && (
            <Alert
              type="info"
              showIcon
              data-testid="acw"
              title={t('acw.title')}
              description={
                <>
                  <p data-testid="acw-countdown">
                    {wrapLeft === null ? '' : wrapLeft > 0 ? t('acw.countdown', { seconds: Math.ceil(wrapLeft) }) : t('acw.overdue')}
                  </p>
                  <p>{t('acw.help')}</p>
                </>
              }
              action={
                <Button type="primary" disabled={readOnly} loading={busy} onClick={() => run('end_wrap')}>
                  {t('actions.done')}
                </Button>
              }
            />
          )}
          <div ref={actionsRef}>
            <Space wrap>
              {can.login && (
                <Button type="primary" disabled={readOnly} loading={busy} onClick={() => run('login')}>
                  {t('actions.login')}
                </Button>
              )}
              {can.ready && st !== 'break' && (
                <Button type="primary" disabled={readOnly} loading={busy} onClick={() => run('ready')}>
                  {t('actions.ready')}
                </Button>
              )}
              {can.endBreak && (
                <Button type="primary" disabled={readOnly} loading={busy} onClick={() => run('end_break')}>
                  {t('actions.endBreak')}
                </Button>
              )}
              {can.notReady && (
                <Space.Compact>
                  <Select
                    aria-label={t('actions.reason')}
                    placeholder={t('actions.chooseReason')}
                    value={reason}
                    onChange={setReason}
                    disabled={readOnly}
                    popupMatchSelectWidth={false}
                    options={reasons.map((r) => ({ value: r.code, label: reasonLabel(t, r.code, r.label) }))}
                  />
                  <Button disabled={readOnly || !reason} loading={busy} onClick={() => run('not_ready', reason)}>
                    {t('actions.notReady')}
                  </Button>
                </Space.Compact>
              )}
              {can.break && (
                <Button disabled={readOnly} loading={busy} onClick={() => run('break')}>
                  {t('actions.break')}
                </Button>
              )}
              {can.logout && (
                <Button danger disabled={readOnly} loading={busy} onClick={() => run('logout')}>
                  {t('actions.logout')}
                </Button>
              )}
            </Space>
          </div>
          {notice && <Alert type={notice.type} showIcon role={notice.type === 'error' ? 'alert' : 'status'} title={notice.text} data-testid="action-result" closable onClose={() => setNotice(null)} />}
          <Descriptions size="small" column={1} title={t('shortcuts.title')} className="sb-shortcuts">
            <Descriptions.Item>{t('shortcuts.ready')}</Descriptions.Item>
            <Descriptions.Item>{t('shortcuts.notReady')}</Descriptions.Item>
            <Descriptions.Item>{t('shortcuts.break')}</Descriptions.Item>
            <Descriptions.Item>{t('shortcuts.done')}</Descriptions.Item>
            <Descriptions.Item>{t('shortcuts.login')}</Descriptions.Item>
          </Descriptions>
        </Space>
      </div>
    </Card>
  );
}

/** A refused break says how many are on break of how many allowed (409 break_cap_reached). */
function breakRefusal(t: TFunction<'agent'>, tApp: TFunction<'app'>, e: unknown): string {
  if (e instanceof ApiError && e.code === 'break_cap_reached') {
    const d = e.details as { on_break?: number; max?: number } | undefined;
    if (d && typeof d.on_break === 'number' && typeof d.max === 'number') return t('break.refused', { onBreak: d.on_break, max: d.max });
    return t('break.refusedNoCount', { message: e.message });
  }
  return errorText(tApp, e);
}
