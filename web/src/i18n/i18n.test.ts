import { describe, expect, it } from 'vitest';
import { languages, pickLanguage, resources } from './index';

type Tree = { [k: string]: string | Tree };

function flatten(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const namespaces = Object.keys(resources.en) as (keyof (typeof resources)['en'])[];

  it('has every namespace in every language', () => {
    for (const lng of languages) expect(Object.keys(resources[lng]).sort()).toEqual([...namespaces].sort());
  });

  for (const ns of namespaces) {
    const en = flatten(resources.en[ns] as Tree);
    for (const lng of languages) {
      it(`${lng}/${ns} has exactly the English keys, none empty, same placeholders`, () => {
        const other = flatten(resources[lng][ns] as Tree);
        const missing = [...en.keys()].filter((k) => !other.has(k));
        const extra = [...other.keys()].filter((k) => !en.has(k));
        expect({ missing, extra }).toEqual({ missing: [], extra: [] });
        for (const [k, v] of other) {
          expect(v.trim(), `${lng}/${ns}:${k} is empty`).not.toBe('');
          expect(placeholders(v), `${lng}/${ns}:${k} placeholders`).toEqual(placeholders(en.get(k)!));
        }
      });
    }
  }

  it('Chinese texts are Chinese, and each script is its own', () => {
    // A few characters that differ between the scripts: a zh-TW text must
    // not use the simplified form and the other way round.
    const simplifiedOnly = /[这来说话员队数时态钟录设机电务网线连应单处从开发]/;
    const traditionalOnly = /[這來說話員隊數時態鐘錄設機電務網線連應單處從開發]/;
    for (const ns of namespaces) {
      for (const [k, v] of flatten(resources['zh-TW'][ns] as Tree)) {
        expect(simplifiedOnly.test(v), `zh-TW/${ns}:${k} "${v}" uses simplified characters`).toBe(false);
      }
      for (const [k, v] of flatten(resources['zh-CN'][ns] as Tree)) {
        if (k.startsWith('language.names.')) continue; // each language's own name
        expect(traditionalOnly.test(v), `zh-CN/${ns}:${k} "${v}" uses traditional characters`).toBe(false);
      }
    }
  });
});

describe('pickLanguage', () => {
  it('takes the server choice, else the browser, else English', () => {
    expect(pickLanguage('zh-TW')).toBe('zh-TW');
    expect(pickLanguage(undefined, ['zh-Hant-HK'])).toBe('zh-TW');
    expect(pickLanguage(undefined, ['zh-SG'])).toBe('zh-CN');
    expect(pickLanguage(undefined, ['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLanguage('fr', [])).toBe('en');
  });
});
