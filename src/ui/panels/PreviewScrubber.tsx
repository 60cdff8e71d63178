import { selectPreview, useLiveRun } from '../../state/liveRunStore';

/** A step slider over the kept previews; "live" follows the newest. */
export function PreviewScrubber() {
  const previews = useLiveRun((s) => s.previews);
  const index = useLiveRun((s) => s.previewIndex);
  if (previews.length === 0) return null;
  const shown = index ?? previews.length - 1;
  return (
    <div className="scrubber">
      <label>
        Step {previews[shown]?.step}{' '}
        <input
          type="range"
          data-testid="preview-slider"
          min={0}
          max={previews.length - 1}
          value={shown}
          onChange={(e) => {
            const i = Number(e.target.value);
            selectPreview(i === previews.length - 1 ? null : i);
          }}
        />
      </label>
      <button data-testid="preview-live" disabled={index === null} onClick={() => selectPreview(null)}>
        {index === null ? 'live' : 'back to live'}
      </button>
      <span className="muted"> ({previews.length} kept)</span>
    </div>
  );
}
