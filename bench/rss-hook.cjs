// Preloaded into a measured node process (node --require bench/rss-hook.cjs ...): reports its peak RSS on exit.
process.on('exit', () => {
  try {
    require('fs').writeSync(2, `\nKTRIAGE_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
  } catch {}
});
