// What every importer shares: the options, throttled progress, the lists of skipped files and warnings,
// and how a run ends (complete, cancelled, failed), including the partial-import policy.
import type { ImageStore } from '../imageStore';
import { StorageError } from '../../../shared/data/storageError';
import type { DatasetManifest } from '../../../shared/data/types';
import { ImportCancelled } from './cancel';
import { LayoutError } from './layout';
import type { ImportSession } from './session';
import type {
  ImageDecoder,
  ImportLimits,
  ImportOptions,
  ImportProgress,
  ImportReport,
  SkippedFile,
} from '../../../shared/data/importTypes';
import { ZipError } from './zipReader';

const PROGRESS_INTERVAL_MS = 100;

export class ImportContext {
  readonly skipped: SkippedFile[] = [];
  readonly warnings: string[] = [];
  private lastProgress = -Infinity;
  private firstImportSkip = 0; // skipped files before this were turned away while planning
  private state: ImportProgress = {
    phase: 'scanning',
    done: 0,
    total: 0,
    imported: 0,
    skipped: 0,
    current: '',
  };

  constructor(
    readonly store: ImageStore,
    readonly opts: ImportOptions,
    readonly limits: ImportLimits,
    readonly decoder: ImageDecoder,
    private readonly onProgress: (p: ImportProgress) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  skip(file: string, reason: string): void {
    this.skipped.push({ file, reason });
  }

  /** Reports progress at most every 100 ms, and always when `force` (phase changes, the end). */
  progress(update: Partial<ImportProgress>, force = false): void {
    this.state = { ...this.state, ...update, skipped: this.skipped.length };
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    this.onProgress({ ...this.state });
  }

  /** The decode-and-store phase begins: `total` images (files or records) to go. */
  startImporting(total: number): void {
    this.firstImportSkip = this.skipped.length;
    this.progress({ phase: 'importing', done: 0, total, imported: 0, current: '' }, true);
  }

  /** A report of an import that stored nothing. */
  failed(message: string): ImportReport {
    return this.report(null, 'failed', message);
  }

  report(manifest: DatasetManifest | null, outcome: ImportReport['outcome'], message: string): ImportReport {
    const imported = manifest ? manifest.splits.train.count + manifest.splits.test.count : 0;
    return { manifest, imported, skipped: this.skipped, warnings: this.warnings, outcome, message };
  }

  /** Ends a session that ran to the end of its input. */
  async complete(session: ImportSession, what: string): Promise<ImportReport> {
    if (session.count === 0) {
      await session.abort(false, false);
      const first = this.skipped[this.firstImportSkip] ?? this.skipped[0];
      return this.failed(
        first
          ? `None of the images in ${what} could be imported: '${first.file}' ${first.reason}.`
          : `Nothing could be imported from ${what}.`,
      );
    }
    this.progress({ phase: 'saving', current: '' }, true);
    const classNames = session.info.classNames;
    if (classNames) {
      const train = session.classCounts('train');
      const test = session.classCounts('test');
      const empty = classNames.filter((_, c) => train[c]! + test[c]! === 0);
      if (empty.length > 0)
        this.warnings.push(
          `No image of the class${empty.length === 1 ? '' : 'es'} ${empty.map((n) => `'${n}'`).join(', ')} could be read: ${empty.length === 1 ? 'it stays as an empty class' : 'they stay as empty classes'}.`,
        );
      if (test.every((n) => n === 0) && this.opts.testShare > 0)
        this.warnings.push(
          'The test split is empty, so the linear probe cannot be evaluated on this dataset.',
        );
    }
    const manifest = await session.finish();
    const n = manifest.splits.train.count + manifest.splits.test.count;
    const classes = manifest.classNames ? ` in ${manifest.classNames.length} classes` : ' (unlabelled)';
    const k = this.skipped.length;
    const skipped = k > 0 ? `; ${k} file${k === 1 ? '' : 's'} skipped (see the list)` : '';
    return this.report(
      manifest,
      'complete',
      `Imported ${n} image${n === 1 ? '' : 's'}${classes} as '${manifest.name}'${skipped}.`,
    );
  }

  /**
   * Ends a run that threw: a cancel, a full quota or a damaged archive half-way. Before the session began
   * (`session` null) nothing was stored; after, the partial dataset is rolled back or kept per onPartial.
   */
  async interrupted(session: ImportSession | null, e: unknown): Promise<ImportReport> {
    const cancelled = e instanceof ImportCancelled;
    const detail = e instanceof Error ? e.message : String(e);
    const known = e instanceof StorageError || e instanceof ZipError || e instanceof LayoutError;
    const said = cancelled ? 'Import cancelled.' : known ? detail : `Import failed: ${detail}`;
    const message = /[.!?]$/.test(said) ? said : `${said}.`;
    const outcome = cancelled ? 'cancelled' : 'failed';
    if (!session) return this.report(null, outcome, `${message} Nothing was stored.`);
    let kept: DatasetManifest | null;
    try {
      kept = await session.abort(this.opts.onPartial === 'keep', e instanceof StorageError);
    } catch (cleanup) {
      const why = cleanup instanceof Error ? cleanup.message : String(cleanup);
      this.warnings.push(
        `The partial dataset could not be removed (${why}); delete '${session.info.name}' from the dataset list.`,
      );
      return this.report(null, outcome, message);
    }
    if (kept) {
      const n = kept.splits.train.count + kept.splits.test.count;
      return this.report(
        kept,
        outcome,
        `${message} The ${n} images stored so far were kept as '${kept.name}'.`,
      );
    }
    if (this.opts.onPartial === 'keep' && session.count > 0)
      this.warnings.push('The images imported so far could not be kept.');
    return this.report(null, outcome, `${message} Nothing from this import was stored.`);
  }
}
