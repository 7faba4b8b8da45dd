import crypto from 'node:crypto';
import http from 'node:http';
import autocannon from 'autocannon';
import twilio from 'twilio';
import type { LoadJob, LoadResult, PrepareJob, ToLoadGenerator } from './protocol';

/**
 * The load generator's process (pinned to a core of its own by bench/voice.ts). It signs every
 * request as Twilio would, for the public URL the service believes it has, and sends it to the
 * server's loopback address. Jobs come over the IPC channel; results go back the same way.
 */

interface Prepared {
  callSid: string;
  /** Path and query of the Gather action the service gave this call (its sealed state inside). */
  path: string;
}

/** Calls whose first answer is still to be sent; each is used once against the service. */
let pool: Prepared[] = [];
/** Calls already answered: the baseline, which reads nothing, is sent their shape again. */
let used: Prepared[] = [];

const sid = (): string => `CA${crypto.randomBytes(16).toString('hex')}`;
const phone = (): string => `+49151${crypto.randomInt(1e7, 1e8)}`;

function incomingBody(callSid: string): Record<string, string> {
  return {
    AccountSid: 'AC00000000000000000000000000000000',
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'ringing',
    Called: '+493012345678',
    Direction: 'inbound',
    From: phone(),
    FromCountry: 'DE',
    To: '+493012345678',
    ToCountry: 'DE',
  };
}

/** What Twilio posts to a Gather action after the caller pressed 1 (yes) on the first question. */
function answerBody(callSid: string): Record<string, string> {
  return {
    AccountSid: 'AC00000000000000000000000000000000',
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'in-progress',
    Digits: '1',
    Direction: 'inbound',
    FinishedOnKey: '',
    From: '+4915100000000',
    To: '+493012345678',
  };
}

function signedRequest(publicBaseUrl: string, token: string, path: string, params: Record<string, string>) {
  return {
    method: 'POST' as const,
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(token, `${publicBaseUrl}${path}`, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(
  target: string,
  req: ReturnType<typeof signedRequest>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request(`${target}${req.path}`, { method: 'POST', headers: req.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** The state in a TwiML URL of the service (`/voice/<route>?s=<sealed state>`). */
function statePath(twiml: string, route: string): string {
  const m = new RegExp(`/voice/${route}\\?s=([A-Za-z0-9_-]+)`).exec(twiml);
  if (!m) throw new Error(`no /voice/${route} URL in the service's answer: ${twiml.slice(0, 300)}`);
  return `/voice/${route}?s=${m[1]}`;
}

/** One call up to its first question: /voice/incoming, then the /voice/consent it redirects to. */
async function prepareOne(job: PrepareJob): Promise<Prepared> {
  const callSid = sid();
  const ringing = incomingBody(callSid);
  const first = await post(
    job.target,
    signedRequest(job.publicBaseUrl, job.token, '/voice/incoming', ringing),
  );
  if (first.status !== 200) throw new Error(`/voice/incoming answered ${first.status}`);
  const body = { ...ringing, CallStatus: 'in-progress' };
  const consent = await post(
    job.target,
    signedRequest(job.publicBaseUrl, job.token, statePath(first.body, 'consent'), body),
  );
  if (consent.status !== 200) throw new Error(`/voice/consent answered ${consent.status}`);
  return { callSid, path: statePath(consent.body, 'answer') };
}

async function prepare(job: PrepareJob): Promise<number> {
  const made: Prepared[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < job.calls) {
      started += 1;
      made.push(await prepareOne(job));
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  pool = pool.concat(made);
  return pool.length;
}

function load(job: LoadJob): Promise<LoadResult> {
  let exhausted = 0;
  let baselineAt = 0;
  const next = (): ReturnType<typeof signedRequest> => {
    if (job.route === 'incoming')
      return signedRequest(job.publicBaseUrl, job.token, '/voice/incoming', incomingBody(sid()));
    let call: Prepared | undefined;
    if (job.consumes) {
      call = pool.shift();
      if (call) used.push(call);
      else exhausted += 1;
    }
    // Out of fresh calls (or the baseline): an answered call's request again, same size and cost to sign.
    call ??= used[(baselineAt += 1) % used.length] ?? pool[0];
    if (!call) throw new Error('no prepared call: prepare before loading the gather action');
    return signedRequest(job.publicBaseUrl, job.token, call.path, answerBody(call.callSid));
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.target,
        connections: job.connections,
        duration: job.seconds,
        requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...next() }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        used = used.slice(-5000);
        resolve({
          rps: result.requests.average,
          p99: result.latency.p99,
          p50: result.latency.p50,
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          exhausted,
        });
      },
    );
    instance.on('error', reject);
  });
}

process.on('message', (message: ToLoadGenerator) => {
  const reply = (value: unknown): void => void process.send?.({ id: message.id, ok: true, value });
  const fail = (error: unknown): void =>
    void process.send?.({ id: message.id, ok: false, error: String((error as Error).stack ?? error) });
  if (message.kind === 'prepare') prepare(message.job).then(reply, fail);
  else if (message.kind === 'load') load(message.job).then(reply, fail);
  else if (message.kind === 'exit') process.exit(0);
});
