// `npm run bench -- [logs|vmcore|kb] [options]`: runs the benchmarks and prints their figures (README keeps them).
import { benchLogs } from './logs.js';

const [which = 'logs', ...rest] = process.argv.slice(2);
if (which === 'logs') console.log(await benchLogs(rest));
else if (which === 'vmcore') {
  const { benchVmcore } = await import('./vmcore.js');
  console.log(await benchVmcore(rest));
} else if (which === 'vmcore-full') {
  const { benchVmcoreFull } = await import('./vmcore-full.js');
  console.log(await benchVmcoreFull(rest));
} else if (which === 'kb') {
  const { benchKb } = await import('./kb.js');
  console.log(await benchKb(rest));
} else if (which === 'fleet') {
  const { benchFleet } = await import('./fleet.js');
  console.log(await benchFleet(rest));
} else {
  console.error(`bench: unknown benchmark '${which}' (logs, vmcore, vmcore-full, kb, fleet)`);
  process.exitCode = 2;
}
