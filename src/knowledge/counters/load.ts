// `--counters BEFORE AFTER` or `--counters BOTH`: the files read and paired.

import { readFile } from 'node:fs/promises';
import { kernelDelta, type KernelDelta } from './delta.js';
import { CounterInputError, parseCounterText, type CounterReading } from './parse.js';

export async function loadKernelDelta(files: readonly string[]): Promise<KernelDelta> {
  if (files.length === 0 || files.length > 2) {
    throw new CounterInputError(`--counters takes BEFORE AFTER, or one file holding both; got ${files.length} files (put the captures before --counters)`);
  }
  const readings: CounterReading[][] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CounterInputError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    readings.push(parseCounterText(text, file));
  }
  if (files.length === 1) {
    if (readings[0]!.length !== 2) throw new CounterInputError(`${files[0]}: holds one reading; give BEFORE and AFTER (two files, or one file holding both)`);
    return kernelDelta(readings[0]![0]!, readings[0]![1]!);
  }
  for (let i = 0; i < 2; i++) {
    if (readings[i]!.length !== 1) throw new CounterInputError(`${files[i]}: holds two readings; give it alone as --counters ${files[i]}, or one reading per file`);
  }
  return kernelDelta(readings[0]![0]!, readings[1]![0]!);
}
