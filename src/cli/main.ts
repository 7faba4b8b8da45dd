import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config';
import { generateKeyRingEntry } from '../crypto/keyring';
import { KEY_ID } from '../crypto/key-ring-env';
import {
  ArgumentError,
  checkCallerArgument,
  checkOutFile,
  isArgumentError,
  readArgumentFile,
} from './arguments';
import { typedNumber } from '../privacy/typed-number';
import { formatPublicKeys } from '../crypto/signing-keys';
import { Catalog, readLocales } from '../i18n/catalog';
import { operatorTextProblems } from '../i18n/operator-texts';
import { localesDir, promptsDir } from '../config';
import { readClip } from '../jobs/handlers';
import { createLogger } from '../logger';
import { openRuntime, type Runtime } from '../runtime';
import { callReport } from './call-report';
import { jobsCommand } from './jobs';
import { logCliAccess } from './cli-access';
import { releaseForCli } from './clip-release';
import { promptTextFindings } from './locale-texts';
import { variantProblems } from '../notices/variants';
import { noticesCommand } from './notices';
import { promptsCommand } from './prompts';
import { retentionCommand } from './retention';
import { certificateCommand } from './certificate';
import { intentsTest } from './intents-test';
import { migrateToPostgres } from './migrate-to-postgres';
import { rotateKeys, rotateSigning, signingUsesOf } from './rotate';
import { verifyLedger } from './verify';
import { simulate } from './simulate';
import { CHANNELS, erase, withdraw, type Channel } from './withdraw';
import { outboundOf } from '../outbound/outbound';
import { usersCommand } from './users';
import { readPassword } from './password-prompt';

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 4 } as const;

const USAGE = `consent — consent gateway command line

  consent call <CallSid> [--json] [--reason <why>]   what happened in one call (exit 4: unknown call)
  consent clip <consentId> --out <file> [--reason <why>] [--approval <id>]
                                         write the decrypted consent snippet (exit 4: no stored clip);
                                         with AUDIT_FOUR_EYES=true it needs an approved, unused approval
  (both are written to the portal's access log with your operating-system user)
  consent verify [--checkpoint <file>]   check the event log (chain, Merkle tree, bound rows) against the
                                         latest signed checkpoint in the bucket and the one given
  consent jobs [--all]                   pending and failed background work, with the last error
  consent keys generate [--id <id>]      print a new CONSENT_KEYS entry
  consent keys public                    the Ed25519 public keys (PEM), each after a # line naming its use
  consent keys rotate                    re-wrap every stored data key under the first CONSENT_KEYS entry
  consent keys rotate-signing <use>|all  a new Ed25519 key for consent-token, export, certificate or checkpoint
  consent locales check                  validate locales/<lng>/prompts.json and lexicon.json
  consent notices list | diff <a> <b> | approve <id> --by <email>   notice versions and their sign-off
  consent prompts build [--lang de] [--engine espeak] [--dir prompts]   telephone WAVs from the locale texts
  consent prompts check [--lang de] [--dir prompts]   format, rate, loudness and length of recorded prompts
  consent intents test <file> --lang <lng>  run your own utterances; confusion matrix, exit 1 on a false yes
  consent users add --email <e> --role admin|auditor|ops | list   portal accounts (password on stdin)
  consent withdraw <consentId> | --caller <number> --channel web|email|phone|letter
                                         withdraw consents received outside the call; deletes their clips
  consent retention run [--dry-run] [--json]   apply the retention schedule now; deletes expired clips
  consent erase --caller <number> --channel web|email|phone|letter
                                         withdraw, delete clips and destroy the caller's key (Art. 17)
  consent certificate <consentId> [--json]  the signed deletion certificate (exit 4: none)
  consent migrate-to-postgres [--from <file>]   copy the SQLite ledger (DATABASE_PATH) into the empty
                                         PostgreSQL at DATABASE_URL and prove the chain and Merkle root
  consent simulate [--lang de] [--press 9,1,2] [--say "ja gerne"]...  hear a call on the command line
`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

async function withRuntime<T>(io: Out, fn: (rt: Runtime, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const rt = await openRuntime(config, createLogger(process.env.LOG_LEVEL ?? 'warn'));
  try {
    return await fn(rt, config);
  } finally {
    await rt.close();
  }
  void io;
}

export async function main(argv: string[], io: Out = stdio): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'call': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { json: { type: 'boolean' }, reason: { type: 'string' } },
        });
        const sid = positionals[0];
        if (!sid) return usage(io);
        return await withRuntime(io, async (rt) => {
          const report = callReport(rt.ledger, sid);
          if (!report) {
            io.err(`unknown call ${sid}\n`);
            return EXIT.notFound;
          }
          logCliAccess(rt.ledger, 'view_call', {
            callSid: sid,
            consentId: report.consentId,
            reason: values.reason,
          });
          if (values.json) io.out(`${JSON.stringify(report)}\n`);
          else {
            io.out(
              `${report.callSid}  ${report.locale}  outcome=${report.outcome}  consent=${report.consentId ?? '-'}  routed=${report.routedTo}  clip=${report.clip.status}\n`,
            );
            for (const e of report.events) io.out(`  ${e.at}  ${e.type}\n`);
          }
          return EXIT.ok;
        });
      }
      case 'clip': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { out: { type: 'string' }, reason: { type: 'string' }, approval: { type: 'string' } },
        });
        const id = positionals[0];
        if (!id || !values.out) return usage(io);
        const outFile = checkOutFile(values.out);
        return await withRuntime(io, async (rt, config) => {
          if (rt.ledger.getClip(id)?.status !== 'stored') {
            io.err(`no stored clip for consent ${id}\n`);
            return EXIT.notFound;
          }
          const released = releaseForCli(rt.ledger, config, id, values.approval);
          if (!released.ok) {
            io.err(`${released.error}\n`);
            return EXIT.failure;
          }
          const clip = await readClip(rt.ledger, rt.store, id);
          if (!clip) {
            io.err(`no stored clip for consent ${id}\n`);
            return EXIT.notFound;
          }
          fs.writeFileSync(outFile, clip.audio, { mode: 0o600 });
          logCliAccess(rt.ledger, 'download_clip', {
            consentId: id,
            reason: values.reason ?? released.reason,
            detail: { approval: released.approval },
          });
          rt.ledger.append([
            {
              type: 'clip_exported',
              consentId: id,
              at: new Date(),
              data: { via: 'cli', user: process.env.USER ?? 'unknown' },
            },
          ]);
          io.out(`wrote ${clip.audio.length} bytes (${clip.format}) to ${outFile}\n`);
          return EXIT.ok;
        });
      }
      case 'verify': {
        const { values } = parseArgs({ args: rest, options: { checkpoint: { type: 'string' } } });
        const given = values.checkpoint;
        const note =
          given === undefined ? undefined : { file: given, text: readArgumentFile('--checkpoint', given) };
        return await withRuntime(io, (rt) => verifyLedger(rt, io, note));
      }
      case 'jobs': {
        const { values } = parseArgs({
          args: rest,
          options: { all: { type: 'boolean' }, json: { type: 'boolean' } },
        });
        return await withRuntime(io, async (rt) => jobsCommand(rt, io, values));
      }
      case 'keys': {
        const [sub, ...args] = rest;
        if (sub === 'generate') {
          const { values } = parseArgs({ args, options: { id: { type: 'string' } } });
          const id = values.id ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
          if (!KEY_ID.test(id)) throw new ArgumentError(`--id "${id}" must be 1-32 letters, digits, _ . -`);
          io.out(`${generateKeyRingEntry(id)}\n`);
          return EXIT.ok;
        }
        if (sub === 'public')
          return await withRuntime(
            io,
            async (rt) => (io.out(formatPublicKeys(rt.ledger.signingKeys.publicKeys())), EXIT.ok),
          );
        if (sub === 'rotate-signing') {
          const uses = signingUsesOf(args);
          if (!uses) return usage(io);
          return await withRuntime(io, async (rt) => (io.out(rotateSigning(rt.ledger, uses)), EXIT.ok));
        }
        if (sub === 'rotate')
          return await withRuntime(io, async (rt) => {
            const result = rotateKeys(rt.ledger);
            io.out(
              `re-wrapped ${result.rewrapped} secrets under "${rt.ledger.keyRing.active.id}"` +
                `${Object.entries(result.byColumn)
                  .map(([col, n]) => `\n  ${col}: ${n}`)
                  .join('')}` +
                `\nstill needed key ids: ${result.stillNeeded.join(', ') || 'none but the active one (every other entry can be dropped)'}\n`,
            );
            return EXIT.ok;
          });
        return usage(io);
      }
      case 'locales': {
        if (rest[0] !== 'check') return usage(io);
        const { locales, menu, problems, resources } = readLocales(localesDir());
        // A/B variants: their files, and the compliance gate against the live texts (notices/variants).
        problems.push(
          ...variantProblems(
            localesDir(),
            locales,
            Object.fromEntries(locales.map((l) => [l, resources[l]?.translation ?? {}])),
          ),
        );
        // Placeholders nothing fills in, texts nothing says, duplicate keys (src/i18n/locale-checks.ts).
        const findings = promptTextFindings(loadConfig());
        for (const f of findings)
          if (f.level === 'error') problems.push(`${f.at}: ${f.message}`);
          else io.out(`warning: ${f.at}: ${f.message}\n`);
        // The operator's texts too: each one a caller hears must exist in every shipped locale.
        if (problems.length === 0)
          problems.push(
            ...operatorTextProblems(loadConfig().operator, Catalog.load(localesDir(), promptsDir())),
          );
        if (problems.length > 0) {
          io.err(
            `locales have ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}\n`).join('')}`,
          );
          return EXIT.failure;
        }
        const countries = locales.filter((l) => !menu.includes(l));
        io.out(
          `locales ok: ${menu.join(', ')}${countries.length ? ` (country variants: ${countries.join(', ')})` : ''}\n`,
        );
        return EXIT.ok;
      }
      case 'withdraw':
      case 'erase': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { caller: { type: 'string' }, channel: { type: 'string' } },
        });
        // Every withdrawal names how it was received: the CRM and the certificate say so.
        const channel = values.channel as Channel;
        if (!CHANNELS.includes(channel)) return usage(io);
        if (command === 'erase' ? !values.caller : !values.caller && !positionals[0]) return usage(io);
        checkCallerArgument(values.caller);
        return await withRuntime(io, async (rt) => {
          const now = new Date();
          // As staff have it from a letter or a call: national (in PORTAL_DEFAULT_COUNTRY) or E.164.
          const caller =
            values.caller === undefined ? undefined : typedNumber(rt.ledger, rt.config, values.caller);
          const ids =
            command === 'erase'
              ? erase(rt.ledger, caller as string, channel, now, outboundOf(rt.config)).withdrawn
              : withdraw(
                  rt.ledger,
                  { caller, consentId: positionals[0] },
                  channel,
                  now,
                  outboundOf(rt.config),
                );
          // Delete the clips now; what fails (S3 down) stays queued for the service's job runner.
          await rt.jobs.runDue({ kinds: ['delete_clip'] });
          const pending = rt.ledger
            .sql("SELECT COUNT(*) FROM jobs WHERE kind = 'delete_clip' AND status != 'done'")
            .pluck()
            .get() as number;
          io.out(
            `${command === 'erase' ? 'erased; ' : ''}withdrew ${ids.length} consent(s)${ids.length ? `: ${ids.join(', ')}` : ''}` +
              `${pending ? `; ${pending} clip deletion(s) still queued` : ''}\n`,
          );
          return command === 'withdraw' && ids.length === 0 && positionals[0] ? EXIT.notFound : EXIT.ok;
        });
      }
      case 'retention': {
        if (rest[0] !== 'run') return usage(io);
        await withRuntime(io, (rt) => retentionCommand(rt, rest.slice(1), io));
        return EXIT.ok;
      }
      case 'certificate':
        return await withRuntime(io, async (rt) => certificateCommand(rest, io, rt.ledger));
      case 'simulate':
        return await simulate(rest, io);
      case 'notices':
        return await withRuntime(io, async (rt) => noticesCommand(rt, rest, io));
      case 'prompts':
        return await promptsCommand(rest, io, loadConfig());
      case 'intents':
        return rest[0] === 'test' ? intentsTest(rest.slice(1), io) : usage(io);
      case 'migrate-to-postgres':
        return migrateToPostgres(rest, io);
      case 'users':
        return await withRuntime(io, (rt) => usersCommand(rest, io, rt.ledger, readPassword));
      case undefined:
      case 'help':
      case '--help':
        io.out(USAGE);
        return command ? EXIT.ok : EXIT.usage;
      default:
        return usage(io);
    }
  } catch (error) {
    if (isArgumentError(error)) {
      io.err(`consent ${command}: ${(error as Error).message}\n(consent help lists every command)\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    io.err(`consent ${command}: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}

function usage(io: Out): number {
  io.err(USAGE);
  return EXIT.usage;
}
