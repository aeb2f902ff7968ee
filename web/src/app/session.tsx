// The session and the API client as React context, and the signed-in
// user (GET /me) as a query every page reads.
import { createContext, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { newClient, must, type Client, type Schemas } from '../api/client';
import { Session } from '../api/session';

interface Ctx {
  session: Session;
  api: Client;
}

const SessionContext = createContext<Ctx | null>(null);

export function SessionProvider({ session, baseUrl, children }: { session: Session; baseUrl: string; children: ReactNode }) {
  const value = useMemo(() => ({ session, api: newClient(session, baseUrl) }), [session, baseUrl]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Ctx {
  const c = useContext(SessionContext);
  if (!c) throw new Error('useSession outside SessionProvider');
  return c;
}

/** Re-renders when the session signs in or out. */
export function useSignedIn(): boolean {
  const { session } = useSession();
  return useSyncExternalStore(session.subscribe, () => session.resumable);
}

export type Me = Schemas['Me'];

export function useMe() {
  const { api } = useSession();
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: ['me'],
    queryFn: () => must(api.GET('/me')),
    enabled: signedIn,
    staleTime: 60_000,
  });
}

/** The signed-in user's tenant (status, language), for tenant users. */
export function useTenant(tenantId: string | undefined) {
  const { api } = useSession();
  return useQuery({
    queryKey: ['tenant', tenantId],
    queryFn: () => must(api.GET('/tenants/{tenant_id}', { params: { path: { tenant_id: tenantId! } } })),
    enabled: !!tenantId,
    refetchInterval: 30_000,
  });
}
