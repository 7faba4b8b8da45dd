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
}

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
