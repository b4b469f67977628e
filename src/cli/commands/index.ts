import type { Command } from '../command.js';
import { devCommand } from './dev.js';
import { hubCommand } from './hub.js';
import { initCommand } from './init.js';
import { jarsCommand } from './jars.js';
import { lockCommand } from './lock.js';
import { recordCommand } from './record.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';

/**
 * Every `kcl-ts` sub-command, in help order. A new one is a module in this directory
 * exporting a `Command` (see ../types.ts), listed here.
 */
export const COMMANDS: readonly Command[] = [runCommand, validateCommand, jarsCommand, lockCommand, recordCommand, hubCommand, initCommand, devCommand, statusCommand];
