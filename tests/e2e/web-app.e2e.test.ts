import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eventually } from '../support/eventually';
import { jpeg } from '../support/images';
import { startStack, type Stack } from '../support/stack';

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
  stack = await startStack({ subgraphEnv: { MEDIA_EVENTS_POLL_MS: '200' } });
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
