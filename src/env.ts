// Feature checks gathered in one place (main thread).

/** Null when IndexedDB works here; otherwise a plain reason (private mode, blocked storage, sandbox). */
export async function checkIndexedDb(): Promise<string | null> {
  const reason =
    'IndexedDB is not available in this browser window (private browsing, blocked site data, or a sandboxed page), so datasets cannot be stored. Open the lab in a normal window or allow site data.';
  try {
    if (typeof indexedDB === 'undefined') return reason;
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('hexa-lab-probe');
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
      req.onerror = () => reject(req.error ?? new Error('open failed'));
      req.onblocked = () => resolve();
    });
    return null;
  } catch (e) {
    return `${reason} (${(e as Error).name || 'Error'}: ${(e as Error).message})`;
  }
}
