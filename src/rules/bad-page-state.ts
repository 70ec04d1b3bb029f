// bad-page-state: `BUG: Bad page state in process X` (the `B` taint): the page allocator found a page whose
// refcount, mapcount, mapping or flags are wrong when it was freed or allocated. A use after free of the
// page, a refcount imbalance in a driver or filesystem, or memory corruption (bad RAM).
import { kindRule } from './kind-rule.js';

export const rule = kindRule({
  id: 'bad-page-state',
  matches: (ev) => /Bad page state in process|Bad page map in process|Bad rss-counter state/.test(ev.header),
  severity: () => 'high',
  describe: (ev, where) => {
    const why = ev.lines.slice(0, 30).map((l) => /page dumped because: (.{1,120})/.exec(l)?.[1]).find(Boolean);
    return `Bad page state (taint B)${ev.task.comm ? ` in ${ev.task.comm}:${ev.task.pid ?? '?'}` : ''}: the page allocator found a page in an impossible state` +
      `${why ? ` (${why.trim()})` : ''}${where ? `, seen in ${where}` : ''}: a page used after it was freed, a refcount imbalance, or memory corruption`;
  },
  extraLines: [(l) => /page dumped because:/.test(l)],
});
