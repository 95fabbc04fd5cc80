// --output FILE must never leave a half-written report behind (a reader polling the file, or a
// crash mid-write): write a sibling temp file, then rename over the target, which is atomic on
// one filesystem.

import { rename, unlink, writeFile } from 'node:fs/promises';

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
