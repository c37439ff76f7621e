// The signed-in principal. Its bearer token is kept in this tab's sessionStorage only: it survives a
// reload, is forgotten when the tab closes, and is never written to localStorage or a cookie, so
// no other tab or site sends it. Signing out forgets it at once.
import { answer, apiClient, type Api, type Schemas } from './api';

const tokenKey = 'keysync.console.token';
const clusterKey = 'keysync.console.cluster';

export type Role = Schemas['PrincipalDto']['roles'][number];

export interface Session {
  api: Api;
  principal: Schemas['PrincipalDto'];
  /** The cluster the pages show. */
  cluster: string;
  clusters: string[];
  can(role: Role): boolean;
}

/** Asks the API who the token is; throws its ApiFailure when it refuses the token. */
export async function signIn(token: string): Promise<Session> {
  const api = apiClient(token);
  const principal = await answer(api.GET('/v1/me'));
  const { clusters } = await answer(api.GET('/v1/clusters'));
  const ids = clusters.map((cluster) => cluster.id);
  const remembered = sessionStorage.getItem(clusterKey);
  const cluster = remembered && ids.includes(remembered) ? remembered : (ids[0] ?? '');
  sessionStorage.setItem(tokenKey, token);
  return { api, principal, cluster, clusters: ids, can: (role) => principal.roles.includes(role) };
}

export function rememberedToken(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function chooseCluster(session: Session, cluster: string): Session {
  sessionStorage.setItem(clusterKey, cluster);
  return { ...session, cluster };
}

export function forgetToken(): void {
  sessionStorage.removeItem(tokenKey);
}
