// `npm run dj -- add NAME | list | remove NAME | passwd NAME | hash [--config FILE]`: manages DJ
// accounts in the station database (<data_dir>/station.sqlite, where the console's accounts live
// too), with the same config and AIRCHECK_DATA_DIR as the server; safe while the server runs. `add`
// and `passwd` read the password from stdin when it is piped, else generate one and print it once.
// `passwd` works for any account: the way back in for an admin who forgot a password set in the
// console (the console and /admin take the new one at once).
import { parseArgs } from 'node:util';
import { isAircheckError, type AircheckError } from '../../../shared/src/errors.ts';
import { loadConfig } from '../../../config/src/config.ts';
import { generateSecret, hashPassword } from '../secrets/secrets.ts';
import { checkDjName, checkDjPassword, withDjAccounts } from './dj-accounts.ts';

const USAGE = `Usage: npm run dj -- <command> [--config FILE]
  add NAME      create a DJ account; the password is read from stdin when piped
                (echo 'pass phrase' | npm run dj -- add NAME), else generated and printed once
  list          list the accounts (DJs, and the console's operators and admins)
  remove NAME   delete a DJ account
  passwd NAME   set a new password for any account (DJ, operator or admin) and end its console
                sessions; read from stdin when piped, else generated and printed once
  hash          print the scrypt hash of the password read from stdin, for a [[djs]] entry
                (echo 'pass phrase' | npm run dj -- hash)
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`dj: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, name, ...extra] = args.positionals;
  if (args.values.help || !command) {
    process.stdout.write(USAGE);
    return args.values.help ? 0 : 2;
  }
  const needsName = command === 'add' || command === 'remove' || command === 'passwd';
  if (command === 'hash' && !name && extra.length === 0) {
    if (process.stdin.isTTY) {
      process.stderr.write(`dj: hash reads the password from stdin: echo 'pass phrase' | npm run dj -- hash\n`);
      return 2;
    }
    const password = await readStdin();
    try {
      checkDjPassword(password);
    } catch (err) {
      process.stderr.write(`dj: ${(err as AircheckError).code}: ${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  }
  if (!['add', 'list', 'remove', 'passwd'].includes(command) || (needsName && !name) || (!needsName && name) || extra.length > 0) {
    process.stderr.write(`dj: unexpected arguments "${args.positionals.join(' ')}"\n${USAGE}`);
    return 2;
  }
  try {
    const config = loadConfig({ configFile: args.values.config ?? null });
    if (command === 'add') checkDjName(name!);
    const piped = (command === 'add' || command === 'passwd') && !process.stdin.isTTY ? await readStdin() : '';
    return await withDjAccounts(config.data_dir, config.djs, async (accounts) => {
      if (command === 'list') {
        const list = accounts.list();
        if (list.length === 0) process.stdout.write(`no accounts (add a DJ with: npm run dj -- add NAME)\n`);
        for (const a of list) process.stdout.write(`${a.name}\t${a.role}${a.disabled ? ' (disabled)' : ''}\tfrom ${a.origin}, created ${a.createdAt}\n`);
        return 0;
      }
      if (command === 'remove') {
        accounts.remove(name!);
        process.stdout.write(`DJ "${name}" removed\n`);
        return 0;
      }
      const password = piped || generateSecret();
      if (command === 'passwd') {
        const user = await accounts.users.update(name!, { password });
        process.stdout.write(piped ? `new password set for ${user.role} "${user.name}"\n` : `new password for ${user.role} "${user.name}" (shown once): ${password}\n`);
        return 0;
      }
      await accounts.add(name!, password);
      process.stdout.write(piped ? `DJ "${name}" added\n` : `DJ "${name}" added; password (shown once): ${password}\n`);
      return 0;
    });
  } catch (err) {
    if (isAircheckError(err)) {
      process.stderr.write(`dj: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`dj: fatal: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
