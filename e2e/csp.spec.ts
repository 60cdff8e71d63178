// The Content-Security-Policy covers the training worker: a fetch from the worker to another origin is
// refused when the page is served by `vite preview` (the CSP header), and on a plain static host that
// sends no header (the built index.html's <meta> policy, inherited by the worker started from a blob:
// URL). The control (no header, no <meta>) shows that the same fetch succeeds without a policy.
import { expect, test, type Page } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

// Another origin that answers any page (CORS open), so only the CSP can refuse the fetch. Playwright
// answers it (the request never reaches a network); `hits` counts the requests that got out.
const OTHER = 'http://exfiltrate.example/';
let hits = 0;

async function setUp(page: Page, host: 'preview' | 'static' | 'no-policy') {
  hits = 0;
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(OTHER)) {
      hits++;
      return route.fulfill({ status: 200, headers: { 'access-control-allow-origin': '*' }, body: 'leaked' });
    }
    if (host === 'preview' || !url.startsWith(origin)) return route.continue();
    // A static host: no CSP header; for the control, no <meta> policy either.
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    let body = await response.body();
    if (host === 'no-policy' && route.request().resourceType() === 'document')
      body = Buffer.from(
        body.toString('utf8').replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''),
      );
    await route.fulfill({ response, headers, body });
  });
}

async function workerFetch(page: Page) {
  const lab = new LabPage(page);
  await lab.open(SMALL);
  await expect(lab.testId('backend-name')).toHaveText('webgpu', { timeout: 60_000 }); // the worker runs
  const result = await page.evaluate((url) => window.__hexa.workerFetch(url), `${OTHER}data`);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  return result;
}

test('vite preview sends the CSP header, and the worker may not fetch from another origin', async ({
  page,
  request,
}) => {
  for (const path of ['./', './favicon.svg'])
    expect((await request.get(path)).headers()['content-security-policy'], path).toContain(
      "connect-src 'self'",
    );
  await setUp(page, 'preview');
  const result = await workerFetch(page);
  expect(result).toMatchObject({ ok: false, message: 'Failed to fetch' });
  expect(hits).toBe(0);
});

test('on a static host without the header, the <meta> policy still binds the worker', async ({ page }) => {
  await setUp(page, 'static');
  const result = await workerFetch(page);
  expect(result).toMatchObject({ ok: false, message: 'Failed to fetch' });
  expect(hits).toBe(0);
});

test('control: without any policy the same fetch from the worker succeeds', async ({ page }) => {
  await setUp(page, 'no-policy');
  const result = await workerFetch(page);
  expect(result).toMatchObject({ ok: true, message: 'HTTP 200' });
  expect(hits).toBe(1);
});
