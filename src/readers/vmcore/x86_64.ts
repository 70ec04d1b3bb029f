// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { START_KERNEL_MAP, X86_64Translator, type Translation } from './reader.js';
