// The page reads every method fact from the catalog (src/shared/catalog.ts): the settings groups and
// hard-example fields each method uses, its generators and why the others are absent, its panels and
// its ablation arms. No training: switching methods in the form is enough.
import { expect, test } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

test('each method shows its own settings, generators, panels and ablation arms', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open(SMALL);
  const select = lab.testId('method-select');
  const shown = async (field: string) => (await lab.testId(`field-${field}`).count()) > 0;

  await select.selectOption('moco-v2');
  await expect(lab.testId('method-generators')).toHaveText('Hard examples: none.');
  await expect(lab.testId('method-generators')).toHaveAttribute('title', /adversarial: not in MoCo-v2/);
  expect([await shown('queueSize'), await shown('clusterCount'), await shown('epsilon')]).toEqual([
    true,
    false,
    false,
  ]);
  await expect(lab.testId('ablation')).toContainText('MoCo-v2, +adversarial, +cut-mix, +mix-up, HEXA-MoCo');
  await expect(lab.testId('adversarial-panel')).toHaveCount(0);
  await expect(lab.testId('clusters-panel')).toHaveCount(0);

  await select.selectOption('hexa-dcluster');
  await expect(lab.testId('method-generators')).toHaveText('Hard examples: adversarial, cut-mix, mix-up.');
  expect([
    await shown('queueSize'),
    await shown('clusterCount'),
    await shown('epsilon'),
    await shown('mixBeta'),
    await shown('mixupAlpha'),
  ]).toEqual([false, true, true, true, true]);
  await expect(lab.testId('ablation')).toContainText(
    'DeepCluster-v2, +adversarial, +cut-mix, +mix-up, HEXA-DCluster',
  );
  await expect(lab.testId('adversarial-panel')).toBeVisible();
  await expect(lab.testId('cutmix-panel')).toBeVisible();
  await expect(lab.testId('mixup-panel')).toBeVisible();
  await expect(lab.testId('clusters-panel')).toBeVisible();
  await expect(lab.testId('hard-panel')).toBeVisible();

  // The regression methods: their own group only, no generator (and the hover text says why), no arm.
  for (const [id, own, other] of [
    ['byol', 'byolMomentum', 'lejepaLambda'],
    ['lejepa', 'lejepaLambda', 'byolMomentum'],
  ] as const) {
    await select.selectOption(id);
    await expect(lab.testId('method-generators')).toHaveText('Hard examples: none.');
    await expect(lab.testId('method-generators')).toHaveAttribute('title', /needs a pseudo-label/);
    expect([await shown(own), await shown(other), await shown('queueSize'), await shown('epsilon')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    await expect(lab.testId('ablation')).toContainText('no hard-example variant');
    await expect(lab.testId('hard-panel')).toHaveCount(0);
  }
});
