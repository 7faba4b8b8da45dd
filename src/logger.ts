import pino, { type Logger } from 'pino';

/** Phone numbers, transcripts, tokens and media URLs never reach the log, wherever a log line puts them. */
export const REDACT_PATHS = [
  'from',
  'to',
  'From',
  'To',
  'Caller',
  'Called',
  'number',
  'speech',
  'SpeechResult',
  'transcript',
  'token',
  'consentToken',
  'authToken',
  'password',
  'RecordingUrl',
  'url',
  'headers.authorization',
  'headers.cookie',
  '*.from',
  '*.to',
  '*.From',
  '*.To',
  '*.SpeechResult',
  '*.token',
  '*.password',
  '*.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'consent-gateway' } },
    destination,
  );
}

/** Keeps the country code and the last two digits, enough to tell calls apart in a log. */
export function maskNumber(number: string | undefined): string {
  if (!number) return '';
  if (number.length <= 6) return '***';
  return `${number.slice(0, 3)}***${number.slice(-2)}`;
}
