// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { FLAT_SIGNATURE, isFlattened, FlatFile } from './reader.js';
