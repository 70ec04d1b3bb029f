// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { START_KERNEL_MAP, X86_64Translator, type Translation } from './dump.js';
