// A calm page: training a Tiny HEXA-MoCo run adds no main-thread task over 100 ms, and the page stays
// scrollable and clickable while it trains. Tasks are observed from the moment Start is clicked to the end
// of the run, two ways: PerformanceObserver 'longtask' (wall-clock, as a user feels it) and a Chromium trace
// of the page's main thread, whose tasks also carry their CPU time. On a loaded machine (CI runs several
// browsers on 2 cores) the wall-clock time of a task includes the time its thread waited for a core, so
// the assertion is on each task's CPU time; the wall-clock long tasks are printed beside it.
import { expect, test, type CDPSession } from '@playwright/test';
import { LabPage, ON_WASM, SMALL } from './labPage';

declare global {
  interface Window {
    __longTasks: { start: number; duration: number }[];
  }
}

const LIMIT_MS = 100;

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number; // µs, wall
  tdur?: number; // µs, thread CPU time
  args?: { name?: string };
}

async function readTrace(cdp: CDPSession): Promise<TraceEvent[]> {
  const done = new Promise<string>((resolve) =>
    cdp.once('Tracing.tracingComplete', (e: { stream?: string }) => resolve(e.stream!)),
  );
  await cdp.send('Tracing.end');
  const stream = await done;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream, size: 1 << 20 });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
}

test('training adds no main-thread task over 100 ms, and the page stays clickable', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open(ON_WASM + '&' + SMALL + '&method=hexa-moco&epochs=2');
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('wasm'); // the link's backend
  await expect(lab.testId('start-button')).toBeEnabled({ timeout: 60_000 });
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Tracing.start', {
    categories: 'toplevel,__metadata',
    transferMode: 'ReturnAsStream',
    options: 'record-until-full',
  });
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(3);

  // Clickable and scrollable while it trains: a panel's "What is this?" opens at once, the page scrolls.
  const explain = lab.testId('loss-panel').locator('details.explain summary').first();
  const t0 = Date.now();
  await explain.click();
  await expect(lab.testId('loss-panel').locator('details.explain').first()).toHaveAttribute('open', '');
  expect(Date.now() - t0).toBeLessThan(2000);
  const y0 = await page.evaluate(() => window.scrollY);
  await page.mouse.wheel(0, 600);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(y0);

  await expect(lab.testId('run-phase')).toHaveText('done', { timeout: 220_000 });
  const events = await readTrace(cdp);
  const longTasks = await page.evaluate(() => window.__longTasks);

  // The page's main thread: the renderer thread named CrRendererMain that ran the most tasks.
  const mains = events.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  );
  const tasksOf = (pid: number, tid: number) =>
    events.filter(
      (e) => e.pid === pid && e.tid === tid && e.ph === 'X' && /RunTask$/.test(e.name) && e.dur !== undefined,
    );
  const main = mains.map((m) => tasksOf(m.pid, m.tid)).sort((a, b) => b.length - a.length)[0];
  expect(main, 'the trace holds the main thread').toBeDefined();
  const cpuMs = main!.map((e) => (e.tdur ?? e.dur!) / 1000);
  const wallMs = main!.map((e) => e.dur! / 1000);
  const top = (xs: number[]) =>
    [...xs]
      .sort((a, b) => b - a)
      .slice(0, 8)
      .map(Math.round)
      .join(', ');
  console.log(
    `calm page: ${(await lab.state()).run.steps.length} read-backs; main-thread tasks: ${main!.length}, ` +
      `longest by CPU time ${top(cpuMs)} ms, by wall time ${top(wallMs)} ms; ` +
      `PerformanceObserver long tasks (wall, > 50 ms): ${longTasks.length}, longest ${top(longTasks.map((t) => t.duration))} ms`,
  );
  expect(
    main!.some((e) => e.tdur !== undefined),
    'tasks carry their CPU time',
  ).toBe(true);
  expect(cpuMs.filter((ms) => ms > LIMIT_MS)).toEqual([]);
});
