#!/usr/bin/env node
// Thin shim: the CLI is built from src/cli into dist/ ("npm run build").
import { cli } from '../dist/cli/main.js';

await cli(process.argv.slice(2));
