import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { webDist } from '../../bff-web/config';
import { eventually } from '../support/eventually';
import { jpeg } from '../support/images';
import { startStack, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/**
 * The web app, built and served by bff-web, driven in Debian's Chromium (headless, fresh
 * profile) the way a person uses it. Each scenario leaves a screenshot in
 * test-output/screenshots for a person to look at.
 */
const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-output', 'screenshots');
let stack: Stack;
let browser: BrowserContext;
let profile: string;
let page: Page;
let photo: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startStack({ subgraphEnv: { EVENTS_POLL_MS: '200' } });
  profile = mkdtempSync(path.join(os.tmpdir(), 'fg-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 900 },
  });
  // Nothing leaves loopback: any request elsewhere fails the scenario that made it.
  await browser.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  photo = path.join(profile, 'harbour.jpg');
  writeFileSync(photo, await jpeg(1600, 1000));
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});
beforeEach(async () => {
  await browser.clearCookies(); // each scenario starts signed out
  page = await browser.newPage();
});
afterEach(async () => {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${expect.getState().currentTestName!.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`), fullPage: true });
  await page.close();
});

const url = (pathname: string) => `${stack.web}${pathname}`;
/** True once the image has loaded and decoded, at `width` pixels wide when given. */
const loaded = (page: Page, selector: string) => page.locator(selector).first().evaluate((img: any) => img.complete && img.naturalWidth);

it('signs up, signs in, writes a post with an image, finds it in the feed, opens it, edits it and signs out', async () => {
  const handle = `writer_${process.pid}`;
  await page.goto(url('/'));
  await page.getByRole('link', { name: 'Sign up', exact: true }).click();
  await page.getByLabel('Name').fill('Wendy Writer');
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Email').fill(`${handle}@example.com`);
  await page.getByLabel(/^Password/).fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('link', { name: 'Wendy Writer' }).first().waitFor();
  // The session is a cookie the page cannot read, and nothing is kept in storage.
  expect(
    await page.evaluate(() => {
      const window = globalThis as any; // a browser's globals, in the page
      return [window.document.cookie, window.localStorage.length, window.sessionStorage.length];
    }),
  ).toEqual(['', 0, 0]);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Email').fill(`${handle}@example.com`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Write', exact: true }).click();

  await page.getByLabel('Title').fill('Harbour at dusk');
  await page.getByLabel('Text (Markdown)').fill('The **boats** came in.\n\n- one\n- two');
  await eventually(async () => expect(await page.locator('.preview strong').first().textContent()).toMatch('boats'));
  await page.getByLabel('Published').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/posts\/[0-9a-f-]{36}\/edit$/);
  const postId = /\/posts\/([0-9a-f-]{36})\/edit$/.exec(page.url())![1];

  await page.getByLabel('Description of the next image (alt text)').fill('Boats in a harbour at dusk');
  await page.getByLabel('Add an image').setInputFiles(photo);
  await eventually(async () => expect(await page.getByRole('status').first().textContent()).toMatch(/Added harbour\.jpg/));
  await eventually(async () => expect(await page.locator('.thumbs img').first().getAttribute('alt')).toBe('Boats in a harbour at dusk'));

  // The feed shows it with its thumbnail (served by bff-web, decoded by the browser).
  await page.getByRole('link', { name: 'Feed', exact: true }).click();
  const card = page.locator('.card', { hasText: 'Harbour at dusk' });
  await card.waitFor();
  expect(await card.locator('img').getAttribute('src')).toMatch(/^\/media\/[0-9a-f-]{36}\/thumb$/);
  await eventually(async () => expect(await loaded(page, '.card img')).toBeTruthy());
  await page.screenshot({ path: path.join(SCREENSHOTS, 'feed-with-new-post.png') });

  // The post page: rendered HTML, the image in LARGE with a srcset, its alt text from the record.
  await card.getByRole('link').click();
  await eventually(async () => expect(await page.getByRole('heading', { level: 1 }).first().textContent()).toMatch('Harbour at dusk'));
  expect(await page.locator('.body').innerHTML()).toContain('<strong>boats</strong>');
  const image = page.getByRole('img', { name: 'Boats in a harbour at dusk' });
  expect(await image.getAttribute('src')).toMatch(/\/large$/);
  expect(await image.getAttribute('srcset')).toMatch(/\/small 480w, .*\/large 1280w, .*\/original 1600w$/);
  await eventually(async () => expect(await loaded(page, 'figure img')).toBeTruthy());

  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByLabel('Title').fill('Harbour at nightfall');
  await page.getByRole('button', { name: 'Save' }).click();
  await eventually(async () => expect(await page.getByRole('status').first().textContent()).toMatch('Saved.'));
  await page.goto(url(`/posts/${postId}`));
  await eventually(async () => expect(await page.getByRole('heading', { level: 1 }).first().textContent()).toMatch('Harbour at nightfall'));

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in', exact: true }).first().waitFor();
  expect(await page.getByRole('link', { name: 'Write', exact: true }).count()).toBe(0);
});

it('shows the feed with placeholders and a notice while media is down, and recovers', async () => {
  await stack.stopSubgraph('media');
  try {
    await page.goto(url('/'));
    await page.getByRole('status').filter({ hasText: 'Images are unavailable' }).first().waitFor();
    await page.locator('.card', { hasText: 'Harbour at nightfall' }).waitFor();
    expect(await page.locator('.card .placeholder[aria-label="Image unavailable"]').count()).toBeGreaterThan(0);
    expect(await page.locator('body').innerText()).not.toMatch(/SUBGRAPH_|errors|\{"/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'feed-media-down.png') });
  } finally {
    await stack.startSubgraph('media');
  }
  // Back: once the breaker lets a call through, the thumbnails return.
  await eventually(async () => {
    await page.reload();
    await page.locator('.card').first().waitFor();
    expect(await page.locator('.card img').count()).toBeGreaterThan(0);
  });
});

it('lets an author set a picture, remove an image and delete a post', async () => {
  const handle = `writer_${process.pid}`;
  await page.goto(url('/signin'));
  await page.getByLabel('Email').fill(`${handle}@example.com`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Wendy Writer', exact: true }).click();
  await page.getByLabel('Change your picture').setInputFiles(photo);
  const avatar = page.getByRole('img', { name: 'Picture of Wendy Writer' });
  await avatar.waitFor();
  expect(await avatar.getAttribute('src')).toMatch(/\/thumb$/);
  // The photo is 16:10, its thumbnail too: shown in a square box, it is cropped, not stretched.
  await eventually(async () => expect(await loaded(page, '.profile img')).toBeTruthy());
  expect(
    await avatar.evaluate((img: any) => ({ wide: img.naturalWidth > img.naturalHeight * 1.2, box: [img.width, img.height], fit: (globalThis as any).getComputedStyle(img).objectFit })),
  ).toEqual({ wide: true, box: [96, 96], fit: 'cover' });

  await page.getByRole('link', { name: 'Harbour at nightfall' }).click();
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByRole('button', { name: 'Remove image “Boats in a harbour at dusk”' }).click();
  await eventually(async () => expect(await page.locator('.thumbs img').count()).toBe(0));

  await page.getByRole('link', { name: 'View post' }).click();
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForURL(url('/'));
  await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
  await eventually(async () => expect(await page.locator('.card', { hasText: 'Harbour at nightfall' }).count()).toBe(0));
});

it('keeps a signed-out visitor out of the editor and the admin page, and explains why', async () => {
  await page.goto(url('/write'));
  await page.waitForURL(/\/signin$/);
  await page.getByText('Sign in to continue.').first().waitFor();
  await page.goto(url('/admin'));
  await page.waitForURL(/\/signin$/);
});

it('can be used with the keyboard alone', async () => {
  await page.goto(url('/signin'));
  await page.getByLabel('Email').waitFor(); // the app has rendered
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Skip to content');
  // Every form control has a label a screen reader can announce.
  const unlabelled = await page.locator('input, textarea, select').evaluateAll((controls) =>
    controls.filter((c: any) => !c.labels?.length && !c.getAttribute('aria-label')).map((c: any) => c.outerHTML),
  );
  expect(unlabelled).toEqual([]);
  await page.getByLabel('Email').focus();
  await page.keyboard.type('nobody@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('wrong password!');
  await page.keyboard.press('Enter');
  await eventually(async () => expect(await page.getByRole('alert').first().textContent()).toMatch(/email or password/i));
});

it('serves the app: pages revalidated under a strict CSP, hashed assets cached for a year, nothing outside it', async () => {
  const home = await fetch(url('/posts/anything'), { headers: { accept: 'text/html' } });
  expect(home.status).toBe(200);
  expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(home.headers.get('cache-control')).toBe('no-cache');
  expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(await home.text())![1];
  const asset = await fetch(url(script));
  expect({ status: asset.status, type: asset.headers.get('content-type'), cache: asset.headers.get('cache-control') }).toEqual({
    status: 200,
    type: 'text/javascript; charset=utf-8',
    cache: 'public, max-age=31536000, immutable',
  });
  for (const escape of ['/assets/../../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json']) {
    const response = await fetch(url(escape));
    expect(await response.text()).not.toContain('"allowScripts"');
  }
  expect((await fetch(url('/assets/missing.js'))).status).toBe(404);
});

/** Makes `id` an admin (or any role) as an admin would, through the users service. */
const setRole = (id: string, role: string) =>
  stack.subgraph('users', `mutation($id: ID!, $role: Role!) { updateUser(id: $id, input: { role: $role }) { role } }`, { id, role }, { id: randomUUID(), role: 'ADMIN' });
const roleOf = async (id: string) => (await stack.subgraph('users', `query($id: ID!) { user(id: $id) { role } }`, { id }, { id: randomUUID(), role: 'ADMIN' })).body.data.user.role;

async function signInAs(handle: string) {
  await page.goto(url('/signin'));
  await page.getByLabel('Email').fill(`${handle}@example.com`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

it('lets a reader who owns a post delete it but not edit it, the rule the API holds', async () => {
  const { session, user } = await signUp(stack.web, `demoted_${process.pid}`);
  const created = await session.gql(`mutation { createPost(input: { title: "Written before the demotion", body: "x", status: PUBLISHED }) { id } }`);
  const postId = created.body.data.createPost.id;
  await setRole(user.id, 'READER');

  // The API, with a session begun after the demotion: changing is refused, as is writing.
  const reader = new WebSession(stack.web);
  await reader.gql(`mutation { signIn(email: "${user.handle}@example.com", password: "correct horse battery") { user { role } } }`);
  const change = await reader.gql(`mutation($id: ID!) { updatePost(id: $id, input: { title: "rewritten" }) { title } }`, { id: postId });
  expect(change.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

  // The app shows the same rule: Delete, and no Edit that the editor would then refuse.
  await signInAs(user.handle);
  await page.goto(url(`/posts/${postId}`));
  await page.getByRole('heading', { name: 'Written before the demotion' }).waitFor();
  expect(await page.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(1);
  expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForURL(url('/'));
  const gone = await reader.gql(`query($id: ID!) { post(id: $id) { id } }`, { id: postId });
  expect(gone.body.data.post).toBeNull();
});

it('changes a role on the admin page only when it is saved, and asks before an admin changes their own', async () => {
  const admin = await signUp(stack.web, `admin_${process.pid}`);
  await setRole(admin.user.id, 'ADMIN');
  const other = await signUp(stack.web, `member_${process.pid}`);
  await signInAs(admin.user.handle);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  const menu = page.getByLabel(`Role of ${other.user.handle.toUpperCase()}`, { exact: true });
  await menu.focus();
  await page.keyboard.press('ArrowDown'); // author → admin, as a keyboard user passes through the options
  expect(await menu.inputValue()).toBe('ADMIN');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp'); // → reader
  expect(await roleOf(other.user.id)).toBe('AUTHOR');
  await page.getByRole('button', { name: `Save the role of ${other.user.handle.toUpperCase()}` }).click();
  await page.getByRole('status').filter({ hasText: 'is now reader' }).waitFor();
  expect(await roleOf(other.user.id)).toBe('READER');

  // One's own role: the change waits for a confirmation, and declining it changes nothing.
  const own = page.getByLabel(`Role of ${admin.user.handle.toUpperCase()}`, { exact: true });
  await own.selectOption('READER');
  const asked = new Promise<string>((resolve) => page.once('dialog', (dialog) => void dialog.dismiss().then(() => resolve(dialog.message()))));
  await page.getByRole('button', { name: `Save the role of ${admin.user.handle.toUpperCase()}` }).click();
  expect(await asked).toMatch(/your own role/);
  expect(await roleOf(admin.user.id)).toBe('ADMIN');
});

it('names each page, moves focus to its heading, shows times, and answers an unknown path with 404', async () => {
  await page.goto(url('/'));
  await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
  expect(await page.title()).toBe('Latest posts · Federated Notes');
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await eventually(async () => expect(await page.title()).toBe('Sign in · Federated Notes'));
  // Keyboard and screen reader users land on the new page's heading, not on the link they used.
  expect(await page.evaluate(() => (globalThis as any).document.activeElement?.outerHTML)).toMatch(/^<h1 id="signin-title"/);

  const { session } = await signUp(stack.web, `timer_${process.pid}`);
  const { id } = (await session.gql(`mutation { createPost(input: { title: "On the hour", body: "x", status: PUBLISHED }) { id } }`)).body.data.createPost;
  await page.goto(url(`/posts/${id}`));
  await page.getByRole('heading', { name: 'On the hour' }).waitFor();
  expect(await page.title()).toBe('On the hour · Federated Notes');
  expect(await page.locator('.post .meta').textContent()).toMatch(/\d{1,2}:\d{2}/);

  for (const nowhere of ['/nowhere', '/posts/1/edit/more', '/u/', '/admin/x']) {
    const response = await fetch(url(nowhere));
    expect({ nowhere, status: response.status, type: response.headers.get('content-type') }).toEqual({ nowhere, status: 404, type: 'text/html; charset=utf-8' });
  }
  expect((await fetch(url('/u/ada/'))).status).toBe(200);
  await page.goto(url('/nowhere'));
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  expect(await page.title()).toBe('Page not found · Federated Notes');

  const icon = await fetch(url('/favicon.ico'));
  expect({ status: icon.status, type: icon.headers.get('content-type') }).toEqual({ status: 200, type: 'image/x-icon' });
});

/** A GET or POST whose Accept-Encoding is exactly `acceptEncoding`, with the body as it came (fetch would decode it). */
function raw(target: string, acceptEncoding: string | null, body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const headers: Record<string, string> = { ...(acceptEncoding && { 'accept-encoding': acceptEncoding }), ...(body && { 'content-type': 'application/json' }) };
    const request = http.request(target, { method: body ? 'POST' : 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}
const decoded = (response: { headers: http.IncomingHttpHeaders; body: Buffer }) =>
  response.headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(response.body) : response.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(response.body) : response.body;

it('ships a production build: no development React or React Router, no source maps, the editor a chunk of its own', async () => {
  const assets = path.join(webDist(), 'assets');
  const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
  const code = scripts.map((name) => readFileSync(path.join(assets, name), 'utf8')).join('\n');
  // Warnings only the development builds keep: React Router's (its exports name only that build) and react-dom's.
  expect({
    reactRouterDevelopment: code.includes('You rendered descendant <Routes>'),
    reactDevelopment: code.includes('Each child in a list should have a unique'),
    sourceMapComment: code.includes('sourceMappingURL'),
    sourceMaps: readdirSync(assets).filter((name) => name.endsWith('.map')),
  }).toEqual({ reactRouterDevelopment: false, reactDevelopment: false, sourceMapComment: false, sourceMaps: [] });

  const entry = /src="\/assets\/([^"]+\.js)"/.exec(await (await fetch(url('/'))).text())![1];
  expect((await fetch(url(`/assets/${entry}.map`))).status).toBe(404);
  const editor = scripts.filter((name) => readFileSync(path.join(assets, name), 'utf8').includes('Text (Markdown)'));
  expect(editor).toHaveLength(1);
  expect(editor[0]).not.toBe(entry);
});

it('sends the assets compressed as the browser prefers, and compresses large GraphQL answers on both BFFs', async () => {
  const entry = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(url('/'))).text())![1];
  const plain = await raw(url(entry), null);
  expect(plain.headers['content-encoding']).toBeUndefined();
  const browser = await raw(url(entry), 'gzip, deflate, br, zstd'); // Chromium's header: equal weights
  expect({ encoding: browser.headers['content-encoding'], vary: browser.headers.vary }).toEqual({ encoding: 'br', vary: 'Accept-Encoding' });
  expect(Number(browser.headers['content-length'])).toBeLessThan(plain.body.length / 3);
  expect(decoded(browser).equals(plain.body)).toBe(true);
  const gzipOnly = await raw(url(entry), 'gzip');
  expect(gzipOnly.headers['content-encoding']).toBe('gzip');
  expect(decoded(gzipOnly).equals(plain.body)).toBe(true);
  expect((await raw(url(entry), 'br;q=0, gzip;q=0')).headers['content-encoding']).toBeUndefined();

  const large = JSON.stringify({ query: '{ __schema { types { name fields { name } } } }' });
  const small = JSON.stringify({ query: '{ __typename }' });
  for (const origin of [stack.web, stack.mobile]) {
    const compressed = await raw(`${origin}/graphql`, 'gzip, deflate, br', large);
    expect({ status: compressed.status, encoding: compressed.headers['content-encoding'], vary: String(compressed.headers.vary) }).toEqual({ status: 200, encoding: 'br', vary: expect.stringMatching(/Accept-Encoding/) });
    const answer = JSON.parse(decoded(compressed).toString('utf8'));
    expect(answer.data.__schema.types.length).toBeGreaterThan(10);
    expect(compressed.body.length).toBeLessThan(decoded(compressed).length / 3);
    expect((await raw(`${origin}/graphql`, 'gzip', large)).headers['content-encoding']).toBe('gzip');
    expect((await raw(`${origin}/graphql`, null, large)).headers['content-encoding']).toBeUndefined();
    const tiny = await raw(`${origin}/graphql`, 'gzip, deflate, br', small);
    expect({ encoding: tiny.headers['content-encoding'], body: JSON.parse(tiny.body.toString('utf8')) }).toEqual({ encoding: undefined, body: { data: { __typename: 'Query' } } });
  }
});

it('serves GraphiQL on both BFFs from its own files, and runs a query with nothing but loopback reachable', async () => {
  for (const origin of [stack.web, stack.mobile]) {
    const elsewhere: string[] = [];
    await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
      elsewhere.push(route.request().url());
      return route.abort();
    });
    await page.goto(`${origin}/graphiql`);
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.waitFor();
    await editor.evaluate((element: any) => element.CodeMirror.setValue('{ __typename }'));
    await page.getByRole('button', { name: /Execute query/ }).click();
    const result = page.locator('.graphiql-response .CodeMirror');
    await eventually(async () => expect(await result.evaluate((element: any) => element.CodeMirror.getValue())).toMatch(/"__typename": "Query"/));
    expect(elsewhere).toEqual([]);
    await page.unroute(/^(?!http:\/\/127\.0\.0\.1:)/);
  }
  expect((await fetch(`${stack.web}/graphiql/assets/missing.js`)).status).toBe(404);
});
