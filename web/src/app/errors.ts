import type { TFunction } from 'i18next';
import { ApiError } from '../api/session';

const known = ['tenant_suspended', 'account_locked', 'login_throttled', 'rate_limited'] as const;

/** The user's-language text for an error: known codes translated, else the server's message. */
export function errorText(t: TFunction<'app'>, e: unknown): string {
  if (e instanceof ApiError) {
    if ((known as readonly string[]).includes(e.code)) return t(`errors.${e.code as (typeof known)[number]}`);
    if (e.status === 401) return t('errors.unauthorized');
    if (e.code === 'validation_failed' && Array.isArray(e.details) && e.details[0]) {
      const d = e.details[0] as { field?: string; problem?: string };
      return t('errors.validation_failed', { field: d.field ?? '', problem: d.problem ?? '' });
    }
    return t('errors.generic', { message: e.message });
  }
  if (e instanceof TypeError) return t('errors.network');
  return t('errors.generic', { message: String(e) });
}
