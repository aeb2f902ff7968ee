import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useSession } from './session';
import { errorText } from './errors';

export function LoginPage() {
  const { t } = useTranslation('app');
  const { session } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (v: { login: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await session.login(v.login, v.password);
      await qc.resetQueries(); // not clear(): mounted observers would keep the removed queries
      navigate('/', { replace: true });
    } catch (e) {
      setError(t('signIn.failed', { message: errorText(t, e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sb-login">
      <Card>
        <Typography.Title level={1} className="sb-login-title">
          {t('signIn.title')}
        </Typography.Title>
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="login" label={t('signIn.login')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input type="email" autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {error && <Alert type="error" role="alert" title={error} className="sb-gap" />}
          <Button type="primary" htmlType="submit" loading={busy} block>
            {t('signIn.submit')}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
