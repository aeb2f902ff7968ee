// Translations: one namespace per area (app: shell and sign-in; agent: the
// agent desktop; supervisor: the wallboard) in English, Simplified Chinese (zh-CN, zh-Hans) and
// Traditional Chinese (zh-TW, zh-Hant), the languages the server knows
// (tenancy.Languages). i18n.test.ts fails when a language lacks a key or
// has one more, or a key's {{placeholders}} differ.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import enApp from './en/app.json';
import enAgent from './en/agent.json';
import enSupervisor from './en/supervisor.json';
import cnApp from './zh-CN/app.json';
import cnAgent from './zh-CN/agent.json';
import cnSupervisor from './zh-CN/supervisor.json';
import twApp from './zh-TW/app.json';
import twAgent from './zh-TW/agent.json';
import twSupervisor from './zh-TW/supervisor.json';

export const languages = ['en', 'zh-CN', 'zh-TW'] as const;
export type Language = (typeof languages)[number];

export const resources = {
  en: { app: enApp, agent: enAgent, supervisor: enSupervisor },
  'zh-CN': { app: cnApp, agent: cnAgent, supervisor: cnSupervisor },
  'zh-TW': { app: twApp, agent: twAgent, supervisor: twSupervisor },
} as const;

export const defaultNS = 'app';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: typeof defaultNS;
    resources: (typeof resources)['en'];
  }
}

/** Picks a supported language: the server's choice, else the browser's, else en. */
export function pickLanguage(wanted: string | undefined | null, browser: readonly string[] = []): Language {
  for (const l of [wanted, ...browser]) {
    if (!l) continue;
    if ((languages as readonly string[]).includes(l)) return l as Language;
    const low = l.toLowerCase();
    if (low === 'zh-hant' || low.startsWith('zh-hant') || low === 'zh-hk' || low === 'zh-mo') return 'zh-TW';
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

export function initI18n(lng: Language) {
  void i18next.use(initReactI18next).init({
    resources,
    lng,
    fallbackLng: false,
    defaultNS,
    ns: ['app', 'agent', 'supervisor'],
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  return i18next;
}
