import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

/** The only Twilio REST calls we make, behind one narrow interface so jobs can be tested against the emulator. */
export interface TwilioApi {
  downloadRecording(recordingSid: string, toFile: string): Promise<number>;
  deleteRecording(recordingSid: string): Promise<void>;
  sendSms(p: { to: string; from: string; body: string }): Promise<void>;
  /** Asks Twilio whether it still holds a recording: a deletion certificate checks, not assumes. */
  recordingExists(recordingSid: string): Promise<boolean>;
  /** Every recording Twilio holds for the account, page by page (the sweep's view of Twilio). */
  listRecordings(): AsyncGenerator<TwilioRecording>;
  /** The call as Twilio knows it; null when Twilio has no such call. */
  fetchCall(callSid: string): Promise<TwilioCall | null>;
}

export interface TwilioRecording {
  sid: string;
  callSid: string | null;
  /** in-progress | paused | stopped | processing | completed | absent | failed | deleted */
  status: string;
  /** When Twilio created it (epoch ms); NaN when Twilio sent no readable date. */
  createdAt: number;
}

export interface TwilioCall {
  sid: string;
  /** queued | ringing | in-progress | canceled | completed | failed | busy | no-answer */
  status: string;
  /** Seconds, once the call ended. */
  duration: number | null;
}

const PAGE_SIZE = 100;
/** A runaway listing (a server that always says there is a next page) ends here. */
const MAX_PAGES = 1000;

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class TwilioRestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Media is fetched from TWILIO_API_BASE only: the recording URL Twilio posts is never followed, so
 * a forged callback cannot make us send credentials to another host.
 */
export function createTwilioApi(p: {
  apiBase: string;
  accountSid: string;
  authToken: string;
  timeoutMs?: number;
}): TwilioApi {
  const auth = `Basic ${Buffer.from(`${p.accountSid}:${p.authToken}`).toString('base64')}`;
  const account = `${p.apiBase}/2010-04-01/Accounts/${encodeURIComponent(p.accountSid)}`;
  const timeout = p.timeoutMs ?? 20_000;
  const call = async (method: string, url: string, body?: URLSearchParams): Promise<Response> => {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: auth,
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeout),
    });
    return res;
  };
  return {
    async downloadRecording(recordingSid, toFile) {
      const res = await call('GET', `${account}/Recordings/${encodeURIComponent(recordingSid)}.wav`);
      if (!res.ok || !res.body) throw new TwilioRestError(`recording media: HTTP ${res.status}`, res.status);
      await pipeline(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
        fs.createWriteStream(toFile, { mode: 0o600 }),
      );
      return fs.statSync(toFile).size;
    },
    async deleteRecording(recordingSid) {
      const res = await call('DELETE', `${account}/Recordings/${encodeURIComponent(recordingSid)}.json`);
      // Already gone counts as done: deletion is idempotent.
      if (!res.ok && res.status !== 404)
        throw new TwilioRestError(`delete recording: HTTP ${res.status}`, res.status);
    },
    async recordingExists(recordingSid) {
      const res = await call('GET', `${account}/Recordings/${encodeURIComponent(recordingSid)}.json`);
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 404) return false;
      if (res.ok) return true;
      throw new TwilioRestError(`recording lookup: HTTP ${res.status}`, res.status);
    },
    async *listRecordings() {
      // next_page_uri is a path on the API; it is followed only under this account, on TWILIO_API_BASE.
      const accountPath = new URL(account).pathname;
      let url: string | null = `${account}/Recordings.json?PageSize=${PAGE_SIZE}`;
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const res = await call('GET', url);
        if (!res.ok) {
          await res.arrayBuffer().catch(() => undefined);
          throw new TwilioRestError(`list recordings: HTTP ${res.status}`, res.status);
        }
        const body = (await res.json()) as { recordings?: unknown; next_page_uri?: unknown };
        const items = Array.isArray(body.recordings)
          ? (body.recordings as Array<Record<string, unknown>>)
          : [];
        for (const r of items) {
          const sid = text(r.sid);
          if (!sid) continue;
          yield {
            sid,
            callSid: text(r.call_sid),
            status: text(r.status) ?? '',
            createdAt: Date.parse(text(r.date_created) ?? ''),
          };
        }
        const next = text(body.next_page_uri);
        url = next && next.startsWith(`${accountPath}/`) ? `${p.apiBase}${next}` : null;
      }
    },
    async fetchCall(callSid) {
      const res = await call('GET', `${account}/Calls/${encodeURIComponent(callSid)}.json`);
      if (res.status === 404) {
        await res.arrayBuffer().catch(() => undefined);
        return null;
      }
      if (!res.ok) {
        await res.arrayBuffer().catch(() => undefined);
        throw new TwilioRestError(`fetch call: HTTP ${res.status}`, res.status);
      }
      const body = (await res.json()) as Record<string, unknown>;
      const duration = Number(text(body.duration) ?? body.duration);
      return {
        sid: text(body.sid) ?? callSid,
        status: text(body.status) ?? '',
        duration: Number.isFinite(duration) && body.duration !== null ? duration : null,
      };
    },
    async sendSms({ to, from, body }) {
      const res = await call(
        'POST',
        `${account}/Messages.json`,
        new URLSearchParams({ To: to, From: from, Body: body }),
      );
      if (!res.ok) throw new TwilioRestError(`send SMS: HTTP ${res.status}`, res.status);
    },
  };
}
