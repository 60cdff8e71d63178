// Lets the thread handle its queued tasks (a worker's incoming messages: pause, stop, change settings)
// between two training steps. A MessageChannel message is a task that runs as soon as the queue before it
// is done; setTimeout(0) is clamped to at least 4 ms once nested (browsers' timer clamp), a real cost at
// GPU step rates of a few milliseconds. Falls back to setTimeout where there is no MessageChannel.

type Resolve = () => void;

let channel: MessageChannel | null = null;
const waiting: Resolve[] = [];

function port(): MessageChannel | null {
  if (channel || typeof MessageChannel === 'undefined') return channel;
  channel = new MessageChannel();
  channel.port1.onmessage = () => waiting.shift()?.();
  // Node (tests, scripts): an open port would keep the process alive after the last yield.
  (channel.port1 as { unref?: () => void }).unref?.();
  return channel;
}

/** Resolves after the tasks queued before the call have run (without a timer's clamp). */
export function yieldToEvents(): Promise<void> {
  return new Promise<void>((resolve) => {
    const c = port();
    if (!c) {
      setTimeout(resolve, 0);
      return;
    }
    waiting.push(resolve);
    c.port2.postMessage(null);
  });
}
