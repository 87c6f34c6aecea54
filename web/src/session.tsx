import { createContext, useContext, type ReactNode } from 'react';
import { useQuery } from '@apollo/client/react';
import { Navigate, useLocation } from 'react-router-dom';
import type { MeQuery } from './gql/graphql';
import { ME } from './operations';

type Viewer = NonNullable<MeQuery['me']>;
const SessionContext = createContext<{ viewer: Viewer | null; loading: boolean }>({ viewer: null, loading: true });

/** Who is signed in, from bff-web's `me` (the session itself is an httpOnly cookie the app never reads). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const { data, loading } = useQuery(ME);
  return <SessionContext.Provider value={{ viewer: data?.me ?? null, loading }}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);

/** Renders its children for a signed-in viewer (with one of `roles`), else sends them to sign in. */
export function RequireViewer({ children, roles }: { children: ReactNode; roles?: Viewer['role'][] }) {
  const { viewer, loading } = useSession();
  const location = useLocation();
  if (loading) return <p role="status">Loading…</p>;
  if (!viewer) return <Navigate to="/signin" replace state={{ from: location.pathname, reason: 'Sign in to continue.' }} />;
  if (roles && !roles.includes(viewer.role)) return <p role="alert">This page is for {roles.join(' and ').toLowerCase()} accounts.</p>;
  return <>{children}</>;
}
