// Kept for modules of the diagnosis that still import the draft type from here (recommend.ts): the evidence
// helpers live below rules and diagnosis, in src/analysis/evidence.ts.
export * from '../analysis/evidence.js';
