// tcpdiag's kernel reference: docs/kernel.md, in the repository and in the package (package.json
// "files"). Rules, notes and catalog entries cite its sections ("§2.3", "§4 step 2", "§11 pitfall 6");
// test/docs/kernel-doc.test.ts checks that every citation in src/ resolves there.

export const KERNEL_DOC = 'docs/kernel.md';

/**
 * Rule and note texts say "kernel.md §…" (the name of the notes they were written from); the printed
 * citation names the file as the user has it.
 */
export function citingKernelDoc(text: string): string {
  return text.replace(/(?<![\w/.-])kernel\.md\b/g, KERNEL_DOC);
}
