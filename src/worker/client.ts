// Main-thread side of the worker: one typed send() and one subscription for replies.
import type { WorkerReply, WorkerRequest } from './protocol';

export interface WorkerClient {
  send(msg: WorkerRequest): void;
  terminate(): void;
}

export function createWorkerClient(
  onReply: (msg: WorkerReply) => void,
  onCrash: (message: string) => void,
): WorkerClient | null {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./trainWorker.ts', import.meta.url), { type: 'module', name: 'hexa-train' });
  } catch (e) {
    // e.g. a sandboxed (opaque-origin) page may not start workers from the server's origin.
    onCrash(`The training worker could not start: ${(e as Error).message}`);
    return null;
  }
  worker.onmessage = (ev: MessageEvent<WorkerReply>) => onReply(ev.data);
  worker.onerror = (ev) => onCrash(ev.message || 'The training worker crashed.');
  return {
    send: (msg) => worker.postMessage(msg),
    terminate: () => worker.terminate(),
  };
}
