import type { Ledger } from '../ledger';

/**
 * The end of a <Dial> to a human, from its action callback. Twilio may send that callback more
 * than once: one whose dialled leg (DialCallSid, else the same status) the ledger already noted
 * is a repeat and writes nothing. False for a call the ledger does not know.
 */
export function dialEnded(
  ledger: Ledger,
  a: { callSid: string; dialCallSid: string | null; status: string; answered: boolean; at: Date },
): boolean {
  if (!ledger.getCall(a.callSid)) return false;
  const noted = ledger
    .eventsForCall(a.callSid)
    .filter((e) => e.type === 'handover_completed' || e.type === 'handover_failed')
    .map((e) => JSON.parse(e.data) as { dialStatus?: unknown; dialCallSid?: unknown });
  const repeat = noted.some((d) =>
    a.dialCallSid
      ? d.dialCallSid === a.dialCallSid
      : d.dialCallSid === undefined && d.dialStatus === a.status,
  );
  if (repeat) return true;
  ledger.append([
    {
      type: a.answered ? 'handover_completed' : 'handover_failed',
      callSid: a.callSid,
      at: a.at,
      data: { dialStatus: a.status, ...(a.dialCallSid ? { dialCallSid: a.dialCallSid } : {}) },
    },
  ]);
  return true;
}
