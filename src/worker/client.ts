// Main-thread side of the worker: one typed send() and one subscription for replies.
//
// The worker is started from a blob: URL whose module only imports the real worker script. A worker
// created from a blob: URL inherits the creating document's Content-Security-Policy, including a
// <meta> policy, so the worker is held to the page's policy (no request outside the app's origin) even
// on a static host that sends no CSP header; where the header is sent (npm start, npm run dev) the page,
// and with it the worker, gets it too.
import workerScript from './trainWorker.ts?worker&url';
import type { WorkerReply, WorkerRequest } from '../shared/protocol';
import { receiveReply } from './replyCheck';

export interface WorkerClient {
  send(msg: WorkerRequest): void;
  terminate(): void;
}

/** A blob: module that imports the worker script by its absolute URL (same origin as the page). */
function workerBootstrapUrl(): string {
  const script = new URL(workerScript, location.href).href;
  const source = `import ${JSON.stringify(script)};\n`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

/**
 * Starts the worker. Every reply is parsed against the reply schema first (replyCheck.ts): a valid one
 * goes to `onReply`, a malformed one is dropped and its message goes to `onBadReply`.
 */
export function createWorkerClient(
  onReply: (msg: WorkerReply) => void,
  onCrash: (message: string) => void,
  onBadReply: (message: string) => void,
): WorkerClient | null {
  let worker: Worker;
  let bootstrap: string | null = null;
  try {
    bootstrap = workerBootstrapUrl();
    worker = new Worker(bootstrap, { type: 'module', name: 'hexa-train' });
  } catch (e) {
    // e.g. a sandboxed (opaque-origin) page may not start workers from the server's origin.
    if (bootstrap) URL.revokeObjectURL(bootstrap);
    onCrash(`The training worker could not start: ${(e as Error).message}`);
    return null;
  }
  worker.onmessage = (ev: MessageEvent<unknown>) => {
    if (bootstrap) URL.revokeObjectURL(bootstrap); // the worker runs: its bootstrap is no longer needed
    bootstrap = null;
    receiveReply(ev.data, onReply, onBadReply);
  };
  worker.onerror = (ev) => onCrash(ev.message || 'The training worker crashed.');
  return {
    send: (msg) => worker.postMessage(msg),
    terminate: () => worker.terminate(),
  };
}
