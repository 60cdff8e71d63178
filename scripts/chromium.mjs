// How every headless run here launches Chromium: Debian's binary (Playwright's own browser download
// cannot work on these machines) and flags that stop it from reaching for the network.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
/** Gives a WebGPU adapter (SwiftShader on machines without a GPU). */
export const WEBGPU_FLAG = '--enable-unsafe-webgpu';
