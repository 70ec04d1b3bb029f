// stack-protector: `Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: X`.
// X is __stack_chk_fail's return address, i.e. inside the function whose canary check failed. The rule names
// that function (from the symbolised message, `sym`, the frames, or a `bt`), confirms the canary code in
// `dis` output when present (prologue `mov %gs:0x28,%reg`, epilogue `xor|sub|cmp %gs:0x28,%reg` + `jne` to a
// `call __stack_chk_fail`), and says whether it is core-kernel code (no third-party module on the stack).

import type { CrashEvent, Disassembly, Evidence, Finding } from '../model/types.js';
import { derived, headerEvidence, normHex, refEvidence, type Draft, type StackView } from '../analysis/evidence.js';
import { baseName } from '../analysis/frames.js';
import { moduleHolding } from '../analysis/dump.js';
import { dumpSourceName, finding, MAX_FINDINGS_PER_RULE, type Rule, type RuleContext } from './types.js';

const CORRUPTED_IN = /stack-protector: Kernel stack is corrupted in: *([^\s].*?)\s*$/;

export interface StackProtectorTarget {
  text: string;
  address: string | null;
  function: string | null;
  offset: number | null;
  module: string | null;
}

/** Parses the text after `corrupted in:`: `ktl_parse_header+0x96/0xa0 [mod]`, `0xffffffffc04f2116`, `ffffffff810aa8da`. */
export function parseTarget(text: string): StackProtectorTarget {
  const t = text.trim().replace(/\s*\]---$/, '');
  const hex = /^(?:0x)?([0-9a-f]{8,16})$/i.exec(t);
  if (hex) return { text: t, address: hex[1]!.toLowerCase(), function: null, offset: null, module: null };
  const sym = /^([A-Za-z_.$][\w.$]*)\+(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?(?:\s+\[([\w-]+)\])?/i.exec(t);
  if (sym) {
    const off = sym[2]!.startsWith('0x') ? parseInt(sym[2]!, 16) : parseInt(sym[2]!, 10);
    return { text: t, address: null, function: sym[1]!, offset: off, module: sym[4] ?? null };
  }
  return { text: t, address: null, function: null, offset: null, module: null };
}

interface Resolution { function: string | null; module: string | null; how: string; evidence: Evidence[] }

function resolveAddress(draft: Draft, stacks: StackView[], address: string): Resolution {
  const want = normHex(address);
  for (const s of draft.dump?.symbols ?? []) {
    if (normHex(s.address) === want && s.symbol) {
      const name = s.symbol.split('+')[0]!.trim();
      return { function: name, module: s.module, how: 'sym', evidence: [refEvidence(s.source, `sym ${address}: ${s.symbol}${s.module ? ` [${s.module}]` : ''}`)] };
    }
  }
  for (const st of stacks) {
    for (const f of st.frames) {
      if (f.function && normHex(f.address) === want && baseName(f.function) !== '__stack_chk_fail') {
        return { function: f.function, module: f.module, how: st.bt ? 'bt' : 'frame', evidence: [st.evidence(f)] };
      }
    }
  }
  for (const d of draft.dump?.disassembly ?? []) {
    for (const ins of d.instructions) {
      if (normHex(ins.address) === want && ins.location) {
        return { function: ins.location.split('+')[0]!, module: null, how: 'dis', evidence: [refEvidence(d.source, `${ins.address} <${ins.location}>`)] };
      }
    }
  }
  return { function: null, module: null, how: 'none', evidence: [] };
}

export interface CanaryCheck { prologue: boolean; epilogue: boolean; callsStackChkFail: boolean; evidence: Evidence[] }

function insEvidence(d: Disassembly, i: number, text: string): Evidence {
  const span = d.source.endLine - d.source.startLine + 1;
  const line = span === d.instructions.length ? d.source.startLine + i : d.source.startLine;
  return { source: d.source.file, line, text };
}

/** Looks for the canary load and check of `fn` in the disassembly listings. */
export function checkCanary(draft: Draft, fn: string): CanaryCheck | null {
  const listings = (draft.dump?.disassembly ?? []).filter((d) => {
    const owner = d.function ?? d.instructions[0]?.location?.split('+')[0] ?? null;
    return owner !== null && baseName(owner) === baseName(fn);
  });
  if (listings.length === 0) return null;
  const res: CanaryCheck = { prologue: false, epilogue: false, callsStackChkFail: false, evidence: [] };
  for (const d of listings) {
    d.instructions.forEach((ins, i) => {
      const t = ins.text;
      const show = `${ins.address} <${ins.location ?? ''}>: ${t}`;
      if (/\bmov[lq]?\s+%gs:(0x28|40),%\w+/.test(t)) { res.prologue = true; res.evidence.push(insEvidence(d, i, show)); }
      else if (/\b(xor|sub|cmp)[lq]?\s+%gs:(0x28|40),%\w+/.test(t)) { res.epilogue = true; res.evidence.push(insEvidence(d, i, show)); }
      else if (/\bcall[q]?\s+.*<__stack_chk_fail>/.test(t)) { res.callsStackChkFail = true; res.evidence.push(insEvidence(d, i, show)); }
      else if (res.epilogue && /\bjne\s/.test(t) && res.evidence.length < 8) res.evidence.push(insEvidence(d, i, show));
    });
  }
  return res;
}

function stackOfPanic(ctx: RuleContext, ev: CrashEvent | null): StackView[] {
  const out = ctx.stacks.filter((s) => (ev && s.event === ev) || (s.bt && s.frames.some((f) => f.function && baseName(f.function) === '__stack_chk_fail')));
  return out;
}

export const rule: Rule = {
  id: 'stack-protector',
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    const sources: { text: string; ev: CrashEvent | null; evidence: Evidence }[] = [];
    for (const ev of ctx.draft.events) {
      const m = CORRUPTED_IN.exec(ev.header);
      if (m) sources.push({ text: m[1]!, ev, evidence: headerEvidence(ev) });
    }
    const pm = ctx.draft.panic?.message ? CORRUPTED_IN.exec(ctx.draft.panic.message) : null;
    if (pm && sources.length === 0) sources.push({ text: pm[1]!, ev: null, evidence: { source: dumpSourceName(ctx.draft), line: null, text: ctx.draft.panic!.message! } });
    for (const src of sources) {
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      const target = parseTarget(src.text);
      const key = target.address ?? target.text;
      if (seen.has(key)) continue;
      seen.add(key);
      const evidence: Evidence[] = [src.evidence];
      let fn = target.function;
      let mod = target.module;
      let how = fn ? 'message' : 'none';
      if (!fn && target.address) {
        const r = resolveAddress(ctx.draft, ctx.stacks, target.address);
        fn = r.function; mod = r.module; how = r.how;
        evidence.push(...r.evidence);
      }
      const stacks = stackOfPanic(ctx, src.ev);
      // The frame that called __stack_chk_fail (the next one out) is the failing function.
      for (const s of stacks) {
        const i = s.frames.findIndex((f) => f.function && baseName(f.function) === '__stack_chk_fail');
        if (i >= 0) {
          evidence.push(s.evidence(s.frames[i]!));
          const caller = s.frames[i + 1];
          if (caller) evidence.push(s.evidence(caller));
        }
      }
      const tpOnStack = [...new Set(stacks.flatMap((s) => s.frames.map((f) => f.module)).filter((m): m is string => !!m && ctx.thirdParty.has(m)))];
      const modThirdParty = mod !== null && ctx.thirdParty.has(mod);
      const coreKernel = fn !== null && mod === null && tpOnStack.length === 0;
      const canary = fn ? checkCanary(ctx.draft, fn) : null;
      if (canary) evidence.push(...canary.evidence);
      // No symbol names the address, but the dump facts may place it in a module's memory (a hidden one too).
      const holder = fn ? null : moduleHolding(ctx.draft, target.address);
      const where = fn
        ? `${fn}${mod ? ` [${mod}]` : ''}`
        : holder
          ? `${target.text}, in the memory of module ${holder.name}${holder.hidden ? ', hidden from the module list' : ''} (no symbol names it)`
          : `${target.text}, an address no symbol${ctx.draft.dump ? ' or module' : ''} owns`;
      let summary = `Stack corruption detected by the stack protector in ${where}`;
      if (coreKernel) summary += ': a core-kernel function, no third-party module on the stack';
      else if (modThirdParty) summary += `: code of the third-party module ${mod}`;
      else if (tpOnStack.length > 0) summary += `; third-party module${tpOnStack.length > 1 ? 's' : ''} ${tpOnStack.join(', ')} on the stack`;
      if (canary && canary.prologue && canary.epilogue) summary += '; its disassembly shows the canary load and check';
      out.push(finding('stack-protector', 'critical', summary, evidence, src.ev ? [src.ev.index] : [], {
        function: fn, module: mod, address: target.address, resolvedBy: how, coreKernel, thirdPartyOnStack: tpOnStack,
        canary: canary ? { prologue: canary.prologue, epilogue: canary.epilogue, callsStackChkFail: canary.callsStackChkFail } : null,
      }));
      if (!fn) out[out.length - 1]!.evidence.push(derived(`no symbol resolves ${target.text}`));
    }
    return out;
  },
};
