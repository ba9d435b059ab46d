/**
 * Postgres text can hold neither a NUL character (refused outright) nor half of a surrogate pair
 * without its other half (it cannot be encoded as UTF-8), and JSON lets a client send both as
 * escapes (`"\u0000"`, `"\ud800"`).
 */
const NUL = '\u0000';
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnstorableText {
  path: string;
  message: string;
}

/**
 * The first string (a value or an object key) in already validated input that the database
 * could not store, with its path; null when every string is storable. Checked at validation so
 * such input is a 400 naming the field, not a failed statement and a 500.
 */
export function findUnstorableText(value: unknown, path: string[] = []): UnstorableText | null {
  if (typeof value === 'string') {
    return value.includes(NUL) || UNPAIRED_SURROGATE.test(value)
      ? {
          path: path.join('.'),
          message: 'contains a NUL character or an unpaired surrogate, which cannot be stored',
        }
      : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const found =
      findUnstorableText(key, [...path, '(key)']) ?? findUnstorableText(item, [...path, key]);
    if (found) return found;
  }
  return null;
}
