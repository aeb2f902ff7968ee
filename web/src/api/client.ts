// The one API client: types generated from the served OpenAPI document
// (openapi.json, kept current by the api package's tests; npm run gen:api),
// calls through openapi-fetch with the session's token.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { ApiError, Session } from './session';

export type Schemas = components['schemas'];

export function newClient(session: Session, baseUrl: string) {
  return createClient<paths>({ baseUrl: baseUrl + '/api/v1', fetch: session.authFetch });
}

export type Client = ReturnType<typeof newClient>;

/** Unwraps an openapi-fetch answer: the data, or the server's error as an ApiError. */
export async function must<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (error !== undefined || !response.ok) {
    const e = error as Schemas['Error'] | undefined;
    throw new ApiError(response.status, e?.error?.code ?? 'http_' + response.status, e?.error?.message ?? response.statusText, e?.error?.details);
  }
  return data as T;
}
