// A worker that runs the code it is sent, with the package's API (pkg/index.js)
// as `rewal`, and answers with what it returns or throws: the OPFS tests
// write their worker code inline. Errors cross as { name, message, code }.
import * as rewal from "../../pkg/index.js";

const AsyncFunction = (async () => {}).constructor;

onmessage = async ({ data: { id, code, arg } }) => {
  try {
    await rewal.init();
    const result = await new AsyncFunction("rewal", "arg", "post", code)(rewal, arg, (value) => postMessage({ id, progress: value }));
    postMessage({ id, result });
  } catch (error) {
    postMessage({ id, error: { name: error?.name, message: String(error?.message ?? error), code: error?.code ?? null, rewal: error instanceof rewal.RewalError } });
  }
};
