// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { parseVmcoreInfo, kernelVersionCode, type VmcoreInfo } from './dump.js';
