// Errors of the IndexedDB image store, sorted into kinds the UI can act on, each with a message a user can read.

export type StorageErrorKind = 'unavailable' | 'quota' | 'not-found' | 'corrupt' | 'other';

export class StorageError extends Error {
  readonly kind: StorageErrorKind;

  constructor(kind: StorageErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.kind = kind;
  }
}

export interface StorageUsage {
  usage: number; // bytes this origin uses
  quota: number; // bytes this origin may use
}

/** navigator.storage.estimate() where the browser (window or worker) offers it, else null. */
export async function estimateStorage(): Promise<StorageUsage | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (typeof storage?.estimate !== 'function') return null;
  try {
    const e = await storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
  } catch {
    return null;
  }
}

/** 1234567 → '1.2 MB' (decimal units, as browsers report quotas). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

function errorName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const name = (e as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Near the quota Chromium raises QuotaExceededError, or aborts the transaction so that requests see
 * AbortError while the transaction's own `error` (passed as `inner`) holds the quota error.
 * Firefox's legacy quota error has code 22 under another name.
 */
function isQuota(e: unknown, inner?: unknown): boolean {
  const name = errorName(e);
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
  if ((e as { code?: unknown } | null)?.code === 22 && e instanceof Error) return true;
  if (name === 'AbortError') {
    const nested = inner ?? (e as { cause?: unknown }).cause;
    return nested !== undefined && nested !== e && isQuota(nested);
  }
  return false;
}

/**
 * Turns whatever an IndexedDB call threw into a StorageError. `what` says what was being done
 * ("saving chunks of 'mnist'"); `inner` is the transaction's error when the request error is a bare AbortError.
 */
export async function toStorageError(e: unknown, what: string, inner?: unknown): Promise<StorageError> {
  if (e instanceof StorageError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  if (isQuota(e, inner)) {
    const est = await estimateStorage();
    const usage = est ? ` (${formatBytes(est.usage)} used of ${formatBytes(est.quota)})` : '';
    return new StorageError(
      'quota',
      `The browser's storage quota is full${usage}: delete a dataset or free space; nothing already stored was changed.`,
      { cause: e },
    );
  }
  const name = errorName(e);
  if (name === 'SecurityError' || name === 'InvalidStateError') {
    return new StorageError(
      'unavailable',
      `Browser storage (IndexedDB) is not available while ${what}: it may be disabled, in a private window, or closed by the browser (${detail}). Reload the page to try again.`,
      { cause: e },
    );
  }
  if (name === 'VersionError') {
    return new StorageError(
      'unavailable',
      `The stored datasets were written by a newer version of HEXA Lab; reload to get the newest version (${detail}).`,
      { cause: e },
    );
  }
  return new StorageError('other', `Browser storage failed while ${what}: ${detail}`, { cause: e });
}
