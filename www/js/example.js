// @ts-check
// The example logs the empty page offers, so that a first look needs no
// file: a few dozen orders written by the engine in the page (WriterCore,
// the native library's own code), then damaged as logs get damaged: a
// torn tail (the last write cut short by a crash) or a corruption (a
// flipped bit in a frame that valid frames follow).

const encoder = new TextEncoder();

/** The kinds of example, and their file names. */
export const EXAMPLES = { corrupted: "example-corrupted.wal", torn: "example-torn.wal" };

/** Builds the example log `kind` ("corrupted" or "torn") with the engine's exports `wasm`; resolves to a File. */
export function exampleLog(wasm, kind) {
  if (!(kind in EXAMPLES)) throw new Error(`there is no example called ${kind}`);
  const writer = new wasm.WriterCore();
  const items = ["coffee", "tea", "scone", "bagel", "juice"];
  const starts = [];
  let size = 0;
  try {
    for (let id = 1; id <= 60; id++) {
      starts.push(size);
      const type = id % 7 === 0 ? "type:refund" : id % 5 === 0 ? "type:note" : "type:order";
      const payload =
        type === "type:note"
          ? `order ${id - 1} was left at the counter`
          : JSON.stringify({ id, item: items[id % items.length], total: Math.round(id * 137) / 100, customer: id % 3 === 0 ? "Zoë" : "Sam" });
      writer.append(encoder.encode(payload), encoder.encode(type));
      size = writer.bytes().length;
    }
    const bytes = writer.finish();
    if (kind === "torn") {
      // The last write cut short: a crash in the middle of appending it.
      const last = starts.at(-1);
      return new File([bytes.subarray(0, last + Math.floor((bytes.length - last) / 2))], EXAMPLES.torn);
    }
    // One bit flipped in the 41st frame's payload: the frames after it are
    // valid, so rewal refuses to open the log rather than cut them.
    const damaged = bytes.slice();
    damaged[starts[40] + 40] ^= 0x20;
    return new File([damaged], EXAMPLES.corrupted);
  } finally {
    writer.free();
  }
}
