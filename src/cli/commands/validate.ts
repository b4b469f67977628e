import path from 'node:path';
import { formatDiagnostic } from '../../host/properties/diagnostic.js';
import { validatePropertiesFile } from '../../host/properties/validate.js';
import { parseCommandArgs, str } from '../args.js';
import { UsageError, type Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a MultiLangDaemon properties file',
  help: `Usage: kcl-ts validate [options] <file.properties>

Checks a properties file the way the KCL 3.1.x MultiLangDaemon reads it: required keys
(executableName, applicationName, streamName or streamArn, AwsCredentialsProvider),
unknown keys (the daemon silently ignores them), value types (the daemon silently turns a
malformed number into 0 and a malformed boolean into false), and whether the first word
of executableName resolves as the daemon will run it (split on spaces, no shell, relative
to the daemon's working directory, else on PATH).

Options:
  --cwd DIR      the daemon's working directory for resolving executableName (default: .)
  --no-exec      do not check executableName on this machine
  --strict       exit 1 on warnings too
  -h, --help     show this help

Exit status: 0 valid, 1 errors found (or warnings with --strict), 2 bad usage.
`,
  async run(argv, io) {
    const parsed = parseCommandArgs(
      this,
      argv,
      io,
      {
        cwd: { type: 'string' },
        'no-exec': { type: 'boolean' },
        strict: { type: 'boolean' },
      },
      true,
    );
    if (!parsed) return 0;
    const files = parsed.positionals;
    if (files.length !== 1) throw new UsageError(files.length === 0 ? 'missing <file.properties>' : 'expected one file');
    const file = files[0]!;
    const v = parsed.values;
    const result = validatePropertiesFile(path.resolve(io.cwd, file), {
      cwd: path.resolve(io.cwd, str(v['cwd']) ?? '.'),
      env: io.env,
      checkExecutable: !v['no-exec'],
    });
    const shown = result.diagnostics.map((d) => ({ ...d, file }));
    for (const d of shown) io.stdout(`${formatDiagnostic(d)}\n`);
    const errors = shown.filter((d) => d.severity === 'error').length;
    const warnings = shown.length - errors;
    io.stdout(
      errors === 0 && warnings === 0
        ? `${file}: OK\n`
        : `${file}: ${errors} error(s), ${warnings} warning(s)\n`,
    );
    return errors > 0 || (v['strict'] === true && warnings > 0) ? 1 : 0;
  },
};
