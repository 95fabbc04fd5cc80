import { Command } from 'commander';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tcpdiag');
  program.parse(argv);
  return 0;
}
