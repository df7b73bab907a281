// @ts-check
// Sentences for the page: the engine and the CLI write commands between
// backticks (`rewal repair`); on the page they become <code>, not literal
// backticks.

/** `text` as DOM nodes: plain text, and <code> for each `backticked` part. */
export function richText(text) {
  return String(text)
    .split("`")
    .map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement("code");
      code.textContent = part;
      return code;
    });
}

/** `clause` as a sentence: capital first letter, full stop at the end. */
export function sentence(clause) {
  const text = String(clause).trim();
  if (text === "") return "";
  const first = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(first) ? first : first + ".";
}
