// Where the page finds tfjs-backend-wasm's WebAssembly binaries: Vite copies them into the build as
// assets and gives their URLs (nothing is fetched from the internet). In Node the backend finds the
// files beside its own bundle, so `wasmFileUrls` is null there.
import plainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

const inNode = typeof process !== 'undefined' && Boolean(process.versions?.node);

/** The binaries' URLs by file name, for setWasmPaths (null in Node). */
export const wasmFileUrls: Record<string, string> | null = inNode
  ? null
  : {
      'tfjs-backend-wasm.wasm': plainUrl,
      'tfjs-backend-wasm-simd.wasm': simdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
    };
