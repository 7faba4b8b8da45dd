/**
 * The password of `consent users add` from a terminal: a prompt on standard error, nothing echoed,
 * done at Enter. Read from a pipe (`echo … | consent users add …`) it is the whole input instead.
 * Without this, a person typing it saw no prompt, saw their password on the screen, and waited
 * for an end of input (Ctrl-D) nobody told them about.
 */
export function readPassword(
  input: NodeJS.ReadStream = process.stdin,
  prompt: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  return input.isTTY ? readHiddenLine(input, prompt) : readAll(input);
}

function readAll(input: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => (data += chunk));
    input.on('end', () => resolve(data));
    input.on('error', reject);
  });
}

function readHiddenLine(input: NodeJS.ReadStream, prompt: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    // Echo off before asking: what is typed as soon as the prompt shows is never shown.
    input.setRawMode(true);
    prompt.write(`password (at least 12 characters, not shown), then Enter: `);
    input.setEncoding('utf8');
    let typed = '';
    const finish = (settle: () => void): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      prompt.write('\n');
      settle();
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(() => resolve(typed));
        if (ch === '\u0003') return finish(() => reject(new Error('cancelled')));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
