// The signed-in session: a short access token kept in memory and the
// refresh token kept in sessionStorage (it survives a reload of this tab,
// not the browser's end). The server's refresh rotates the token and treats
// a second use as theft, so refreshes are single-flight.
import type { components } from './schema';

type TokenResponse = components['schemas']['TokenResponse'];

export interface Tokens {
  access: string;
  refresh: string;
}

const storageKey = 'switchboard.refresh';

type Listener = () => void;

export class Session {
  private tokens: Tokens | null = null;
  private inflight: Promise<Tokens | null> | null = null;
  private listeners = new Set<Listener>();

  constructor(
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null = typeof sessionStorage === 'undefined'
      ? null
      : sessionStorage,
  ) {}

  /** The access token, or null when signed out. */
  get access(): string | null {
    return this.tokens?.access ?? null;
  }

  /** Whether a refresh token is there to resume a session with. */
  get resumable(): boolean {
    return this.tokens !== null || !!this.storage?.getItem(storageKey);
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private set(t: Tokens | null) {
    this.tokens = t;
    if (t) this.storage?.setItem(storageKey, t.refresh);
    else this.storage?.removeItem(storageKey);
    this.listeners.forEach((l) => l());
  }

  /** Signs in; throws an ApiError on refusal. */
  async login(login: string, password: string): Promise<void> {
    const res = await this.fetchFn('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login, password }),
    });
    if (!res.ok) throw await ApiError.from(res);
    const body = (await res.json()) as TokenResponse;
    this.set({ access: body.access_token, refresh: body.refresh_token });
  }

  /** Gets a new access token with the refresh token; null when the session is over. */
  refresh(): Promise<Tokens | null> {
    if (this.inflight) return this.inflight;
    const refresh = this.tokens?.refresh ?? this.storage?.getItem(storageKey);
    if (!refresh) return Promise.resolve(null);
    this.inflight = (async () => {
      try {
        const res = await this.fetchFn('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: refresh }),
        });
        if (!res.ok) {
          this.set(null);
          return null;
        }
        const body = (await res.json()) as TokenResponse;
        const t = { access: body.access_token, refresh: body.refresh_token };
        this.set(t);
        return t;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Signs out: the server revokes the refresh token; locally it is gone either way. */
  async logout(): Promise<void> {
    const t = this.tokens;
    this.set(null);
    if (!t) return;
    await this.fetchFn('/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${t.access}` },
      body: JSON.stringify({ refresh_token: t.refresh }),
    }).catch(() => undefined);
  }

  /**
   * fetch with the access token; a 401 refreshes once (single-flight) and
   * retries. Used by the API client and the event streams.
   */
  authFetch = async (input: Request): Promise<Response> => {
    if (!this.tokens) await this.refresh();
    const retry = input.clone();
    const first = await this.fetchFn(this.withToken(input));
    if (first.status !== 401) return first;
    const t = await this.refresh();
    if (!t) return first;
    return this.fetchFn(this.withToken(retry));
  };

  private withToken(req: Request): Request {
    const h = new Headers(req.headers);
    if (this.tokens) h.set('Authorization', `Bearer ${this.tokens.access}`);
    return new Request(req, { headers: h });
  }
}

/** The server's error envelope (docs/api.md, Errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  static async from(res: Response): Promise<ApiError> {
    try {
      const body = (await res.json()) as components['schemas']['Error'];
      return new ApiError(res.status, body.error.code, body.error.message, body.error.details);
    } catch {
      return new ApiError(res.status, 'http_' + res.status, res.statusText);
    }
  }
}
