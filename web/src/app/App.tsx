import { useEffect, useState, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { App as AntApp, Button, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import zhTW from 'antd/locale/zh_TW';
import { useTranslation } from 'react-i18next';
import { pickLanguage, type Language } from '../i18n';
import type { Session } from '../api/session';
import { SessionProvider, useMe, useSignedIn } from './session';
import { LoginPage } from './LoginPage';
import { Shell } from './Shell';
import { AgentDesktop } from '../agent/AgentDesktop';
import { WallboardPage } from '../supervisor/Wallboard';

// Contrast (WCAG AA, 4.5:1, checked by the browser test's axe-core run):
// antd's default blue (#1677ff) gives white text and links 4.1:1, its red
// (#ff4d4f, danger buttons) 3.3:1 and its tertiary grey (45% black) 3.4:1 on
// white, and the state tags' text (green, orange, gold) 3.4, 3.3 and 2.8:1 on
// their tint; a shade darker of each keeps the look.
const theme = {
  token: { colorPrimary: '#0958d9', colorLink: '#0958d9', colorError: '#d9363e', colorTextTertiary: 'rgba(0, 0, 0, 0.6)', colorTextDescription: 'rgba(0, 0, 0, 0.6)' },
  components: { Tag: { green7: '#237804', orange7: '#ad4e00', gold7: '#874d00' } },
};

const antdLocales = { en: enUS, 'zh-CN': zhCN, 'zh-TW': zhTW } as const;

export function App({ session, baseUrl, nonce }: { session: Session; baseUrl: string; nonce: string }) {
  const [qc] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } }));
  return (
    <QueryClientProvider client={qc}>
      <SessionProvider session={session} baseUrl={baseUrl}>
        <BrowserRouter>
          <Localized nonce={nonce}>
            <Routes>
              <Route path="/login" element={<LoginRoute />} />
              <Route path="/agent" element={<RequireSignIn><AgentDesktop /></RequireSignIn>} />
              <Route path="/supervisor" element={<RequireSignIn><WallboardPage /></RequireSignIn>} />
              <Route path="/" element={<RequireSignIn><Home /></RequireSignIn>} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Routes>
          </Localized>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}

/** Shows everything in the signed-in user's language (the server decides it), else the browser's. */
function Localized({ nonce, children }: { nonce: string; children: ReactNode }) {
  const { i18n } = useTranslation();
  const me = useMe().data;
  const lang: Language = pickLanguage(me?.language, typeof navigator === 'undefined' ? [] : navigator.languages);
  useEffect(() => {
    if (i18n.language !== lang) void i18n.changeLanguage(lang);
    document.documentElement.lang = lang;
  }, [i18n, lang]);
  return (
    <ConfigProvider locale={antdLocales[lang]} csp={{ nonce }} theme={theme}>
      {/* antd's App: messages inherit the nonce and locale (static ones would not) */}
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

function RequireSignIn({ children }: { children: ReactNode }) {
  return useSignedIn() ? <>{children}</> : <Navigate to="/login" replace />;
}

function LoginRoute() {
  return useSignedIn() ? <Navigate to="/" replace /> : <LoginPage />;
}

/** Sends supervisors to the wallboard, agents to their desktop; other roles learn what exists for them today. */
function Home() {
  const { t } = useTranslation('app');
  const me = useMe();
  if (me.isPending) return <Spin fullscreen tip={t('loading')} />;
  if (me.data?.tenant_id && me.data.permissions.includes('monitor:read')) return <Navigate to="/supervisor" replace />;
  if (me.data?.agent_id) return <Navigate to="/agent" replace />;
  const name = me.data?.display_name ?? me.data?.email ?? '';
  return (
    <Shell title="">
      <Result
        status="info"
        title={t('home.signedInAs', { name, role: me.data?.role ?? '' })}
        subTitle={t('home.noDesktop')}
        extra={me.data?.tenant_id ? <Button href="/agent">{t('home.openDesktop')}</Button> : undefined}
      />
    </Shell>
  );
}
