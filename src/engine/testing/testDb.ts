// The real IndexedDB adapters in Node tests: fake-indexeddb (an in-memory IndexedDB that follows the
// spec and passes most of its web-platform tests) installed as the global indexedDB, fresh per call.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openRunStore, type RunStore } from '../data/runStore';
import { openImageStore, type ImageStore } from '../data/imageStore';
import { DB_NAME } from '../data/db';

/** An empty IndexedDB from here on (the stores opened before keep the old one). */
export function freshIndexedDb(): void {
  globalThis.indexedDB = new IDBFactory();
}

/** The real run store over a fresh, empty database. */
export async function openTestRunStore(): Promise<RunStore> {
  freshIndexedDb();
  return openRunStore();
}

/** The real image store over a fresh, empty database. */
export async function openTestImageStore(): Promise<ImageStore> {
  freshIndexedDb();
  return openImageStore();
}

/** Raw IndexedDB: opens the lab's database at `version` (no version: as it is), upgrading with `upgrade`. */
export function rawOpen(version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = version === undefined ? indexedDB.open(DB_NAME) : indexedDB.open(DB_NAME, version);
    req.onupgradeneeded = () => upgrade?.(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Writes values straight into a store of the current database (as damage, or an older app, would). */
export async function putRaw(store: string, values: unknown[]): Promise<void> {
  const db = await rawOpen();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(store, 'readwrite');
    for (const v of values) tx.objectStore(store).put(v);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

/** Every value of a store of the current database, in key order. */
export async function getAllRaw(store: string): Promise<unknown[]> {
  const db = await rawOpen();
  const all = await new Promise<unknown[]>((resolve, reject) => {
    const req = db.transaction(store, 'readonly').objectStore(store).getAll();
    req.onsuccess = () => resolve(req.result as unknown[]);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return all;
}
