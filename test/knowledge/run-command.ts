// Runs one of the knowledge subcommands in-process through commander and captures what it writes.
import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runCommand(register: (program: Command) => void, args: string[]): Promise<CommandResult> {
  const program = new Command('tcpdiag').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const previous = process.exitCode;
  process.exitCode = 0;
  try {
    try {
      await program.parseAsync(['node', 'tcpdiag', ...args]);
    } catch (e) {
      // A usage error: commander has written it to stderr; main() turns it into exit 2.
      if (!(e instanceof CommanderError)) throw e;
      return { stdout, stderr, exitCode: e.exitCode === 0 ? 0 : 2 };
    }
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    out.mockRestore();
    err.mockRestore();
    // A non-zero exitCode left behind would fail the whole vitest run.
    process.exitCode = previous;
  }
}

/** Markdown with fenced blocks and code spans removed: what is left must hold no HTML tag. */
export function rawHtmlOutsideCode(markdown: string): string[] {
  const withoutFences = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const withoutSpans = withoutFences.replace(/(`+)[\s\S]*?\1/g, '');
  // An unescaped "<" followed by a letter, "/", "!" or "?" starts raw HTML in CommonMark.
  return [...withoutSpans.matchAll(/(?<!\\)<[A-Za-z/!?][^\n]{0,20}/g)].map((m) => m[0]);
}
