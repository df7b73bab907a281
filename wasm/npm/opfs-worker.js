// The worker OpfsClient starts (rewal-wasm's index.js, OPFS section): it
// serves the client's calls with the engine, on sync access handles.
import { serveOpfs } from "./index.js";

serveOpfs();
