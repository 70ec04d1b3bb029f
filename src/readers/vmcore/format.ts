// Moved into printk.ts (fewer modules for `ktriage dmesg`'s start-up); re-exported for importers.
export { formatRecord, formatLog, type FormatOptions } from './printk.js';
