// The checks (checks.cjs) on the package loaded with `require`.
const rewal = require("rewal-wasm");
const check = require("./checks.cjs");
check(rewal, JSON.parse(process.argv[2])).then((result) => console.log(JSON.stringify({ version: process.version, ...result })));
