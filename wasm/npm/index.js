// rewal-wasm: the rewal engine, compiled to WebAssembly, ready as soon as
// it is imported, in browsers and in Node, with nothing to initialise by
// hand. (wasm-bindgen's own entry, rewal_wasm.js, wants init() awaited
// first, and in Node its default init() fails: it fetches a file: URL.)

import init from "./rewal_wasm.js";

const wasm = new URL("./rewal_wasm_bg.wasm", import.meta.url);

if (wasm.protocol === "file:" && typeof process === "object" && process.versions?.node) {
  // Node: read the module from the package's folder.
  const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  await init({ module_or_path: await readFile(wasm) });
} else {
  // Browsers (and bundlers, which follow `new URL(..., import.meta.url)`).
  await init({ module_or_path: wasm });
}

export * from "./rewal_wasm.js";
