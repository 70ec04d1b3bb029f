// Kernel-log reader: format detection, line normalisation, event extraction (issue 2, DECISIONS.md 1-3).
export {
  createLogReader, readLog, readLogStream, MAX_LINE_CHARS, DEFAULT_MAX_EVENTS, MAX_EVENT_CHARS, DEFAULT_MAX_KEPT_CHARS, MAX_EXTRA_PANICKED, ownCopy,
  type LogReader, type LogReadOptions, type LogReadResult, type BootFacts,
} from './reader.js';
export { normalizeLine, type LogLine, type LineFormat, type NormalizeOptions } from './normalize.js';
export { HEADER_RULES, matchHeader, classifyPanic, type HeaderRule, type HeaderMatch } from './headers.js';
export { parseCpuLine, parseFrameLine, parseLocation, parseModulesLine, parseRip, parseRegisters } from './body.js';
