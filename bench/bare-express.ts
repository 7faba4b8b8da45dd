import express from 'express';
import twilio from 'twilio';

/**
 * The baseline: bare Express answering every voice webhook with fixed TwiML, in a process of its
 * own (pinned like the service). It reads no body and checks no signature: the floor any
 * Express webhook service stands on. Prints its port once it listens.
 */
const fixed = new twilio.twiml.VoiceResponse();
fixed.say('Hallo');
fixed.redirect('/voice/consent');
const xml = fixed.toString();

const app = express();
app.post('/voice/*splat', (_req, res) => {
  res.type('text/xml').send(xml);
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
