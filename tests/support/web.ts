import { graphql, WEB_ORIGIN, type GraphQLResponse } from './stack';

/**
 * A browser's view of bff-web: it keeps the session cookie the server sets and sends it back,
 * with the page's Origin, and never sees a token.
 */
export class WebSession {
  /** The cookies the server has set, by name. */
  readonly cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  /** The Cookie header a browser would send (every cookie here is for /graphql). */
  get cookie(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }

  async gql<T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
    const response = await graphql<T>(this.origin, query, variables, {
      origin: WEB_ORIGIN,
      ...(this.cookie && { cookie: this.cookie }),
      ...headers,
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (!value || /Max-Age=0/.test(setCookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

let counter = 0;

/** Signs up a new account through bff-web and returns its session and user. */
export async function signUp(origin: string, handle = `user_${process.pid}_${++counter}`) {
  const session = new WebSession(origin);
  const { body } = await session.gql(
    `mutation($input: SignUpInput!) { signUp(input: $input) { user { id handle role } } }`,
    { input: { email: `${handle}@example.com`, password: 'correct horse battery', handle, displayName: handle.toUpperCase() } },
  );
  if (body.errors) throw new Error(`sign-up failed: ${JSON.stringify(body.errors)}`);
  return { session, user: body.data.signUp.user as { id: string; handle: string; role: string } };
}
