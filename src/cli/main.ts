#!/usr/bin/env node
import { runCli } from './command.js';
import { COMMANDS, overview } from './commands.js';

const argv = process.argv.slice(2);
const { code } = await runCli(COMMANDS, argv[0] === '--version' ? ['version', ...argv.slice(1)] : argv, overview);
process.exitCode = code;
