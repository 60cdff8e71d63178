// BYOL: a tiny run in the browser (WebGPU on SwiftShader); see regressionRun.ts.
import { test } from '@playwright/test';
import { regressionRun } from './regressionRun';

test('a tiny BYOL run trains, fills its panels, explains why it has no hard examples, and is saved', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await regressionRun(page, 'byol', 'BYOL', 'byolMomentum', /target network/);
});
