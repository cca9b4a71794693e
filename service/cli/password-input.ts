/**
 * Where the users CLI reads a password from, so that it need not sit in shell history or in
 * `ps`: a prompt that does not echo (typed twice), or standard input (`--password-stdin`, for
 * scripts). `--password <p>` still works, with a warning.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export interface PasswordIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where prompts go (stderr, so stdout stays the command's answer). */
  output: NodeJS.WritableStream;
}

export class PasswordInputError extends Error {}

/** Everything on standard input, less one line ending: `printf '%s' "$P" | …` and `echo "$P" | …` alike. */
export async function readPasswordStdin(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as unknown as Uint8Array).toString('utf8');
  return text.replace(/\r?\n$/, '');
}

/** One line typed at a prompt, never echoed: readline writes its echo to an output that is muted. */
async function promptHidden(io: PasswordIo, question: string): Promise<string> {
  io.output.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: io.input, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      lines.once('close', () => reject(new PasswordInputError('no password typed')));
    });
  } finally {
    lines.close();
    io.output.write('\n');
  }
}

/** The password a command needs, from the first source given; the prompt asks twice. */
export async function readPassword(options: { password?: string; stdin?: boolean }, io: PasswordIo, warn: (line: string) => void): Promise<string> {
  if (options.password !== undefined && options.stdin) throw new PasswordInputError('give --password or --password-stdin, not both');
  if (options.stdin) return readPasswordStdin(io.input);
  if (options.password !== undefined) {
    warn('warning: a password given with --password stays in shell history and is visible in ps; prefer the prompt or --password-stdin');
    return options.password;
  }
  if (!io.input.isTTY) throw new PasswordInputError('a password is required: type it at the prompt (run in a terminal), or pipe it with --password-stdin');
  const first = await promptHidden(io, 'Password: ');
  const again = await promptHidden(io, 'Password again: ');
  if (first !== again) throw new PasswordInputError('the two passwords differ');
  return first;
}
