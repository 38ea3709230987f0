// Browser tests of the web console: Debian's chromium (headless, a fresh profile each) driven by
// npm's playwright-core, against a running platform. Started by console_browser_test.cpp, which
// starts the platform and a webhook receiver and passes them in the environment:
//   ETP_GATEWAY_URL, ETP_ADMIN_KEY, ETP_RECEIVER_URL, ETP_ARTIFACTS_DIR (screenshots go there)
// and ETP_CHROMIUM (default /usr/bin/chromium). Every scenario fails on a console error, an
// uncaught page error, a failed request, a request to another origin, or an HTTP error answer
// that the scenario did not announce (watch.expect). Exits non-zero on the first failure.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through console_browser_test)`);
  return value;
}
const gateway = required('ETP_GATEWAY_URL').replace(/\/$/, '');
const adminKey = required('ETP_ADMIN_KEY');
const receiverUrl = required('ETP_RECEIVER_URL');
const artifacts = required('ETP_ARTIFACTS_DIR');
const executablePath = process.env.ETP_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) {
  throw new Error(`${executablePath} does not exist: install Debian's chromium (scripts/install-deps)`);
}
fs.mkdirSync(artifacts, { recursive: true });
// Only this run's screenshots.
for (const f of fs.readdirSync(artifacts)) if (f.endsWith('.png')) fs.rmSync(path.join(artifacts, f));
const origin = new URL(gateway).origin;

// The flags of STACK-NOTES.md ("Browser tests"); playwright adds --headless.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// Everything a page does that a user would call broken.
class Watch {
  constructor(page) {
    this.problems = [];
    this.allowed = [];  // {status, url: RegExp, times}
    this.loads = 0;
    page.on('load', () => { this.loads += 1; });
    page.on('pageerror', (e) => this.problems.push(`uncaught error: ${e.message}`));
    page.on('requestfailed', (r) => {
      this.problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
    });
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith('data:') && new URL(url).origin !== origin) {
        this.problems.push(`request left the page's origin: ${url}`);
      }
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !this.consume(r.status(), r.url())) {
        this.problems.push(`unexpected HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
      }
    });
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium reports every HTTP error answer as "Failed to load resource"; the announced
      // ones are checked by status above.
      const status = /status of (\d{3})/.exec(m.text());
      if (status && this.allows(Number(status[1]), m.location().url)) return;
      this.problems.push(`console error: ${m.text()} (${m.location().url})`);
    });
  }
  // The next `times` HTTP answers with this status to a URL matching `url` are expected.
  expect(status, url, times = 1) { this.allowed.push({ status, url, times, seen: 0 }); }
  allows(status, url) { return this.allowed.some((a) => a.status === status && a.url.test(url)); }
  consume(status, url) {
    const a = this.allowed.find((x) => x.status === status && x.url.test(url) && x.seen < x.times);
    if (!a) return false;
    a.seen += 1;
    return true;
  }
  check() {
    assert.deepEqual(this.problems, [], 'the page misbehaved');
    for (const a of this.allowed) {
      assert.ok(a.seen > 0, `expected an HTTP ${a.status} from ${a.url}, none came`);
    }
  }
}

const results = [];
async function scenario(name, options, body) {
  const started = Date.now();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'etp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args: FLAGS, timeout: 60_000,
    viewport: options.viewport || { width: 1280, height: 900 },
    colorScheme: options.colorScheme || 'light',
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20_000);
  const watch = new Watch(page);
  try {
    await body(page, watch);
    watch.check();
    results.push(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    await page.screenshot({ path: path.join(artifacts, `${name}-failure.png`), fullPage: true }).catch(() => {});
    if (watch.problems.length) console.error(`${name}: the page also reported:\n  ${watch.problems.join('\n  ')}`);
    throw new Error(`${name}: ${e.stack || e.message}`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function rest(method, route, body) {
  const res = await fetch(gateway + '/api/v1' + route, {
    method,
    headers: { 'X-API-Key': adminKey, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${route}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function signIn(page, key) {
  await page.goto(gateway + '/');
  assert.equal(new URL(page.url()).pathname, '/console/', '/ redirects to the console');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

// ---- the files themselves ----------------------------------------------------------------------
{
  const index = await fetch(gateway + '/console/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
  for (const file of ['/console/app.js', '/console/vendor/preact.module.js', '/console/vendor/hooks.module.js', '/console/vendor/htm.module.js']) {
    const res = await fetch(gateway + file);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type'), /^text\/javascript/, file);
  }
  assert.equal((await fetch(gateway + '/console/vendor/package.json')).status, 404);
}

const stamp = Date.now().toString(36);
const triggerName = `browser orders ${stamp}`;
const readerName = `browser reader ${stamp}`;
let triggerId;
let eventId;
let readKey;

await scenario('main', {}, async (page, watch) => {
  await signIn(page, adminKey);
  assert.equal(await page.getByTestId('scopes').textContent(), 'admin');
  const loadsAfterSignIn = watch.loads;

  // Create an api trigger with a schema and a webhook: first without a name, which the API
  // refuses at /name, shown at the field.
  await page.getByRole('link', { name: 'New trigger' }).click();
  await page.getByRole('heading', { name: 'New trigger' }).waitFor();
  await page.getByLabel('JSON Schema (draft 7) or the short form').fill(
    '{"type": "object", "required": ["amount"], "properties": {"amount": {"type": "number"}}}');
  await page.getByLabel('Deliver events to a webhook').check();
  await page.getByLabel('URL').fill(receiverUrl);
  watch.expect(400, /\/api\/v1\/triggers$/);
  await page.getByRole('button', { name: 'Create trigger' }).click();
  const name = page.getByLabel('Name', { exact: true });
  await page.locator('#main [aria-invalid="true"]').first().waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true', 'the name field shows the API\'s error');
  const nameError = await page.locator('.field', { has: name }).locator('.error').textContent();
  assert.ok(nameError.length > 0, 'the error text is next to the field');
  await name.fill(triggerName);
  await page.getByRole('button', { name: 'Create trigger' }).click();
  await page.getByRole('heading', { name: triggerName }).waitFor();
  triggerId = new URL(page.url()).hash.split('/')[2];
  assert.match(await page.getByTestId('new-secret').textContent(), /^whsec_/, 'the generated secret is shown once');

  // Fire with a payload that breaks the schema: the 422's violations are listed.
  await page.locator('#payload-fire').fill('{"amount": "twelve"}');
  watch.expect(422, /\/fire$/);
  await page.getByRole('button', { name: 'Fire', exact: true }).click();
  const violations = page.locator('#payload-fire-problem');
  await violations.waitFor();
  assert.match(await violations.textContent(), /422/);
  assert.match(await violations.textContent(), /\/amount/);

  // A good payload: accepted, and the event shows up in the live list without a reload.
  await page.locator('#payload-fire').fill('{"amount": 12.5}');
  await page.getByRole('button', { name: 'Fire', exact: true }).click();
  const accepted = page.getByRole('status').filter({ hasText: 'Accepted: event' });
  await accepted.waitFor();
  eventId = (await accepted.getByRole('link').textContent()).trim();
  await page.locator(`section[aria-labelledby="recent-title"] a[href="#/events/${eventId}"]`).waitFor({ timeout: 30_000 });
  await shot(page, 'main-trigger');

  // The events page is live too: a firing from outside appears on it.
  await page.getByRole('link', { name: 'Events', exact: true }).click();
  await page.locator(`a[href="#/events/${eventId}"]`).waitFor({ timeout: 30_000 });
  const outside = await rest('POST', `/triggers/${triggerId}/fire`, { amount: 1 });
  await page.locator(`a[href="#/events/${outside.event_id}"]`).waitFor({ timeout: 30_000 });
  assert.equal(watch.loads, loadsAfterSignIn, 'events appeared without a reload');

  // The event: its payload, its delivery to the receiver, and a redelivery.
  await page.locator(`a[href="#/events/${eventId}"]`).click();
  await page.getByTestId('payload').filter({ hasText: '12.5' }).waitFor();
  const attempts = page.getByTestId('attempts');
  await attempts.locator('tr', { hasText: '#1' }).filter({ hasText: 'HTTP 200' }).waitFor({ timeout: 30_000 });
  await shot(page, 'main-event');
  await page.getByRole('button', { name: 'Redeliver' }).click();
  await page.getByRole('status').filter({ hasText: 'Delivery #2 queued' }).waitFor();
  await attempts.locator('tr', { hasText: '#2' }).filter({ hasText: 'HTTP 200' }).waitFor({ timeout: 30_000 });
  // The README's picture (docs/console.png is a copy of it).
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, 'console.png') });

  // Counts per trigger.
  await page.getByRole('link', { name: 'Per trigger' }).click();
  await page.getByRole('link', { name: triggerName }).waitFor();

  // A read-only key, made here (shown once).
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name', { exact: true }).fill(readerName);
  await page.getByRole('button', { name: 'Create key' }).click();
  readKey = (await page.getByTestId('new-key').textContent()).trim();
  assert.ok(readKey.length > 10);
  await page.getByRole('cell', { name: readerName, exact: true }).waitFor();
});

await scenario('readonly-375px', { viewport: { width: 375, height: 800 } }, async (page, watch) => {
  await signIn(page, readKey);
  assert.equal(await page.getByTestId('scopes').textContent(), 'read');
  assert.equal(await page.getByRole('link', { name: 'API keys' }).count(), 0);
  await page.getByRole('link', { name: triggerName }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New trigger' }).count(), 0);
  const noWrites = async (where) => {
    for (const label of ['Edit', 'Delete', 'Activate', 'Deactivate', 'Fire', 'Test fire', 'Rotate secret', 'Redeliver', 'Archive', 'New trigger', 'Create trigger']) {
      const n = await page.getByRole('button', { name: label, exact: true }).count() +
        await page.getByRole('link', { name: label, exact: true }).count();
      assert.equal(n, 0, `${where}: a read key sees no "${label}"`);
    }
  };
  await noWrites('trigger list');
  await page.getByRole('link', { name: triggerName }).click();
  await page.getByRole('heading', { name: triggerName }).waitFor();
  await page.getByRole('heading', { name: 'Webhook signing secrets' }).waitFor();
  await page.locator(`section[aria-labelledby="recent-title"] a[href="#/events/${eventId}"]`).waitFor();
  await noWrites('trigger');
  await page.locator(`section[aria-labelledby="recent-title"] a[href="#/events/${eventId}"]`).click();
  await page.getByTestId('attempts').waitFor();
  await noWrites('event');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the page fits 375 px (it is ${width} px wide)`);
  await shot(page, 'readonly-375px');

  // Revoked while signed in: the page's next request (the event page refreshes itself) gets a
  // 401, and the console signs out, saying why. The gateway caches a key for 2 s.
  const keys = await rest('GET', '/api-keys');
  const reader = keys.items.find((k) => k.name === readerName);
  watch.expect(401, /\/api\/v1\//, 100);
  await rest('DELETE', `/api-keys/${reader.id}`);
  await page.getByRole('alert').filter({ hasText: '401' }).waitFor();
  await page.getByLabel('API key').waitFor();
  await shot(page, 'signed-out-375px');
});

await scenario('cron-dark', { colorScheme: 'dark' }, async (page) => {
  await signIn(page, adminKey);
  await page.getByRole('link', { name: 'New trigger' }).click();
  await page.getByLabel('Type', { exact: true }).selectOption('scheduled');
  await page.getByLabel('Cron', { exact: true }).fill('30 2 * * *');
  await page.getByLabel('Time zone', { exact: true }).fill('Europe/Berlin');
  // From a fixed start, so the answer does not depend on today: Berlin moves its clocks from
  // 02:00 to 03:00 on 2031-03-30, so 02:30 does not exist that day and fires at 03:00 CEST.
  await page.getByLabel('Start at (optional)').fill('2031-03-28T00:00:00Z');
  const expected = [
    ['2031-03-28T02:30:00+01:00', '2031-03-28T01:30:00Z'],
    ['2031-03-29T02:30:00+01:00', '2031-03-29T01:30:00Z'],
    ['2031-03-30T03:00:00+02:00', '2031-03-30T01:00:00Z'],
    ['2031-03-31T02:30:00+02:00', '2031-03-31T00:30:00Z'],
    ['2031-04-01T02:30:00+02:00', '2031-04-01T00:30:00Z'],
  ];
  const preview = page.getByTestId('cron-preview');
  await preview.filter({ hasText: expected[0][0] }).waitFor();
  const items = await preview.locator('li').allTextContents();
  assert.equal(items.length, 5);
  expected.forEach(([local, utc], i) => {
    assert.ok(items[i].includes(local) && items[i].includes(utc), `time ${i + 1}: ${items[i]} is not ${local} (${utc})`);
  });
  await shot(page, 'cron-dark');
  await page.getByLabel('Name', { exact: true }).fill(`nightly berlin ${stamp}`);
  await page.getByRole('button', { name: 'Create trigger' }).click();
  await page.getByRole('heading', { name: `nightly berlin ${stamp}` }).waitFor();
  await page.getByText('cron 30 2 * * * (Europe/Berlin').waitFor();

  // Deactivate, activate, edit, and delete behind a confirmation (Escape cancels it).
  await page.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('status').filter({ hasText: 'Deactivated.' }).waitFor();
  await page.getByRole('button', { name: 'Activate', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Activated.' }).waitFor();
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByRole('heading', { name: 'Edit trigger' }).waitFor();
  const cron = page.getByLabel('Cron', { exact: true });
  await cron.waitFor();
  assert.equal(await cron.inputValue(), '30 2 * * *');
  await cron.fill('0 3 * * *');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('cron 0 3 * * * (Europe/Berlin').waitFor();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this trigger?' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.getByRole('button', { name: 'Delete trigger' }).click();
  await page.getByRole('heading', { name: 'Triggers' }).waitFor();
  await page.getByRole('link', { name: triggerName }).waitFor();  // the list has loaded
  assert.equal(await page.getByRole('link', { name: `nightly berlin ${stamp}` }).count(), 0);

  // cdc: the filter editor's test against a sample change.
  await page.getByRole('link', { name: 'Triggers', exact: true }).click();
  await page.getByRole('link', { name: 'New trigger' }).click();
  await page.getByLabel('Type', { exact: true }).selectOption('cdc');
  await page.getByLabel('Filter (EventBridge-style pattern, JSON)').fill('{"after": {"status": ["down"]}}');
  await page.getByRole('button', { name: 'Test filter' }).click();
  await page.getByTestId('filter-result').filter({ hasText: 'Matches' }).waitFor();
  await page.getByLabel('after (JSON row, or empty)').fill('{"status": "up"}');
  await page.getByRole('button', { name: 'Test filter' }).click();
  await page.getByTestId('filter-result').filter({ hasText: 'Does not match the filter' }).waitFor();
});

console.log(results.join('\n'));
console.log(`screenshots in ${artifacts}`);
