/**
 * Gives every <style> element this page's scripts create the nonce the
 * server's content security policy allows. The component library passes
 * the nonce on for its own styles (ConfigProvider csp), but one of its
 * helpers (the scroll-bar measure) inserts a style without it. Only this
 * origin's scripts run (script-src 'self'), so this allows nothing that
 * they could not already do; markup still cannot bring its own styles.
 */
export function installStyleNonce(nonce: string) {
  if (!nonce) return;
  const create = document.createElement.bind(document);
  document.createElement = ((tag: string, options?: ElementCreationOptions) => {
    const el = create(tag, options);
    if (tag.toLowerCase() === 'style') (el as HTMLStyleElement).nonce = nonce;
    return el;
  }) as typeof document.createElement;
}
