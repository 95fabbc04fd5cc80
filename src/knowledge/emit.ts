// Where a command's output goes: stdout, or --output FILE written atomically. Returns the exit code
// so every command reports an unwritable file the same way (one line on stderr, exit 2).

import { Output } from '../cli/output.js';

export async function emit(command: string, text: string, outputFile: string | undefined): Promise<number> {
  if (outputFile === undefined) {
    process.stdout.write(text);
    return 0;
  }
  let out: Output | null = null;
  try {
    out = new Output(outputFile);
    out.write(text);
    out.commit();
    return 0;
  } catch (err) {
    out?.abort();
    usageError(command, `cannot write ${outputFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return 2;
  }
}

/** One line on stderr, prefixed with the command, for usage errors and unreadable inputs. */
export function usageError(command: string, message: string): void {
  process.stderr.write(`tcpdiag ${command}: ${message}\n`);
}

/** Parses an integer option strictly ("12abc" and "1.5" are errors, not 12 and 1). */
export function parseIntegerOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
}
