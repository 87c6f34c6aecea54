import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWK } from 'jose';
import { ALGORITHM, type SigningKey } from './keys';

/**
 * Who is calling, as the subgraphs see it. A BFF verifies the client's token, then signs a
 * short-lived gateway assertion with the verified identity and its own name; subgraphs accept
 * GraphQL only with a valid assertion and authorise every action from it.
 */
export const ROLES = ['READER', 'AUTHOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export interface Viewer {
  id: string;
  role: Role;
}

export interface Caller {
  /**
   * Null for an anonymous caller. For a service (`service` set), the viewer it asks about: the
   * callee trusts it only in the few read-only operations it allows that service (service-calls.ts).
   */
  viewer: Viewer | null;
  /** The BFF the request came through (`bff-web`, `bff-mobile`), or the calling service. */
  client: string;
  /** Set when a subgraph calls another as itself, with its own key (a service assertion): its name. */
  service?: string;
}

/** The request header that carries the assertion from a gateway to a subgraph. */
export const ASSERTION_HEADER = 'x-gateway-assertion';
/** A BFF's assertion for a user (or an anonymous client), signed with a gateway key. */
const GATEWAY_TYP = 'gateway-assertion+jwt';
/** A subgraph's assertion of itself, signed with that service's own key (MEDIA_SIGNING_KEY, …). */
const SERVICE_TYP = 'service-assertion+jwt';
/** Lifetime of an assertion; a signer reuses one for a third of it. */
const LIFETIME_S = 30;

/**
 * Signs and caches assertions by audience and viewer: each names the one subgraph it is for
 * (`aud`), so one sent to media cannot be replayed to posts. Each is reused for 10 s (signing
 * is the costly part), so a viewer's requests cost one signature per subgraph per 10 s.
 */
function cachingSigner(key: SigningKey, issuer: string, typ: string, claims: (viewer: Viewer | null) => Record<string, unknown>, subject: boolean) {
  const cache = new Map<string, { token: string; renewAt: number }>();
  return async function sign(audience: string, viewer: Viewer | null = null): Promise<string> {
    const cacheKey = viewer ? `${audience}:${viewer.id}:${viewer.role}` : audience;
    const cached = cache.get(cacheKey);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const jwt = new SignJWT(claims(viewer))
      .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_S}s`)
      .setJti(randomUUID());
    if (viewer && subject) jwt.setSubject(viewer.id);
    const token = await jwt.sign(key.privateKey);
    if (cache.size > 10_000) cache.clear();
    cache.set(cacheKey, { token, renewAt: Date.now() + (LIFETIME_S * 1000) / 3 });
    return token;
  };
}

/** Signs one BFF's (`client`'s) gateway assertions: `sign(subgraph, viewer)`, for that subgraph only. */
export function assertionSigner(key: SigningKey, client: string) {
  return cachingSigner(key, client, GATEWAY_TYP, (viewer) => ({ client, ...(viewer && { role: viewer.role }) }), true);
}

/**
 * Signs a subgraph's assertions of itself (`service`, with its own key): `sign(subgraph, viewer?)`.
 * It carries no subject: a viewer goes in a `viewer` claim that the callee reads only in the
 * read-only operations it allows that service (lib/identity/service-calls.ts), never as a user's
 * authority; so a compromised service cannot act as a user, an admin least of all.
 */
export function serviceAssertionSigner(key: SigningKey, service: string) {
  return cachingSigner(key, service, SERVICE_TYP, (viewer) => ({ ...(viewer && { viewer: { id: viewer.id, role: viewer.role } }) }), false);
}

export type AssertionSigner = ReturnType<typeof assertionSigner>;

export class InvalidAssertion extends Error {}

export interface VerifierKeys {
  /** The subgraph verifying: only assertions whose `aud` names it are accepted. */
  audience: string;
  /** The BFFs' public keys: the only keys of a user's (gateway) assertion. */
  gatewayKeys: JWK[];
  /** The public keys of each service allowed to call this one; a service's assertion is checked against its own only. */
  serviceKeys?: Record<string, JWK[]>;
}

/**
 * Verifies assertions: a gateway assertion against the BFFs' keys, a service assertion against
 * the keys of the service it names (and no other); both must name this subgraph as audience.
 * Resolves with the caller or throws InvalidAssertion. A signer reuses each assertion for 10 s,
 * so a verified one is remembered until it expires: profiled under load, the ECDSA check was 7%
 * of a subgraph's CPU.
 */
export function assertionVerifier({ audience, gatewayKeys, serviceKeys = {} }: VerifierKeys) {
  const gateway = createLocalJWKSet({ keys: gatewayKeys });
  const services = new Map(Object.entries(serviceKeys).map(([name, keys]) => [name, createLocalJWKSet({ keys })]));
  const verified = new Map<string, { caller: Caller; expiresAt: number }>();
  return async function verify(token: string | undefined): Promise<Caller> {
    if (!token) throw new InvalidAssertion('missing gateway assertion');
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.caller;
    const { expiresAt, issuedAt, ...caller } = await check(token);
    if (verified.size >= 10_000) verified.clear();
    // Remembered no longer than the token lives, nor than maxTokenAge allows from its issue.
    verified.set(token, { caller, expiresAt: Math.min(expiresAt, issuedAt + LIFETIME_S * 2 * 1000) });
    return caller;
  };

  async function check(token: string): Promise<Caller & { expiresAt: number; issuedAt: number }> {
    try {
      const { typ } = decodeProtectedHeader(token);
      if (typ === SERVICE_TYP) return await checkService(token);
      const { payload } = await jwtVerify(token, gateway, { audience, algorithms: [ALGORITHM], typ: GATEWAY_TYP, maxTokenAge: `${LIFETIME_S * 2}s` });
      onlyFor(payload.aud);
      if (typeof payload.client !== 'string' || payload.iss !== payload.client) throw new Error('client and issuer differ');
      const times = { expiresAt: payload.exp! * 1000, issuedAt: payload.iat! * 1000 };
      if (payload.sub === undefined) return { viewer: null, client: payload.client, ...times };
      return { viewer: viewerOf(payload.sub, payload.role), client: payload.client, ...times };
    } catch (error) {
      throw new InvalidAssertion((error as Error).message);
    }
  }

  /**
   * jose accepts an `aud` list that includes this subgraph; an assertion must be for this one
   * alone (signers set one), so none made for several subgraphs is taken by each of them.
   */
  function onlyFor(aud: unknown): void {
    if (aud !== audience) throw new Error('the audience must be this subgraph alone');
  }

  async function checkService(token: string): Promise<Caller & { expiresAt: number; issuedAt: number }> {
    const { iss } = decodeJwt(token);
    const keys = typeof iss === 'string' ? services.get(iss) : undefined;
    if (!keys) throw new Error('not a service allowed to call this one');
    const { payload } = await jwtVerify(token, keys, { audience, issuer: iss, algorithms: [ALGORITHM], typ: SERVICE_TYP, maxTokenAge: `${LIFETIME_S * 2}s` });
    onlyFor(payload.aud);
    if (payload.sub !== undefined) throw new Error('a service assertion names no subject');
    const claimed = payload.viewer as { id?: unknown; role?: unknown } | undefined;
    const viewer = claimed === undefined ? null : viewerOf(claimed.id, claimed.role);
    return { viewer, client: iss!, service: iss!, expiresAt: payload.exp! * 1000, issuedAt: payload.iat! * 1000 };
  }
}

function viewerOf(id: unknown, role: unknown): Viewer {
  if (typeof id !== 'string' || !id) throw new Error('no viewer id');
  if (!ROLES.includes(role as Role)) throw new Error('unknown role');
  return { id, role: role as Role };
}

/**
 * Calls a subgraph directly, as a gateway does: a GraphQL POST carrying `assertion`, with a
 * timeout. For the few calls made outside a gateway's query plan (a BFF's session upkeep, media
 * asking posts about a post as itself); the caller reads the response.
 */
/**
 * Marks a service's background poll of another's feed (media following posts' events, a BFF
 * following revocations): the subgraph logs it at debug, not info, so an idle system's log stays
 * quiet. Only subgraphs honour it, and only gateways and services can call them.
 */
export const BACKGROUND_HEADER = 'x-background-poll';

/** The request header in which a BFF tells users the client's address, for sign-in limits (users trusts it only beside a valid assertion). */
export const CLIENT_ADDRESS_HEADER = 'x-client-address';

export function callSubgraph(
  url: string,
  assertion: string,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, [ASSERTION_HEADER]: assertion },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
}
