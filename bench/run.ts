// `npm run bench -- [logs|vmcore] [options]`: runs the benchmarks and prints their figures (README keeps them).
import { benchLogs } from './logs.js';

const [which = 'logs', ...rest] = process.argv.slice(2);
if (which === 'logs') console.log(await benchLogs(rest));
else if (which === 'vmcore') {
  const { benchVmcore } = await import('./vmcore.js');
  console.log(await benchVmcore(rest));
} else if (which === 'vmcore-full') {
  const { benchVmcoreFull } = await import('./vmcore-full.js');
  console.log(await benchVmcoreFull(rest));
} else {
  console.error(`bench: unknown benchmark '${which}' (logs, vmcore, vmcore-full)`);
  process.exitCode = 2;
}
