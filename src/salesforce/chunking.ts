/**
 * Packing values into as few requests as fit a byte budget. The caller supplies exact sizes (it knows how each
 * value is encoded); nothing here guesses a count per request.
 */

export interface ChunkBudget<T> {
  /** Bytes of the request with no items in it (for a query: the URI with an empty `IN ()`). */
  baseBytes: number;
  /** Bytes one item adds. */
  itemBytes: (item: T) => number;
  /** Bytes between two items. */
  separatorBytes: number;
  /** The most bytes one request may have. */
  maxBytes: number;
}

/**
 * Split `items` into consecutive chunks whose measured size stays within `maxBytes`, filling each chunk before
 * starting the next. Throws when a single item cannot fit at all: that is a caller bug (it should have refused
 * the value earlier), and silently dropping a value would hide it.
 */
export function chunkToFit<T>(items: readonly T[], budget: ChunkBudget<T>): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = budget.baseBytes;
  for (const item of items) {
    const bytes = budget.itemBytes(item);
    if (budget.baseBytes + bytes > budget.maxBytes) {
      throw new RangeError(
        `chunkToFit: expected every item to fit in ${budget.maxBytes} bytes, got one needing ${budget.baseBytes + bytes}`,
      );
    }
    const added = current.length === 0 ? bytes : budget.separatorBytes + bytes;
    if (size + added > budget.maxBytes) {
      chunks.push(current);
      current = [item];
      size = budget.baseBytes + bytes;
    } else {
      current.push(item);
      size += added;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
