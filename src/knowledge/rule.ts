/** One statement from kernel.md, with where it comes from and which kernels it holds for. */
export interface Rule {
  text: string;
  /** Section of kernel.md the rule comes from, e.g. "kernel.md §1.1". */
  source: string;
  /** Kernel versions the rule holds for, e.g. "≥ 4.4". */
  kernels: string;
}
