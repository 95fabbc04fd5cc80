// Transpiles the reader, decoder and tracker (src/capture, src/decode,
// src/track) to plain JavaScript for the worker threads, which cannot load
// TypeScript. Types are not checked here (tsc does that); imports already
// name .js files, so the output runs as is. It goes under test-artifacts/
// (gitignored), inside the project so that `lru-cache` resolves from
// node_modules.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PARTS = ['capture', 'decode', 'track'];

/** Returns the directory holding track/run.js etc. */
export function buildLib(outDir = join(ROOT, 'test-artifacts', 'hostile-lib')) {
  for (const part of PARTS) {
    const src = join(ROOT, 'src', part);
    mkdirSync(join(outDir, part), { recursive: true });
    for (const name of readdirSync(src)) {
      if (!name.endsWith('.ts') || name.endsWith('.d.ts')) continue;
      const out = ts.transpileModule(readFileSync(join(src, name), 'utf8'), {
        fileName: name,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          // Decoded is a const enum used across files: keep its object so the imports find it.
          preserveConstEnums: true,
          isolatedModules: true,
        },
      });
      writeFileSync(join(outDir, part, name.replace(/\.ts$/, '.js')), out.outputText);
    }
  }
  return outDir;
}
