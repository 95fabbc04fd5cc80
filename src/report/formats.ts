// The output formats of the report and of the flow rows: what the commands offer in --format, apart from
// the printers, so that a command's definition (cli/) names them without loading the printers.

export const REPORT_FORMATS = ['text', 'json', 'ndjson', 'markdown', 'junit', 'sarif', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const FLOW_FORMATS = ['text', 'json', 'ndjson', 'csv'] as const;
export type FlowFormat = (typeof FLOW_FORMATS)[number];
