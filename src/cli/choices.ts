// The values some commands' options take (their --format and --fail-on choices), apart from what the
// commands run: a command's definition (NAME.ts) offers them, its run (NAME-run.ts) types its options by
// them, and neither imports the other's module for them. analyze's and flows' formats are the printers'
// (report/formats.ts), the severities analyze and watch take are options.ts's FAIL_ON.

export const EXPLAIN_FORMATS = ['text', 'markdown', 'json'] as const;
export type ExplainFormat = (typeof EXPLAIN_FORMATS)[number];

export const QUEUES_FORMATS = ['text', 'markdown', 'json'] as const;
export type QueuesFormat = (typeof QUEUES_FORMATS)[number];

export const HOST_FORMATS = ['text', 'json'] as const;
export type HostFormat = (typeof HOST_FORMATS)[number];
export const HOST_FAIL_ON = ['error', 'warning', 'never'] as const;
export type HostFailOn = (typeof HOST_FAIL_ON)[number];

export const WATCH_FORMATS = ['text', 'ndjson'] as const;
export type WatchFormat = (typeof WATCH_FORMATS)[number];
