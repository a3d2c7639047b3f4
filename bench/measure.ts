// What a bench row holds, and the statistics behind it: the median with its interquartile range,
// and a p99 only where there are enough samples for one to mean something.

/** Fewest samples for a p99: with fewer, the 99th percentile is the largest sample. */
export const P99_MIN_SAMPLES = 100;

/** The spread of one side's samples, in the row's unit. */
export interface Spread {
  n: number;
  median: number;
  /** First and third quartile (linear interpolation between samples). */
  q1: number;
  q3: number;
  /** Nearest-rank 99th percentile; null when n < P99_MIN_SAMPLES. */
  p99: number | null;
}

export interface Measure {
  workload: string;
  weft: number;
  /** The raw Temporal baseline with Weft's design (activities, the same preloads and build). */
  raw: number;
  unit: string;
  /** "raw best": the baseline a Temporal expert would write (local activities); absent where none. */
  rawBest?: number;
  /** The samples behind each side's figure, where the figure is a median of several. */
  spread?: { weft?: Spread; raw?: Spread; rawBest?: Spread };
}

/** Value at quantile `q` (0-1) of sorted values, interpolating linearly between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const lowValue = sorted[low] ?? Number.NaN;
  // Exactly on a sample: no interpolation (which would turn an infinite neighbour into NaN).
  if (at === low) return lowValue;
  const highValue = sorted[Math.min(sorted.length - 1, low + 1)] ?? lowValue;
  return lowValue + (highValue - lowValue) * (at - low);
}

export function median(values: readonly number[]): number {
  return quantile(sorted(values), 0.5);
}

/** Nearest-rank percentile `p` (0-100): a value that was measured. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

export function spreadOf(values: readonly number[]): Spread {
  const s = sorted(values);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    p99: s.length >= P99_MIN_SAMPLES ? percentile(s, 99) : null,
  };
}

/** The row's spread as text: "n=15, IQR weft 18.1-19.0, raw 17.2-17.9". */
export function spreadText(m: Measure): string {
  const s = m.spread;
  if (!s) return '';
  const n = s.weft?.n ?? s.raw?.n ?? s.rawBest?.n;
  const parts = (['weft', 'raw', 'rawBest'] as const).flatMap((side) => {
    const x = s[side];
    return x ? [`${side === 'rawBest' ? 'best' : side} ${x.q1.toFixed(2)}-${x.q3.toFixed(2)}`] : [];
  });
  return `n=${n}, IQR ${parts.join(', ')}`;
}

/** Sorted, without NaN; Infinity stays (a run that never ended is slower than any that did). */
function sorted(values: readonly number[]): number[] {
  return values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
}
