/** A development ring is derived from a fixed label so restarts can still read their own data. */
export const DEV_KEY = { id: 'dev', key: Buffer.from('consent-gateway-development-key!', 'utf8') };

/** What a key id may be: it stands in stored ciphertexts and in CONSENT_KEYS between `,` and `:`. */
export const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

export function parseKeyRing(value: string): Array<{ id: string; key: Buffer }> {
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('is empty');
  const seen = new Set<string>();
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new Error(`entry "${entry.slice(0, 12)}…" is not id:base64`);
    const id = entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new Error(`key id "${id}" must be 1-32 letters, digits, _ . -`);
    if (seen.has(id)) throw new Error(`key id "${id}" appears twice`);
    seen.add(id);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32)
      throw new Error(`key "${id}" is ${key.length} bytes, must be 32 (base64 of 32 random bytes)`);
    return { id, key };
  });
}
