// @ts-check
// What the page shows, kept in the URL so that a link or a reload returns
// to it: the fragment holds the selected event's LSN, the tab, the meta
// filter and the search (`#lsn=1200&tab=events&filter=type:order&search=
// Zo%C3%AB&as=text&in=both`); the query says which log, when the page can
// open it again by itself (`?url=…`, a log fetched from that address, as
// Perfetto UI does; `?example=corrupted`, an example built in the page).

/** The fragment's fields, as strings (missing ones absent). */
export function readFragment() {
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

/** Sets fragment fields (null or "" removes one), without a new history entry. */
export function writeFragment(fields) {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined || value === "") params.delete(key);
    else params.set(key, String(value));
  }
  const hash = params.toString();
  history.replaceState(null, "", `${location.pathname}${location.search}${hash ? "#" + hash : ""}`);
}

/** Says which log is open, in the query: `{ url }`, `{ example }`, or nothing (a file, which only the user can open again). */
export function writeSource(source) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(source)) query.set(key, value);
  const search = query.toString();
  history.replaceState(null, "", `${location.pathname}${search ? "?" + search : ""}`);
}

/** Which log the URL asks for: `{ url }`, `{ example }`, or null. */
export function readSource() {
  const query = new URLSearchParams(location.search);
  if (query.has("url")) return { url: query.get("url") };
  if (query.has("example")) return { example: query.get("example") };
  return null;
}
