// The agent's live panel (AG-4): waiting per queue of the agent's queues and
// today's counts and durations, counting on between updates so nothing on
// it is more than a second old while the streams are up.
import { Card, Descriptions, Empty, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { clock } from './format';
import type { AgentState, QueueFigures } from './useAgentLive';

const todayField: Partial<Record<AgentState['state'], keyof AgentState['today']>> = {
  ready: 'ready_seconds',
  not_ready: 'not_ready_seconds',
  break: 'break_seconds',
  after_call_work: 'after_call_work_seconds',
  busy: 'busy_seconds',
};

export function LivePanel(props: {
  state: AgentState;
  fetchedAt: number;
  now: number;
  figures: Record<string, QueueFigures>;
  queueName: (id: string) => string;
}) {
  const { t } = useTranslation('agent');
  const { state, fetchedAt, now, figures, queueName } = props;
  const rows = state.queues.map((id) => {
    const f = figures[id];
    const waiting = f?.stats.waiting ?? 0;
    const longest = f ? f.stats.longest_wait_seconds + (waiting > 0 ? (now - f.at) / 1000 : 0) : 0;
    return { key: id, queue: queueName(id), waiting, longest: waiting > 0 ? clock(longest) : '–', ready: f?.stats.agents.ready ?? 0 };
  });
  const today = { ...state.today };
  const field = todayField[state.state];
  if (field) today[field] = (today[field] as number) + (now - fetchedAt) / 1000;
  return (
    <Card title={t('live.title')} className="sb-card" data-testid="live-panel">
      <h2 className="sb-subtitle">{t('live.queues')}</h2>
      {rows.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('live.noQueues')} />
      ) : (
        <Table
          size="small"
          pagination={false}
          dataSource={rows}
          data-testid="queue-table"
          columns={[
            { title: t('live.queue'), dataIndex: 'queue' },
            { title: t('live.waiting'), dataIndex: 'waiting', align: 'right' },
            { title: t('live.longest'), dataIndex: 'longest', align: 'right' },
            { title: t('live.agentsReady'), dataIndex: 'ready', align: 'right' },
          ]}
        />
      )}
      <h2 className="sb-subtitle">{t('live.today')}</h2>
      <Descriptions size="small" column={2} bordered data-testid="today">
        <Descriptions.Item label={t('live.handled')}>
          <span data-testid="today-handled">{today.handled}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('live.outbound')}>{today.outbound}</Descriptions.Item>
        <Descriptions.Item label={t('live.talk')}>{clock(today.talk_seconds)}</Descriptions.Item>
        <Descriptions.Item label={t('live.busy')}>{clock(today.busy_seconds)}</Descriptions.Item>
        <Descriptions.Item label={t('live.ready')}>{clock(today.ready_seconds)}</Descriptions.Item>
        <Descriptions.Item label={t('live.notReady')}>{clock(today.not_ready_seconds)}</Descriptions.Item>
        <Descriptions.Item label={t('live.onBreak')}>{clock(today.break_seconds)}</Descriptions.Item>
        <Descriptions.Item label={t('live.afterCallWork')}>{clock(today.after_call_work_seconds)}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
