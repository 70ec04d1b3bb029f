// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { SnappyError, snappyUncompress } from './reader.js';
