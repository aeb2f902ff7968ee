import { App as AntApp, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { languages } from '../i18n';
import { must } from '../api/client';
import { useSession, type Me } from './session';
import { errorText } from './errors';

/** The user's own language (MT-6), or the organisation's ("" on the server). */
export function LanguagePicker({ me, tenantLanguage }: { me: Me; tenantLanguage?: string }) {
  const { t } = useTranslation('app');
  const { api } = useSession();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const names = (l: string) => t(`language.names.${l as (typeof languages)[number]}`);
  const options = [
    ...(me.tenant_id ? [{ value: '', label: t('language.followTenant', { language: names(tenantLanguage ?? 'en') }) }] : []),
    ...languages.map((l) => ({ value: l, label: names(l) })),
  ];
  const choose = async (v: string) => {
    try {
      const next = await must(api.PATCH('/me', { body: { language: v } }));
      qc.setQueryData(['me'], next);
      void message.success(t('language.saved', { lng: next.language })); // in the language just chosen
    } catch (e) {
      void message.error(errorText(t, e));
    }
  };
  return (
    <Select
      aria-label={t('language.label')}
      className="sb-language"
      value={me.own_language ?? (me.tenant_id ? '' : me.language)}
      options={options}
      onChange={choose}
      popupMatchSelectWidth={false}
    />
  );
}
