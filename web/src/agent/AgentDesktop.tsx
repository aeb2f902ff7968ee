// The agent desktop: state and actions, the screen pop and the live panel.
import { Alert, Col, Row, Spin } from 'antd';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { must } from '../api/client';
import { Shell } from '../app/Shell';
import { useMe, useSession, useTenant } from '../app/session';
import { LivePanel } from './LivePanel';
import { OfferPop } from './OfferPop';
import { StatePanel, type SelfState } from './StatePanel';
import { useAgentLive } from './useAgentLive';
import { useNow } from './useNow';

export function AgentDesktop() {
  const { t } = useTranslation('agent');
  const { t: tApp } = useTranslation('app');
  const me = useMe();
  if (me.isPending) return <Spin fullscreen tip={tApp('loading')} />;
  const tenantId = me.data?.tenant_id;
  const agentId = me.data?.agent_id;
  return (
    <Shell title={t('title')}>
      {tenantId && agentId ? <Desktop tenantId={tenantId} agentId={agentId} /> : <Alert type="info" showIcon title={t('noAgent')} />}
    </Shell>
  );
}

function Desktop({ tenantId, agentId }: { tenantId: string; agentId: string }) {
  const { t: tApp } = useTranslation('app');
  const { api } = useSession();
  const qc = useQueryClient();
  const now = useNow();
  const live = useAgentLive(tenantId, agentId);
  const tenant = useTenant(tenantId).data;
  const names = new Map((live.queues.data?.items ?? []).map((q) => [q.id, q.name]));
  const queueName = (id: string) => names.get(id) ?? id;
  const act = async (state: SelfState, reason?: string) => {
    const s = await must(api.POST('/tenants/{tenant_id}/acd/me/state', { params: { path: { tenant_id: tenantId } }, body: { state, reason } }));
    qc.setQueryData(['acd-me', tenantId], { state: s, at: Date.now() });
  };
  const mine = live.me.data;
  const stale = live.downSince !== null && now - live.downSince > 1000;
  return (
    <>
      {stale && (
        <Alert type="warning" showIcon className="sb-gap" data-testid="stale" role="status" title={tApp('live.stale', { seconds: Math.floor((now - live.downSince!) / 1000) })} />
      )}
      {!mine ? (
        live.me.error ? <Alert type="error" showIcon title={String(live.me.error.message)} /> : <Spin />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={12}>
            <StatePanel
              state={mine.state}
              fetchedAt={mine.at}
              now={now}
              reasons={live.settings.data?.not_ready_reasons ?? []}
              readOnly={tenant?.status !== undefined && tenant.status !== 'active'}
              act={act}
            />
            {live.pop && (
              <div className="sb-gap-top">
                <OfferPop pop={live.pop} now={now} queueName={queueName} />
              </div>
            )}
          </Col>
          <Col xs={24} lg={12}>
            <LivePanel state={mine.state} fetchedAt={mine.at} now={now} figures={live.figures} queueName={queueName} />
          </Col>
        </Row>
      )}
    </>
  );
}
