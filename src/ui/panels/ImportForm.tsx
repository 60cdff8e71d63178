/** Placeholder replaced once the importer API lands. */
export function ImportForm(_props: { busy: boolean }) {
  return null;
}
