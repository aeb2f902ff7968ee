// The screen pop (OPS-18, DIST-3): who calls, the number they dialled, the
// queue, how long they waited, what the IVR attached, and a link into the
// tenant's CRM made by the server from the tenant's template.
import { Alert, Button, Card, Descriptions, Empty, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { clock } from './format';
import type { Pop } from './useAgentLive';

export function OfferPop({ pop, now, queueName }: { pop: Pop; now: number; queueName: (id: string) => string }) {
  const { t } = useTranslation('agent');
  const o = pop.offer;
  const queued = o.queued_at ? Date.parse(o.queued_at) : null;
  // Waited counts from the queue until the call connects (the local clock
  // stands in for the server's between the offer and the answer).
  const until = pop.connectedAt ?? (pop.phase === 'ringing' ? now : pop.offeredAt);
  const waited = queued === null ? null : (Date.parse(o.at) - queued) / 1000 + (until - pop.offeredAt) / 1000;
  const phase = { ringing: t('offer.title'), connected: t('offer.connected'), ended: t('offer.ended') }[pop.phase];
  const data = Object.entries(o.data ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Card
      className={`sb-card sb-pop sb-pop-${pop.phase}`}
      data-testid="offer-pop"
      data-phase={pop.phase}
      data-offered-at={o.at}
      title={
        <span role={pop.phase === 'ringing' ? 'alert' : undefined}>
          <Tag color={pop.phase === 'ringing' ? 'blue' : pop.phase === 'connected' ? 'red' : 'default'}>{phase}</Tag>
          <span data-testid="pop-caller">{o.caller}</span>
        </span>
      }
      extra={
        o.crm_url ? (
          <Button type="link" href={o.crm_url} target="_blank" rel="noopener noreferrer" data-testid="crm-link">
            {t('offer.crm')}
          </Button>
        ) : undefined
      }
    >
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t('offer.caller')}>{o.caller}</Descriptions.Item>
        <Descriptions.Item label={t('offer.dialled')}>
          <span data-testid="pop-dialled">{o.access_number}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('offer.queue')}>
          <span data-testid="pop-queue">{o.queue_id ? queueName(o.queue_id) : ''}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('offer.waited')}>
          <span data-testid="pop-waited">{waited === null ? '' : clock(waited)}</span>
        </Descriptions.Item>
      </Descriptions>
      <h2 className="sb-subtitle">{t('offer.data')}</h2>
      {data.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('offer.noData')} />
      ) : (
        <Descriptions size="small" column={1} bordered data-testid="pop-data">
          {data.map(([k, v]) => (
            <Descriptions.Item key={k} label={k}>
              {v}
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
      {pop.phase === 'ringing' && <Alert className="sb-gap-top" type="info" showIcon title={t('offer.answerOnPhone')} />}
    </Card>
  );
}
