/**
 * The app command `kcl-ts run --hub` starts as the hub: the properties' `executableName`,
 * split on spaces exactly as the daemon splits it, so that the hub runs the very program
 * the daemon would have run once per lease.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePropertiesBuffer } from '../../host/properties/parse.js';
import { splitExecutable } from '../../host/properties/executable.js';

export interface AppCommand {
  /** Program first; run without a shell. */
  readonly argv: readonly string[];
  /** The value as written, for messages. */
  readonly executableName: string;
}

/** Reads `executableName` from the properties file; throws naming the file and the problem. */
export function readAppCommand(propertiesFile: string, shownAs = propertiesFile): AppCommand {
  let bytes: Buffer;
  try {
    bytes = readFileSync(propertiesFile);
  } catch (err) {
    throw new Error(`${shownAs}: cannot read it: ${err instanceof Error ? err.message : String(err)}`);
  }
  const entry = parsePropertiesBuffer(bytes).map.get('executableName');
  if (entry === undefined) throw new Error(`${shownAs}: no executableName: hub mode runs that command as the hub`);
  const argv = splitExecutable(entry.value);
  if (argv.length === 0 || argv[0] === '') {
    throw new Error(`${shownAs}:${entry.line}: executableName ${JSON.stringify(entry.value)} has no program to run as the hub`);
  }
  const program = path.basename(argv[0]!);
  if (program === 'kcl-ts-forwarder' || argv.some((word) => path.basename(word) === 'node-forwarder.js')) {
    throw new Error(
      `${shownAs}:${entry.line}: executableName already runs the hub forwarder; with --hub it must be the app's own command ` +
        '(e.g. node dist/app.js), which kcl-ts run starts as the hub and replaces by the forwarder in a copy of the file',
    );
  }
  return { argv, executableName: entry.value };
}
