import type {
  CreatePostMutation,
  CreatePostMutationVariables,
  FeedQuery,
  FeedQueryVariables,
  PostQuery,
  PostQueryVariables,
  RefreshSessionMutation,
  SessionFieldsFragment,
  SignInMutation,
  SignUpMutation,
  SignUpMutationVariables,
  StartUploadMutation,
  StartUploadMutationVariables,
} from './operations.generated';
import manifest from './persisted-query-manifest.json';

/**
 * The mobile app's GraphQL client, as small as a phone needs: `fetch`, a bearer token, and
 * persisted queries. Each operation is first sent by hash only; when the server does not know
 * the hash yet (automatic persisted queries, outside production) it is sent once with its text.
 */
export interface MobileClientOptions {
  /** bff-mobile's origin, e.g. http://127.0.0.1:4100 */
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export class MobileApiError extends Error {
  constructor(
    readonly errors: GraphQLErrorShape[],
    readonly status: number,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** The result types come from the operations (client/operations/*.graphql), generated into operations.generated.ts. */
export type Feed = FeedQuery['feed'];
export type Card = Feed['cards'][number];
export type PostScreen = NonNullable<PostQuery['post']>;
export type MediaItem = NonNullable<PostScreen['media']>[number];
export type AuthorChip = NonNullable<PostScreen['author']>;
export type Session = SessionFieldsFragment;
/** `uploadUrl` is a path on bff-mobile: PUT the file there, once. */
export type UploadTicket = StartUploadMutation['startUpload'];
/** What the upload's PUT answers (not GraphQL). */
export interface UploadedMedia {
  id: string;
  status: 'READY';
  kind: 'IMAGE' | 'VIDEO';
  mimeType: string;
  width: number | null;
  height: number | null;
  bytes: number;
}
type OperationName = (typeof manifest.operations)[number]['name'];
const OPERATIONS = new Map(manifest.operations.map((op) => [op.name, op]));

export interface Result<T> {
  data: T;
  /** Errors beside the data: a part of the answer is missing (e.g. media unavailable). */
  errors: GraphQLErrorShape[];
}

export class MobileClient {
  private token: string | undefined;
  private refreshToken: string | undefined;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: MobileClientOptions) {
    this.token = options.token;
    // Called as a method of this object, a browser's fetch throws "Illegal invocation": bind it to its global.
    this.fetch = options.fetch ?? fetch.bind(globalThis);
  }

  get accessToken(): string | undefined {
    return this.token;
  }

  /** Runs a manifest operation; throws MobileApiError when there is no data at all. */
  async execute<T, V extends Record<string, unknown> = Record<string, unknown>>(name: OperationName, variables: V = {} as V): Promise<Result<T>> {
    const op = OPERATIONS.get(name);
    if (!op) throw new Error(`unknown operation ${name}`);
    const extensions = { persistedQuery: { version: 1, sha256Hash: op.id } };
    let response = await this.post({ operationName: name, variables, extensions });
    if (response.body.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
      response = await this.post({ operationName: name, variables, extensions, query: op.body });
    }
    const { data, errors = [] } = response.body;
    if (!data || Object.values(data).every((v) => v === null && errors.length > 0)) throw new MobileApiError(errors, response.status);
    return { data: data as T, errors };
  }

  private async post(body: Record<string, unknown>) {
    const response = await this.fetch(`${this.options.baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'apollographql-client-name': 'mobile-app',
        ...(this.token && { authorization: `Bearer ${this.token}` }),
      },
      body: JSON.stringify(body),
    });
    const parsed = (await response.json()) as { data?: Record<string, unknown> | null; errors?: GraphQLErrorShape[] };
    return { status: response.status, body: parsed };
  }

  async feed(first?: number, after?: string | null) {
    return (await this.execute<FeedQuery, FeedQueryVariables>('Feed', { first, after })).data.feed;
  }

  async postScreen(id: string) {
    return (await this.execute<PostQuery, PostQueryVariables>('Post', { id })).data.post;
  }

  private keep(session: Session): Session {
    this.token = session.accessToken;
    this.refreshToken = session.refreshToken;
    return session;
  }

  async signIn(email: string, password: string): Promise<Session> {
    return this.keep((await this.execute<SignInMutation>('SignIn', { email, password })).data.signIn);
  }

  async signUp(input: SignUpMutationVariables): Promise<Session> {
    return this.keep((await this.execute<SignUpMutation, SignUpMutationVariables>('SignUp', input)).data.signUp);
  }

  /** Spends the kept refresh token (or `refreshToken`) for a new session, and keeps that. */
  async refresh(refreshToken = this.refreshToken): Promise<Session> {
    if (!refreshToken) throw new Error('no refresh token: sign in first');
    return this.keep((await this.execute<RefreshSessionMutation>('RefreshSession', { refreshToken })).data.refreshSession);
  }

  async signOut(): Promise<void> {
    if (this.refreshToken) await this.execute('SignOut', { refreshToken: this.refreshToken });
    this.token = undefined;
    this.refreshToken = undefined;
  }

  async createPost(title: string, body: string, publish = true) {
    return (await this.execute<CreatePostMutation, CreatePostMutationVariables>('CreatePost', { title, body, publish })).data.createPost;
  }

  /** Step one of an upload: a one-time URL for a file of `bytes` bytes. */
  async startUpload(postId: string, file: Omit<StartUploadMutationVariables, 'postId'>): Promise<UploadTicket> {
    return (await this.execute<StartUploadMutation, StartUploadMutationVariables>('StartUpload', { postId, ...file })).data.startUpload;
  }

  /** Step two: PUTs the bytes to the ticket's URL; resolves with the media record once it is READY. */
  async putUpload(ticket: UploadTicket, bytes: Uint8Array, mimeType: string): Promise<UploadedMedia> {
    const response = await this.fetch(`${this.options.baseUrl}${ticket.uploadUrl}`, {
      method: 'PUT',
      // The session is not what authorises the upload (its URL is), but it gives the BFF's per-client bound a user.
      headers: { 'content-type': mimeType, ...(this.token && { authorization: `Bearer ${this.token}` }) },
      // Typed for the DOM's fetch too (the app's build), which wants an ArrayBuffer-backed view; a Node Buffer is one.
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    const body = (await response.json().catch(() => ({}))) as { media?: UploadedMedia; errors?: GraphQLErrorShape[] };
    if (!response.ok || !body.media) throw new MobileApiError(body.errors ?? [{ message: `upload answered ${response.status}` }], response.status);
    return body.media;
  }

  /** Both steps: uploads an image or video to one of the viewer's posts. */
  async uploadMedia(postId: string, bytes: Uint8Array, file: { kind: 'IMAGE' | 'VIDEO'; mimeType: string; alt?: string }): Promise<UploadedMedia> {
    return this.putUpload(await this.startUpload(postId, { ...file, bytes: bytes.byteLength }), bytes, file.mimeType);
  }
}
