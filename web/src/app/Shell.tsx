import type { ReactNode } from 'react';
import { Alert, Button, Layout, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { LanguagePicker } from './LanguagePicker';
import { useMe, useSession, useTenant } from './session';

/** The page frame: who is signed in, their language, sign-out, and the tenant's status. */
export function Shell({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation('app');
  const { session } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const me = useMe().data;
  const tenant = useTenant(me?.tenant_id).data;
  const signOut = async () => {
    await session.logout();
    await qc.resetQueries(); // not clear(): mounted observers would keep the removed queries
    navigate('/login', { replace: true });
  };
  return (
    <Layout className="sb-shell">
      <Layout.Header className="sb-header">
        <Typography.Text strong className="sb-brand">
          {t('title')}
        </Typography.Text>
        <Typography.Text className="sb-page-title">{title}</Typography.Text>
        <Space className="sb-header-right">
          {me && <Typography.Text className="sb-user">{me.display_name ?? me.email ?? me.role}</Typography.Text>}
          {me && <LanguagePicker me={me} tenantLanguage={tenant?.language} />}
          <Button onClick={signOut}>{t('signOut')}</Button>
        </Space>
      </Layout.Header>
      <Layout.Content className="sb-content">
        {tenant?.status === 'suspended' && <Alert type="warning" showIcon title={t('tenant.suspended')} className="sb-gap" data-testid="tenant-suspended" />}
        {tenant?.status === 'archived' && <Alert type="error" showIcon title={t('tenant.archived')} className="sb-gap" />}
        {children}
      </Layout.Content>
    </Layout>
  );
}
