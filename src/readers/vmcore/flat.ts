// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { FLAT_SIGNATURE, isFlattened, FlatFile } from './dump.js';
