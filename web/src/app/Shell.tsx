import type { ReactNode } from 'react';
import { Alert, Button, Layout, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate } from 'react-router';
import { LanguagePicker } from './LanguagePicker';
import { useMe, useSession, useTenant, type Me } from './session';

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
        {me && pagesOf(me).length > 1 ? <Pages me={me} /> : <Typography.Text className="sb-page-title">{title}</Typography.Text>}
        <Space className="sb-header-right">
          {me && <Typography.Text className="sb-user">{me.display_name ?? me.email ?? me.role}</Typography.Text>}
          {me && <LanguagePicker me={me} tenantLanguage={tenant?.language} />}
          <Button onClick={signOut}>{t('signOut')}</Button>
        </Space>
      </Layout.Header>
      <Layout.Content className="sb-content">
        <h1 className="sb-sr-only">{title}</h1>
        {tenant?.status === 'suspended' && <Alert type="warning" showIcon title={t('tenant.suspended')} className="sb-gap" data-testid="tenant-suspended" />}
        {tenant?.status === 'archived' && <Alert type="error" showIcon title={t('tenant.archived')} className="sb-gap" />}
        {children}
      </Layout.Content>
    </Layout>
  );
}

/** The pages a user has (a supervisor who is an agent too has two). */
function pagesOf(me: Me) {
  return [
    { to: '/agent', label: 'nav.desktop' as const, show: !!me.agent_id },
    { to: '/supervisor', label: 'nav.wallboard' as const, show: !!me.tenant_id && me.permissions.includes('monitor:read') },
  ].filter((p) => p.show);
}

/** Links between the pages of a user who has more than one; the current one is the page's title. */
function Pages({ me }: { me: Me }) {
  const { t } = useTranslation('app');
  const at = useLocation().pathname;
  return (
    <nav className="sb-nav" aria-label={t('nav.label')}>
      {pagesOf(me).map((p) => (
        <Link key={p.to} to={p.to} className={at === p.to ? 'sb-nav-link sb-nav-here' : 'sb-nav-link'} aria-current={at === p.to ? 'page' : undefined}>
          {t(p.label)}
        </Link>
      ))}
    </nav>
  );
}
