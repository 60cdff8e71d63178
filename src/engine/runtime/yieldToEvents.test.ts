import { describe, expect, it } from 'vitest';
import { yieldToEvents } from './yieldToEvents';

describe('yieldToEvents', () => {
  it('lets a message queued before it be handled first (a worker sees pause or stop between steps)', async () => {
    const inbox = new MessageChannel();
    const seen: string[] = [];
    inbox.port1.onmessage = (e: MessageEvent<string>) => seen.push(e.data);
    inbox.port2.postMessage('stop');
    // Wait until the message is queued on this side: a message to a port is queued once the event loop turns.
    await new Promise((r) => setTimeout(r, 5));
    inbox.port2.postMessage('pause');
    await yieldToEvents();
    await yieldToEvents();
    expect(seen).toEqual(['stop', 'pause']);
    inbox.port1.close();
  });

  it('resolves every waiter once and in order, without a timer clamp', async () => {
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => yieldToEvents().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    // 400 chained yields: with setTimeout(0) at ≥ 1 ms (Node) or ≥ 4 ms (browsers, nested) each this takes
    // 0.4–1.6 s; message tasks take microseconds each (a loose bound, for a loaded machine).
    const t0 = performance.now();
    for (let i = 0; i < 400; i++) await yieldToEvents();
    expect(performance.now() - t0).toBeLessThan(300);
  });
});
