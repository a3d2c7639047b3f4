// The targets of issue 30 as checks on a run's rows, for `npm run bench:summary`: each names the
// row it reads, the figure it takes from it, and when that figure meets the target.

import type { Measure } from './measure.js';

export interface Target {
  name: string;
  /** The row the target reads (not the default-config server's). */
  row: (m: Measure) => boolean;
  value: (m: Measure) => number;
  holds: (value: number) => boolean;
}

const ratio = (m: Measure) => m.weft / m.raw;
const atMost = (limit: number) => (v: number) => v <= limit;
const is = (workload: string, unit: string) => (m: Measure) => m.workload === workload && m.unit.startsWith(unit);

export const TARGETS: Target[] = [
  { name: 'chain: Weft/raw <= 1.05', row: is('1 sequential chain (40 steps)', 'ms/step'), value: ratio, holds: atMost(1.05) },
  { name: 'fan-out 100: Weft/raw <= 1.05', row: is('3 foreach fan-out (100 items, concurrency 50)', 'ms makespan'), value: ratio, holds: atMost(1.05) },
  { name: 'fan-out 1,000: Weft/raw <= 1.05', row: is('3 foreach fan-out (1000 items, concurrency 50)', 'ms makespan'), value: ratio, holds: atMost(1.05) },
  { name: 'small runs sequential p50: Weft/raw <= 1.05', row: is('4 small runs, 100 sequential', 'ms p50'), value: ratio, holds: atMost(1.05) },
  {
    name: 'small runs concurrent: raw/Weft runs/s <= 1.05',
    row: is('4 small runs, 200 concurrent', 'runs/s (median of'),
    value: (m) => m.raw / m.weft,
    holds: atMost(1.05),
  },
  { name: 'pure step <= 1/20 of an activity step', row: is('2 pure steps (200 set/if/log)', 'ms/step'), value: ratio, holds: atMost(1 / 20) },
  { name: 'MCP run_flow over HTTP adds <= 3 ms', row: is('6 run_flow over HTTP vs direct start', 'ms p50'), value: (m) => m.weft - m.raw, holds: atMost(3) },
  {
    name: 'schedule fire to first task: Weft/raw <= 1.2',
    row: (m) => m.workload.startsWith('10 schedule') && m.unit.startsWith('ms p50'),
    value: ratio,
    holds: atMost(1.2),
  },
  { name: 'webhook p50 <= 25 ms', row: (m) => m.workload.startsWith('9 webhook') && m.unit.startsWith('ms p50'), value: (m) => m.weft, holds: atMost(25) },
  { name: 'webhook p95 <= 60 ms', row: (m) => m.workload.startsWith('9 webhook') && m.unit.startsWith('ms p95'), value: (m) => m.weft, holds: atMost(60) },
  {
    name: 'limit, free slot: adds <= 15 ms',
    row: (m) => m.workload.startsWith('13 one-task run under limit'),
    value: (m) => m.weft - m.raw,
    holds: atMost(15),
  },
  {
    name: 'limit, one keeper: >= 200 grants/s',
    row: (m) => m.workload.startsWith('13 one keeper'),
    value: (m) => m.weft,
    holds: (v) => v >= 200,
  },
  {
    name: 'script task in the sandbox adds <= 50 ms p50',
    row: (m) => m.workload.startsWith('17 one script task run'),
    value: (m) => m.weft - m.raw,
    holds: atMost(50),
  },
  { name: 'API POST /runs adds <= 3 ms p50', row: (m) => m.workload.startsWith('16 API POST /runs'), value: (m) => m.weft - m.raw, holds: atMost(3) },
  { name: 'agent loop per step: Weft/raw <= 1.15', row: (m) => m.workload.startsWith('14 agent loop'), value: ratio, holds: atMost(1.15) },
  { name: 'telemetry on/off, chain: <= 1.05', row: (m) => m.workload.startsWith('15 telemetry: sequential chain'), value: ratio, holds: atMost(1.05) },
  { name: 'telemetry on/off, small runs: <= 1.05', row: (m) => m.workload.startsWith('15 telemetry: small runs'), value: ratio, holds: atMost(1.05) },
];
