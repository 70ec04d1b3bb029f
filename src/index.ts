// ktriage's library entry: `analyze(inputs)` returns the same Report object that `ktriage analyze --json` prints.
export { analyze, detectInputKind, MAX_DETAILED_EVENTS } from './analyze.js';
export type { AnalyzeInput, AnalyzeOptions, InputKind } from './analyze.js';
export { render } from './report/index.js';
export { readLog } from './readers/log/index.js';
export { readCrashSession } from './readers/crash-session/index.js';
export { readVmcore } from './readers/vmcore/index.js';
export { diagnose } from './diagnose/index.js';
export { findFirstCrash } from './title/index.js';
export * from './model/types.js';
export { VERSION } from './version.js';
