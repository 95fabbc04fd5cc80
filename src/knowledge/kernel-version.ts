// Kernel release strings as printed by `uname -r` ("6.18.44-fc-v509", "4.18.0-553.el8_10.x86_64")
// reduced to numbers so rules from kernel.md ("since 4.4", "6.13 and stable backports") can be tested.

export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
  /** What the user gave, kept for output. */
  text: string;
}

const VERSION_PATTERN = /^(\d+)\.(\d+)(?:\.(\d+))?/;

export function parseKernelVersion(text: string): KernelVersion | null {
  const match = VERSION_PATTERN.exec(text.trim());
  if (!match) return null;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: match[3] === undefined ? 0 : Number(match[3]),
    text: text.trim(),
  };
}

/** True when `v` is at least major.minor[.patch]. */
export function kernelAtLeast(v: KernelVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

export function kernelLabel(v: KernelVersion): string {
  return `${v.major}.${v.minor}${v.patch > 0 ? `.${v.patch}` : ''}`;
}

/** The kernel tcpdiag assumes when none is given: the one kernel.md's lab ran ([LAB] 6.18.44). */
export const DEFAULT_KERNEL = '6.18';
