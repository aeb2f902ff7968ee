// The supervisor's wallboard (OPS-8): per queue the callers waiting, the
// longest wait, the service level and abandon rate over the last 15 minutes
// and the agents by state, as tiles and a live chart; every agent with its
// state, time in state and current call, and the supervisor's actions on
// them (OPS-13). Full-screen mode for a wall display. Every figure is the
// server's; durations count on in the browser between updates.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, Col, Empty, Row, Spin, Statistic, Tag, Tooltip, Typography } from 'antd';
import { FullscreenExitOutlined, FullscreenOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Shell } from '../app/Shell';
import { useMe } from '../app/session';
import { useNow } from '../app/useNow';
import { clock } from '../app/clock';
import { agentsByState, callsByAgent, History, percent, stateOrder, tile, type Tile } from './board';
import { AgentList } from './AgentList';
import { WaitingChart } from './WaitingChart';
import { useWallboard } from './useWallboard';
import { stateColor } from './colors';


export function WallboardPage() {
  const { t } = useTranslation('supervisor');
  const { t: tApp } = useTranslation('app');
  const me = useMe();
  if (me.isPending) return <Spin fullscreen tip={tApp('loading')} />;
  const tenantId = me.data?.tenant_id;
  const canSee = me.data?.permissions.includes('monitor:read');
  const board = tenantId && canSee ? <Wallboard tenantId={tenantId} canAct={!!me.data?.permissions.includes('monitor:control')} /> : null;
  return <Shell title={t('title')}>{board ?? <Alert type="info" showIcon title={t('notSupervisor')} />}</Shell>;
}

function Wallboard({ tenantId, canAct }: { tenantId: string; canAct: boolean }) {
  const { t, i18n } = useTranslation('supervisor');
  const { t: tApp } = useTranslation('app');
  const now = useNow(1000); // durations show whole seconds; figures re-render as they arrive
  const live = useWallboard(tenantId);
  const [wall, setWall] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  const queueNames = useMemo(() => new Map((live.queues.data?.items ?? []).map((q) => [q.id, q.name])), [live.queues.data]);
  const agentNames = useMemo(
    () => new Map((live.agents.data?.items ?? []).map((a) => [a.id, { name: a.display_name, extension: a.extension }])),
    [live.agents.data],
  );
  const reasons = useMemo(
    () => new Map((live.settings.data?.not_ready_reasons ?? []).filter((r) => r.label).map((r) => [r.code, r.label!])),
    [live.settings.data],
  );
  const queueIds = useMemo(
    () => Object.keys(live.board.queues).sort((a, b) => (queueNames.get(a) ?? a).localeCompare(queueNames.get(b) ?? b)),
    [live.board.queues, queueNames],
  );

  // The chart: every second, each queue's waiting count.
  const history = useRef(new History(300));
  const [chartData, setChartData] = useState<number[][]>([[]]);
  const boardRef = useRef(live.board);
  boardRef.current = live.board;
  useEffect(() => {
    const id = setInterval(() => {
      const waiting: Record<string, number> = {};
      for (const [q, f] of Object.entries(boardRef.current.queues)) waiting[q] = f.stats.waiting;
      history.current.sample(Date.now(), waiting);
      setChartData(history.current.columns(queueIdsRef.current));
    }, 1000);
    return () => clearInterval(id);
  }, []);
  const queueIdsRef = useRef(queueIds);
  queueIdsRef.current = queueIds;

  // Full screen: the browser's when it allows it, and the wall layout in any case.
  useEffect(() => {
    const onChange = () => {
      if (!document.fullscreenElement) setWall(false);
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  const toggleWall = async () => {
    if (wall) {
      setWall(false);
      if (document.fullscreenElement) await document.exitFullscreen().catch(() => undefined);
      return;
    }
    setWall(true);
    await root.current?.requestFullscreen?.().catch(() => undefined);
  };

  const stale = live.downSince !== null && now - live.downSince > 1000;
  const byState = agentsByState(live.board);
  const tiles = queueIds.map((q) => tile(q, live.board.queues[q]!, now));
  const calls = callsByAgent(live.board);

  return (
    <div ref={root} className={wall ? 'sb-wallboard sb-wall' : 'sb-wallboard'} data-testid="wallboard" data-wall={wall ? 'on' : 'off'}>
      <div className="sb-wall-bar">
        {wall && <Typography.Title level={2} className="sb-wall-title">{t('title')}</Typography.Title>}
        <Typography.Text type="secondary" className="sb-wall-clock">
          {new Date(now).toLocaleTimeString(i18n.language)}
        </Typography.Text>
        <Button icon={wall ? <FullscreenExitOutlined /> : <FullscreenOutlined />} onClick={() => void toggleWall()} data-testid="wall-toggle">
          {wall ? t('wall.exit') : t('wall.enter')}
        </Button>
      </div>
      {stale && (
        <Alert type="warning" showIcon className="sb-gap" data-testid="stale" role="status" title={tApp('live.stale', { seconds: Math.floor((now - live.downSince!) / 1000) })} />
      )}
      <Card size="small" className="sb-gap" data-testid="agents-by-state" title={t('agents.byState')}>
        <div className="sb-state-counts">
          {stateOrder.map((s) => (
            <span key={s} className="sb-state-count" data-testid={`count-${s}`} data-count={byState[s]}>
              <Tag color={stateColor[s]}>{t(`states.${s}`)}</Tag>
              <strong>{byState[s]}</strong>
            </span>
          ))}
        </div>
      </Card>
      {tiles.length === 0 ? (
        <Card className="sb-gap">{live.allLive ? <Empty description={t('queues.none')} /> : <Spin tip={tApp('live.connecting')}><div className="sb-spin-box" /></Spin>}</Card>
      ) : (
        <Row gutter={[16, 16]} className="sb-gap">
          {tiles.map((x) => (
            <Col key={x.queueId} xs={24} md={12} xl={wall ? 6 : 8}>
              <QueueTile tile={x} name={queueNames.get(x.queueId) ?? x.queueId} />
            </Col>
          ))}
        </Row>
      )}
      <Card size="small" className="sb-gap" title={t('chart.title')}>
        <WaitingChart data={chartData} names={queueIds.map((q) => queueNames.get(q) ?? q)} height={wall ? 260 : 200} label={t('chart.waiting')} timeLabel={t('chart.time')} lang={i18n.language} dark={wall} />
      </Card>
      <AgentList
        board={live.board}
        calls={calls}
        now={now}
        names={agentNames}
        queueNames={queueNames}
        reasons={reasons}
        tenantId={tenantId}
        canAct={canAct && !wall}
      />
    </div>
  );
}

export function QueueTile({ tile: x, name }: { tile: Tile; name: string }) {
  const { t } = useTranslation('supervisor');
  const slLow = x.serviceLevel !== null && x.serviceLevel < 0.8;
  return (
    <Card title={name} size="small" className="sb-tile" data-testid="queue-tile" data-queue={x.queueId} data-waiting={x.waiting}>
      <Row gutter={[8, 8]}>
        <Col span={12}>
          <Statistic title={t('queues.waiting')} value={x.waiting} className={x.waiting > 0 ? 'sb-alarm' : undefined} data-testid="tile-waiting" />
        </Col>
        <Col span={12}>
          <Statistic title={t('queues.longest')} value={x.waiting > 0 ? clock(x.longestWaitSeconds) : '–'} data-testid="tile-longest" />
        </Col>
        <Col span={12}>
          <Tooltip title={t('queues.slHelp', { seconds: x.serviceLevelThresholdSeconds, minutes: x.windowMinutes })}>
            <div>
              <Statistic
                title={t('queues.serviceLevel', { seconds: x.serviceLevelThresholdSeconds })}
                value={percent(x.serviceLevel)}
                className={slLow ? 'sb-alarm' : undefined}
                data-testid="tile-sl"
              />
            </div>
          </Tooltip>
        </Col>
        <Col span={12}>
          <Statistic title={t('queues.abandonRate')} value={percent(x.abandonRate)} data-testid="tile-abandon" />
        </Col>
      </Row>
      <Typography.Text type="secondary" className="sb-tile-window">
        {t('queues.window', { minutes: x.windowMinutes, offered: x.offered })}
      </Typography.Text>
      <div className="sb-tile-agents" data-testid="tile-agents">
        {stateOrder
          .filter((s) => s !== 'logged_out' && (x.agents[s] ?? 0) > 0)
          .map((s) => (
            <Tag key={s} color={stateColor[s]} data-state={s}>
              {t(`states.${s}`)} {x.agents[s]}
            </Tag>
          ))}
        {x.loggedIn === 0 && <Typography.Text type="secondary">{t('queues.noAgents')}</Typography.Text>}
      </div>
    </Card>
  );
}
