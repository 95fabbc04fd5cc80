// A merged capture (--merge) in the report: which files it is made of, and for each evidence connection
// where its frames are in those files, so that a user with only the original files finds the packets.

import { withFrameRange } from '../diagnose/evidence.js';
import type { FindingReport } from './model.js';

/** Merged frame numbers → the files' own frame numbers (capture/merge.ts's FrameOrigins). */
export interface FrameLocator {
  spans(first: number, last: number): { file: number; firstFrame: number; lastFrame: number }[];
}

/**
 * The finding with each evidence connection's `inFiles`: per file it spans, its first and last frame as
 * Wireshark numbers them in that file alone, and the connection's filter pinned to that range.
 */
export function locateInFiles(f: FindingReport, files: readonly string[], origins: FrameLocator): FindingReport {
  const connections = f.evidence.connections.map((e) => ({
    ...e,
    inFiles: origins.spans(e.firstFrame, e.lastFrame).map((s) => ({
      file: files[s.file]!,
      firstFrame: s.firstFrame,
      lastFrame: s.lastFrame,
      filter: withFrameRange(e.filter, s.firstFrame, s.lastFrame),
    })),
  }));
  return { ...f, evidence: { ...f.evidence, connections } } as FindingReport;
}

/** The name a merged capture goes by in the report: its files joined. */
export function mergedName(files: readonly string[]): string {
  return files.join(' + ');
}
