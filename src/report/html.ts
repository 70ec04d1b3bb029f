import type { Report } from '../model/types.js';
export function renderHtml(r: Report): string { return ''; }
