import { parseArgs } from 'node:util';
import qrcodeTerminal from 'qrcode-terminal';
import { isRole, ROLES } from '../audit/roles';
import { UserStore } from '../audit/users';
import type { Ledger } from '../ledger';
import { logCliAccess } from './cli-access';

type Io = { out(s: string): void; err(s: string): void };

const USAGE = `consent users add --email <address> --role ${ROLES.join('|')}   (password from stdin)
consent users list [--json]
`;

function terminalQr(text: string): Promise<string> {
  return new Promise((resolve) => qrcodeTerminal.generate(text, { small: true }, resolve));
}

/** `consent users`: the first admin has to come from somewhere other than the portal. */
export async function usersCommand(
  args: string[],
  io: Io,
  ledger: Ledger,
  readPassword: () => Promise<string>,
): Promise<number> {
  const [sub, ...rest] = args;
  const store = new UserStore(ledger);
  if (sub === 'add') {
    const { values } = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, role: { type: 'string' } },
    });
    if (!values.email || !isRole(values.role)) {
      io.err(USAGE);
      return 2;
    }
    if (store.byEmail(values.email)) {
      io.err(`user ${values.email} exists already\n`);
      return 1;
    }
    const password = (await readPassword()).replace(/\r?\n$/, '');
    try {
      const { otpauth, user } = await store.add(values.email, values.role, password);
      // Shown to every auditor on their overview, like accounts made in the portal.
      logCliAccess(ledger, 'user_created', {
        detail: { email: user.email, role: user.role, kind: 'person', userId: user.id },
      });
      io.out(`added ${values.email} (${values.role})\n`);
      io.out(`scan with an authenticator app (TOTP is required to sign in):\n${otpauth}\n`);
      io.out(await terminalQr(otpauth));
      return 0;
    } catch (error) {
      io.err(`${(error as Error).message}\n`);
      return 1;
    }
  }
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
    const list = store.list();
    if (values.json) io.out(`${JSON.stringify(list)}\n`);
    else
      for (const u of list)
        io.out(
          `${u.email}\t${u.role}\t${u.created_at}${u.locked ? '\tlocked' : ''}${u.disabled ? '\tdisabled' : ''}\n`,
        );
    return 0;
  }
  io.err(USAGE);
  return 2;
}

/** Reads the password from piped stdin, so it never appears in the process list or shell history. */
