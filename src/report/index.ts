// Reports: one file per format (text.ts, json.ts, md.ts, html.ts); render() picks one.
import type { Report } from '../model/types.js';
import { renderText } from './text.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './md.js';
import { renderHtml } from './html.js';

export type ReportFormat = 'text' | 'json' | 'md' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'md', 'html'];

export interface RenderOptions {
  /** text only: ANSI colour (never taken from input strings). */
  color?: boolean;
  /** text only: wrap prose at this many columns (default 100). */
  width?: number;
  /** json only: pretty-printed (default) or one compact line. */
  pretty?: boolean;
}

/** The report in the given format. Throws one clear Error for an unknown format; never for odd report contents. */
export function render(report: Report, format: ReportFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(report, opts);
    case 'json':
      return renderJson(report, { pretty: opts.pretty ?? true });
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    default:
      throw new Error(`unknown report format '${String(format)}' (text, json, md, html)`);
  }
}

export { renderText, renderJson, renderMarkdown, renderHtml };
export { REPORT_SCHEMA, schemaJson } from './schema.js';
