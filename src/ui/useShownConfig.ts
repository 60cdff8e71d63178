// The settings the live panels describe: the current (or last) run's while there is one, else the form's.
// During an ablation the form keeps the user's settings while each arm runs its own method; the panels
// follow the arm.
import type { TrainConfig } from '../shared/config';
import { useConfigStore } from '../state/configStore';
import { useLiveRun } from '../state/liveRunStore';

export function useShownConfig(): TrainConfig {
  const running = useLiveRun((s) => s.config);
  const form = useConfigStore((s) => s.config);
  return running ?? form;
}
