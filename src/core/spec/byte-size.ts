// The one byte-size parser of flows and settings: a whole number of bytes, or a number with a unit
// (`512Ki`, `256Mi`, `2Gi` in powers of 1024; `500k`, `100M`, `1G` in powers of 1000). Pure.

const UNITS: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(|k|K|M|G|T|Ki|Mi|Gi|Ti)B?$/;

/** Largest size accepted (1 PiB), so arithmetic on it stays exact. */
export const MAX_BYTE_SIZE = 2 ** 50;

/** Parses a size (a number of bytes, or text such as `256Mi`) into whole bytes; undefined when it is not one. */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= MAX_BYTE_SIZE ? value : undefined;
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN));
  return Number.isFinite(bytes) && bytes <= MAX_BYTE_SIZE ? bytes : undefined;
}

/** Bytes as the largest binary unit that divides them (`256Mi`), for messages. */
export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}`;
}
