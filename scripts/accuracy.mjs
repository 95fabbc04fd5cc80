#!/usr/bin/env node
// npm run accuracy: the accuracy scoreboard of issue 19. Runs the built CLI (`npm run build` first) over
// fixtures/accuracy, fixtures/lab and, when present, ../shared/captures/lab, and prints precision and
// recall per finding and vantage, reset-after-handshake per connection, droppedSegments against
// TcpExtListenOverflows, and each target met / not met. The mapping from labels to expected findings is
// in scripts/accuracy/scoreboard.mjs (top of file).
//   --no-shared   only the captures in the repository (what test/accuracy/scoreboard.test.ts scores)
//   --json        the summary as JSON instead of the table
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatScoreboard, runScoreboard } from './accuracy/scoreboard.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
for (const a of args) {
  if (!['--no-shared', '--json'].includes(a)) {
    console.error(`accuracy.mjs: unknown option ${a} (use --no-shared, --json)`);
    process.exit(2);
  }
}
if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  console.error('accuracy.mjs: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const sharedLab = args.includes('--no-shared') ? undefined : fileURLToPath(new URL('../../shared/captures/lab/', import.meta.url));
const result = await runScoreboard(root, { sharedLab, onItem: (s) => process.stderr.write(`  scored ${s.name}\n`) });
console.log(args.includes('--json') ? JSON.stringify(result.summary, null, 1) : formatScoreboard(result, root));
