// The known-issue base: one data module per issue (see ../types.ts). Add new issues here.
import type { KnownIssue } from '../types.js';
import { issue as afPacketPrivArea } from './af-packet-priv-area-overflow.js';
import { issue as afPacketSetRing } from './af-packet-set-ring-race.js';
import { issue as fsContext } from './fs-context-legacy-parse-param.js';
import { issue as futexRequeue } from './futex-requeue-pi-same-futex.js';
import { issue as nHdlc } from './n-hdlc-tbuf-double-free.js';
import { issue as nfQueueGetRefs } from './nf-queue-get-refs-uaf.js';
import { issue as nfQueueSk } from './nf-queue-sk-not-full-socket.js';
import { issue as nftAnonSet } from './nft-anon-set-uaf.js';
import { issue as nftNewrule } from './nft-newrule-error-path-uaf.js';
import { issue as nftRegisters } from './nft-validate-registers.js';
import { issue as nftVerdict } from './nft-verdict-double-free.js';
import { issue as ovs } from './openvswitch-reserve-sfa-size.js';
import { issue as schedClock } from './rhel-sched-clock-208-days.js';
import { issue as rhel7StackProt } from './rhel7-stack-protector-hrtimer-nanosleep.js';
import { issue as sfb } from './sch-sfb-enqueue-uaf.js';
import { issue as sack } from './tcp-sack-panic.js';
import { issue as xtCompat } from './xt-compat-oob-write.js';

export const KNOWN_ISSUES: readonly KnownIssue[] = [
  rhel7StackProt, nfQueueSk, nfQueueGetRefs, schedClock, sack, nftVerdict, nftAnonSet, nftNewrule, nftRegisters,
  xtCompat, fsContext, sfb, afPacketPrivArea, afPacketSetRing, nHdlc, futexRequeue, ovs,
];
