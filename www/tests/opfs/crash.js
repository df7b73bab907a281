// The crash campaign's page (tests/opfs-crash.test.js drives it): asks the
// test what to do (rewalCrashConfig), starts crash-worker.js, and relays
// everything the worker says to the test (rewalCrashReport), in order.
// When told `killOn: n`, it terminates the worker itself as soon as the
// worker says it has appends in flight for the n-th time: a kill in the
// middle of a write, without the delay of a round trip to the test.

let worker = null;

// What the worker said, sent to the test every 10 ms in one call (a call
// per message would fall behind the worker); a kill from here sends what
// is pending first. Whatever a reload or a closed tab cuts off was never
// counted as acknowledged: the test checks fewer events, never wrong ones.
let pending = [];
let timer = null;
function report(message) {
  pending.push(message);
  timer ??= setTimeout(send, 10);
}
function send() {
  clearTimeout(timer);
  timer = null;
  if (pending.length) window.rewalCrashReport(pending);
  pending = [];
}

async function start() {
  const config = await window.rewalCrashConfig();
  if (!config || config.idle) return; // loaded by a reload that was the kill
  worker = new Worker(new URL("./crash-worker.js", import.meta.url), { type: "module" });
  let inFlight = 0;
  worker.onmessage = ({ data }) => {
    if (data.type === "appending" && config.killOn && ++inFlight === config.killOn) {
      worker.terminate();
      report({ type: "killed", cycle: config.cycle, during: data.lsn });
      send();
      return;
    }
    report({ ...data, cycle: config.cycle });
    if (data.type === "recovered" || data.type === "closed") send();
  };
  worker.onerror = (event) => {
    report({ type: "error", cycle: config.cycle, message: event.message });
    send();
  };
  worker.postMessage(config);
}

/** Kills the worker: worker.terminate(). */
window.kill = () => {
  worker?.terminate();
  send();
};

/** Starts the next cycle's worker, in this page. */
window.restart = start;

start();
