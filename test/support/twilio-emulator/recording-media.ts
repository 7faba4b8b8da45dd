/**
 * The audio of completed recordings (…/Recordings/RE….wav or .mp3), made once per recording, and
 * the faults a download can meet: a stall, a 500, a body cut off half-way, or noise that is not audio.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { toneWav, wavToMp3 } from './audio';
import { notFound, twilioError } from './rest-http';
import type { EmulatedRecording, EmulatorFaults, EmulatorOptions } from './types';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RecordingMedia {
  private readonly wavs = new Map<string, Promise<Buffer>>();

  constructor(private readonly recordingWav: EmulatorOptions['recordingWav']) {}

  wavFor(rec: EmulatedRecording): Promise<Buffer> {
    let wav = this.wavs.get(rec.sid);
    if (!wav) {
      const seconds = rec.duration ?? 1;
      wav = this.recordingWav ? this.recordingWav(rec.callSid, seconds) : toneWav(seconds);
      this.wavs.set(rec.sid, wav);
    }
    return wav;
  }

  /** Serves a recording's audio; `faults` is read as the download goes, so a test can change them meanwhile. */
  async serve(
    res: http.ServerResponse,
    rec: EmulatedRecording | undefined,
    format: 'wav' | 'mp3',
    faults: () => EmulatorFaults,
  ): Promise<void> {
    if (!rec || rec.status !== 'completed') {
      return notFound(res);
    }
    const fault = faults().media;
    if (fault === '500') return twilioError(res, 500, 20500, 'Injected fault');
    const wav = await this.wavFor(rec);
    const audio = format === 'mp3' ? await wavToMp3(wav) : wav;
    const contentType = format === 'mp3' ? 'audio/mpeg' : 'audio/x-wav';
    if (fault === 'garbage') {
      const noise = randomBytes(audio.length);
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': noise.length });
      res.end(noise);
      return;
    }
    if (fault === 'truncated') {
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': audio.length });
      res.write(audio.subarray(0, Math.floor(audio.length / 2)), () => res.destroy());
      return;
    }
    if (fault === 'slow') {
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': audio.length });
      const parts = 10;
      const size = Math.ceil(audio.length / parts);
      for (let i = 0; i < parts && !res.destroyed; i++) {
        await sleep((faults().mediaSlowMs ?? 10_000) / parts);
        res.write(audio.subarray(i * size, (i + 1) * size));
      }
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': audio.length });
    res.end(audio);
  }
}
