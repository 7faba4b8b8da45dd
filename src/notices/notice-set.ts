import type { Logger } from 'pino';
import type { HealthSource } from '../app';
import { renderSettings } from '../app';
import { listNoticeVersions, noticeVersionSource, registerNoticeVersion } from '../audit/notices';
import type { Config, OperatorConfig } from '../config';
import type { Ledger } from '../ledger';
import {
  archiveDirOf,
  archiveRecordings,
  catalogOfSource,
  diskCatalog,
  readOnDisk,
  type NoticeSource,
} from './source';
import { approveFirstVersion } from './first-version';
import { speechOf, type Speech, type SpeechSource } from './speech';

/**
 * Which notice version callers hear. The files (locales, operator texts, recordings) are always
 * registered as a version; an approved one plays. A draft plays only where drafts may
 * (development); otherwise the live version (the last approved) keeps playing, rebuilt from its
 * stored source and checked to hash to exactly the approved id. When no approved version can be
 * played, the service is `closed`: callers go straight to a human, nothing is said or recorded.
 */
export type NoticeMode = 'approved' | 'draft' | 'live' | 'closed';

export interface NoticeStatus {
  mode: NoticeMode;
  /** The version callers hear; null when closed. */
  playing: string | null;
  /** The version the files on disk are. */
  files: string;
  /** Why the live version cannot play (closed), or what the last reload refused. */
  problem?: string;
  reload?: { at: string; ok: boolean; problems: string[] };
}

export interface NoticeSetDeps {
  ledger: Ledger;
  config: Config;
  log: Logger;
  localesDir: string;
  promptsDir: string;
  /** The operator file, read again on each reload (GATEWAY_CONFIG); the start-up one otherwise. */
  readOperator?: () => OperatorConfig;
  clock?: () => Date;
}

export interface ReloadResult {
  ok: boolean;
  problems: string[];
  status: NoticeStatus;
}

const short = (id: string | null): string => (id ? id.slice(0, 12) : 'none');

export class NoticeSet implements SpeechSource {
  private playing: Speech | null = null;
  private files!: Speech;
  private mode: NoticeMode = 'closed';
  private problem: string | undefined;
  private lastReload: NoticeStatus['reload'];
  private timer: NodeJS.Timeout | undefined;
  private readonly archiveDir: string;
  private readonly clock: () => Date;

  private constructor(private readonly d: NoticeSetDeps) {
    this.archiveDir = archiveDirOf(d.config.databasePath);
    this.clock = d.clock ?? (() => new Date());
  }

  /** Reads the files and decides what plays; files that cannot be read are an error at start. */
  static open(d: NoticeSetDeps): NoticeSet {
    const set = new NoticeSet(d);
    const problems = set.load(d.config.operator);
    if (problems.length > 0) throw new Error(`locales are not valid:\n  - ${problems.join('\n  - ')}`);
    return set;
  }

  current(): Speech | null {
    return this.playing;
  }

  /** The version the files are now (a draft until approved). */
  filesVersion(): string {
    return this.files.version;
  }

  status(): NoticeStatus {
    return {
      mode: this.mode,
      playing: this.playing?.version ?? null,
      files: this.files.version,
      ...(this.problem ? { problem: this.problem } : {}),
      ...(this.lastReload ? { reload: this.lastReload } : {}),
    };
  }

  /** One line for /healthz. */
  describe(): string {
    const s = this.status();
    switch (s.mode) {
      case 'approved':
        return `ok: version ${short(s.playing)} (approved) plays`;
      case 'draft':
        return `draft: version ${short(s.playing)} plays without sign-off (development, NOTICE_DRAFTS=play)`;
      case 'live':
        return `draft ${short(s.files)} awaits approval; the live version ${short(s.playing)} plays`;
      case 'closed':
        return `closed: no approved version can play (${s.problem ?? 'none approved'}); callers go straight to a human, nothing is said or recorded`;
    }
  }

  /**
   * Reads the locale texts, recordings and operator file again. Files that do not validate keep
   * the old texts playing and say why; valid ones become a (draft) notice version.
   */
  reload(): ReloadResult {
    let operator: OperatorConfig;
    try {
      operator = this.d.readOperator ? this.d.readOperator() : this.d.config.operator;
    } catch (error) {
      return this.noteReload([`GATEWAY_CONFIG: ${(error as Error).message}`]);
    }
    return this.noteReload(this.load(operator));
  }

  /** Looks again at which versions are approved (another process may have signed one off). */
  refresh(): boolean {
    if (this.mode === 'approved') return false;
    const before = this.playing?.version ?? null;
    this.decide(this.files);
    return (this.playing?.version ?? null) !== before;
  }

  /** Polls approvals so a sign-off elsewhere takes effect within seconds, without a restart. */
  start(everyMs = 5_000): void {
    this.stop();
    this.timer = setInterval(() => {
      try {
        if (this.refresh()) this.d.log.info({ notice: this.status() }, 'notice version changed');
      } catch (error) {
        this.d.log.warn({ err: error }, 'notice approvals could not be read');
      }
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private noteReload(problems: string[]): ReloadResult {
    this.lastReload = { at: this.clock().toISOString(), ok: problems.length === 0, problems };
    const status = this.status();
    if (problems.length > 0) this.d.log.warn({ problems }, 'reload refused: the old texts keep playing');
    else this.d.log.info({ notice: status }, 'texts reloaded');
    return { ok: problems.length === 0, problems, status };
  }

  private age(): number {
    return this.d.config.operator.ageOfConsent.default ?? 16;
  }

  private baseSettings(operator: OperatorConfig): ReturnType<typeof renderSettings> {
    return renderSettings({ ...this.d.config, operator });
  }

  /** Reads the files; on problems changes nothing and returns them. */
  private load(operator: OperatorConfig): string[] {
    const disk = readOnDisk(this.d.localesDir, this.d.promptsDir, this.baseSettings(operator));
    if (disk.problems.length > 0) return disk.problems;
    const speech = speechOf(diskCatalog(disk), this.baseSettings(operator), this.age(), disk.source);
    registerNoticeVersion(this.d.ledger, speech.content, this.clock(), JSON.stringify(disk.source));
    archiveRecordings(this.archiveDir, disk.audio);
    this.disk = { lexicons: disk.lexicons, audio: disk.audio };
    this.files = speech;
    this.decide(speech);
    return [];
  }

  private disk: Parameters<typeof catalogOfSource>[1] = { lexicons: new Map(), audio: new Map() };

  private decide(files: Speech): void {
    const versions = listNoticeVersions(this.d.ledger);
    const mine = versions.find((v) => v.id === files.version);
    this.problem = undefined;
    if (mine?.approvedAt) return this.play('approved', files);
    if (this.d.config.notices.drafts === 'play') return this.play('draft', files);
    const live = versions.find((v) => v.status === 'live');
    if (!live) {
      if (
        this.d.config.notices.firstVersion === 'live' &&
        approveFirstVersion(this.d.ledger, files.version, this.clock())
      )
        return this.play('approved', files);
      return this.close('no notice version has been approved yet');
    }
    const stored = noticeVersionSource(this.d.ledger, live.id);
    if (!stored) return this.close(`the live version ${short(live.id)} has no stored source`);
    const source = JSON.parse(stored) as NoticeSource;
    const catalog = catalogOfSource(source, this.disk, this.archiveDir);
    if ('problem' in catalog) return this.close(`the live version ${short(live.id)}: ${catalog.problem}`);
    const speech = speechOf(
      catalog,
      { ...this.baseSettings(this.d.config.operator), ...source.spoken },
      this.age(),
      source,
    );
    // Played only if it says exactly what was approved (same hash), whatever else changed.
    if (speech.version !== live.id)
      return this.close(`the live version ${short(live.id)} does not rebuild to the same texts here`);
    this.play('live', speech);
  }

  private play(mode: NoticeMode, speech: Speech): void {
    if (this.mode !== mode || this.playing?.version !== speech.version)
      this.d.log[mode === 'approved' ? 'info' : 'warn'](
        { mode, version: speech.version, files: this.files.version },
        mode === 'draft' ? 'an unapproved notice version plays (development)' : 'notice version chosen',
      );
    this.mode = mode;
    this.playing = speech;
  }

  private close(problem: string): void {
    if (this.mode !== 'closed') this.d.log.error({ problem }, 'no approved notice version can play');
    this.mode = 'closed';
    this.playing = null;
    this.problem = problem;
  }
}

/** /healthz with the notice line; closed (callers only reach a human) is not "ok". */
export function withNoticeHealth(health: HealthSource, notices: NoticeSet): HealthSource {
  return {
    async check() {
      try {
        notices.refresh();
      } catch {
        // The ledger is unreadable: its own check below says so; the version playing stays.
      }
      const result = await health.check();
      const closed = notices.status().mode === 'closed';
      return {
        ...result,
        checks: { ...result.checks, notice: notices.describe() },
        notice: notices.status(),
        degraded: Boolean(result.degraded) || closed,
      };
    },
  };
}
