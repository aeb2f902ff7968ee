import { describe, expect, it } from 'vitest';
import { Session } from './session';

function memStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('Session', () => {
  it('refreshes once for concurrent 401s (the server treats a reused refresh token as theft) and retries', async () => {
    let refreshes = 0;
    let access = 'a1';
    const seen: string[] = [];
    const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://x'), init);
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/auth/login') return json(200, { access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 });
      if (url.pathname === '/api/v1/auth/refresh') {
        refreshes++;
        const body = (await req.json()) as { refresh_token: string };
        expect(body.refresh_token).toBe('r1');
        await new Promise((r) => setTimeout(r, 20));
        access = 'a2';
        return json(200, { access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 });
      }
      const auth = req.headers.get('Authorization') ?? '';
      seen.push(auth);
      return auth === `Bearer ${access}` ? json(200, { ok: true }) : json(401, { error: { code: 'invalid_token', message: 'expired', request_id: 'x' } });
    };
    const storage = memStorage();
    const s = new Session(fetchFn as typeof fetch, storage);
    await s.login('a@b.c', 'pw');
    access = 'rotated-by-server'; // every token the client has is now expired
    const [r1, r2] = await Promise.all([
      s.authFetch(new Request('http://x/api/v1/me')),
      s.authFetch(new Request('http://x/api/v1/me')),
    ]);
    // Both retried with the one new token.
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(refreshes).toBe(1);
    expect(storage.getItem('switchboard.refresh')).toBe('r2');
    const r3 = await s.authFetch(new Request('http://x/api/v1/me'));
    expect(r3.status).toBe(200);
    expect(seen.at(-1)).toBe('Bearer a2');
  });

  it('signs out when the refresh is refused', async () => {
    const fetchFn = async (input: RequestInfo | URL) => {
      const url = new URL(input instanceof Request ? input.url : String(input), 'http://x');
      if (url.pathname === '/api/v1/auth/refresh') return json(401, { error: { code: 'unauthorized', message: 'no', request_id: 'x' } });
      return json(401, { error: { code: 'invalid_token', message: 'expired', request_id: 'x' } });
    };
    const storage = memStorage();
    storage.setItem('switchboard.refresh', 'old');
    const s = new Session(fetchFn as typeof fetch, storage);
    expect(s.resumable).toBe(true);
    const res = await s.authFetch(new Request('http://x/api/v1/me'));
    expect(res.status).toBe(401);
    expect(s.resumable).toBe(false);
    expect(storage.getItem('switchboard.refresh')).toBeNull();
  });
});
