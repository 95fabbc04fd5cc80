// `tcpdiag explain`, run: loaded by the command's action (explain.ts defines the command).

import type { Command } from 'commander';
import { findEntry, similarIds } from '../knowledge/catalog.js';
import { renderEntry, renderList } from '../knowledge/explain-render.js';
import { withWidth } from '../knowledge/output-style.js';
import { documentPrinter } from '../report/printer.js';
import type { ExplainFormat } from './choices.js';
import { usageError, writeTo, type OutputOptions } from './command.js';
import { textStyle } from './text-style.js';
import { Output } from './output.js';

export type ExplainOptions = OutputOptions<ExplainFormat>;

export async function runExplain(cmd: Command, id: string | undefined, o: ExplainOptions): Promise<number> {
  const entry = id === undefined ? undefined : findEntry(id);
  if (id !== undefined && !entry) {
    const similar = similarIds(id);
    const hint = similar.length > 0 ? `close matches: ${similar.join(', ')}` : 'run `tcpdiag explain` for the list';
    usageError(cmd, `unknown id "${id}"; ${hint}`);
  }
  const out = new Output(o.output);
  const style = textStyle(o, out);
  const printer = documentPrinter(out, () =>
    withWidth(style.width, () => (entry ? renderEntry(entry, o.format, style.color) : renderList(o.format, style.color))),
  );
  return writeTo(out, () => {
    printer.print(undefined);
    printer.finish();
    return 0;
  });
}
