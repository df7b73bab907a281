// The checks (checks.cjs) on the package loaded with `import`.
import * as rewal from "rewal-wasm";
import { createRequire } from "node:module";
const check = createRequire(import.meta.url)("./checks.cjs");
console.log(JSON.stringify({ version: process.version, ...(await check(rewal, JSON.parse(process.argv[2]))) }));
