import { graphql, WEB_ORIGIN, type GraphQLResponse } from './stack';

/**
 * A browser's view of bff-web: it keeps the session cookie the server sets and sends it back,
 * with the page's Origin, and never sees a token.
 */
export class WebSession {
  cookie: string | undefined;
  constructor(private readonly origin: string) {}

  async gql<T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
    const response = await graphql<T>(this.origin, query, variables, {
      origin: WEB_ORIGIN,
      ...(this.cookie && { cookie: this.cookie }),
      ...headers,
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = /=$/.test(pair) || /Max-Age=0/.test(setCookie) ? undefined : pair;
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
