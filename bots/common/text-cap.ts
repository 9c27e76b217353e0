// Inbound chat text is capped at the platform's documented message limit before it is
// stored or parsed: a platform never delivers more, so anything longer is not a real message
// and is cut (the core then answers that the message is too long for a command).

/** `text` cut to at most `maxChars` UTF-16 units, never inside a surrogate pair. */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}
