// Our own GPU kernels on SwiftShader: the backend panel names the tfjs settings applied to a software
// adapter, and "Check this GPU" runs the conformance check (every own kernel and a training step
// against tfjs's stock kernels and the CPU backend) and lists each check's error and verdict.
import { expect, test } from '@playwright/test';
import { LabPage } from './labPage';

test('the backend panel shows the fallback settings and "Check this GPU" passes on SwiftShader', async ({
  page,
}) => {
  // 62 kernel cases and a HEXA-MoCo step, each against stock kernels and the CPU backend: minutes on
  // SwiftShader, longer when the machine is shared.
  test.setTimeout(480_000);
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.testId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
  // Measured faster on SwiftShader by npm run bench (runtime/flags.ts FALLBACK_FLAGS).
  await expect(lab.testId('backend-flags')).toContainText('WEBGPU_MATMUL_PROGRAM_TYPE = 3');
  // And the barrier-free kernels measured faster there by npm run kernels (runtime/kernels/software.ts).
  await expect(lab.testId('backend-flags')).toContainText("replace tfjs's Conv2D, Mean");

  await lab.testId('check-gpu').click();
  await expect(lab.testId('gpu-check-status')).toContainText('Checking');
  await expect(lab.testId('check-gpu')).toBeDisabled();
  await expect(lab.testId('gpu-check-verdict')).toBeVisible({ timeout: 400_000 });
  await expect(lab.testId('gpu-check-verdict')).toContainText('Pass');
  await expect(lab.testId('gpu-check-verdict')).toContainText('own kernels on');
  await expect(lab.testId('gpu-check-status')).toContainText(/All \d+ checks pass/);
  const rows = lab.testId('gpu-check-row');
  // 64 kernel cases (training-mode BatchNorm with segments, the software adapters' Conv2D and Mean among
  // them) and 3 step quantities, each against the stock kernels and the CPU backend.
  await expect(rows).toHaveCount(134);
  for (const name of [
    'sgdUpdate',
    'emaUpdate',
    'bnRunningStats',
    'batchNorm (training)',
    'crossEntropyScore',
    'l2Normalize',
    'sum/mean gradients',
    'relu gradient',
    'batchNorm (inference) gradient',
    'mixedSoftCrossEntropy',
    'normaliseInput',
    'pgdProject',
    'cutMixViews',
    'accumulateInPlace',
    'conv2d (software adapters)',
    'mean (software adapters)',
    'step gradients',
  ]) {
    await expect(rows.filter({ hasText: name }).first()).toContainText('pass');
  }
  await expect(rows.filter({ hasText: 'CPU backend' })).toHaveCount(67);
  await expect(rows.filter({ hasText: 'FAIL' })).toHaveCount(0);
  await expect(lab.testId('check-gpu')).toBeEnabled();
});
