// Injected by esbuild into index.cjs (pack.sh): CommonJS has no
// import.meta, so `import.meta.url` there is this file URL of index.cjs,
// and the engine's wasm is found beside it, as index.js finds it.
export const importMetaUrl = require("node:url").pathToFileURL(__filename).href;
