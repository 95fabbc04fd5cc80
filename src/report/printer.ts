// The one output interface of every command, in the spirit of ripgrep's printers: a command hands
// its results to a Printer chosen by --format, in order, and the Printer alone decides the bytes.
// Where the bytes go (stdout, an atomic file) is the Sink's business, decided by the CLI.

import type { ChalkInstance } from 'chalk';

/** Where a printer's text goes (cli/output.ts: stdout or --output FILE). */
export interface Sink {
  write(text: string): void;
}

export interface Printer<T> {
  /** One unit of output: a whole document (a report, a catalog entry, a host check) or one record of a stream. */
  print(item: T): void;
  /** Nothing more will come: close what is open (a JSON array), write what was held (a table's rows). */
  finish(): void;
}

/** How text meant for a person looks: colour (off for files and pipes) and the width prose wraps at. */
export interface TextStyle {
  color: ChalkInstance;
  /** Columns to wrap prose at; null: do not wrap (not a terminal). */
  width: number | null;
}

/** A printer of whole documents, each rendered to one string. */
export function documentPrinter<T>(sink: Sink, render: (item: T) => string): Printer<T> {
  return {
    print: (item) => sink.write(render(item)),
    finish: () => undefined,
  };
}

/** Pretty JSON, one document per print. */
export function jsonPrinter<T>(sink: Sink): Printer<T> {
  return documentPrinter(sink, (item) => JSON.stringify(item, null, 2) + '\n');
}
