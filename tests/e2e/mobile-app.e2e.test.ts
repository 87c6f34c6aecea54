import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { MobileClient } from '../../bff-mobile/client/client';
import { seedAll } from '../../tooling/seed';
import { eventually } from '../support/eventually';
import { jpeg } from '../support/images';
import { startStack, type Stack } from '../support/stack';

/**
 * The mobile app (mobile/), built for the web with react-native-web (`npm run build` in mobile/,
 * which .ci/run does), served from an origin of its own and driven in Debian's Chromium as a
 * phone: 390×844, touch, device scale factor 3. bff-mobile runs in production mode, so the
 * app's requests pass only because they are the manifest's persisted operations.
 */
const DIST = path.join(__dirname, '..', '..', 'mobile', 'dist');
const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-output', 'screenshots');
/** The shortest access token users allows: the app must refresh it within the scenario. */
const ACCESS_TTL_SECONDS = 30;
const PASSWORD = 'correct horse battery';

let stack: Stack;
let server: Server;
let appOrigin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let scratch: string;
let photo: string;
let counter = 0;

/** The built app's files, and index.html for any other path (the app has no routes of its own). */
function serveApp(): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.ico': 'image/x-icon', '.png': 'image/png', '.ttf': 'font/ttf' };
  const app = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://app').pathname);
    const file = path.join(DIST, path.normalize(pathname).replace(/^([/\\]\.\.)+/, ''));
    const found = file.startsWith(DIST) && existsSync(file) && !file.endsWith(path.sep) && path.extname(file) ? file : path.join(DIST, 'index.html');
    res.writeHead(200, { 'content-type': types[path.extname(found)] ?? 'application/octet-stream' });
    res.end(readFileSync(found));
  });
  return new Promise((resolve) => app.listen(0, '127.0.0.1', () => resolve(app)));
}

beforeAll(async () => {
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('mobile/dist is missing: run `npm ci && npm run build` in mobile/ (.ci/run does)');
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await serveApp();
  const address = server.address();
  appOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  scratch = mkdtempSync(path.join(os.tmpdir(), 'fg-mobile-'));
  stack = await startStack({
    bffEnv: { NODE_ENV: 'production', WEB_PUBLIC_ORIGIN: 'http://app.test', MOBILE_WEB_ORIGINS: appOrigin, ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SECONDS) },
    subgraphEnv: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SECONDS) },
  });
  // Seeded images with real files in the stack's media store: the feed has thumbnails to show,
  // and more posts than one page.
  process.env.MEDIA_DIR = stack.mediaDir;
  await seedAll(stack.databases.urls, { users: 2, postsPerUser: 7, mediaPerPost: 1 }, { files: true });
  photo = path.join(scratch, 'harbour.jpg');
  writeFileSync(photo, await jpeg(2400, 1600));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  // A fresh phone per scenario: no session, no cached feed.
  context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
  // Nothing leaves loopback: any request elsewhere fails the scenario that made it.
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

const open = () => page.goto(`${appOrigin}/?bff=${encodeURIComponent(stack.mobile)}`);
const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `mobile-${name}.png`) });
/** True once every image under `selector` has loaded and decoded. */
const imagesLoaded = (selector: string) =>
  page.locator(selector).evaluateAll((images) => images.length > 0 && images.every((img: any) => img.complete && img.naturalWidth > 0));

async function signUpInApp(handle: string) {
  await byTestId('sign-in').tap();
  await byTestId('to-sign-up').tap();
  await byTestId('email').fill(`${handle}@example.com`);
  await byTestId('password').fill(PASSWORD);
  await byTestId('handle').fill(handle);
  await byTestId('display-name').fill(`Mo ${handle}`);
  await byTestId('submit').tap();
  await byTestId('me').waitFor();
}

/** The session the app keeps in the web build's secure storage (sessionStorage), as stored. */
const storedSession = () => page.evaluate(() => (globalThis as any).sessionStorage.getItem('session.v1') as string | null);

/** The GraphQL operations the app sent, by name, with when they were sent and what came back. */
function recordOperations() {
  const sent: { name: string; at: number; codes: string[] }[] = [];
  page.on('response', async (response) => {
    if (!response.url().endsWith('/graphql') || response.request().method() !== 'POST') return;
    const name = JSON.parse(response.request().postData() ?? '{}').operationName as string;
    const body = (await response.json().catch(() => ({}))) as { errors?: { extensions?: { code?: string } }[] };
    sent.push({ name, at: Date.now(), codes: (body.errors ?? []).map((e) => e.extensions?.code ?? '') });
  });
  return sent;
}

it('signs up, writes a post with a photo uploaded with a progress bar, and finds it in the feed with its thumbnail', async () => {
  const handle = `mobile_${process.pid}_${++counter}`;
  await open();
  await byTestId('feed-card').first().waitFor();
  await signUpInApp(handle);

  await byTestId('compose').tap();
  await byTestId('title').fill('Harbour from the phone');
  await byTestId('body').fill('The boats came in at dusk.');
  const chooser = page.waitForEvent('filechooser');
  await byTestId('choose-photo').tap();
  await (await chooser).setFiles(photo);
  await byTestId('photo-preview').waitFor();
  await byTestId('publish').tap();
  // The bar stays up until media has made the renditions and answered the PUT.
  const progress = byTestId('upload-progress');
  await progress.waitFor();
  expect(await progress.textContent()).toMatch(/Uploading photo… \d+%/);
  await shot('compose-uploading');

  // Back on the feed: the new post first, with the uploaded photo's thumbnail from bff-mobile.
  const card = byTestId('feed-card').filter({ hasText: 'Harbour from the phone' });
  await card.waitFor();
  expect(await byTestId('feed-card').first().textContent()).toContain('Harbour from the phone');
  await eventually(async () => expect(await imagesLoaded(`[data-testid="feed-card"]:has-text("Harbour from the phone") [data-testid="thumb"] img`)).toBe(true), 15_000);
  expect(await card.locator('[data-testid="thumb"] img').getAttribute('src')).toMatch(new RegExp(`^${stack.mobile}/media/[0-9a-f-]{36}/thumb$`));
  await shot('feed-with-photo');

  // The post screen shows the photo itself.
  await card.tap();
  await byTestId('post').getByText('The boats came in at dusk.').waitFor();
  await eventually(async () => expect(await imagesLoaded('[data-testid="photo"] img')).toBe(true), 15_000);
  await shot('post');
});

it('refreshes an access token before it expires without the user noticing, and signs out when the refresh token is refused', async () => {
  const handle = `mobile_${process.pid}_${++counter}`;
  await new MobileClient({ baseUrl: stack.mobile }).signUp({ email: `${handle}@example.com`, password: PASSWORD, handle, displayName: `Mo ${handle}` });
  const sent = recordOperations();
  let expiresAt = 0;
  page.on('response', async (response) => {
    if (response.request().postData()?.includes('"operationName":"SignIn"')) expiresAt = Date.parse((await response.json()).data.signIn.expiresAt);
  });
  await open();
  await byTestId('sign-in').tap();
  await byTestId('email').fill(`${handle}@example.com`);
  await byTestId('password').fill(PASSWORD);
  await byTestId('submit').tap();
  await byTestId('me').waitFor();
  expect(expiresAt).toBeGreaterThan(Date.now());
  // The refresh token is in the web build's secure storage (sessionStorage); nothing holds the access token but memory.
  const stored = await page.evaluate(() => {
    const window = globalThis as any; // a browser's globals, in the page
    return JSON.stringify({ ...window.sessionStorage }) + JSON.stringify({ ...window.localStorage });
  });
  expect(stored).toMatch(/refreshToken/);
  expect(stored).not.toMatch(/accessToken|eyJ/);

  // The app refreshes on its own, before the signed-in token expires...
  await eventually(async () => expect(sent.some((op) => op.name === 'RefreshSession')).toBe(true), (ACCESS_TTL_SECONDS + 10) * 1000, 500);
  expect(sent.find((op) => op.name === 'RefreshSession')!.at).toBeLessThan(expiresAt);
  // ...so once it has expired, writing a post just works: no refusal, no sign-in screen.
  await eventually(async () => expect(Date.now()).toBeGreaterThan(expiresAt + 1000), (ACCESS_TTL_SECONDS + 10) * 1000, 500);
  await byTestId('compose').tap();
  await byTestId('title').fill('Written after the first token expired');
  await byTestId('body').fill('Still signed in.');
  await byTestId('publish').tap();
  await byTestId('feed-card').filter({ hasText: 'Written after the first token expired' }).waitFor();
  expect(sent.flatMap((op) => op.codes)).not.toContain('UNAUTHENTICATED');
  expect(await byTestId('session-ended').count()).toBe(0);
  await shot('after-refresh');

  // The session revoked elsewhere: on its next start the app's refresh is refused, and it signs out cleanly.
  const refreshToken = JSON.parse((await storedSession())!).refreshToken as string;
  const elsewhere = new MobileClient({ baseUrl: stack.mobile });
  await elsewhere.refresh(refreshToken);
  await elsewhere.signOut();
  await page.reload();
  await byTestId('session-ended').waitFor();
  await byTestId('sign-in').waitFor();
  expect(await storedSession()).toBeNull();
  await byTestId('feed-card').first().waitFor();
  await shot('signed-out');
});

it('starts signed out, on the feed, when its secure storage holds no usable session', async () => {
  await open();
  await byTestId('feed-card').first().waitFor();
  // Cut short (a write the tab did not finish) or not the app's: it used to throw, and the app stayed on a spinner.
  for (const stored of ['{"refreshToken":', '{"refreshToken":"x"}']) {
    await page.evaluate((value) => (globalThis as any).sessionStorage.setItem('session.v1', value), stored);
    await page.reload();
    await byTestId('feed-card').first().waitFor();
    expect(await byTestId('sign-in').count()).toBe(1);
  }
});

it('loads more of the feed while scrolling; with bff-mobile stopped shows the cached feed under an offline notice, then recovers', async () => {
  await open();
  await byTestId('feed-card').first().waitFor();
  expect(await byTestId('feed-card').count()).toBe(10);
  const firstPage = await byTestId('card-title').allTextContents();
  // Infinite scroll: reaching the end of the list loads the next page.
  await byTestId('feed-card').last().scrollIntoViewIfNeeded();
  await eventually(async () => expect(await byTestId('feed-card').count()).toBeGreaterThan(10));

  await stack.bffs['bff-mobile'].stop();
  try {
    await page.reload();
    await byTestId('offline-notice').waitFor();
    expect(await byTestId('offline-notice').textContent()).toMatch(/^Offline/);
    expect(await byTestId('card-title').allTextContents()).toEqual(firstPage);
    await shot('offline');
  } finally {
    await stack.startBff('bff-mobile');
  }
  // Back without the user doing anything: the feed retries on its own, waiting longer after each
  // failure (5 s, 10 s, 20 s, each jittered: mobile/src/backoff.ts), so within the third wait.
  await byTestId('offline-notice').waitFor({ state: 'detached', timeout: 45_000 });
  expect(await byTestId('feed-card').count()).toBe(10);
  await shot('back-online');
});

it('shows placeholders in place of thumbnails while media is down', async () => {
  await open();
  await byTestId('feed-card').first().waitFor();
  await eventually(async () => expect(await imagesLoaded('[data-testid="feed-card"] [data-testid="thumb"] img')).toBe(true), 15_000);
  expect(await byTestId('thumb-placeholder').count()).toBe(0);

  await stack.stopSubgraph('media');
  try {
    await page.reload();
    await byTestId('feed-card').first().waitFor();
    await eventually(async () => expect(await byTestId('feed-card').locator('[data-testid="thumb-placeholder"]').count()).toBeGreaterThanOrEqual(10));
    expect(await byTestId('feed-card').locator('[data-testid="thumb"]').count()).toBe(0);
    await shot('media-down');
    await byTestId('feed-card').first().tap();
    await byTestId('media-unavailable').waitFor();
  } finally {
    await stack.startSubgraph('media');
  }
});
