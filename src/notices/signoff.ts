import fs from 'node:fs';
import path from 'node:path';
import { diffNoticeVersions, listNoticeVersions, type NoticeVersion, type TextDiff } from '../audit/notices';
import type { Ledger } from '../ledger';
import { analyseAudio } from '../i18n/prompt-audio';

/**
 * What a data-protection officer reads before signing a draft off: per language, each changed
 * text word by word against the live version, and each recording whose audio changed (hash and
 * duration). Shared by the portal page and its JSON API.
 */
export interface AudioSide {
  path: string;
  sha256: string;
  /** Seconds, when the recording is at hand and ffmpeg reads it. */
  seconds: number | null;
}

export interface AudioChange {
  locale: string;
  key: string;
  live: AudioSide | null;
  draft: AudioSide | null;
}

export interface DraftReview {
  version: NoticeVersion;
  /** Text changes (a recording on either side is listed under `audio` instead). */
  texts: TextDiff[];
  audio: AudioChange[];
  /** Languages with any change. */
  locales: string[];
}

export interface SignoffModel {
  live: NoticeVersion | null;
  drafts: DraftReview[];
}

const AUDIO = /^audio:([^#]+)#sha256=([0-9a-f]{64})$/;

function audioOf(value: string | undefined): { path: string; sha256: string } | null {
  const m = AUDIO.exec(value ?? '');
  return m?.[1] && m[2] ? { path: m[1], sha256: m[2] } : null;
}

async function side(
  a: { path: string; sha256: string } | null,
  archiveDir: string,
  ffmpeg: string | null,
): Promise<AudioSide | null> {
  if (!a) return null;
  const file = path.join(archiveDir, `${a.sha256}${path.extname(a.path)}`);
  let seconds: number | null = null;
  if (ffmpeg && fs.existsSync(file)) {
    try {
      seconds = Math.round((await analyseAudio(ffmpeg, file)).durationSec * 10) / 10;
    } catch {
      seconds = null;
    }
  }
  return { ...a, seconds };
}

/** One draft against the live version (or against nothing, before the first sign-off). */
export async function reviewDraft(
  live: NoticeVersion | null,
  draft: NoticeVersion,
  archiveDir: string,
  ffmpeg: string | null,
): Promise<DraftReview> {
  const texts: TextDiff[] = [];
  const audio: AudioChange[] = [];
  const from = live?.content ?? {};
  for (const d of diffNoticeVersions(from, draft.content)) {
    const before = audioOf(from[d.locale]?.[d.key]);
    const after = audioOf(draft.content[d.locale]?.[d.key]);
    if (!before && !after) {
      texts.push(d);
      continue;
    }
    audio.push({
      locale: d.locale,
      key: d.key,
      live: await side(before, archiveDir, ffmpeg),
      draft: await side(after, archiveDir, ffmpeg),
    });
    // A recording replaced by text (or the reverse): the text side is still read word by word.
    if (!before || !after) texts.push(d);
  }
  const locales = [...new Set([...texts, ...audio].map((c) => c.locale))].sort();
  return { version: draft, texts, audio, locales };
}

export async function signoffModel(
  ledger: Ledger,
  archiveDir: string,
  ffmpeg: string | null,
): Promise<SignoffModel> {
  const versions = listNoticeVersions(ledger);
  const live = versions.find((v) => v.status === 'live') ?? null;
  const drafts: DraftReview[] = [];
  for (const v of versions.filter((x) => x.status === 'draft'))
    drafts.push(await reviewDraft(live, v, archiveDir, ffmpeg));
  return { live, drafts };
}
