// Types for the TypeScript tests; the implementation is plain JavaScript so that scripts/fuzz.mjs can share it.

import type { TimeBound } from '../../../src/track/time-bound.js';

export interface Fixture {
  name: string;
  raw: Uint8Array;
  gz: boolean;
  plain: Uint8Array;
}

export interface HostileInput {
  fixture: string;
  label: string;
  bytes: Uint8Array;
  plainLength: number;
  gz: boolean;
  first?: number;
  chunkBytes?: number;
  maxConnections?: number;
  since?: TimeBound;
  until?: TimeBound;
  minPackets?: number;
  expect?: { packets: number; error: null | true; errorOffset?: number; errorFrame?: number };
  id?: number;
}

export interface Failure {
  input: HostileInput;
  problems: string[];
}

export interface RunResult {
  problems: string[];
  summary: Record<string, unknown> | null;
  ms: number;
}

export interface CorpusOptions {
  random?: number;
  maxCuts?: number;
  lengthRecords?: number;
}

export function buildLib(outDir?: string): string;
export function listFixtures(root: string, dirs: string[]): { name: string; path: string }[];
export function loadFixtures(
  list: { name: string; path: string }[],
  libDir: string,
): Promise<{ files: Fixture[]; baselines: Map<string, Record<string, unknown>>; failures: Failure[] }>;
export function fixedCorpus(
  files: Fixture[],
  baselines: Map<string, Record<string, unknown>>,
  seed: number,
  opts?: CorpusOptions,
): Generator<HostileInput>;
export function randomCorpus(
  files: Fixture[],
  baselines: Map<string, Record<string, unknown>>,
  seed: number,
  runs: number,
): Generator<HostileInput>;
export function runPool(
  inputs: Iterable<HostileInput>,
  opts: {
    libDir: string;
    workers?: number;
    timeoutMs?: number;
    memoryMb?: number;
    onResult?: (input: HostileInput, result: RunResult) => void;
  },
): Promise<{ runs: number; failures: Failure[]; slowestMs: number }>;
export function saveFailure(dir: string, failure: Failure): string;
export function checkSummary(
  summary: object,
  emitted: { count: number; dupes: number; maxConnections?: number },
  input?: Partial<HostileInput>,
): string[];
export function faultLine(summary: { path: string; error: string | null; errorOffset: number | null; errorFrame: number | null }): string;

/** A seeded PRNG (mulberry32): floats in [0, 1), the same sequence for a seed on every machine. */
export function mulberry32(seed: number): () => number;
