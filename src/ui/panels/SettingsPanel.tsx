import { FIELDS, PRESET_IDS, PRESETS, type FieldGroup, type TrainConfig } from '../../shared/config';
import {
  augmentationDefaults,
  DATASET_AUGMENTATION_KEYS,
  differsFromDatasetAugmentation,
} from '../../shared/data/augmentationDefaults';
import { isLiveKey } from '../../shared/liveSettings';
import {
  GENERATOR_INFO,
  METHOD_GROUPS,
  METHOD_INFO,
  methodInfo,
  missingGenerators,
  usesField,
  usesGroup,
} from '../../shared/catalog';
import { applyPreset, setField, shareLink, useConfigStore } from '../../state/configStore';
import { useLiveRun } from '../../state/liveRunStore';
import { ErrorNote, Panel } from '../components/Panel';

const GROUP_ORDER: FieldGroup[] = [
  'data',
  'model',
  'optimiser',
  ...METHOD_GROUPS, // each method's own (its descriptor lists them)
  'hard examples',
  'augmentation',
  'evaluation',
];
const busy = (phase: string) => ['preparing', 'training', 'evaluating', 'paused'].includes(phase);
/** A run the trainer is stepping through (live settings can be changed). */
const live = (phase: string) => ['training', 'evaluating', 'paused'].includes(phase);

function Field({ name, disabled }: { name: keyof typeof FIELDS; disabled: boolean }) {
  const field = FIELDS[name];
  const value = useConfigStore((s) => s.config[name as keyof TrainConfig]);
  const invalid = useConfigStore((s) => s.issues.some((i) => i.field === name));
  const id = `field-${name}`;
  if (field.kind === 'bool') {
    return (
      <label className="field" title={field.help}>
        <input
          id={id}
          data-testid={id}
          type="checkbox"
          checked={Boolean(value)}
          disabled={disabled}
          onChange={(e) => setField(name as keyof TrainConfig, e.target.checked as never)}
        />
        {field.label}
        <span className="help">{field.help}</span>
      </label>
    );
  }
  return (
    <label className={`field${invalid ? ' invalid' : ''}`} title={field.help} htmlFor={id}>
      <span>{field.label}</span>
      <input
        id={id}
        data-testid={id}
        type="number"
        value={Number.isNaN(value) ? '' : String(value)}
        min={field.min}
        max={field.max}
        step={field.step ?? 'any'}
        disabled={disabled}
        aria-invalid={invalid}
        onChange={(e) =>
          setField(name as keyof TrainConfig, (e.target.value === '' ? NaN : Number(e.target.value)) as never)
        }
      />
      <span className="help">{field.help}</span>
    </label>
  );
}

export function SettingsPanel() {
  const { config, preset, issues, linkErrors, autoPreset } = useConfigStore();
  const aug = augmentationDefaults(config.datasetId);
  const augDiffers = differsFromDatasetAugmentation(config);
  const phase = useLiveRun((s) => s.phase);
  const disabled = busy(phase);
  const editableLive = live(phase);
  const method = methodInfo(config.method); // the link reader only lets known ids through
  // Show only the groups and settings that apply to the chosen method (its descriptor says which).
  const groups = GROUP_ORDER.filter((g) => usesGroup(method, g));
  const composed = method.generators.map((g) => GENERATOR_INFO[g].label);
  return (
    <Panel title="Method and settings" testId="settings-panel">
      <label className="field">
        <span>Method</span>
        <select
          data-testid="method-select"
          value={config.method}
          disabled={disabled}
          onChange={(e) => setField('method', e.target.value as TrainConfig['method'])}
        >
          {Object.values(METHOD_INFO).map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <p className="help-block" data-testid="method-help">
        {method.help}
      </p>
      <p
        className="help-block"
        data-testid="method-generators"
        title={missingGenerators(method)
          .map((m) => m.why)
          .join('\n')}
      >
        Hard examples: {composed.length > 0 ? composed.join(', ') : 'none'}.
      </p>
      <label className="field">
        <span>Preset</span>
        <select
          data-testid="preset-select"
          value={preset}
          disabled={disabled}
          onChange={(e) => applyPreset(e.target.value as (typeof PRESET_IDS)[number])}
        >
          {PRESET_IDS.map((p) => (
            <option key={p} value={p}>
              {PRESETS[p].label}
            </option>
          ))}
        </select>
      </label>
      <p className="help-block" data-testid="preset-help">
        {PRESETS[preset].help}
      </p>
      {autoPreset && (
        <div className="warning" role="status" data-testid="auto-preset">
          {autoPreset}
        </div>
      )}
      <label className="field">
        <span>Backbone</span>
        <select
          data-testid="backbone-select"
          value={config.backbone}
          disabled={disabled}
          onChange={(e) => setField('backbone', e.target.value as TrainConfig['backbone'])}
        >
          <option value="tiny-convnet">Tiny ConvNet</option>
          <option value="small-resnet">Small ResNet</option>
        </select>
      </label>
      {linkErrors.length > 0 && (
        <ErrorNote testId="link-errors">
          {linkErrors.map((e) => (
            <p key={e}>{e}</p>
          ))}
        </ErrorNote>
      )}
      {issues.length > 0 && (
        <ErrorNote testId="config-issues">
          {issues.map((i) => (
            <p key={i.field + i.message}>{i.message}</p>
          ))}
        </ErrorNote>
      )}
      {disabled && (
        <p className="help-block" data-testid="live-settings-help">
          {editableLive
            ? 'A run is training: the settings left enabled (learning rate, augmentation, hard examples, ' +
              'read-back and evaluation cadence) can change now. "Apply to this run" sends them to it from ' +
              'its next step on, and every chart marks the step. The others are fixed until the run ends.'
            : 'The run is starting: settings are locked until it trains.'}
        </p>
      )}
      {groups.map((g) => (
        <details
          key={g}
          className="group"
          open={g === 'hard examples' || g === 'data' || g === 'augmentation'}
        >
          <summary>{g}</summary>
          {g === 'augmentation' && (
            <p className="help-block" data-testid="augmentation-defaults">
              {aug.why} Defaults for this dataset: flip prob. {aug.flipProb}, min crop area {aug.cropScaleMin}
              , jitter prob. {aug.jitterProb}, blur prob. {aug.blurProb}.{' '}
              {augDiffers && (
                <button
                  className="link"
                  data-testid="augmentation-reset"
                  disabled={disabled && !editableLive}
                  onClick={() => {
                    for (const k of DATASET_AUGMENTATION_KEYS) setField(k, aug[k]);
                  }}
                >
                  Use the dataset&apos;s defaults
                </button>
              )}
            </p>
          )}
          {(Object.keys(FIELDS) as (keyof typeof FIELDS)[])
            .filter((k) => FIELDS[k].group === g && usesField(method, k, g))
            .map((k) => (
              <Field key={k} name={k} disabled={disabled && !(editableLive && isLiveKey(k))} />
            ))}
        </details>
      ))}
      <button
        className="link"
        data-testid="copy-link"
        onClick={() => void navigator.clipboard?.writeText(shareLink())}
      >
        Copy a link to these settings
      </button>
    </Panel>
  );
}
