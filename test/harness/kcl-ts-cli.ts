/** `kcl-ts` from source (no build needed): `tsx test/harness/kcl-ts-cli.ts run -p app.properties`. */
import { cli } from '../../src/cli/main.js';

await cli(process.argv.slice(2));
